"""Correcting a question's key regrades the attempts that used it and keeps the old grades."""

import datetime
from decimal import Decimal

from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

import pytest

from cms.roles import REVIEWERS, TRAINERS, roles_setup
from courses.models import LessonPage
from lms.errors import DomainError
from lms.models import (
    AttemptAnswer,
    AttemptStatus,
    Enrollment,
    EnrollmentSource,
    EnrollmentStatus,
    LessonProgress,
    QuestionRegrade,
)
from lms.services.regrade import question_answer_correct, question_regrade
from tests.factories import UserFactory

from .conftest import ALL_RIGHT, make_attempt

pytestmark = pytest.mark.django_db

# The first question's key was wrongly B; the members who chose C were right.
CHOSE_C = [[2], [0, 2], [0]]  # 2 of 3 under key B (66.7%), 3 of 3 under key C
CHOSE_A = [[0], [0, 2], [1]]  # 1 of 3 either way


@pytest.fixture
def reviewer(site_tree):
    roles_setup()
    return UserFactory(username="regrader", groups=[Group.objects.get(name=REVIEWERS)])


def correct_first_key(questions, reviewer, new="C", reason="原答案有误，按指南更正"):
    return question_answer_correct(
        question=questions[0], new_answer=new, by=reviewer, reason=reason
    )


def test_regrade_changes_grades_and_keeps_the_old_ones_in_history(world, exam, questions, reviewer):
    exam.pass_mark = 80
    exam.save()
    right_all_along = make_attempt(world["member"], exam, CHOSE_C)
    unaffected = make_attempt(world["leader"], exam, CHOSE_A)
    assert (right_all_along.percent, right_all_along.passed) == (Decimal("66.7"), False)

    regrade = correct_first_key(questions, reviewer)

    assert (regrade.old_answer, regrade.new_answer) == ("B", "C")
    assert (regrade.attempts_total, regrade.attempts_changed) == (2, 1)
    assert regrade.regraded_by == reviewer
    right_all_along.refresh_from_db()
    assert right_all_along.score == 3 and right_all_along.percent == 100
    assert right_all_along.passed is True
    assert right_all_along.regraded_at is not None
    unaffected.refresh_from_db()
    assert unaffected.score == 1 and unaffected.regraded_at is None

    answer = right_all_along.answers.get(position=1)
    assert answer.is_correct is True and answer.score == 1
    before, after = list(answer.history.order_by("history_date", "history_id"))[-2:]
    assert (before.is_correct, before.score) == (False, 0)
    assert (after.is_correct, after.score) == (True, 1)
    assert after.history_user == reviewer
    assert "B → C" in after.history_change_reason and "按指南更正" in after.history_change_reason
    *_created, old, new = right_all_along.history.order_by("history_date", "history_id")
    assert (old.percent, old.passed) == (Decimal("66.7"), False)
    assert (new.percent, new.passed, new.history_user) == (Decimal("100.0"), True, reviewer)


def test_the_key_is_saved_as_a_new_revision(world, exam, questions, reviewer):
    question = questions[0]
    question.save_revision(user=reviewer)
    correct_first_key(questions, reviewer)
    question.refresh_from_db()
    assert question.answer == "C"
    assert question.revisions.count() == 2
    assert question.latest_revision.user == reviewer
    assert question.latest_revision.content["answer"] == "C"


def test_regrading_again_changes_nothing(world, exam, questions, reviewer):
    make_attempt(world["member"], exam, CHOSE_C)
    correct_first_key(questions, reviewer)
    answers = AttemptAnswer.history.count()
    again = question_regrade(question=questions[0], by=reviewer, reason="复核", old_answer="C")
    assert (again.attempts_total, again.attempts_changed) == (1, 0)
    assert AttemptAnswer.history.count() == answers
    assert QuestionRegrade.objects.count() == 2


def test_open_attempts_are_left_to_be_graded_at_submission(world, exam, questions, reviewer):
    sitting = make_attempt(world["member"], exam, CHOSE_C, status=AttemptStatus.OPEN)
    regrade = correct_first_key(questions, reviewer)
    assert regrade.attempts_total == 0
    answer = sitting.answers.get(position=1)
    assert answer.is_correct is None and answer.score is None


def test_an_answer_saved_after_the_deadline_still_counts_as_blank(world, exam, questions, reviewer):
    started = timezone.now() - datetime.timedelta(hours=1)
    late = make_attempt(
        world["member"],
        exam,
        CHOSE_C,
        status=AttemptStatus.TIMED_OUT,
        started_at=started,
        deadline=started + datetime.timedelta(minutes=20),
        saved_at=started + datetime.timedelta(minutes=21),
    )
    assert late.score == 0
    regrade = correct_first_key(questions, reviewer)
    late.refresh_from_db()
    assert late.score == 0 and regrade.attempts_changed == 0


