"""The attempt engine's services: start, autosave, submit once, close at the deadline."""

import datetime
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from courses.models import Exam, ExamKind, Question, QuestionType, ReviewPolicy
from lms.errors import DomainError
from lms.models import (
    Attempt,
    AttemptAnswer,
    AttemptStatus,
    Enrollment,
    EnrollmentStatus,
)
from lms.services.attempts import (
    AttemptClosedError,
    answer_save,
    attempt_close_expired,
    attempt_close_if_expired,
    attempt_paper,
    attempt_start,
    attempt_start_refusal,
    attempt_submit,
    review_allowed,
)
from lms.services.enrollments import enrollment_create
from lms.services.progress import course_lessons, progress_complete
from tests.factories import MemberFactory

from .conftest import build_exam, later, make_question, right_choices, wrong_choices

pytestmark = pytest.mark.django_db


def answer_all(attempt, *, right=True, now=None):
    for answer in attempt.answers.select_related("question"):
        choices = right_choices(answer.question) if right else wrong_choices(answer.question)
        answer_save(attempt=attempt, position=answer.position, choices=choices, now=now)


# -- starting ------------------------------------------------------------------------------


def test_start_fixes_questions_options_and_deadline(world, exam, enrolled, t0):
    attempt = attempt_start(member=world["member"], exam=exam, now=t0)
    assert attempt.resumed is False
    assert attempt.number == 1
    assert attempt.status == AttemptStatus.OPEN
    assert attempt.deadline == later(t0, minutes=30)
    assert attempt.enrollment == enrolled
    answers = list(attempt.answers.order_by("position"))
    assert [a.position for a in answers] == [1, 2, 3, 4]
    assert {a.question_id for a in answers} == set(
        exam.fixed_questions.values_list("question", flat=True)
    )
    for answer in answers:
        assert sorted(answer.option_order) == list(range(len(answer.question.options)))
        assert answer.response is None
    assert attempt.max_score == Decimal(4)


def test_true_false_options_keep_their_order(world, exam, enrolled):
    for _ in range(5):
        attempt = attempt_start(member=world["member"], exam=exam)
        tf = attempt.answers.get(question__type=QuestionType.TRUE_FALSE)
        assert tf.option_order == [0, 1]
        attempt_submit(attempt=attempt)
        Attempt.objects.filter(pk=attempt.pk).delete()


def test_shuffle_off_keeps_the_authored_order(world, course, questions, enrolled):
    exam = build_exam(course, questions, shuffle_questions=False, shuffle_options=False)
    attempt = attempt_start(member=world["member"], exam=exam)
    answers = list(attempt.answers.order_by("position"))
    assert [a.question_id for a in answers] == [q.pk for q in questions]
    assert all(a.option_order == sorted(a.option_order) for a in answers)


def test_shuffle_on_changes_the_order_sometimes(world, course, category, enrolled):
    many = [
        make_question(
            category, QuestionType.SINGLE, f"题{n}", ["甲", "乙", "丙", "丁", "戊", "己"], "A", ""
        )
        for n in range(8)
    ]
    exam = build_exam(course, many)
    attempt = attempt_start(member=world["member"], exam=exam)
    answers = list(attempt.answers.order_by("position"))
    # 8! orders of questions and 6! of each question's options: all authored is ~impossible.
    assert [a.question_id for a in answers] != [q.pk for q in many] or any(
        a.option_order != sorted(a.option_order) for a in answers
    )


def test_starting_again_resumes_the_open_attempt(world, exam, enrolled, t0):
    first = attempt_start(member=world["member"], exam=exam, now=t0)
    answer_save(attempt=first, position=1, choices=[0], now=later(t0, minutes=1))
    again = attempt_start(member=world["member"], exam=exam, now=later(t0, minutes=2))
    assert again.pk == first.pk
    assert again.resumed is True
    assert Attempt.objects.filter(member=world["member"], exam=exam).count() == 1
    assert again.answers.get(position=1).response == [0]


def test_starting_after_an_expired_open_attempt_grades_it_and_starts_anew(
    world, exam, enrolled, t0
):
    first = attempt_start(member=world["member"], exam=exam, now=t0)
    second = attempt_start(member=world["member"], exam=exam, now=later(t0, minutes=31))
    first.refresh_from_db()
    assert first.status == AttemptStatus.TIMED_OUT
    assert second.pk != first.pk and second.number == 2


def test_not_enrolled_is_refused(world, exam):
    with pytest.raises(DomainError, match="尚未报名"):
        attempt_start(member=world["member"], exam=exam)
    assert not Attempt.objects.exists()


