"""Exams and attempts for the results and regrade tests, built directly with the models
(graded as the attempt engine grades: lms.grading's rule)."""

import datetime
from decimal import Decimal

from django.utils import timezone

import pytest

from courses.models import Exam, ExamKind, ExamQuestion, Question, QuestionCategory, QuestionType
from lms.grading import answer_score, attempt_totals
from lms.models import Attempt, AttemptAnswer, AttemptStatus
from tests.factories import CourseIndexPageFactory, course_with_lessons

# The three questions' keys as option indexes: B, AC, 正确.
KEYS = [[1], [0, 2], [0]]


@pytest.fixture
def catalog(site_tree):
    return CourseIndexPageFactory(parent=site_tree["home"])


@pytest.fixture
def questions(db):
    category = QuestionCategory.objects.create(name="心肺复苏")
    return [
        Question.objects.create(
            type=QuestionType.SINGLE,
            stem="成人胸外按压的频率是？",
            option_a="每分钟60至80次",
            option_b="每分钟100至120次",
            option_c="每分钟150次以上",
            answer="B",
            category=category,
        ),
        Question.objects.create(
            type=QuestionType.MULTIPLE,
            stem="以下哪些做法正确？",
            option_a="按压后让胸廓完全回弹",
            option_b="反复摸脉搏",
            option_c="AED电击时不接触患者",
            answer="AC",
            category=category,
        ),
        Question.objects.create(
            type=QuestionType.TRUE_FALSE,
            stem="心肺复苏按压与通气之比为30:2。",
            answer="A",
            category=category,
        ),
    ]


def final_exam(course, questions, *, title="结业考试", pass_mark=60, max_attempts=3) -> Exam:
    exam = Exam.objects.create(
        title=title,
        kind=ExamKind.FINAL,
        course=course,
        pass_mark=pass_mark,
        max_attempts=max_attempts,
        time_limit_minutes=20,
    )
    for n, question in enumerate(questions):
        ExamQuestion.objects.create(exam=exam, question=question, points=1, sort_order=n)
    return exam


@pytest.fixture
def course(catalog):
    return course_with_lessons(
        catalog, code="GX-T-103", title="现场急救", lessons=2, completion_rule="lessons_and_exam"
    )


@pytest.fixture
def exam(course, questions):
    return final_exam(course, questions, title="现场急救结业考试")


def make_attempt(
    member,
    exam,
    responses,
    *,
    number=None,
    status=AttemptStatus.SUBMITTED,
    started_at=None,
    deadline=None,
    saved_at=None,
) -> Attempt:
    """An attempt of `member` answering `responses` (option index lists, None = blank)."""
    started_at = started_at or timezone.now() - datetime.timedelta(minutes=30)
    if number is None:
        number = Attempt.objects.filter(member=member, exam=exam).count() + 1
    attempt = Attempt.objects.create(
        member=member,
        exam=exam,
        number=number,
        status=status,
        started_at=started_at,
        deadline=deadline,
        submitted_at=None
        if status == AttemptStatus.OPEN
        else started_at + datetime.timedelta(minutes=10),
    )
    fixed = list(exam.fixed_questions.select_related("question").order_by("sort_order"))
    scores = []
    for position, (item, response) in enumerate(zip(fixed, responses, strict=True), start=1):
        answer = AttemptAnswer(
            attempt=attempt,
            position=position,
            question=item.question,
            option_order=list(range(len(item.question.options))),
            points=item.points,
            response=response,
            saved_at=saved_at or started_at + datetime.timedelta(minutes=5),
        )
        if status != AttemptStatus.OPEN:
            counted = deadline is None or answer.saved_at <= deadline
            answer.is_correct, answer.score = answer_score(
                key=item.question.correct_indexes,
                response=response if counted else None,
                points=item.points,
            )
            scores.append((answer.score, item.points))
        answer.save()
    if status != AttemptStatus.OPEN:
        score, max_score, percent, passed = attempt_totals(scores, pass_mark=exam.pass_mark)
        attempt.score, attempt.max_score, attempt.percent, attempt.passed = (
            score,
            max_score,
            percent,
            passed,
        )
        attempt.save()
    return attempt


ALL_RIGHT = [[1], [0, 2], [0]]
ONE_RIGHT = [[1], [0], [1]]
TWO_RIGHT = [[1], [0, 2], [1]]

__all__ = ["ALL_RIGHT", "KEYS", "ONE_RIGHT", "TWO_RIGHT", "Decimal", "final_exam", "make_attempt"]