def test_a_final_exam_passed_by_regrade_completes_the_course(
    world, exam, course, questions, reviewer
):
    exam.pass_mark = 80
    exam.save()
    member = world["member"]
    enrollment = Enrollment.objects.create(
        member=member, course=course, source=EnrollmentSource.SELF
    )
    for lesson in LessonPage.objects.child_of(course):
        LessonProgress.objects.create(
            enrollment=enrollment, lesson=lesson, completed_at=timezone.now()
        )
    make_attempt(member, exam, CHOSE_C)
    enrollment.refresh_from_db()
    assert enrollment.status != EnrollmentStatus.COMPLETED

    correct_first_key(questions, reviewer)
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED


def test_a_refused_correction_changes_nothing(world, exam, questions, reviewer):
    make_attempt(world["member"], exam, ALL_RIGHT)
    for new, reason, message in [
        ("E", "理由", "答案须是已填写选项的字母"),
        ("BC", "理由", "只能有一个正确答案"),
        ("B", "理由", "与原答案相同"),
        ("C", "  ", "请填写更正答案的原因"),
    ]:
        with pytest.raises(DomainError) as caught:
            correct_first_key(questions, reviewer, new=new, reason=reason)
        assert message in caught.value.message
    questions[0].refresh_from_db()
    assert questions[0].answer == "B"
    assert not QuestionRegrade.objects.exists()


# -- in the admin ----------------------------------------------------------------------------


def regrade_url(question):
    return reverse("lms_exams:question_regrade", args=[question.pk])


def test_the_admin_action_corrects_and_regrades(client, world, exam, questions, reviewer):
    attempt = make_attempt(world["member"], exam, CHOSE_C)
    client.force_login(reviewer)
    page = client.get(regrade_url(questions[0]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "成人胸外按压的频率是？" in html and "更正答案并重新评分" in html

    response = client.post(
        regrade_url(questions[0]), {"new_answer": "c", "reason": "指南规定为C"}, follow=True
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "已将答案由 B 更正为 C 并重新评分" in html
    assert "涉及 1 次作答，其中 1 次成绩发生变化" in html
    regrade = QuestionRegrade.objects.get()
    assert regrade.reason == "指南规定为C"
    attempt.refresh_from_db()
    assert attempt.score == 3

    # The log lists it; the attempt's page shows the grade history with who regraded.
    log = client.get(reverse("lms_question_regrade:index")).content.decode()
    assert "B → C" in log and "指南规定为C" in log
    superuser = UserFactory(username="root-admin", is_superuser=True)
    client.force_login(superuser)
    inspect = client.get(reverse("lms_attempt:inspect", args=[attempt.pk])).content.decode()
    assert "成绩变更记录" in inspect
    assert "regrader" in inspect and "指南规定为C" in inspect
    assert "得分：2.0 → 3.0" in inspect


def test_the_admin_form_shows_a_refusal(client, world, exam, questions, reviewer):
    client.force_login(reviewer)
    response = client.post(regrade_url(questions[0]), {"new_answer": "F", "reason": "试试"})
    assert response.status_code == 200
    assert "答案须是已填写选项的字母" in response.content.decode()
    questions[0].refresh_from_db()
    assert questions[0].answer == "B"


def test_trainers_may_regrade_leaders_and_members_may_not(
    client, world, exam, questions, site_tree
):
    roles_setup()
    trainer = UserFactory(username="bank-trainer", groups=[Group.objects.get(name=TRAINERS)])
    client.force_login(trainer)
    assert client.get(regrade_url(questions[0])).status_code == 200
    for user in (world["leader_user"], world["member_user"], world["qingxiu_admin"]):
        client.force_login(user)
        response = client.post(regrade_url(questions[0]), {"new_answer": "C", "reason": "x"})
        assert response.status_code in (302, 403)
    questions[0].refresh_from_db()
    assert questions[0].answer == "B"


def test_the_question_list_and_edit_page_offer_the_action(client, world, questions, reviewer):
    client.force_login(reviewer)
    list_html = client.get(reverse("wagtailsnippets_courses_question:list")).content.decode()
    assert regrade_url(questions[0]) in list_html
    edit = reverse("wagtailsnippets_courses_question:edit", args=[questions[0].pk])
    edit_html = client.get(edit).content.decode()
    assert regrade_url(questions[0]) in edit_html


def test_attempts_in_the_admin_are_scoped(client, world, exam, questions):
    mine = make_attempt(world["member"], exam, ALL_RIGHT)
    far = make_attempt(world["other"], exam, ALL_RIGHT)
    client.force_login(world["qingxiu_admin"])
    listing = client.get(reverse("lms_attempt:index"))
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "陆队员" in html and "柳州队员" not in html
    assert client.get(reverse("lms_attempt:inspect", args=[mine.pk])).status_code == 200
    assert client.get(reverse("lms_attempt:inspect", args=[far.pk])).status_code == 404
    # Nobody edits a grade by hand.
    assert client.get(reverse("lms_attempt:edit", args=[mine.pk])).status_code in (302, 403)
    # A team leader (not an area administrator) has no attempt screens.
    client.force_login(world["leader_user"])
    assert client.get(reverse("lms_attempt:index")).status_code in (302, 403)
