"""The question bank and exams in the Wagtail admin: who may manage them, list, search, filter,
edit with revisions, import and export."""

import io
import json

from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

import pytest
from openpyxl import load_workbook

from courses.models import Exam, ExamKind, Question, QuestionCategory, QuestionType
from lms.roles import TEAM_LEADERS, lms_roles_setup
from tests.factories import UserFactory, course_with_lessons

from .test_question_bank import bank_file, multiple, single, true_false

pytestmark = pytest.mark.django_db

NS = "wagtailsnippets_courses_question"
LIST = reverse(f"{NS}:list")
LIST_RESULTS = reverse(f"{NS}:list_results")
ADD = reverse(f"{NS}:add")
IMPORT = reverse(f"{NS}:import")
EXPORT = reverse(f"{NS}:export")
TEMPLATE = reverse(f"{NS}:template")
EXAM_ADD = reverse("wagtailsnippets_courses_exam:add")


@pytest.fixture
def bank(people):
    first_aid = QuestionCategory.objects.create(name="心肺复苏")
    fire = QuestionCategory.objects.create(name="灭火器使用")
    return {
        "cpr": Question.objects.create(
            type=QuestionType.SINGLE,
            stem="成人胸外按压的深度是多少？",
            option_a="3至4厘米",
            option_b="5至6厘米",
            answer="B",
            category=first_aid,
        ),
        "extinguisher": Question.objects.create(
            type=QuestionType.TRUE_FALSE,
            stem="使用干粉灭火器时应对准火焰根部。",
            answer="A",
            category=fire,
            difficulty=1,
        ),
    }


def xlsx_rows(response):
    wb = load_workbook(io.BytesIO(response.content))
    return [list(row) for row in wb.worksheets[0].iter_rows(values_only=True)]


def question_form(**overrides) -> dict:
    category = QuestionCategory.objects.get_or_create(name="心肺复苏")[0]
    return {
        "type": "single",
        "difficulty": "2",
        "category": str(category.pk),
        "course": "",
        "stem": "AED 分析心律时，施救者应当怎么做？",
        "option_a": "继续按压",
        "option_b": "确保任何人不接触患者",
        "option_c": "",
        "option_d": "",
        "option_e": "",
        "option_f": "",
        "answer": "B",
        "explanation": "分析和电击时任何人都不能接触患者。",
        "tags": "急救",
        "active": "on",
        **overrides,
    }


# -- who may manage the bank ------------------------------------------------------------


@pytest.mark.parametrize("role", ["trainer", "reviewer"])
def test_trainers_and_reviewers_manage_the_bank(client, people, bank, role):
    client.force_login(people[role])
    response = client.get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert "成人胸外按压的深度是多少？" in html
    assert "导入题库" in html and "导出题库" in html
    assert IMPORT in html and EXPORT in html
    admin_home = client.get(reverse("wagtailadmin_home")).content.decode()
    # The sidebar's items are JSON in the page.
    assert json.dumps("题库与考试")[1:-1] in admin_home


def test_a_team_leader_or_member_cannot_open_the_bank(client, people, bank):
    lms_roles_setup()
    leader = UserFactory(username="bank-leader", groups=[Group.objects.get(name=TEAM_LEADERS)])
    member = UserFactory(username="bank-member")
    for user in (leader, member):
        client.force_login(user)
        for url in (LIST, ADD, IMPORT, EXPORT, EXAM_ADD):
            response = client.get(url)
            assert response.status_code in (302, 403), (user, url)
            assert "成人胸外按压" not in response.content.decode()
        response = client.post(ADD, question_form())
        assert response.status_code in (302, 403)
    assert Question.objects.count() == 2


def test_anonymous_is_sent_to_sign_in(client, bank):
    for url in (LIST, IMPORT, EXPORT, TEMPLATE):
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("wagtailadmin_login") in response["Location"]


def test_roles_setup_grants_the_bank_idempotently(people):
    from cms.roles import roles_setup

    trainers = Group.objects.get(name="培训师")
    before = set(trainers.permissions.values_list("codename", flat=True))
    roles_setup()
    assert set(trainers.permissions.values_list("codename", flat=True)) == before
    assert {"add_question", "change_question", "add_exam", "change_exam"} <= before
    assert "delete_question" not in before
    reviewers = Group.objects.get(name="审核员").permissions.values_list("codename", flat=True)
    assert "delete_question" in reviewers


# -- the list ------------------------------------------------------------------------------