def test_withdrawn_enrollment_is_refused(world, exam, enrolled):
    Enrollment.objects.filter(pk=enrolled.pk).update(status=EnrollmentStatus.WITHDRAWN)
    with pytest.raises(DomainError, match="尚未报名"):
        attempt_start(member=world["member"], exam=exam)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"active": False}, "未开放"),
        ({"opens_at": "future"}, "尚未开始"),
        ({"closes_at": "past"}, "已于"),
    ],
)
def test_an_exam_not_open_is_refused(world, exam, enrolled, t0, change, message):
    values = {
        key: later(t0, days=1)
        if value == "future"
        else later(t0, days=-1)
        if value == "past"
        else value
        for key, value in change.items()
    }
    if "closes_at" in values:
        values["opens_at"] = later(t0, days=-2)
    Exam.objects.filter(pk=exam.pk).update(**values)
    exam.refresh_from_db()
    with pytest.raises(DomainError, match=message):
        attempt_start(member=world["member"], exam=exam, now=t0)
    assert attempt_start_refusal(member=world["member"], exam=exam, now=t0)


def test_deadline_is_capped_by_the_closing_time(world, exam, enrolled, t0):
    Exam.objects.filter(pk=exam.pk).update(closes_at=later(t0, minutes=10))
    exam.refresh_from_db()
    attempt = attempt_start(member=world["member"], exam=exam, now=t0)
    assert attempt.deadline == later(t0, minutes=10)


def test_untimed_exam_has_no_deadline(world, course, questions, enrolled):
    exam = build_exam(course, questions, time_limit_minutes=0)
    assert attempt_start(member=world["member"], exam=exam).deadline is None


def test_max_attempts(world, exam, enrolled):
    for _ in range(2):
        attempt = attempt_start(member=world["member"], exam=exam)
        attempt_submit(attempt=attempt)
    assert (
        attempt_start_refusal(member=world["member"], exam=exam)
        == "您已用完本考试的 2 次作答机会。"
    )
    with pytest.raises(DomainError, match="2 次作答机会"):
        attempt_start(member=world["member"], exam=exam)
    assert Attempt.objects.filter(member=world["member"], exam=exam).count() == 2


def test_max_attempts_counts_each_member_separately(world, exam, enrolled, course):
    colleague = MemberFactory(team=world["qingxiu_team"])
    enrollment_create(member=colleague, course=course, source="self")
    for _ in range(2):
        attempt_submit(attempt=attempt_start(member=world["member"], exam=exam))
    assert attempt_start(member=colleague, exam=exam).number == 1


def test_a_quiz_is_unlimited(world, quiz, enrolled):
    assert quiz.max_attempts == 0
    for n in range(1, 5):
        attempt = attempt_start(member=world["member"], exam=quiz)
        assert attempt.number == n
        attempt_submit(attempt=attempt)


def test_random_draws_respect_the_counts(world, draw_exam, questions, enrolled, category):
    seen = set()
    for _ in range(6):
        attempt = attempt_start(member=world["member"], exam=draw_exam)
        answers = list(attempt.answers.all())
        assert len(answers) == 2
        assert len({a.question_id for a in answers}) == 2
        assert all(a.points == Decimal(5) for a in answers)
        assert attempt.max_score == Decimal(10)
        seen.update(a.question_id for a in answers)
        attempt_submit(attempt=attempt)
    assert seen <= {q.pk for q in questions}


def test_random_draws_by_difficulty_and_only_active_questions(
    world, draw_exam, questions, category, enrolled
):
    rule = draw_exam.draw_rules.get()
    rule.difficulty = 3
    rule.save()
    hard = [
        make_question(
            category, QuestionType.SINGLE, f"难题{n}", ["甲", "乙"], "A", "", difficulty=3
        )
        for n in range(3)
    ]
    Question.objects.filter(pk=hard[0].pk).update(active=False)
    for _ in range(4):
        attempt = attempt_start(member=world["member"], exam=draw_exam)
        assert {a.question_id for a in attempt.answers.all()} == {hard[1].pk, hard[2].pk}
        attempt_submit(attempt=attempt)


def test_too_few_questions_to_draw_is_refused_clearly(world, draw_exam, enrolled, category):
    rule = draw_exam.draw_rules.get()
    rule.count = 9
    rule.save()
    with pytest.raises(DomainError) as caught:
        attempt_start(member=world["member"], exam=draw_exam)
    assert "现场急救" in caught.value.message and "只有 4 道" in caught.value.message
    assert "9" in caught.value.message
    assert not Attempt.objects.exists()


