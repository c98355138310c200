"""A trainer's new course stays a private draft until a reviewer approves it."""

from wagtail.models import WorkflowState

import pytest

from courses.models import CoursePage, LessonPage

from .conftest import course_form, lesson_form

pytestmark = pytest.mark.django_db


def approve(client, page):
    state = WorkflowState.objects.get(
        object_id=str(page.pk), status=WorkflowState.STATUS_IN_PROGRESS
    )
    task_state = state.current_task_state
    response = client.post(
        f"/admin/pages/workflow/action/{page.pk}/approve/{task_state.pk}/", {"comment": ""}
    )
    assert response.status_code in (200, 302)


def test_draft_course_is_private_until_a_reviewer_publishes_it(client, catalog, people):
    client.force_login(people["trainer"])
    response = client.post(
        f"/admin/pages/add/courses/coursepage/{catalog.pk}/",
        course_form(
            title="社区防汛", slug="flood-basics", code="GX-M-001", **{"action-submit": "1"}
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    course = CoursePage.objects.get(code="GX-M-001")
    response = client.post(
        f"/admin/pages/add/courses/lessonpage/{course.pk}/",
        lesson_form(title="汛前准备", slug="before", **{"action-submit": "1"}),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    lesson = LessonPage.objects.get(slug="before")

    # Submitted, not published: trainers cannot publish.
    client.logout()
    assert client.get("/courses/flood-basics/").status_code == 404
    assert client.get("/courses/flood-basics/before/").status_code == 404
    assert "社区防汛" not in client.get("/courses/").content.decode()

    # A trainer's attempt to publish directly changes nothing.
    client.force_login(people["trainer"])
    client.post(f"/admin/pages/{course.pk}/edit/", course_form(course, **{"action-publish": "1"}))
    assert not CoursePage.objects.get(pk=course.pk).live

    client.force_login(people["reviewer"])
    approve(client, course)
    approve(client, lesson)
    client.logout()

    assert CoursePage.objects.get(pk=course.pk).live
    assert client.get("/courses/flood-basics/").status_code == 200
    assert "社区防汛" in client.get("/courses/").content.decode()
    html = client.get("/courses/flood-basics/before/").content.decode()
    assert "汛前准备" in html and "课时正文" in html


def test_edits_to_a_live_lesson_show_only_once_approved(client, people, courses):
    lesson = LessonPage.objects.child_of(courses["granted"]).first()
    url = lesson.url
    assert "第1课" in client.get(url).content.decode()  # cached now, too

    client.force_login(people["trainer"])
    response = client.post(
        f"/admin/pages/{lesson.pk}/edit/",
        lesson_form(lesson, title="止血与包扎", **{"action-submit": "1"}),
    )
    assert response.status_code == 302
    client.logout()
    html = client.get(url).content.decode()
    assert "第1课" in html and "止血与包扎" not in html

    client.force_login(people["reviewer"])
    approve(client, lesson)
    client.logout()
    assert "止血与包扎" in client.get(url).content.decode()
