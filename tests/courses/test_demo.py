"""seed_demo loads six standard courses with lessons, twice without change."""

from django.core.management import call_command

from wagtail.images.models import Image
from wagtail.models import Page, Revision

import pytest

from courses.models import CourseGrant, CourseIndexPage, CoursePage, LessonPage

pytestmark = pytest.mark.django_db


def _counts():
    return (
        Page.objects.count(),
        Revision.objects.count(),
        Image.objects.count(),
        CourseGrant.objects.count(),
    )


def test_seed_demo_twice_loads_the_courses_once(client):
    call_command("seed_demo")
    first = _counts()
    call_command("seed_demo")
    assert _counts() == first

    catalog = CourseIndexPage.objects.get()
    assert catalog.url == "/courses/" and catalog.live and catalog.show_in_menus
    courses = CoursePage.objects.live().child_of(catalog)
    assert courses.count() >= 6
    assert courses.filter(counts_toward_compliance=True).count() >= 3
    for course in courses:
        assert course.code.startswith("GX-YJ-")
        assert course.cover_image_id
        # The first-aid course's final exam counts (courses/demo_questions.py).
        expected = "lessons_and_exam" if course.code == "GX-YJ-103" else "all_lessons"
        assert course.completion_rule == expected
        lessons = LessonPage.objects.live().child_of(course)
        assert lessons.count() >= 3, course.code
        for lesson in lessons:
            checks = [b for b in lesson.body if b.block_type == "knowledge_check"]
            assert checks, lesson.title
            for check in checks:
                options = len(check.value["options"])
                assert 2 <= options <= 4
                assert all(1 <= n <= options for n in check.value["correct"])
                assert check.value["explanation"]

    html = client.get("/courses/").content.decode()
    assert all(course.title in html for course in courses)


def test_demo_trainer_is_granted_two_courses():
    call_command("seed_demo")
    grants = CourseGrant.objects.filter(user__username="trainer")
    assert grants.count() == 2
    assert all(grant.granted_by.username == "admin" for grant in grants)


def test_demo_lessons_are_readable_and_keep_their_answers(client):
    call_command("seed_demo")
    for lesson in LessonPage.objects.live():
        response = client.get(lesson.url)
        assert response.status_code == 200, lesson.url
        html = response.content.decode()
        for block in lesson.body:
            if block.block_type == "knowledge_check":
                assert block.value["explanation"] not in html, lesson.url