def test_search_on_the_stem_and_filters(client, people, bank):
    client.force_login(people["trainer"])
    html = client.get(LIST_RESULTS, {"q": "干粉"}).content.decode()
    assert "使用干粉灭火器" in html and "成人胸外按压" not in html

    html = client.get(LIST_RESULTS, {"type": "single"}).content.decode()
    assert "成人胸外按压" in html and "使用干粉灭火器" not in html

    category = bank["extinguisher"].category
    html = client.get(LIST_RESULTS, {"category": category.pk}).content.decode()
    assert "使用干粉灭火器" in html and "成人胸外按压" not in html

    html = client.get(LIST_RESULTS, {"difficulty": "1"}).content.decode()
    assert "使用干粉灭火器" in html and "成人胸外按压" not in html

    bank["cpr"].active = False
    bank["cpr"].save()
    html = client.get(LIST_RESULTS, {"active": "false"}).content.decode()
    assert "成人胸外按压" in html and "使用干粉灭火器" not in html
    # The results area offers the export of exactly what the filters show.
    assert f"{EXPORT}?active=false" in html


def test_the_question_chooser_is_for_authors_and_searches_within_the_stem(client, people, bank):
    """Choosing questions (for an exam or a lesson's quiz): a word in the middle of a stem is
    found; query syntax is just text; people who may not author the bank get a 404."""
    chooser = reverse("wagtailsnippetchoosers_courses_question:choose_results")
    client.force_login(people["trainer"])
    html = client.get(chooser, {"q": "干粉"}).content.decode()
    assert "使用干粉灭火器" in html and "成人胸外按压" not in html
    response = client.get(chooser, {"q": 'javascript:alert("x") OR "'})
    assert response.status_code == 200
    assert "成人胸外按压" not in response.content.decode()

    lms_roles_setup()
    leader = UserFactory(username="chooser-leader", groups=[Group.objects.get(name=TEAM_LEADERS)])
    client.force_login(leader)
    assert client.get(chooser, {"q": "干粉"}).status_code == 404


def test_filter_by_course(client, people, bank, catalog):
    course = course_with_lessons(catalog, code="GX-YJ-103", lessons=1)
    bank["cpr"].course = course
    bank["cpr"].save()
    client.force_login(people["trainer"])
    html = client.get(LIST_RESULTS, {"course": course.pk}).content.decode()
    assert "成人胸外按压" in html and "使用干粉灭火器" not in html


# -- editing ------------------------------------------------------------------------------


def test_a_trainer_adds_and_edits_a_question_with_revisions(client, people):
    client.force_login(people["trainer"])
    response = client.post(ADD, question_form())
    assert response.status_code == 302
    question = Question.objects.get(stem__startswith="AED")
    assert question.answer == "B"
    assert [t.name for t in question.tags.all()] == ["急救"]
    assert question.revisions.count() == 1

    edit = reverse(f"{NS}:edit", args=[question.pk])
    response = client.post(edit, question_form(explanation="电击前大声提示“大家离开”。"))
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.explanation.startswith("电击前")
    assert question.revisions.count() == 2
    assert question.latest_revision.user == people["trainer"]
    history = client.get(reverse(f"{NS}:history", args=[question.pk]))
    assert history.status_code == 200


def test_the_edit_form_refuses_a_key_outside_the_options(client, people):
    client.force_login(people["trainer"])
    response = client.post(ADD, question_form(answer="D"))
    assert response.status_code == 200
    assert "答案须是已填写选项的字母" in response.content.decode()
    assert not Question.objects.exists()


# -- import, export, template -----------------------------------------------------------------


def upload(data: bytes, name="题库.xlsx"):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_import_page_offers_the_template(client, people):
    client.force_login(people["trainer"])
    html = client.get(IMPORT).content.decode()
    assert "导入题库" in html and TEMPLATE in html


def test_import_shows_each_bad_row_and_writes_nothing(client, people):
    client.force_login(people["trainer"])
    data = bank_file([single(), single(stem="坏题", 题型="问答"), multiple(答案="AG")])
    response = client.post(IMPORT, {"file": upload(data)})
    assert response.status_code == 200
    html = response.content.decode()
    assert "有 2 行有误，整个文件未导入" in html
    assert "第 3 行：题型“问答”无法识别" in html
    assert "第 4 行：答案“AG”无法识别" in html
    assert not Question.objects.exists()


def test_import_then_reimport_reports_counts(client, people):
    client.force_login(people["trainer"])
    data = bank_file([single(), multiple(), true_false()])
    html = client.post(IMPORT, {"file": upload(data)}, follow=True).content.decode()
    assert 'id="question-import-summary"' in html
    assert "新增 3 题" in html
    html = client.post(IMPORT, {"file": upload(data)}, follow=True).content.decode()
    assert "新增 0 题，更新 0 题，3 题无变化" in html
    assert Question.objects.count() == 3