def test_two_rules_never_draw_the_same_question_twice(
    world, draw_exam, questions, category, enrolled
):
    draw_exam.draw_rules.create(category=category, count=2, points=Decimal(1))
    for _ in range(4):
        attempt = attempt_start(member=world["member"], exam=draw_exam)
        assert len({a.question_id for a in attempt.answers.all()}) == 4
        attempt_submit(attempt=attempt)


# -- saving answers ------------------------------------------------------------------------


@pytest.fixture
def attempt(world, exam, enrolled, t0):
    return attempt_start(member=world["member"], exam=exam, now=t0)


def position_of(attempt, kind) -> int:
    return attempt.answers.get(question__type=kind).position


def test_answer_save_stores_authored_indexes(attempt, t0):
    saved = answer_save(attempt=attempt, position=1, choices=[1], now=later(t0, minutes=1))
    stored = AttemptAnswer.objects.get(attempt=attempt, position=1)
    assert stored.response == [1] == saved.response
    assert stored.saved_at == later(t0, minutes=1) == saved.saved_at
    # A change of mind replaces the answer.
    answer_save(attempt=attempt, position=1, choices=[0], now=later(t0, minutes=2))
    assert AttemptAnswer.objects.get(attempt=attempt, position=1).response == [0]


def test_answer_save_is_two_queries_and_leaves_no_history(attempt, t0):
    with CaptureQueriesContext(connection) as queries:
        answer_save(attempt=attempt, position=2, choices=[0], now=later(t0, minutes=1))
    statements = [
        q["sql"]
        for q in queries.captured_queries
        if not q["sql"].startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"))
    ]
    assert len(statements) == 2, statements
    assert AttemptAnswer.history.filter(attempt_id=attempt.pk).count() == 0


@pytest.mark.parametrize(
    ("choices", "message"),
    [
        ("B", "列表"),
        ([True], "列表"),
        (["1"], "列表"),
        ([1.0], "列表"),
        ([0, 0], "重复"),
        ([9], "超出范围"),
        ([-1], "超出范围"),
    ],
)
def test_answer_save_refuses_bad_choices(attempt, choices, message):
    with pytest.raises(DomainError, match=message):
        answer_save(attempt=attempt, position=1, choices=choices)
    assert AttemptAnswer.objects.get(attempt=attempt, position=1).saved_at is None


def test_single_and_true_false_take_exactly_one(attempt):
    for kind in (QuestionType.SINGLE, QuestionType.TRUE_FALSE):
        position = attempt.answers.filter(question__type=kind).first().position
        with pytest.raises(DomainError, match="只能选择一个"):
            answer_save(attempt=attempt, position=position, choices=[0, 1])
        with pytest.raises(DomainError, match="只能选择一个"):
            answer_save(attempt=attempt, position=position, choices=[])


def test_true_false_has_two_options(attempt):
    position = position_of(attempt, QuestionType.TRUE_FALSE)
    with pytest.raises(DomainError, match="超出范围"):
        answer_save(attempt=attempt, position=position, choices=[2])


def test_multiple_takes_several_and_an_empty_list_clears(attempt):
    position = position_of(attempt, QuestionType.MULTIPLE)
    answer_save(attempt=attempt, position=position, choices=[3, 0, 1])
    assert AttemptAnswer.objects.get(attempt=attempt, position=position).response == [0, 1, 3]
    answer_save(attempt=attempt, position=position, choices=[])
    assert AttemptAnswer.objects.get(attempt=attempt, position=position).response is None


def test_unknown_position_is_refused(attempt):
    with pytest.raises(DomainError, match="没有第 9 题"):
        answer_save(attempt=attempt, position=9, choices=[0])


def test_an_answer_one_second_after_the_deadline_is_refused_and_not_stored(attempt, t0):
    answer_save(attempt=attempt, position=1, choices=[0], now=attempt.deadline)  # on time
    with pytest.raises(AttemptClosedError, match="截止"):
        answer_save(
            attempt=attempt,
            position=1,
            choices=[1],
            now=attempt.deadline + datetime.timedelta(seconds=1),
        )
    stored = AttemptAnswer.objects.get(attempt=attempt, position=1)
    assert stored.response == [0]
    assert stored.saved_at == attempt.deadline
    with pytest.raises(AttemptClosedError):
        answer_save(
            attempt=attempt,
            position=2,
            choices=[0],
            now=attempt.deadline + datetime.timedelta(seconds=1),
        )
    assert AttemptAnswer.objects.get(attempt=attempt, position=2).saved_at is None


