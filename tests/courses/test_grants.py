"""Trainers author only the courses granted to them; reviewers grant courses and edit any."""

from django.contrib.auth.models import Group

from wagtail.models import Page

import pytest

from cms.roles import TRAINERS
from courses.models import CourseGrant, CoursePage, LessonPage
from tests.factories import PageFactory, UserFactory

from .conftest import course_form, lesson_form

pytestmark = pytest.mark.django_db


def refused(response) -> bool:
    """Refused the way Wagtail refuses: back to the dashboard (or a 403), never the form."""
    return response.status_code == 403 or (
        response.status_code == 302 and response.url.rstrip("/").endswith("/admin")
    )


def edit_url(page) -> str:
    return f"/admin/pages/{page.pk}/edit/"


def latest_title(page) -> str:
    """The title in the page's newest revision (a draft, when there is one), read afresh."""
    return Page.objects.get(pk=page.pk).specific.get_latest_revision_as_object().title


def test_trainer_edits_a_granted_course_and_its_lessons(client, people, courses):
    client.force_login(people["trainer"])
    course = courses["granted"]
    assert client.get(edit_url(course)).status_code == 200
    lesson = LessonPage.objects.child_of(course).first()
    assert client.get(edit_url(lesson)).status_code == 200

    response = client.post(edit_url(course), course_form(course, title="急救基础（修订）"))
    assert response.status_code == 302
    assert not refused(response)
    assert latest_title(course) == "急救基础（修订）"


def test_trainer_is_refused_a_course_not_granted(client, people, courses):
    client.force_login(people["trainer"])
    course = courses["other"]
    revisions = course.revisions.count()

    response = client.get(edit_url(course))
    assert response.status_code != 200
    assert refused(response)
    lesson = LessonPage.objects.child_of(course).first()
    assert refused(client.get(edit_url(lesson)))

    response = client.post(edit_url(course), course_form(course, title="被篡改的标题"))
    assert refused(response)
    response = client.post(edit_url(lesson), lesson_form(lesson, title="被篡改的课时"))
    assert refused(response)
    course = CoursePage.objects.get(pk=course.pk)
    assert course.title == "防汛转移"
    assert course.revisions.count() == revisions
    assert latest_title(course) == "防汛转移"
    assert latest_title(lesson) == "第1课"


def test_refusal_explains_itself(client, people, courses):
    client.force_login(people["trainer"])
    response = client.get(edit_url(courses["other"]), follow=True)
    assert "您没有这门课程的编写授权" in response.content.decode()


def test_trainer_cannot_add_a_lesson_under_a_course_not_granted(client, people, courses):
    client.force_login(people["trainer"])
    other = courses["other"]
    add_url = f"/admin/pages/add/courses/lessonpage/{other.pk}/"
    assert refused(client.get(add_url))
    assert refused(client.post(add_url, lesson_form(slug="sneaky")))
    assert not LessonPage.objects.child_of(other).filter(slug="sneaky").exists()

    # Under a granted course the trainer may.
    granted = courses["granted"]
    response = client.post(
        f"/admin/pages/add/courses/lessonpage/{granted.pk}/", lesson_form(slug="new-lesson")
    )
    assert response.status_code == 302
    assert LessonPage.objects.child_of(granted).filter(slug="new-lesson").exists()


def test_trainer_creates_a_course_and_is_granted_it(client, catalog, people):
    client.force_login(people["trainer"])
    add_url = f"/admin/pages/add/courses/coursepage/{catalog.pk}/"
    assert client.get(add_url).status_code == 200

    response = client.post(add_url, course_form(title="新编课程", slug="new-course", code="NEW-1"))
    assert response.status_code == 302, response.content.decode()[:2000]
    course = CoursePage.objects.get(code="NEW-1")
    assert not course.live  # trainers cannot publish
    grant = CourseGrant.objects.get(course=course)
    assert grant.user == people["trainer"]

    assert client.get(edit_url(course)).status_code == 200
    response = client.post(edit_url(course), course_form(course, title="新编课程（二稿）"))
    assert response.status_code == 302 and not refused(response)
    assert latest_title(course) == "新编课程（二稿）"

    # The other trainer may not.
    client.force_login(people["other_trainer"])
    assert refused(client.get(edit_url(course)))


