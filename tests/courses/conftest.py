import json

from django.contrib.auth.models import Group

import pytest

from cms.roles import REVIEWERS, TRAINERS, roles_setup
from courses.models import CourseGrant, LessonPage
from tests.factories import CourseIndexPageFactory, PageFactory, UserFactory, course_with_lessons

QUESTION = "成人胸外按压的频率是多少？"
OPTIONS = ["每分钟60至80次", "每分钟100至120次", "每分钟150次以上"]
EXPLANATION = "按压频率每分钟100至120次，深度5至6厘米。"


def draftail(text: str) -> str:
    """A rich text value as the Draftail editor posts it."""
    block = {
        "key": "a",
        "text": text,
        "type": "unstyled",
        "depth": 0,
        "inlineStyleRanges": [],
        "entityRanges": [],
    }
    return json.dumps({"blocks": [block], "entityMap": {}})


COMMENTS = {
    "comments-TOTAL_FORMS": "0",
    "comments-INITIAL_FORMS": "0",
    "comments-MIN_NUM_FORMS": "0",
    "comments-MAX_NUM_FORMS": "1000",
}


def course_form(course=None, **overrides) -> dict:
    """The admin edit form of a course, as the browser posts it."""
    data = {
        "title": course.title if course else "新课程",
        "slug": course.slug if course else "new-course",
        "code": course.code if course else "NEW-001",
        "hazard_category": "flood",
        "level": "basic",
        "summary": "课程简介",
        "objectives": draftail("掌握要点"),
        "credit_hours": "2",
        "completion_rule": "all_lessons",
        "certificate_validity_months": "36",
        "self_enrollment": "on",
        "counts_toward_compliance": "on",
        **COMMENTS,
    }
    data.update(overrides)
    return data


def lesson_form(lesson=None, **overrides) -> dict:
    """The admin edit form of a lesson with one paragraph, as the browser posts it."""
    data = {
        "title": lesson.title if lesson else "新课时",
        "slug": lesson.slug if lesson else "new-lesson",
        "estimated_minutes": "10",
        "body-count": "1",
        "body-0-type": "paragraph",
        "body-0-value": draftail("课时正文"),
        "body-0-deleted": "",
        "body-0-order": "0",
        "body-0-id": "",
        **COMMENTS,
    }
    data.update(overrides)
    return data


@pytest.fixture
def catalog(site_tree):
    return CourseIndexPageFactory(parent=site_tree["home"])


@pytest.fixture
def people(site_tree):
    roles_setup()
    trainers = Group.objects.get(name=TRAINERS)
    return {
        "trainer": UserFactory(username="trainer-a", groups=[trainers]),
        "other_trainer": UserFactory(username="trainer-b", groups=[trainers]),
        "reviewer": UserFactory(username="reviewer-a", groups=[Group.objects.get(name=REVIEWERS)]),
    }


@pytest.fixture
def courses(catalog, people):
    """Two live courses of three lessons; the first is granted to `trainer`, the second isn't."""
    granted = course_with_lessons(catalog, code="GX-T-001", title="急救基础")
    other = course_with_lessons(catalog, code="GX-T-002", title="防汛转移")
    CourseGrant.objects.create(course=granted, user=people["trainer"])
    CourseGrant.objects.create(course=other, user=people["other_trainer"])
    return {"granted": granted, "other": other}


@pytest.fixture
def lesson_with_check(catalog):
    """A live lesson whose body holds a knowledge check among other blocks."""
    course = course_with_lessons(catalog, code="GX-KC-001", title="心肺复苏", lessons=0)
    return PageFactory._create(
        LessonPage,
        parent=course,
        title="胸外按压",
        slug="compressions",
        estimated_minutes=15,
        body=[
            ("heading", {"text": "按压要点", "level": "h2"}),
            ("paragraph", "<p>双手掌根重叠，放在胸骨下半部。</p>"),
            (
                "knowledge_check",
                {
                    "question": QUESTION,
                    "options": OPTIONS,
                    "correct": [2],
                    "explanation": EXPLANATION,
                },
            ),
            ("callout", {"kind": "info", "title": "提示", "text": "<p>尽量减少中断。</p>"}),
        ],
    )
