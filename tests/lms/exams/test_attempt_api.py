"""Taking an exam through the JSON API, as the phone page and the benchmark do."""

import datetime
import json
from decimal import Decimal

from django.test import Client
from django.utils import timezone

import pytest

from courses.models import Exam, ReviewPolicy
from lms.models import Attempt, AttemptAnswer, AttemptStatus
from lms.services.attempts import attempt_close_expired, attempt_start, attempt_submit
from tests.factories import MemberFactory, UserFactory

from .conftest import API, BANK, all_keys, post_json, put_json, right_choices, wrong_choices

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
def started(member_client, exam, enrolled):
    response = post_json(member_client, f"{API}/exams/{exam.pk}/attempts")
    assert response.status_code == 201, response.content
    return response.json()


def keys_by_position(attempt_id) -> dict[int, list[int]]:
    answers = AttemptAnswer.objects.filter(attempt_id=attempt_id).select_related("question")
    return {a.position: a.question for a in answers}


def assert_no_key(body: bytes | str):
    text = body.decode() if isinstance(body, bytes) else body
    assert "correct" not in text.lower()
    assert "explanation" not in text.lower()
    assert "解析" not in text
    for explanation in EXPLANATIONS:
        assert explanation not in text


# -- start, resume, read -------------------------------------------------------------------


def test_start_then_resume(member_client, exam, enrolled, started):
    assert started["status"]["code"] == "open"
    assert started["exam"] == {
        "id": exam.pk,
        "title": exam.title,
        "kind": {"code": "final", "label": "结业考试"},
        "course_id": exam.course_id,
    }
    assert 29 * 60 < started["seconds_left"] <= 30 * 60
    assert [q["position"] for q in started["questions"]] == [1, 2, 3, 4]
    again = post_json(member_client, f"{API}/exams/{exam.pk}/attempts")
    assert again.status_code == 200
    assert again.json()["id"] == started["id"]


def test_questions_carry_options_in_the_shown_order_keyed_by_authored_index(member_client, started):
    attempt = Attempt.objects.get(pk=started["id"])
    for question in started["questions"]:
        answer = attempt.answers.get(position=question["position"])
        assert [o["key"] for o in question["options"]] == answer.option_order
        texts = answer.question.options
        assert [o["text"] for o in question["options"]] == [texts[i] for i in answer.option_order]
        assert question["response"] is None and question["saved_at"] is None
    true_false = next(q for q in started["questions"] if q["type"] == "true_false")
    assert [o["text"] for o in true_false["options"]] == ["正确", "错误"]
    assert true_false["type_label"] == "判断题"


def test_the_open_attempt_api_contains_no_key_or_explanation(member_client, started):
    assert_no_key(json.dumps(started, ensure_ascii=False))
    detail = member_client.get(f"{API}/attempts/{started['id']}")
    assert detail.status_code == 200
    assert_no_key(detail.content)
    assert not {k for k in all_keys(detail.json()) if "correct" in k or "explanation" in k}
    put_json(member_client, f"{API}/attempts/{started['id']}/answers/1", {"choices": [0]})
    assert_no_key(member_client.get(f"{API}/attempts/{started['id']}").content)


def test_start_needs_an_enrollment(member_client, exam):
    response = post_json(member_client, f"{API}/exams/{exam.pk}/attempts")
    assert response.status_code == 400
    assert "尚未报名" in response.json()["detail"]


def test_start_unknown_or_inactive_exam_is_404(member_client, exam, enrolled):
    assert post_json(member_client, f"{API}/exams/999999/attempts").status_code == 404
    Exam.objects.filter(pk=exam.pk).update(active=False)
    assert post_json(member_client, f"{API}/exams/{exam.pk}/attempts").status_code == 404


def test_max_attempts_through_the_api(member_client, exam, enrolled):
    for _ in range(2):
        started = post_json(member_client, f"{API}/exams/{exam.pk}/attempts").json()
        assert post_json(member_client, f"{API}/attempts/{started['id']}/submit").status_code == 200
    refused = post_json(member_client, f"{API}/exams/{exam.pk}/attempts")
    assert refused.status_code == 400
    assert refused.json()["detail"] == "您已用完本考试的 2 次作答机会。"


# -- saving --------------------------------------------------------------------------------