def test_trainer_may_not_edit_the_catalog_page(client, catalog, people):
    client.force_login(people["trainer"])
    assert refused(client.get(edit_url(catalog)))


def test_reviewer_and_superuser_edit_any_course(client, people, courses):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    for user in (people["reviewer"], admin):
        client.force_login(user)
        for course in courses.values():
            assert client.get(edit_url(course)).status_code == 200
        other = courses["other"]
        response = client.post(edit_url(other), course_form(other, title=f"{user.username} 修订"))
        assert response.status_code == 302 and not refused(response)
        assert latest_title(other) == f"{user.username} 修订"


def test_trainer_in_the_reviewer_group_is_unrestricted(client, people, courses):
    reviewer = people["reviewer"]
    reviewer.groups.add(Group.objects.get(name=TRAINERS))
    client.force_login(reviewer)
    assert client.get(edit_url(courses["other"])).status_code == 200


def test_explorer_hides_other_courses_from_a_trainer(client, catalog, people, courses):
    client.force_login(people["trainer"])
    html = client.get(f"/admin/pages/{catalog.pk}/").content.decode()
    assert "急救基础" in html
    assert "防汛转移" not in html
    # Nor are they found by searching the explorer.
    html = client.get(f"/admin/pages/{catalog.pk}/", {"q": "防汛", "search_all": "1"})
    assert "防汛转移" not in html.content.decode()

    client.force_login(people["reviewer"])
    html = client.get(f"/admin/pages/{catalog.pk}/").content.decode()
    assert "急救基础" in html and "防汛转移" in html
    html = client.get(f"/admin/pages/{catalog.pk}/", {"q": "防汛", "search_all": "1"})
    assert "防汛转移" in html.content.decode()


@pytest.fixture
def other_draft(courses):
    """An unpublished lesson in the course not granted: Wagtail lets trainers delete those."""
    return PageFactory._create(
        LessonPage, parent=courses["other"], live=False, title="草稿课时", slug="draft", body=[]
    )


@pytest.fixture
def own_draft(courses, people):
    """An unpublished lesson the trainer wrote in the granted course."""
    page = PageFactory._create(
        LessonPage, parent=courses["granted"], live=False, title="我的草稿", slug="mine", body=[]
    )
    page.owner = people["trainer"]
    page.save()
    return page


def test_trainer_cannot_delete_a_lesson_of_a_course_not_granted(client, people, other_draft):
    client.force_login(people["trainer"])
    assert refused(client.get(f"/admin/pages/{other_draft.pk}/delete/"))
    assert refused(client.post(f"/admin/pages/{other_draft.pk}/delete/"))
    assert Page.objects.filter(pk=other_draft.pk).exists()


def test_trainer_cannot_bulk_delete_a_lesson_of_a_course_not_granted(
    client, people, other_draft, own_draft
):
    client.force_login(people["trainer"])
    url = "/admin/bulk/wagtailcore/page/delete/?next=/admin/&id={}"
    response = client.post(url.format(other_draft.pk))
    assert refused(response)
    assert Page.objects.filter(pk=other_draft.pk).exists()

    # The same action on the trainer's own draft goes through.
    client.post(url.format(own_draft.pk))
    assert not Page.objects.filter(pk=own_draft.pk).exists()


def test_trainer_cannot_copy_out_of_or_into_a_course_not_granted(
    client, people, courses, other_draft, own_draft
):
    client.force_login(people["trainer"])
    assert refused(client.get(f"/admin/pages/{other_draft.pk}/copy/"))

    def copy_to(parent):
        return client.post(
            f"/admin/pages/{own_draft.pk}/copy/",
            {"new_title": "复制", "new_slug": "copied", "new_parent_page": parent.pk},
        )

    assert refused(copy_to(courses["other"]))
    assert not LessonPage.objects.filter(slug="copied").exists()
    # Within the granted course it works.
    assert not refused(copy_to(courses["granted"]))
    assert LessonPage.objects.child_of(courses["granted"]).filter(slug="copied").exists()