def test_an_answer_after_submitting_is_refused(attempt):
    attempt_submit(attempt=attempt)
    with pytest.raises(AttemptClosedError, match="已经交卷"):
        answer_save(attempt=attempt, position=1, choices=[0])
    assert AttemptAnswer.objects.get(attempt=attempt, position=1).response is None


# -- submitting ----------------------------------------------------------------------------


def test_submit_grades_every_answer(attempt, t0):
    answers = {a.position: a for a in attempt.answers.select_related("question")}
    right, wrong = sorted(answers)[:2], sorted(answers)[2:3]
    for position in right:
        answer_save(
            attempt=attempt, position=position, choices=right_choices(answers[position].question)
        )
    for position in wrong:
        answer_save(
            attempt=attempt, position=position, choices=wrong_choices(answers[position].question)
        )
    graded = attempt_submit(attempt=attempt, now=later(t0, minutes=5))
    assert graded.status == AttemptStatus.SUBMITTED
    assert graded.submitted_at == later(t0, minutes=5)
    assert graded.score == Decimal(2) and graded.max_score == Decimal(4)
    assert graded.percent == Decimal("50.0") and graded.passed is False
    by_position = {a.position: a for a in graded.answers.all()}
    assert all(by_position[p].is_correct and by_position[p].score == 1 for p in right)
    assert all(by_position[p].is_correct is False and by_position[p].score == 0 for p in wrong)
    unanswered = set(by_position) - set(right) - set(wrong)
    assert all(by_position[p].is_correct is False and by_position[p].score == 0 for p in unanswered)


def test_a_multiple_choice_answer_missing_one_option_scores_nothing(attempt):
    position = position_of(attempt, QuestionType.MULTIPLE)
    answer_save(attempt=attempt, position=position, choices=[0, 1])  # the key is A, B, D
    graded = attempt_submit(attempt=attempt)
    assert graded.answers.get(position=position).score == 0


def test_submitting_twice_grades_once(attempt, t0):
    answer_all(attempt)
    first = attempt_submit(attempt=attempt, now=later(t0, minutes=5))
    second = attempt_submit(attempt=attempt, now=later(t0, minutes=6))
    assert second.pk == first.pk
    assert second.submitted_at == later(t0, minutes=5)
    assert second.score == first.score == Decimal(4)
    history = Attempt.history.filter(id=attempt.pk)
    assert history.exclude(status=AttemptStatus.OPEN).count() == 1
    assert AttemptAnswer.history.filter(attempt_id=attempt.pk).count() == 4


def test_a_stale_copy_submitted_again_does_not_regrade(attempt, t0):
    """The second request holds an object loaded before the first graded: the database,
    not the object in memory, decides."""
    stale = Attempt.objects.get(pk=attempt.pk)
    answer_all(attempt)
    attempt_submit(attempt=attempt, now=later(t0, minutes=5))
    # Had it graded again, the answer changed behind its back would count.
    AttemptAnswer.objects.filter(attempt=attempt).update(response=None)
    again = attempt_submit(attempt=stale, now=later(t0, minutes=6))
    assert again.score == Decimal(4)
    assert Attempt.history.filter(id=attempt.pk).exclude(status=AttemptStatus.OPEN).count() == 1


def test_submit_after_the_deadline_is_timed_out(attempt, t0):
    answer_all(attempt, now=later(t0, minutes=1))
    graded = attempt_submit(attempt=attempt, now=later(t0, minutes=45))
    assert graded.status == AttemptStatus.TIMED_OUT
    assert graded.submitted_at == attempt.deadline
    assert graded.score == Decimal(4)


def test_answers_stored_after_the_deadline_never_count(attempt, t0):
    """Should one slip in (written around the service), grading still ignores it."""
    answer_save(attempt=attempt, position=1, choices=[0], now=later(t0, minutes=1))
    AttemptAnswer.objects.filter(attempt=attempt).update(saved_at=later(t0, minutes=31))
    AttemptAnswer.objects.filter(attempt=attempt).exclude(position=1).update(response=[0])
    graded = attempt_submit(attempt=attempt, now=later(t0, minutes=40))
    assert graded.score == 0


# -- closing at the deadline ---------------------------------------------------------------


def test_an_answer_saved_before_a_dropped_connection_is_graded(attempt, t0):
    """The member saves, the phone loses its connection, the deadline passes with no
    submit: the periodic close grades the attempt with the saved answer."""
    answers = {a.position: a.question for a in attempt.answers.select_related("question")}
    answer_save(
        attempt=attempt, position=1, choices=right_choices(answers[1]), now=later(t0, minutes=3)
    )
    assert attempt_close_expired(now=later(t0, minutes=29)) == 0
    assert attempt_close_expired(now=later(t0, minutes=31)) == 1
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.TIMED_OUT
    assert attempt.score == Decimal(1)
    graded = attempt.answers.get(position=1)
    assert graded.is_correct and graded.score == 1 and graded.response == right_choices(answers[1])
    assert attempt_close_expired(now=later(t0, minutes=32)) == 0


