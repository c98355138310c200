"""A course with a final exam over a small question bank, and a member enrolled in it."""

import datetime
import json
from decimal import Decimal

from django.utils import timezone

import pytest

from courses.models import (
    CompletionRule,
    Exam,
    ExamDrawRule,
    ExamKind,
    ExamQuestion,
    LessonPage,
    Question,
    QuestionCategory,
    QuestionType,
    ReviewPolicy,
    SelectionMode,
)
from lms.services.enrollments import enrollment_create
from tests.factories import CourseIndexPageFactory, course_with_lessons

API = "/api/v1"

# Each explanation is unique text, so a page or a JSON body can be searched for it.
BANK = [
    (
        QuestionType.SINGLE,
        "成人胸外按压的频率是每分钟多少次？",
        ["60至80次", "100至120次", "150次以上"],
        "B",
        "解析甲：按压频率每分钟100至120次。",
    ),
    (
        QuestionType.MULTIPLE,
        "发现有人触电，正确的做法有哪些？",
        ["先切断电源", "用干燥木棍挑开电线", "直接用手拉开", "拨打120"],
        "ABD",
        "解析乙：先断电再施救，切勿徒手接触。",
    ),
    (
        QuestionType.TRUE_FALSE,
        "洪水来临时应向高处转移。",
        [],
        "A",
        "解析丙：向高处转移是基本的避险方法。",
    ),
    (
        QuestionType.SINGLE,
        "止血最常用的现场方法是？",
        ["直接压迫", "抬高患肢", "冰敷"],
        "A",
        "解析丁：直接压迫是最有效的现场止血方法。",
    ),
]


def make_question(category, kind, stem, options, answer, explanation, **fields) -> Question:
    values = {f"option_{letter}": text for letter, text in zip("abcdef", options, strict=False)}
    question = Question(
        category=category,
        type=kind,
        stem=stem,
        answer=answer,
        explanation=explanation,
        **values,
        **fields,
    )
    question.full_clean()
    question.save()
    return question


def right_choices(question: Question) -> list[int]:
    return question.correct_indexes


def wrong_choices(question: Question) -> list[int]:
    key = set(question.correct_indexes)
    return [next(i for i in range(len(question.options)) if i not in key)]


@pytest.fixture
def catalog(site_tree):
    return CourseIndexPageFactory(parent=site_tree["home"])


@pytest.fixture
def course(catalog):
    return course_with_lessons(
        catalog,
        code="EX-101",
        title="急救考试课",
        lessons=2,
        completion_rule=CompletionRule.LESSONS_AND_EXAM,
    )


@pytest.fixture
def category(db):
    return QuestionCategory.objects.create(name="现场急救")


@pytest.fixture
def questions(category):
    return [make_question(category, *row) for row in BANK]


def build_exam(course, questions, **fields) -> Exam:
    values = {
        "title": "急救结业考试",
        "kind": ExamKind.FINAL,
        "course": course,
        "selection": SelectionMode.FIXED,
        "pass_mark": 60,
        "time_limit_minutes": 30,
        "max_attempts": 2,
        "review_policy": ReviewPolicy.AFTER_SUBMIT,
        **fields,
    }
    exam = Exam(**values)
    exam.full_clean()
    exam.save()
    for order, question in enumerate(questions):
        ExamQuestion.objects.create(
            exam=exam, question=question, points=Decimal(1), sort_order=order
        )
    return exam


@pytest.fixture
def exam(course, questions):
    return build_exam(course, questions)


@pytest.fixture
def draw_exam(course, category, questions):
    """A random-draw exam: two questions of the category per attempt."""
    exam = Exam(
        title="随机抽题考试",
        kind=ExamKind.FINAL,
        course=course,
        selection=SelectionMode.RANDOM,
        time_limit_minutes=0,
        max_attempts=0,
    )
    exam.full_clean()
    exam.save()
    ExamDrawRule.objects.create(exam=exam, category=category, count=2, points=Decimal("5"))
    return exam


@pytest.fixture
def quiz(course, questions):
    lesson = LessonPage.objects.child_of(course).order_by("path").first()
    exam = Exam(
        title="第1课练习",
        kind=ExamKind.QUIZ,
        course=course,
        lesson=lesson,
        time_limit_minutes=0,
        max_attempts=3,
    )
    exam.full_clean()  # a quiz is always unlimited: clean() resets max_attempts
    exam.save()
    ExamQuestion.objects.create(exam=exam, question=questions[0], points=Decimal(1))
    return exam


@pytest.fixture
def enrolled(world, course):
    enrollment, _created = enrollment_create(member=world["member"], course=course, source="self")
    return enrollment


@pytest.fixture
def t0():
    return timezone.now().replace(microsecond=0)


def later(moment, **delta):
    return moment + datetime.timedelta(**delta)


def put_json(client, url, data):
    body = data if isinstance(data, (str, bytes)) else json.dumps(data)
    return client.put(url, body, content_type="application/json")


def post_json(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def all_keys(value) -> set[str]:
    """Every key anywhere in a JSON value."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in all_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in all_keys(v)}
    return set()