def test_nobody_copies_a_whole_course(client, catalog, people, courses):
    # Its unique code would be repeated; Wagtail's copy form cannot change it.
    client.force_login(people["reviewer"])
    response = client.post(
        f"/admin/pages/{courses['granted'].pk}/copy/",
        {"new_title": "复制课程", "new_slug": "copied-course", "new_parent_page": catalog.pk},
        follow=True,
    )
    assert "无法复制课程" in response.content.decode()
    assert CoursePage.objects.count() == 2


def test_trainer_cannot_move_a_lesson_into_a_course_not_granted(client, people, courses, own_draft):
    client.force_login(people["trainer"])
    response = client.post(f"/admin/pages/{own_draft.pk}/move/{courses['other'].pk}/confirm/")
    assert refused(response)
    assert Page.objects.get(pk=own_draft.pk).get_parent().pk == courses["granted"].pk

    # A reviewer may move it.
    client.force_login(people["reviewer"])
    client.post(f"/admin/pages/{own_draft.pk}/move/{courses['other'].pk}/confirm/")
    assert Page.objects.get(pk=own_draft.pk).get_parent().pk == courses["other"].pk


def test_only_reviewers_manage_grants(client, people, courses):
    trainer, reviewer = people["trainer"], people["reviewer"]
    client.force_login(trainer)
    assert client.get("/admin/courses/grants/").status_code != 200
    response = client.post(
        "/admin/courses/grants/new/", {"course": courses["other"].pk, "user": trainer.pk}
    )
    assert not CourseGrant.objects.filter(course=courses["other"], user=trainer).exists()
    assert response.status_code != 200

    client.force_login(reviewer)
    assert client.get("/admin/courses/grants/").status_code == 200
    response = client.post(
        "/admin/courses/grants/new/", {"course": courses["other"].pk, "user": trainer.pk}
    )
    assert response.status_code == 302
    grant = CourseGrant.objects.get(course=courses["other"], user=trainer)
    assert grant.granted_by == reviewer

    # Granted now: the trainer may edit the course.
    client.force_login(trainer)
    assert client.get(edit_url(courses["other"])).status_code == 200


def test_a_course_is_granted_to_trainers_only_and_once(client, people, courses):
    client.force_login(people["reviewer"])
    outsider = UserFactory(username="outsider")
    response = client.post(
        "/admin/courses/grants/new/", {"course": courses["other"].pk, "user": outsider.pk}
    )
    assert response.status_code == 200  # the form again, with an error
    assert not CourseGrant.objects.filter(user=outsider).exists()

    response = client.post(
        "/admin/courses/grants/new/",
        {"course": courses["granted"].pk, "user": people["trainer"].pk},
    )
    assert response.status_code == 200
    assert CourseGrant.objects.filter(course=courses["granted"]).count() == 1


def test_trainer_cannot_read_the_drafts_and_history_of_a_course_not_granted(
    client, people, courses
):
    """Revisions, comparisons, draft previews and history show a course's unpublished text."""
    other, granted = courses["other"], courses["granted"]
    for course in (other, granted):
        course.title = f"{course.title}（未发布修订）"
        course.save_revision()
    client.force_login(people["trainer"])

    def pages_of(course):
        revision = course.revisions.order_by("-pk").first()
        return [
            f"/admin/pages/{course.pk}/revisions/",
            f"/admin/pages/{course.pk}/revisions/{revision.pk}/view/",
            f"/admin/pages/{course.pk}/revisions/compare/earliest...{revision.pk}/",
            f"/admin/pages/{course.pk}/view_draft/",
            f"/admin/pages/{course.pk}/history/",
        ]

    for url in pages_of(other):
        response = client.get(url)
        assert refused(response), url
        assert "未发布修订" not in response.content.decode(), url
    for url in pages_of(granted):
        response = client.get(url, follow=True)  # the revisions index redirects to history
        assert response.status_code == 200, url
        assert response.request["PATH_INFO"] != "/admin/", url
