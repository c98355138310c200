"""The learner's exam pages: rules, the attempt page (with and without JavaScript), result."""

import datetime
import re

from django.test import Client
from django.urls import reverse
from django.utils import timezone

import pytest

from courses.models import Exam, ReviewPolicy
from lms.models import Attempt, AttemptAnswer, AttemptStatus
from lms.services.attempts import answer_save, attempt_start, attempt_submit
from tests.factories import MemberFactory, UserFactory

from .conftest import BANK, right_choices, wrong_choices

pytestmark = pytest.mark.django_db

EXPLANATIONS = [row[-1] for row in BANK]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def member_client(world):
    return signed_in(world["member_user"])


@pytest.fixture
def attempt(world, exam, enrolled):
    return attempt_start(member=world["member"], exam=exam)


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, response
    return response.content.decode()


def questions_of(attempt) -> dict:
    return {a.position: a.question for a in attempt.answers.select_related("question")}


# -- the intro -----------------------------------------------------------------------------


def test_intro_shows_the_rules_and_starts(member_client, exam, enrolled):
    html = page(member_client, reverse("learn:exam", args=[exam.pk]))
    assert exam.title in html
    assert "4 道" in html and "30 分钟" in html and "得分率 60%" in html
    assert "已用 0/2 次" in html
    assert "开始作答" in html
    response = member_client.post(reverse("learn:exam_start", args=[exam.pk]))
    attempt = Attempt.objects.get(member__user__username="member", exam=exam)
    assert response.status_code == 302
    assert response["Location"] == reverse("learn:attempt", args=[attempt.pk])
    html = page(member_client, reverse("learn:exam", args=[exam.pk]))
    assert "继续作答" in html


def test_intro_not_enrolled_explains(member_client, exam):
    html = page(member_client, reverse("learn:exam", args=[exam.pk]))
    assert "尚未报名" in html and "开始作答" not in html
    response = member_client.post(reverse("learn:exam_start", args=[exam.pk]), follow=True)
    assert "尚未报名" in response.content.decode()
    assert not Attempt.objects.exists()


def test_intro_after_the_last_attempt(member_client, world, exam, enrolled):
    for _ in range(2):
        attempt_submit(attempt=attempt_start(member=world["member"], exam=exam))
    html = page(member_client, reverse("learn:exam", args=[exam.pk]))
    assert "您已用完本考试的 2 次作答机会。" in html
    assert "已用 2/2 次" in html
    assert "开始作答" not in html and "再考一次" not in html


def test_inactive_exam_is_404(member_client, exam, enrolled):
    Exam.objects.filter(pk=exam.pk).update(active=False)
    assert member_client.get(reverse("learn:exam", args=[exam.pk])).status_code == 404


# -- the attempt page ----------------------------------------------------------------------


def test_attempt_page_has_every_question_and_no_key(member_client, attempt):
    html = page(member_client, reverse("learn:attempt", args=[attempt.pk]))
    for question in questions_of(attempt).values():
        assert question.stem in html
    assert html.count('type="radio"') == 3 + 2 + 3  # two singles of 3, true/false
    assert html.count('type="checkbox"') == 4
    assert "correct" not in html.lower()
    for explanation in EXPLANATIONS:
        assert explanation not in html
    assert "解析" not in html
    assert 'data-seconds-left="' in html
    assert re.search(r"data-countdown[^>]*>(29:5\d|30:00)<", html)
    assert (
        reverse("api-v1:answer_put", kwargs={"attempt_id": attempt.pk, "position": 0})[:-1] in html
    )


def test_reloading_shows_the_saved_answers_checked(member_client, attempt):
    answer_save(
        attempt=attempt, position=2, choices=[attempt.answers.get(position=2).option_order[0]]
    )
    html = page(member_client, reverse("learn:attempt", args=[attempt.pk]))
    stored = attempt.answers.get(position=2).response[0]
    assert re.search(rf'name="q2" value="{stored}" checked', html)
    assert html.count(" checked") == 1
    assert "✓ 已保存" in html