def test_save_and_read_back(member_client, started):
    url = f"{API}/attempts/{started['id']}/answers/2"
    response = put_json(member_client, url, {"choices": [1]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["position"] == 2 and body["saved_at"]
    stored = AttemptAnswer.objects.get(attempt_id=started["id"], position=2)
    assert stored.response == [1]
    detail = member_client.get(f"{API}/attempts/{started['id']}").json()
    second = next(q for q in detail["questions"] if q["position"] == 2)
    assert second["response"] == [1] and second["saved_at"]


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[1]",
        "{}",
        '{"choices": 1}',
        '{"choices": ["a"]}',
        '{"choices": [true]}',
        '{"choices": [0, 0]}',
        '{"choices": [99]}',
        '{"choices": [0, 1]}',  # position 1 is a single choice
    ],
)
def test_bad_payload_is_400_with_a_reason(member_client, exam, enrolled, body):
    started = post_json(member_client, f"{API}/exams/{exam.pk}/attempts").json()
    single = next(q["position"] for q in started["questions"] if q["type"] == "single")
    response = put_json(member_client, f"{API}/attempts/{started['id']}/answers/{single}", body)
    assert response.status_code == 400, response.content
    assert response.json()["detail"]
    assert AttemptAnswer.objects.get(attempt_id=started["id"], position=single).saved_at is None


def test_unknown_position_is_400(member_client, started):
    response = put_json(
        member_client, f"{API}/attempts/{started['id']}/answers/99", {"choices": [0]}
    )
    assert response.status_code == 400
    assert "第 99 题" in response.json()["detail"]


def test_an_answer_one_second_after_the_deadline_is_409_and_not_stored(
    member_client, started, monkeypatch
):
    attempt = Attempt.objects.get(pk=started["id"])
    late = attempt.deadline + datetime.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: late)
    response = put_json(member_client, f"{API}/attempts/{attempt.pk}/answers/1", {"choices": [0]})
    assert response.status_code == 409
    assert "截止" in response.json()["detail"]
    stored = AttemptAnswer.objects.get(attempt=attempt, position=1)
    assert stored.response is None and stored.saved_at is None
    # Refused, and the expired attempt is closed on the spot.
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.TIMED_OUT


def test_saving_to_a_submitted_attempt_is_409(member_client, started):
    post_json(member_client, f"{API}/attempts/{started['id']}/submit")
    response = put_json(
        member_client, f"{API}/attempts/{started['id']}/answers/1", {"choices": [0]}
    )
    assert response.status_code == 409
    assert "已经交卷" in response.json()["detail"]


def test_the_autosave_is_a_few_queries(member_client, started, django_assert_max_num_queries):
    url = f"{API}/attempts/{started['id']}/answers/1"
    put_json(member_client, url, {"choices": [0]})  # warm the session
    # The user, the attempt, the locked answer row, the update (and the transaction).
    with django_assert_max_num_queries(7):
        assert put_json(member_client, url, {"choices": [1]}).status_code == 200


# -- submitting and results ----------------------------------------------------------------


def answer(member_client, started, *, right: bool):
    questions = keys_by_position(started["id"])
    for position, question in questions.items():
        choices = right_choices(question) if right else wrong_choices(question)
        response = put_json(
            member_client,
            f"{API}/attempts/{started['id']}/answers/{position}",
            {"choices": choices},
        )
        assert response.status_code == 200


def test_submit_returns_the_result_and_twice_gives_the_same(member_client, started):
    answer(member_client, started, right=True)
    first = post_json(member_client, f"{API}/attempts/{started['id']}/submit")
    assert first.status_code == 200
    body = first.json()
    assert body["status"]["code"] == "submitted"
    assert body["score"] == 4 and body["max_score"] == 4 and body["percent"] == 100
    assert body["passed"] is True and body["pass_mark"] == 60
    assert body["review_allowed"] is True
    assert all(q["is_correct"] and q["score"] == 1 for q in body["questions"])
    assert {q["explanation"] for q in body["questions"]} == set(EXPLANATIONS)
    for q in body["questions"]:
        assert q["correct_choices"] == q["response"]
    again = post_json(member_client, f"{API}/attempts/{started['id']}/submit")
    assert again.status_code == 200 and again.json() == body
    assert Attempt.history.filter(id=started["id"]).exclude(status="open").count() == 1


def test_result_before_submitting_is_409(member_client, started):
    response = member_client.get(f"{API}/attempts/{started['id']}/result")
    assert response.status_code == 409