def test_not_a_spreadsheet_is_an_error_on_the_file_field(client, people):
    client.force_login(people["trainer"])
    response = client.post(IMPORT, {"file": upload(b"hello", "题库.xls")})
    assert response.status_code == 200
    assert ".xlsx" in response.content.decode()


def test_export_follows_the_filter_and_template_downloads(client, people, bank):
    client.force_login(people["trainer"])
    response = client.get(EXPORT, {"type": "true_false"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = xlsx_rows(response)
    assert rows[0][:2] == ["题型", "题干"]
    assert [r[1] for r in rows[1:]] == ["使用干粉灭火器时应对准火焰根部。"]

    rows = xlsx_rows(client.get(EXPORT, {"q": "按压"}))
    assert [r[1] for r in rows[1:]] == ["成人胸外按压的深度是多少？"]
    assert len(xlsx_rows(client.get(EXPORT))) == 3

    response = client.get(TEMPLATE)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["题库", "填写说明"]


# -- exams -----------------------------------------------------------------------------------


def exam_form(course, **overrides) -> dict:
    data = {
        "title": "结业考试",
        "kind": "final",
        "course": str(course.pk),
        "lesson": "",
        "instructions": "",
        "pass_mark": "60",
        "time_limit_minutes": "20",
        "max_attempts": "3",
        "review_policy": "after_submit",
        "opens_at": "",
        "closes_at": "",
        "shuffle_questions": "on",
        "shuffle_options": "on",
        "active": "on",
        "selection": "fixed",
        "fixed_questions-TOTAL_FORMS": "0",
        "fixed_questions-INITIAL_FORMS": "0",
        "fixed_questions-MIN_NUM_FORMS": "0",
        "fixed_questions-MAX_NUM_FORMS": "1000",
        "draw_rules-TOTAL_FORMS": "0",
        "draw_rules-INITIAL_FORMS": "0",
        "draw_rules-MIN_NUM_FORMS": "0",
        "draw_rules-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_a_trainer_defines_a_final_exam_with_fixed_questions(client, people, bank, catalog):
    course = course_with_lessons(catalog, code="GX-YJ-103", lessons=1)
    client.force_login(people["trainer"])
    assert client.get(EXAM_ADD).status_code == 200

    response = client.post(EXAM_ADD, exam_form(course))
    assert response.status_code == 200
    assert "请至少添加一道题目" in response.content.decode()

    form = exam_form(
        course,
        **{
            "fixed_questions-TOTAL_FORMS": "2",
            "fixed_questions-0-question": str(bank["cpr"].pk),
            "fixed_questions-0-points": "5",
            "fixed_questions-0-ORDER": "1",
            "fixed_questions-0-id": "",
            "fixed_questions-0-DELETE": "",
            "fixed_questions-1-question": str(bank["extinguisher"].pk),
            "fixed_questions-1-points": "5",
            "fixed_questions-1-ORDER": "2",
            "fixed_questions-1-id": "",
            "fixed_questions-1-DELETE": "",
        },
    )
    response = client.post(EXAM_ADD, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    exam = Exam.objects.get()
    assert exam.kind == ExamKind.FINAL
    assert [q.question_id for q in exam.fixed_questions.all()] == [
        bank["cpr"].pk,
        bank["extinguisher"].pk,
    ]


def test_a_random_draw_the_bank_cannot_fill_is_refused(client, people, bank, catalog):
    course = course_with_lessons(catalog, code="GX-YJ-103", lessons=1)
    client.force_login(people["trainer"])
    form = exam_form(
        course,
        selection="random",
        **{
            "draw_rules-TOTAL_FORMS": "1",
            "draw_rules-0-category": str(bank["cpr"].category_id),
            "draw_rules-0-difficulty": "",
            "draw_rules-0-count": "5",
            "draw_rules-0-points": "1",
            "draw_rules-0-ORDER": "1",
            "draw_rules-0-id": "",
            "draw_rules-0-DELETE": "",
        },
    )
    response = client.post(EXAM_ADD, form)
    assert response.status_code == 200
    assert "要抽 5 题，题库中可用（已启用）的只有 1 题" in response.content.decode()
    assert not Exam.objects.exists()

    form["draw_rules-0-count"] = "1"
    assert client.post(EXAM_ADD, form).status_code == 302
    assert Exam.objects.get().draw_rules.get().count == 1


def test_view_permission_alone_lists_but_does_not_import(client, people, bank):
    group = Group.objects.create(name="只读题库")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="view_question"),
    )
    client.force_login(UserFactory(username="viewer", groups=[group]))
    assert client.get(LIST).status_code == 200
    assert "导入题库" not in client.get(LIST).content.decode()
    assert client.get(IMPORT).status_code in (302, 403)
    assert client.get(EXPORT).status_code == 200