def test_reading_an_expired_attempt_closes_it(attempt, t0):
    answer_save(attempt=attempt, position=1, choices=[0], now=later(t0, minutes=1))
    same = attempt_close_if_expired(attempt=attempt, now=later(t0, minutes=10))
    assert same.is_open
    closed = attempt_close_if_expired(attempt=attempt, now=later(t0, minutes=31))
    assert closed.status == AttemptStatus.TIMED_OUT


def test_untimed_attempts_are_never_closed_by_the_clock(world, course, questions, enrolled, t0):
    exam = build_exam(course, questions, time_limit_minutes=0)
    attempt = attempt_start(member=world["member"], exam=exam, now=t0)
    assert attempt_close_expired(now=later(t0, days=30)) == 0
    attempt.refresh_from_db()
    assert attempt.is_open


# -- what may be seen ----------------------------------------------------------------------


def test_the_paper_of_an_open_attempt_has_no_key(attempt):
    for question in attempt_paper(attempt, reveal=True):  # reveal is ignored while open
        assert question.correct_choices is None and question.explanation is None
        assert all(option.correct is None for option in question.options)


def test_the_paper_shows_options_in_the_shown_order(attempt):
    for question, answer in zip(
        attempt_paper(attempt), attempt.answers.order_by("position"), strict=True
    ):
        assert [o.key for o in question.options] == answer.option_order


@pytest.mark.parametrize(
    ("policy", "closes", "allowed"),
    [
        (ReviewPolicy.AFTER_SUBMIT, None, True),
        (ReviewPolicy.NEVER, None, False),
        (ReviewPolicy.AFTER_CLOSE, None, False),
        (ReviewPolicy.AFTER_CLOSE, "future", False),
        (ReviewPolicy.AFTER_CLOSE, "past", True),
    ],
)
def test_review_allowed(attempt, t0, policy, closes, allowed):
    assert review_allowed(attempt, now=t0) is False  # open
    attempt_submit(attempt=attempt, now=later(t0, minutes=1))
    attempt.refresh_from_db()
    exam = attempt.exam
    exam.review_policy = policy
    exam.closes_at = {"future": later(t0, hours=2), "past": later(t0, hours=1)}.get(closes)
    exam.save()
    assert review_allowed(attempt, now=later(t0, minutes=90)) is allowed


# -- completing the course -----------------------------------------------------------------


def test_passing_the_final_completes_a_lessons_and_exam_course(world, exam, course, enrolled):
    member = world["member"]
    for lesson in course_lessons(course):
        progress_complete(member=member, lesson=lesson)
    enrolled.refresh_from_db()
    assert enrolled.status == EnrollmentStatus.ACTIVE  # the exam is still to pass

    failed = attempt_start(member=member, exam=exam)
    answer_all(failed, right=False)
    attempt_submit(attempt=failed)
    enrolled.refresh_from_db()
    assert enrolled.status == EnrollmentStatus.ACTIVE

    passed = attempt_start(member=member, exam=exam)
    answer_all(passed)
    assert attempt_submit(attempt=passed).passed
    enrolled.refresh_from_db()
    assert enrolled.status == EnrollmentStatus.COMPLETED
    assert enrolled.completed_at is not None


def test_passing_before_the_lessons_completes_when_the_last_lesson_is_done(
    world, exam, course, enrolled
):
    member = world["member"]
    attempt = attempt_start(member=member, exam=exam)
    answer_all(attempt)
    attempt_submit(attempt=attempt)
    enrolled.refresh_from_db()
    assert enrolled.status == EnrollmentStatus.ACTIVE
    for lesson in course_lessons(course):
        progress_complete(member=member, lesson=lesson)
    enrolled.refresh_from_db()
    assert enrolled.status == EnrollmentStatus.COMPLETED


def test_passing_a_quiz_does_not_complete_the_course(world, quiz, course, enrolled):
    member = world["member"]
    for lesson in course_lessons(course):
        progress_complete(member=member, lesson=lesson)
    attempt = attempt_start(member=member, exam=quiz)
    answer_all(attempt)
    assert attempt_submit(attempt=attempt).passed
    enrolled.refresh_from_db()
    assert enrolled.status == EnrollmentStatus.ACTIVE
    assert quiz.kind == ExamKind.QUIZ