def test_result_without_review_has_no_key(member_client, exam, started):
    Exam.objects.filter(pk=exam.pk).update(review_policy=ReviewPolicy.NEVER)
    answer(member_client, started, right=False)
    post_json(member_client, f"{API}/attempts/{started['id']}/submit")
    response = member_client.get(f"{API}/attempts/{started['id']}/result")
    assert response.status_code == 200
    body = response.json()
    assert body["review_allowed"] is False and body["passed"] is False and body["score"] == 0
    for q in body["questions"]:
        assert q["correct_choices"] is None and q["explanation"] is None
        assert q["is_correct"] is False and q["response"]
    for explanation in EXPLANATIONS:
        assert explanation not in response.content.decode()


def test_result_after_a_dropped_connection(member_client, started):
    """Saved, then nothing: the deadline passes, the periodic close grades it."""
    questions = keys_by_position(started["id"])
    put_json(
        member_client,
        f"{API}/attempts/{started['id']}/answers/1",
        {"choices": right_choices(questions[1])},
    )
    attempt = Attempt.objects.get(pk=started["id"])
    assert attempt_close_expired(now=attempt.deadline + datetime.timedelta(seconds=1)) == 1
    body = member_client.get(f"{API}/attempts/{started['id']}/result").json()
    assert body["status"]["code"] == "timed_out"
    assert body["score"] == 1
    first = next(q for q in body["questions"] if q["position"] == 1)
    assert first["is_correct"] is True


def test_my_attempts(member_client, world, exam, enrolled, started):
    post_json(member_client, f"{API}/attempts/{started['id']}/submit")
    body = member_client.get(f"{API}/me/attempts").json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["id"] == started["id"] and item["status"]["code"] == "submitted"
    assert item["exam"]["kind"]["code"] == "final"
    assert item["score"] == 0 and item["max_score"] == 4 and item["passed"] is False


# -- nobody else's attempt -----------------------------------------------------------------


@pytest.fixture
def outsiders(world):
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    colleague = MemberFactory(
        team=world["qingxiu_team"], name="同队队员", user=UserFactory(username="colleague")
    )
    return {
        "another member": colleague.user,
        "the team leader": world["leader_user"],
        "the county administrator": world["qingxiu_admin"],
        "another county's administrator": world["liuzhou_admin"],
        "a superuser": superuser,
    }


@pytest.mark.parametrize(
    "who",
    [
        "another member",
        "the team leader",
        "the county administrator",
        "another county's administrator",
        "a superuser",
    ],
)
def test_nobody_else_may_open_answer_or_submit(outsiders, started, who):
    client = signed_in(outsiders[who])
    attempt_id = started["id"]
    assert client.get(f"{API}/attempts/{attempt_id}").status_code == 404
    response = put_json(client, f"{API}/attempts/{attempt_id}/answers/1", {"choices": [0]})
    assert response.status_code == 404
    assert post_json(client, f"{API}/attempts/{attempt_id}/submit").status_code == 404
    assert client.get(f"{API}/attempts/{attempt_id}/result").status_code == 404
    assert AttemptAnswer.objects.get(attempt_id=attempt_id, position=1).saved_at is None
    assert Attempt.objects.get(pk=attempt_id).status == AttemptStatus.OPEN
    assert client.get(f"{API}/me/attempts").json()["count"] == 0


def test_anonymous_is_401(started):
    client = Client()
    attempt_id = started["id"]
    assert client.get(f"{API}/attempts/{attempt_id}").status_code == 401
    assert (
        put_json(client, f"{API}/attempts/{attempt_id}/answers/1", {"choices": [0]}).status_code
        == 401
    )
    assert post_json(client, f"{API}/attempts/{attempt_id}/submit").status_code == 401
    assert client.get(f"{API}/me/attempts").status_code == 401


def test_session_writes_need_csrf(world, started):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["member_user"])
    response = put_json(client, f"{API}/attempts/{started['id']}/answers/1", {"choices": [0]})
    assert response.status_code == 403
    assert AttemptAnswer.objects.get(attempt_id=started["id"], position=1).saved_at is None


def test_a_graded_attempt_by_service_is_readable(member_client, world, exam, enrolled):
    attempt = attempt_start(member=world["member"], exam=exam)
    attempt_submit(attempt=attempt)
    body = member_client.get(f"{API}/attempts/{attempt.pk}").json()
    assert body["status"]["code"] == "submitted" and body["seconds_left"] == 0
    assert (
        Decimal(str(member_client.get(f"{API}/attempts/{attempt.pk}/result").json()["score"])) == 0
    )