def test_without_javascript_the_form_saves_every_answer(member_client, attempt):
    questions = questions_of(attempt)
    data = {f"q{p}": [str(c) for c in right_choices(q)] for p, q in questions.items()}
    response = member_client.post(
        reverse("learn:attempt", args=[attempt.pk]), {**data, "action": "save"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("learn:attempt", args=[attempt.pk])
    for answer in attempt.answers.select_related("question"):
        assert answer.response == right_choices(answer.question)
    attempt.refresh_from_db()
    assert attempt.is_open


def test_without_javascript_submitting_saves_then_grades(member_client, attempt):
    questions = questions_of(attempt)
    data = {f"q{p}": [str(c) for c in right_choices(q)] for p, q in questions.items()}
    response = member_client.post(
        reverse("learn:attempt", args=[attempt.pk]), {**data, "action": "submit"}, follow=True
    )
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUBMITTED and attempt.score == 4
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("learn:attempt_result", args=[attempt.pk])
    assert "已交卷" in html and "通过" in html


def test_a_form_posted_after_the_deadline_keeps_only_what_was_saved(
    member_client, attempt, monkeypatch
):
    questions = questions_of(attempt)
    answer_save(attempt=attempt, position=1, choices=right_choices(questions[1]))
    late = attempt.deadline + datetime.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: late)
    data = {f"q{p}": [str(c) for c in right_choices(q)] for p, q in questions.items()}
    response = member_client.post(
        reverse("learn:attempt", args=[attempt.pk]), {**data, "action": "submit"}
    )
    assert response["Location"] == reverse("learn:attempt_result", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.TIMED_OUT
    assert attempt.score == 1
    assert AttemptAnswer.objects.filter(attempt=attempt, saved_at__gt=attempt.deadline).count() == 0


def test_opening_an_expired_attempt_shows_its_result(member_client, attempt, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: attempt.deadline + datetime.timedelta(minutes=1))
    response = member_client.get(reverse("learn:attempt", args=[attempt.pk]))
    assert response["Location"] == reverse("learn:attempt_result", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.TIMED_OUT


# -- the result ----------------------------------------------------------------------------


def test_result_shows_score_and_review(member_client, attempt):
    questions = questions_of(attempt)
    answer_save(attempt=attempt, position=1, choices=right_choices(questions[1]))
    answer_save(attempt=attempt, position=2, choices=wrong_choices(questions[2]))
    attempt_submit(attempt=attempt)
    html = page(member_client, reverse("learn:attempt_result", args=[attempt.pk]))
    assert "未通过" in html
    assert "data-score>1.0<" in html and "/ 4.0" in html
    assert "答对 1/4 题" in html
    assert "✓ 答对" in html and "✗ 答错" in html and "未作答" in html
    for explanation in EXPLANATIONS:
        assert explanation in html
    assert html.count("正确答案</span>") == sum(len(q.correct_indexes) for q in questions.values())


def test_result_without_review_shows_no_key(member_client, exam, attempt):
    Exam.objects.filter(pk=exam.pk).update(review_policy=ReviewPolicy.NEVER)
    answer_save(attempt=attempt, position=1, choices=wrong_choices(questions_of(attempt)[1]))
    attempt_submit(attempt=attempt)
    html = page(member_client, reverse("learn:attempt_result", args=[attempt.pk]))
    assert "本考试不公布正确答案和解析。" in html
    assert "正确答案</span>" not in html
    for explanation in EXPLANATIONS:
        assert explanation not in html


def test_result_of_an_open_attempt_goes_back_to_it(member_client, attempt):
    response = member_client.get(reverse("learn:attempt_result", args=[attempt.pk]))
    assert response["Location"] == reverse("learn:attempt", args=[attempt.pk])


# -- nobody else ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["colleague", "leader", "qingxiu-admin", "liuzhou-admin", "root"])
def test_nobody_else_may_open_or_answer_the_attempt(world, attempt, who):
    if who == "colleague":
        user = UserFactory(username="colleague")
        MemberFactory(team=world["qingxiu_team"], user=user)
    elif who == "root":
        user = UserFactory(username="root", is_superuser=True, is_staff=True)
    else:
        user = {
            "leader": world["leader_user"],
            "qingxiu-admin": world["qingxiu_admin"],
            "liuzhou-admin": world["liuzhou_admin"],
        }[who]
    client = signed_in(user)
    assert client.get(reverse("learn:attempt", args=[attempt.pk])).status_code == 404
    response = client.post(
        reverse("learn:attempt", args=[attempt.pk]), {"q1": "0", "action": "submit"}
    )
    assert response.status_code == 404
    assert client.get(reverse("learn:attempt_result", args=[attempt.pk])).status_code == 404
    attempt.refresh_from_db()
    assert attempt.is_open
    assert attempt.answers.get(position=1).saved_at is None


def test_anonymous_is_sent_to_sign_in(attempt, exam):
    client = Client()
    for url in (
        reverse("learn:exam", args=[exam.pk]),
        reverse("learn:attempt", args=[attempt.pk]),
        reverse("learn:attempt_result", args=[attempt.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


# -- where exams are linked from -----------------------------------------------------------


def test_course_page_links_the_final_exam_and_its_state(
    member_client, world, course, exam, enrolled
):
    html = page(member_client, reverse("learn:course", args=[course.pk]))
    assert "结业考试" in html
    assert reverse("learn:exam", args=[exam.pk]) in html
    assert "未参加" in html
    attempt = attempt_start(member=world["member"], exam=exam)
    for answer in attempt.answers.select_related("question"):
        answer_save(
            attempt=attempt, position=answer.position, choices=right_choices(answer.question)
        )
    attempt_submit(attempt=attempt)
    html = page(member_client, reverse("learn:course", args=[course.pk]))
    assert "已通过 100.0%" in html


def test_dashboard_shows_the_final_exam_state(member_client, world, exam, enrolled):
    attempt_submit(attempt=attempt_start(member=world["member"], exam=exam))
    html = page(member_client, reverse("learn:dashboard"))
    assert "结业考试" in html
    assert "未通过，还可考 1 次" in html


def test_lesson_page_links_its_quiz_unlimited(member_client, world, quiz, enrolled):
    html = page(member_client, reverse("learn:lesson", args=[quiz.lesson_id]))
    assert reverse("learn:exam", args=[quiz.pk]) in html and "课时练习" in html
    for _n in range(3):
        member_client.post(reverse("learn:exam_start", args=[quiz.pk]))
        attempt = Attempt.objects.filter(exam=quiz).order_by("-number").first()
        member_client.post(reverse("learn:attempt", args=[attempt.pk]), {"action": "submit"})
    assert Attempt.objects.filter(exam=quiz, status=AttemptStatus.SUBMITTED).count() == 3
    html = page(member_client, reverse("learn:exam", args=[quiz.pk]))
    assert "不限次数" in html and "再练一次" in html
