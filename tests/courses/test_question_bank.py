"""The question bank as .xlsx: import all rows or none, each bad row named; export re-imports."""

import io

from wagtail.models import Revision

import pytest
from openpyxl import Workbook, load_workbook

from cms.errors import DomainError
from courses.models import Difficulty, Question, QuestionCategory, QuestionType
from courses.question_bank import (
    HEADERS,
    HELP_SHEET_TITLE,
    SHEET_TITLE,
    questions_import,
    questions_template,
    questions_workbook,
)
from tests.factories import UserFactory, course_with_lessons

pytestmark = pytest.mark.django_db


def bank_file(rows: list[dict], headers=HEADERS) -> bytes:
    """An .xlsx in the bank layout; each row is {header: value}, missing cells left empty."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_TITLE
    ws.append(list(headers))
    for row in rows:
        ws.append([row.get(header) for header in headers])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def single(stem="成人胸外按压的频率是？", **overrides) -> dict:
    return {
        "题型": "单选",
        "题干": stem,
        "选项A": "每分钟60至80次",
        "选项B": "每分钟100至120次",
        "选项C": "每分钟150次以上",
        "答案": "B",
        "解析": "成人按压频率每分钟100至120次。",
        "分类": "心肺复苏",
        "难度": "易",
        **overrides,
    }


def multiple(stem="以下哪些物品适合放进家庭应急包？", **overrides) -> dict:
    return {
        "题型": "多选题",
        "题干": stem,
        "选项A": "饮用水和即食食品",
        "选项B": "手电筒和备用电池",
        "选项C": "电饭煲",
        "选项D": "急救包",
        "答案": "A,B,D",
        "解析": "应急包要轻便、实用。",
        "分类": "家庭应急准备",
        "难度": "中",
        **overrides,
    }


def true_false(stem="燃气总阀关闭后可以自行打开。", **overrides) -> dict:
    return {
        "题型": "判断",
        "题干": stem,
        "答案": "错误",
        "解析": "须由燃气公司专业人员检查后恢复。",
        "分类": "水电气控制",
        "难度": "难",
        **overrides,
    }


@pytest.fixture
def trainer():
    return UserFactory(username="bank-trainer")


def test_import_creates_questions_categories_and_tags(trainer, catalog):
    course = course_with_lessons(catalog, code="GX-YJ-103", lessons=1)
    data = bank_file(
        [
            single(课程编号="GX-YJ-103", 标签="急救、心肺复苏"),
            multiple(),
            true_false(),
        ]
    )
    result = questions_import(data=data, by=trainer)

    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert sorted(result.categories_created) == ["家庭应急准备", "心肺复苏", "水电气控制"]
    cpr = Question.objects.get(stem="成人胸外按压的频率是？")
    assert cpr.type == QuestionType.SINGLE
    assert cpr.options == ["每分钟60至80次", "每分钟100至120次", "每分钟150次以上"]
    assert cpr.answer == "B" and cpr.correct_indexes == [1]
    assert cpr.difficulty == Difficulty.EASY
    assert cpr.course == course
    assert sorted(t.name for t in cpr.tags.all()) == ["心肺复苏", "急救"]
    assert cpr.revisions.count() == 1
    assert cpr.latest_revision.user == trainer

    kit = Question.objects.get(category__name="家庭应急准备")
    assert kit.type == QuestionType.MULTIPLE and kit.answer == "ABD"
    assert kit.course is None
    gas = Question.objects.get(category__name="水电气控制")
    assert gas.type == QuestionType.TRUE_FALSE
    assert gas.answer == "B" and gas.options == ["正确", "错误"]
    assert gas.difficulty == Difficulty.HARD


@pytest.mark.parametrize(
    ("kind", "answer", "expected"),
    [
        ("多选", "ACD", "ACD"),
        ("多选", "A,C,D", "ACD"),
        ("多选", "A、C", "AC"),
        ("多选", "c a", "AC"),
        ("多选", "Ａ，Ｃ", "AC"),  # full-width, as Chinese input methods type them
        ("单选", "b", "B"),
        ("判断", "正确", "A"),
        ("判断", "对", "A"),
        ("判断", "√", "A"),
        ("判断", "A", "A"),
        ("判断", "错", "B"),
        ("判断", "×", "B"),
        ("判断题", "B", "B"),
    ],
)
def test_answer_spellings(trainer, kind, answer, expected):
    make = true_false if kind.startswith("判断") else multiple
    row = make(题型=kind, 答案=answer)
    questions_import(data=bank_file([row]), by=trainer)
    assert Question.objects.get().answer == expected


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [("简单", 1), ("1", 1), (1, 1), ("一般", 2), ("2", 2), ("困难", 3), (3, 3), (None, 2)],
)
def test_difficulty_spellings(trainer, spelling, expected):
    questions_import(data=bank_file([single(难度=spelling)]), by=trainer)
    assert Question.objects.get().difficulty == expected


def test_one_bad_row_imports_nothing_and_every_bad_row_is_named(trainer, catalog):
    rows = [
        single(stem="第一道好题"),  # row 2
        single(stem="题型写错了", 题型="填空"),  # row 3
        single(stem="答案超出选项", 答案="E"),  # row 4
        single(题干=None),  # row 5
        multiple(stem="第二道好题"),  # row 6
        single(stem="单选两个答案", 答案="AB"),  # row 7
        single(stem="难度写错了", 难度="很难"),  # row 8
        true_false(stem="判断题答案写错", 答案="也许"),  # row 9
        single(stem="课程编号不存在", 课程编号="GX-NONE-1"),  # row 10
        multiple(stem="多选只有一个答案", 答案="A"),  # row 11
        single(stem="选项中间留空", 选项B=None),  # row 12
    ]
    revisions = Revision.objects.count()
    with pytest.raises(DomainError) as caught:
        questions_import(data=bank_file(rows), by=trainer)

    errors = caught.value.errors
    assert "9 行有误" in caught.value.message
    assert [e.split("：", 1)[0] for e in errors] == [
        f"第 {n} 行" for n in (3, 4, 5, 7, 8, 9, 10, 11, 12)
    ]
    by_row = {e.split("：", 1)[0]: e for e in errors}
    assert "题型“填空”无法识别" in by_row["第 3 行"]
    assert "答案须是已填写选项的字母" in by_row["第 4 行"]
    assert "题干不能为空" in by_row["第 5 行"]
    assert "只能有一个正确答案" in by_row["第 7 行"]
    assert "难度“很难”无法识别" in by_row["第 8 行"]
    assert "判断题的答案“也许”无法识别" in by_row["第 9 行"]
    assert "课程编号“GX-NONE-1”不存在" in by_row["第 10 行"]
    assert "多选题至少有两个正确答案" in by_row["第 11 行"]
    assert "选项须从 A 起连续填写" in by_row["第 12 行"]
    # Nothing was written, not even the categories the good rows would have created.
    assert not Question.objects.exists()
    assert not QuestionCategory.objects.exists()
    assert Revision.objects.count() == revisions


def test_the_same_question_twice_in_a_file_is_refused(trainer):
    with pytest.raises(DomainError) as caught:
        questions_import(
            data=bank_file([single(), multiple(), single(解析="另一种解析")]), by=trainer
        )
    assert caught.value.errors == ["第 4 行：与第 2 行是同一道题（题干和分类相同），请只保留一行。"]


def test_reimporting_updates_the_same_question_instead_of_adding_one(trainer):
    data = bank_file([single(), multiple(), true_false()])
    questions_import(data=data, by=trainer)
    revisions = Revision.objects.count()

    again = questions_import(data=data, by=trainer)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert Question.objects.count() == 3
    assert Revision.objects.count() == revisions

    changed = questions_import(
        data=bank_file([single(解析="按压频率每分钟100至120次，深度5至6厘米。"), multiple()]),
        by=trainer,
    )
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    cpr = Question.objects.get(category__name="心肺复苏")
    assert cpr.explanation.endswith("深度5至6厘米。")
    assert cpr.revisions.count() == 2
    # The same stem in another category is another question.
    questions_import(data=bank_file([single(分类="急救基础")]), by=trainer)
    assert Question.objects.filter(stem=cpr.stem).count() == 2


def test_whole_file_problems_are_reported_without_rows(trainer):
    with pytest.raises(DomainError) as caught:
        questions_import(data=b"not a spreadsheet", by=trainer)
    assert caught.value.field == "file" and ".xlsx" in caught.value.message

    with pytest.raises(DomainError) as caught:
        questions_import(data=bank_file([single()], headers=("题型", "题干", "选项A")), by=trainer)
    assert "答案、分类" in caught.value.message

    with pytest.raises(DomainError) as caught:
        questions_import(data=bank_file([]), by=trainer)
    assert "没有题目" in caught.value.message


def test_headers_from_other_systems_are_recognised(trainer):
    headers = ("序号", "试题类型", "题目", "选项 A", "选项b", "正确答案", "答案解析", "知识点")
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    ws.append([1, "单选题", "119是什么电话？", "火警", "急救", "A", "119是火警电话。", "报警求助"])
    buffer = io.BytesIO()
    wb.save(buffer)
    result = questions_import(data=buffer.getvalue(), by=trainer)
    assert result.created == 1
    question = Question.objects.get()
    assert question.options == ["火警", "急救"] and question.category.name == "报警求助"


def test_export_reimports_unchanged_round_trip(trainer, catalog):
    course_with_lessons(catalog, code="GX-YJ-104", lessons=1)
    questions_import(
        data=bank_file(
            [
                single(标签="急救"),
                multiple(课程编号="GX-YJ-104"),
                true_false(),
                single(stem="按压与通气之比？", 选项A="30:2", 选项B="15:2", 选项C=None),
            ]
        ),
        by=trainer,
    )
    # Text that Excel would run as a formula stays text in the export.
    Question.objects.create(
        type=QuestionType.SINGLE,
        stem="=SUM(A1) 不是公式",
        option_a="=1+1",
        option_b="2",
        answer="B",
        category=QuestionCategory.objects.create(name="公式测试"),
    )
    before = {
        q.stem: (
            q.type,
            q.options,
            q.answer,
            q.explanation,
            q.category.name,
            q.difficulty,
            q.course_id,
            sorted(t.name for t in q.tags.all()),
        )
        for q in Question.objects.all()
    }
    exported = questions_workbook(Question.objects.all())

    sheet = load_workbook(io.BytesIO(exported))[SHEET_TITLE]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(HEADERS)
    assert len(rows) == 6
    tf_row = next(r for r in rows if r[0] == "判断题")
    assert tf_row[HEADERS.index("答案")] == "错误"

    # Importing the export into the same bank changes nothing…
    again = questions_import(data=exported, by=trainer)
    assert again.unchanged == 5 and again.created == again.updated == 0
    # …and into an empty bank recreates the same questions.
    Question.objects.all().delete()
    QuestionCategory.objects.all().delete()
    questions_import(data=exported, by=trainer)
    after = {
        q.stem: (
            q.type,
            q.options,
            q.answer,
            q.explanation,
            q.category.name,
            q.difficulty,
            q.course_id,
            sorted(t.name for t in q.tags.all()),
        )
        for q in Question.objects.all()
    }
    assert after == before


def test_export_follows_the_queryset(trainer):
    questions_import(data=bank_file([single(), multiple(), true_false()]), by=trainer)
    exported = questions_workbook(Question.objects.filter(type=QuestionType.TRUE_FALSE))
    rows = list(load_workbook(io.BytesIO(exported))[SHEET_TITLE].iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == "判断题"


def test_template_has_examples_and_instructions_and_imports_cleanly(trainer):
    data = questions_template()
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == [SHEET_TITLE, HELP_SHEET_TITLE]
    sheet = wb[SHEET_TITLE]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(HEADERS)
    assert {row[0] for row in rows[1:]} == {"单选题", "多选题", "判断题"}
    help_text = "\n".join(str(r[0]) for r in wb[HELP_SHEET_TITLE].iter_rows(values_only=True))
    assert "只要有一行有误，整个文件都不导入" in help_text
    assert "不会重复新增" in help_text

    result = questions_import(data=data, by=trainer)
    assert result.created == 3


def test_demo_bank_and_exams_are_seeded_once():
    from django.core.management import call_command
    from django.db.models import Sum

    from courses.models import CompletionRule, CoursePage, Exam, ExamKind, SelectionMode

    call_command("seed_demo")
    counts = (Question.objects.count(), QuestionCategory.objects.count(), Exam.objects.count())
    revisions = Revision.objects.count()
    call_command("seed_demo")
    assert (
        Question.objects.count(),
        QuestionCategory.objects.count(),
        Exam.objects.count(),
    ) == counts
    assert Revision.objects.count() == revisions

    assert counts[0] >= 60
    assert {q.type for q in Question.objects.all()} == set(QuestionType.values)
    assert not Question.objects.filter(explanation="").exists()
    for question in Question.objects.all():
        question.full_clean()
    for course in CoursePage.objects.filter(code__startswith="GX-YJ-"):
        assert Question.objects.filter(course=course).count() >= 10, course.code
        final = Exam.objects.get(course=course, kind=ExamKind.FINAL)
        assert final.time_limit_minutes == 20 and final.max_attempts == 3
        if final.selection == SelectionMode.RANDOM:
            assert final.draw_rules.aggregate(n=Sum("count"))["n"] == 10
            for rule in final.draw_rules.all():
                assert (
                    Question.objects.active().filter(category=rule.category).count() >= rule.count
                )
        else:
            assert final.fixed_questions.count() == 10
            assert final.fixed_questions.aggregate(p=Sum("points"))["p"] == 100
            categories = {item.question.category_id for item in final.fixed_questions.all()}
            assert len(categories) == 3  # the paper covers the whole course
        expected = (
            CompletionRule.LESSONS_AND_EXAM
            if course.code == "GX-YJ-103"
            else CompletionRule.ALL_LESSONS
        )
        assert course.completion_rule == expected
    assert Exam.objects.filter(selection=SelectionMode.RANDOM).exists()
    quiz = Exam.objects.filter(kind=ExamKind.QUIZ).first()
    assert quiz is not None and quiz.lesson is not None and quiz.fixed_questions.exists()
