"""Learning through the JSON API, as a phone app would: catalog, enroll, lessons, progress."""

import json

from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from wagtail.documents.models import Document
from wagtail.embeds.blocks import EmbedValue
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import APIToken

import pytest

from courses.blocks import LessonStreamBlock
from courses.models import LessonPage
from lms.api.learning import BLOCK_SERIALIZERS
from lms.models import Enrollment, EnrollmentStatus, LessonProgress
from lms.services.enrollments import enrollment_create
from tests.factories import (
    CourseIndexPageFactory,
    MemberFactory,
    PageFactory,
    UserFactory,
    course_with_lessons,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"
QUESTION = "大出血时首先应该？"
OPTIONS = ["等待", "直接压迫止血", "喝水"]
EXPLANATION = "直接压迫是最有效的现场止血方法。"


@pytest.fixture
def catalog(site_tree):
    return CourseIndexPageFactory(parent=site_tree["home"])


@pytest.fixture
def course(catalog):
    return course_with_lessons(catalog, code="FA-101", lessons=3, hazard_category="first_aid")


@pytest.fixture
def enrolled(world, course):
    enrollment, _created = enrollment_create(member=world["member"], course=course, source="self")
    return enrollment


def lessons(course):
    return list(LessonPage.objects.child_of(course).order_by("path"))


def _as(client, user):
    client.force_login(user)
    return client


def _post(client, url, data=None, **extra):
    body = data if isinstance(data, str) else json.dumps(data if data is not None else {})
    return client.post(url, body, content_type="application/json", **extra)


def _keys(value) -> set[str]:
    """Every key anywhere in a JSON value."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def rich_lesson(course, **fields):
    """A lesson with one block of every type."""
    image = Image.objects.create(title="止血示意图", file=get_test_image_file())
    document = Document.objects.create(
        title="止血手册", file=ContentFile(b"%PDF-1.4 handbook", name="handbook.pdf")
    )
    video = Document.objects.create(
        title="止血视频", file=ContentFile(b"not really a video", name="bleeding.mp4")
    )
    body = [
        ("heading", {"text": "现场止血", "level": "h2"}),
        ("paragraph", "<p>用<b>干净的布</b>直接按压伤口。</p>"),
        ("image", {"image": image, "caption": "按压位置"}),
        ("embed", EmbedValue("https://example.cn/videos/1")),
        ("video", {"video": video, "caption": "示范"}),
        ("key_steps", {"title": "关键步骤", "steps": ["按压", "抬高", "呼救"]}),
        ("do_dont", {"do": ["持续按压"], "dont": ["反复查看伤口"]}),
        ("callout", {"kind": "danger", "title": "注意", "text": "<p>不要拔出异物。</p>"}),
        ("document", {"document": document, "title": ""}),
        (
            "knowledge_check",
            {"question": QUESTION, "options": OPTIONS, "correct": [2], "explanation": EXPLANATION},
        ),
    ]
    return PageFactory._create(
        LessonPage,
        parent=course,
        title=fields.pop("title", "止血"),
        slug=fields.pop("slug", "bleeding"),
        estimated_minutes=8,
        body=body,
        **fields,
    )


# -- authentication ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/courses"),
        ("get", "/courses/{course}"),
        ("post", "/courses/{course}/enroll"),
        ("get", "/me/enrollments"),
        ("get", "/lessons/{lesson}"),
        ("post", "/lessons/{lesson}/progress"),
        ("post", "/lessons/{lesson}/checks/abc"),
    ],
)
def test_anonymous_is_401(client, world, course, method, path):
    url = API + path.format(course=course.pk, lesson=lessons(course)[0].pk)
    if method == "get":
        response = client.get(url)
    else:
        response = _post(client, url, {"completed": True, "seconds_spent": 1})
    assert response.status_code == 401
    assert "登录" in response.json()["detail"]
    assert not Enrollment.objects.exists()
    assert not LessonProgress.objects.exists()


# -- the catalog -----------------------------------------------------------------------


def test_catalog_lists_only_live_courses(client, world, catalog, course):
    course_with_lessons(catalog, code="DRAFT-1", live=False)
    PageFactory._create(LessonPage, parent=course, live=False, title="草稿", slug="d", body=[])
    flood = course_with_lessons(catalog, code="FL-1", lessons=1, hazard_category="flood")
    _as(client, world["member_user"])
    listed = client.get(f"{API}/courses").json()
    assert listed["count"] == 2
    assert [c["code"] for c in listed["items"]] == ["FA-101", "FL-1"]
    first = listed["items"][0]
    assert first == {
        "id": course.pk,
        "code": "FA-101",
        "title": course.title,
        "hazard_category": {"code": "first_aid", "label": "急救"},
        "level": {"code": "basic", "label": "基础"},
        "credit_hours": 1.0,
        "summary": "课程简介",
        "lesson_count": 3,  # the draft lesson is not counted
        "self_enrollment": True,
    }
    by_hazard = client.get(f"{API}/courses?hazard=flood").json()
    assert [c["id"] for c in by_hazard["items"]] == [flood.pk]
    assert client.get(f"{API}/courses?hazard=volcano").status_code == 422


def test_course_detail_lists_its_live_lessons_in_order(client, world, catalog, course):
    PageFactory._create(LessonPage, parent=course, live=False, title="草稿", slug="d", body=[])
    draft = course_with_lessons(catalog, code="DRAFT-1", live=False)
    _as(client, world["member_user"])
    detail = client.get(f"{API}/courses/{course.pk}").json()
    assert [lesson["title"] for lesson in detail["lessons"]] == ["第1课", "第2课", "第3课"]
    assert detail["lessons"][0] == {
        "id": lessons(course)[0].pk,
        "title": "第1课",
        "estimated_minutes": 5,
    }
    assert "<li>掌握要点</li>" in detail["objectives"]
    assert client.get(f"{API}/courses/{draft.pk}").status_code == 404
    assert client.get(f"{API}/courses/{lessons(course)[0].pk}").status_code == 404


# -- enrolling -------------------------------------------------------------------------


def test_enrolling_is_idempotent(client, world, course):
    _as(client, world["member_user"])
    first = _post(client, f"{API}/courses/{course.pk}/enroll")
    assert first.status_code == 201
    again = _post(client, f"{API}/courses/{course.pk}/enroll")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Enrollment.objects.filter(member=world["member"], course=course).count() == 1
    body = first.json()
    assert body["status"] == {"code": "active", "label": "学习中"}
    assert body["source"]["code"] == "self"
    assert (body["lessons_total"], body["lessons_done"], body["percent"]) == (3, 0, 0)
    assert body["next_lesson_id"] == lessons(course)[0].pk


def test_enrolling_without_a_member_record_is_refused_with_a_reason(client, world, course):
    _as(client, world["qingxiu_admin"])
    response = _post(client, f"{API}/courses/{course.pk}/enroll")
    assert response.status_code == 400
    assert "队员" in response.json()["detail"]
    assert not Enrollment.objects.exists()


def test_enrolling_where_the_course_does_not_allow_it(client, world, catalog):
    closed = course_with_lessons(catalog, code="CLOSED-1", self_enrollment=False)
    draft = course_with_lessons(catalog, code="DRAFT-1", live=False)
    _as(client, world["member_user"])
    response = _post(client, f"{API}/courses/{closed.pk}/enroll")
    assert response.status_code == 400
    assert "不开放自主报名" in response.json()["detail"]
    assert _post(client, f"{API}/courses/{draft.pk}/enroll").status_code == 404
    assert not Enrollment.objects.exists()


def test_a_withdrawn_enrollment_comes_back(client, world, enrolled, course):
    Enrollment.objects.filter(pk=enrolled.pk).update(status=EnrollmentStatus.WITHDRAWN)
    _as(client, world["member_user"])
    response = _post(client, f"{API}/courses/{course.pk}/enroll")
    assert response.status_code == 200
    assert response.json()["id"] == enrolled.pk
    assert Enrollment.objects.get(pk=enrolled.pk).status == EnrollmentStatus.ACTIVE


def test_my_enrollments(client, world, catalog, course, enrolled):
    other_course = course_with_lessons(catalog, code="FL-1", lessons=2)
    enrollment_create(member=world["other"], course=other_course, source="self")
    _as(client, world["member_user"])
    listed = client.get(f"{API}/me/enrollments").json()
    assert [e["course"]["code"] for e in listed["items"]] == ["FA-101"]
    assert listed["items"][0]["due_on"] is None
    # Not a member: nothing, rather than an error.
    _as(client, world["qingxiu_admin"])
    assert client.get(f"{API}/me/enrollments").json()["count"] == 0


# -- lesson content --------------------------------------------------------------------


def test_lesson_content_for_an_enrolled_member(client, world, course, enrolled):
    lesson = rich_lesson(course)
    _as(client, world["member_user"])
    response = client.get(f"{API}/lessons/{lesson.pk}")
    assert response.status_code == 200
    data = response.json()
    assert (data["title"], data["estimated_minutes"]) == ("止血", 8)
    assert data["course"] == {"id": course.pk, "code": "FA-101", "title": course.title}
    assert data["previous_lesson_id"] == lessons(course)[2].pk
    assert data["next_lesson_id"] is None
    blocks = {block["type"]: block for block in data["body"]}
    assert list(blocks) == [
        "heading",
        "paragraph",
        "image",
        "embed",
        "video",
        "key_steps",
        "do_dont",
        "callout",
        "document",
        "knowledge_check",
    ]
    assert all(block["id"] for block in data["body"])
    assert blocks["heading"]["value"] == {"text": "现场止血", "level": "h2"}
    assert blocks["paragraph"]["value"] == "<p>用<b>干净的布</b>直接按压伤口。</p>"
    image = blocks["image"]["value"]
    assert image["url"].startswith("http://testserver/")
    assert ".max-800x600" in image["url"] and image["caption"] == "按压位置"
    assert image["width"] <= 800 and image["height"] <= 600
    assert blocks["embed"]["value"] == {"url": "https://example.cn/videos/1"}
    assert blocks["video"]["value"]["url"].startswith("http://testserver/documents/")
    assert blocks["video"]["value"]["caption"] == "示范"
    assert blocks["key_steps"]["value"] == {"title": "关键步骤", "steps": ["按压", "抬高", "呼救"]}
    assert blocks["do_dont"]["value"] == {"do": ["持续按压"], "dont": ["反复查看伤口"]}
    assert blocks["callout"]["value"]["text"] == "<p>不要拔出异物。</p>"
    assert blocks["document"]["value"]["title"] == "止血手册"
    assert blocks["document"]["value"]["file_extension"] == "pdf"


def test_knowledge_checks_carry_no_answers(client, world, course, enrolled):
    lesson = rich_lesson(course)
    _as(client, world["member_user"])
    response = client.get(f"{API}/lessons/{lesson.pk}")
    check = next(b for b in response.json()["body"] if b["type"] == "knowledge_check")
    assert check["value"] == {"question": QUESTION, "options": OPTIONS}
    assert not {"correct", "explanation", "correct_choices"} & _keys(response.json())
    text = response.content.decode()
    assert EXPLANATION not in text
    assert "correct" not in text


def test_opening_a_lesson_records_where_to_continue(client, world, course, enrolled):
    second = lessons(course)[1]
    _as(client, world["member_user"])
    data = client.get(f"{API}/lessons/{second.pk}").json()
    assert data["progress"]["completed"] is False
    assert Enrollment.objects.get(pk=enrolled.pk).last_lesson_id == second.pk
    assert LessonProgress.objects.filter(enrollment=enrolled, lesson=second).exists()
    # Reading it again changes nothing; opening another lesson moves the bookmark.
    changes = Enrollment.history.count() + LessonProgress.history.count()
    assert client.get(f"{API}/lessons/{second.pk}").json()["progress"]["completed"] is False
    assert Enrollment.history.count() + LessonProgress.history.count() == changes
    client.get(f"{API}/lessons/{lessons(course)[0].pk}")
    assert Enrollment.objects.get(pk=enrolled.pk).last_lesson_id == lessons(course)[0].pk


def test_a_lesson_is_404_for_a_member_not_enrolled(client, world, course, enrolled):
    neighbour = MemberFactory(
        team=world["qingxiu_team"], name="邻居", user=UserFactory(username="neighbour")
    )
    lesson = lessons(course)[0]
    _as(client, neighbour.user)
    for response in (
        client.get(f"{API}/lessons/{lesson.pk}"),
        _post(
            client, f"{API}/lessons/{lesson.pk}/progress", {"completed": True, "seconds_spent": 5}
        ),
    ):
        assert response.status_code == 404
        assert "报名" in response.json()["detail"]
    # Neither is a leader or an administrator shown a lesson they are not enrolled in.
    _as(client, world["qingxiu_admin"])
    assert client.get(f"{API}/lessons/{lesson.pk}").status_code == 404
    # A course's id is not a lesson.
    _as(client, world["member_user"])
    assert client.get(f"{API}/lessons/{course.pk}").status_code == 404
    assert client.get(f"{API}/lessons/999999").status_code == 404
    assert LessonProgress.objects.count() == 0


def test_a_draft_lesson_is_404(client, world, course, enrolled):
    draft = PageFactory._create(
        LessonPage, parent=course, live=False, title="草稿课时", slug="draft", body=[]
    )
    _as(client, world["member_user"])
    assert client.get(f"{API}/lessons/{draft.pk}").status_code == 404
    response = _post(
        client, f"{API}/lessons/{draft.pk}/progress", {"completed": True, "seconds_spent": 5}
    )
    assert response.status_code == 404
    assert not LessonProgress.objects.exists()


def test_a_lesson_of_a_draft_course_is_refused_and_nothing_changes(client, world, course, enrolled):
    lesson = lessons(course)[0]
    course.unpublish()
    _as(client, world["member_user"])
    assert client.get(f"{API}/lessons/{lesson.pk}").status_code == 404
    response = _post(
        client, f"{API}/lessons/{lesson.pk}/progress", {"completed": True, "seconds_spent": 5}
    )
    assert response.status_code == 404
    assert response.json()["detail"]
    assert not LessonProgress.objects.exists()
    enrolled.refresh_from_db()
    assert enrolled.last_lesson_id is None and enrolled.status == EnrollmentStatus.ACTIVE


# -- progress --------------------------------------------------------------------------


def test_marking_every_lesson_completes_the_course(client, world, course, enrolled):
    first, second, third = lessons(course)
    _as(client, world["member_user"])
    response = _post(
        client, f"{API}/lessons/{first.pk}/progress", {"completed": True, "seconds_spent": 120}
    )
    assert response.status_code == 200
    data = response.json()
    assert data["progress"]["completed"] is True
    assert data["progress"]["seconds_spent"] == 120
    assert data["enrollment"]["percent"] == 33
    assert data["enrollment"]["status"]["code"] == "active"
    assert data["enrollment"]["next_lesson_id"] == second.pk
    # Twice is fine: time adds up, the lesson stays done.
    again = _post(
        client, f"{API}/lessons/{first.pk}/progress", {"completed": True, "seconds_spent": 60}
    ).json()
    assert again["progress"]["seconds_spent"] == 180
    assert again["enrollment"]["lessons_done"] == 1
    for lesson in (second, third):
        data = _post(
            client,
            f"{API}/lessons/{lesson.pk}/progress",
            {"completed": True, "seconds_spent": 0},
        ).json()
    assert data["enrollment"]["status"] == {"code": "completed", "label": "已结业"}
    assert data["enrollment"]["percent"] == 100
    assert data["enrollment"]["next_lesson_id"] is None
    enrolled.refresh_from_db()
    assert enrolled.status == EnrollmentStatus.COMPLETED and enrolled.completed_at
    mine = client.get(f"{API}/me/enrollments").json()["items"][0]
    assert (mine["percent"], mine["lessons_done"], mine["lessons_total"]) == (100, 3, 3)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"completed": True, "seconds_spent": -1}, "seconds_spent"),
        ({"completed": True, "seconds_spent": "60"}, "seconds_spent"),
        ({"completed": True, "seconds_spent": 1.5}, "seconds_spent"),
        ({"completed": True, "seconds_spent": True}, "seconds_spent"),
        ({"completed": True, "seconds_spent": None}, "seconds_spent"),
        ({"completed": True}, "seconds_spent"),
        ({"seconds_spent": 60}, "completed"),
        ({"completed": False, "seconds_spent": 60}, "completed"),
        ({"completed": "yes", "seconds_spent": 60}, "completed"),
        ({"completed": 1, "seconds_spent": 60}, "completed"),
        ({"completed": True, "seconds_spent": 60, "lesson": 1}, "lesson"),
        ([True, 60], None),
        ("{not json", None),
        ("", None),
    ],
)
def test_bad_progress_payloads_are_refused_and_change_nothing(
    client, world, course, enrolled, payload, field
):
    lesson = lessons(course)[0]
    _as(client, world["member_user"])
    response = _post(client, f"{API}/lessons/{lesson.pk}/progress", payload)
    assert response.status_code in (400, 422)
    body = response.json()
    assert body["detail"]
    if field:
        assert body["field"] == field
    assert not LessonProgress.objects.exists()
    enrolled.refresh_from_db()
    assert enrolled.last_lesson_id is None


def test_session_writes_need_csrf_and_tokens_do_not(world, course, enrolled):
    lesson = lessons(course)[0]
    url = f"{API}/lessons/{lesson.pk}/progress"
    payload = {"completed": True, "seconds_spent": 30}
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world["member_user"])
    assert _post(browser, url, payload).status_code == 403
    assert not LessonProgress.objects.exists()
    _token, plaintext = APIToken.create_token(user=world["member_user"], name="手机")
    app = Client(enforce_csrf_checks=True)
    response = _post(app, url, payload, headers={"Authorization": f"Bearer {plaintext}"})
    assert response.status_code == 200
    assert LessonProgress.objects.get().completed_at is not None


# -- knowledge checks ------------------------------------------------------------------


def test_knowledge_check_is_answered_on_the_server(client, world, catalog):
    course = course_with_lessons(catalog, code="KC-1", lessons=0)
    enrollment_create(member=world["member"], course=course, source="self")
    lesson = rich_lesson(course)
    block_id = lesson.body[-1].id
    url = f"{API}/lessons/{lesson.pk}/checks/{block_id}"
    _as(client, world["member_user"])
    wrong = _post(client, url, {"choices": [1]}).json()
    assert wrong == {
        "correct": False,
        "explanation": "",
        "correct_choices": [],
        "lesson_completed": False,
    }
    right = _post(client, url, {"choices": [2]}).json()
    assert right == {
        "correct": True,
        "explanation": EXPLANATION,
        "correct_choices": [2],
        "lesson_completed": True,
    }
    assert Enrollment.objects.get(member=world["member"]).status == EnrollmentStatus.COMPLETED


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"choices": []}, 400),
        ({"choices": [9]}, 400),
        ({"choices": ["2"]}, 422),
        ({"choices": [True]}, 422),
        ({"choices": 2}, 422),
        ({}, 422),
    ],
)
def test_bad_answers_are_refused(client, world, course, enrolled, payload, status):
    lesson = rich_lesson(course)
    _as(client, world["member_user"])
    response = _post(client, f"{API}/lessons/{lesson.pk}/checks/{lesson.body[-1].id}", payload)
    assert response.status_code == status
    assert response.json()["detail"]
    assert not LessonProgress.objects.exists()


def test_an_unknown_check_is_refused(client, world, course, enrolled):
    lesson = rich_lesson(course)
    _as(client, world["member_user"])
    response = _post(client, f"{API}/lessons/{lesson.pk}/checks/nope", {"choices": [2]})
    assert response.status_code == 400
    assert "没有这道小测" in response.json()["detail"]


def test_answers_to_a_lesson_not_enrolled_in_are_404(client, world, catalog):
    course = course_with_lessons(catalog, code="KC-1", lessons=0)
    lesson = rich_lesson(course)
    _as(client, world["member_user"])
    response = _post(
        client, f"{API}/lessons/{lesson.pk}/checks/{lesson.body[-1].id}", {"choices": [2]}
    )
    assert response.status_code == 404
    assert EXPLANATION not in response.content.decode()


# -- the shape of things ---------------------------------------------------------------


def test_every_lesson_block_type_has_a_serializer():
    assert set(LessonStreamBlock.base_blocks) == set(BLOCK_SERIALIZERS)


def test_openapi_lists_the_learning_endpoints(client, db):
    paths = client.get(f"{API}/openapi.json").json()["paths"]
    for path in (
        "/courses",
        "/courses/{course_id}",
        "/courses/{course_id}/enroll",
        "/me/enrollments",
        "/lessons/{lesson_id}",
        "/lessons/{lesson_id}/progress",
        "/lessons/{lesson_id}/checks/{block_id}",
    ):
        assert API + path in paths


# -- queries: constant, whatever the course's length or the member's enrollments -----------


def _queries(callable_) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = callable_()
    assert response.status_code == 200, response.content
    return len(queries)


def test_queries_do_not_grow_with_lessons_or_enrollments(
    client, world, catalog, django_assert_max_num_queries
):
    member = world["member"]
    short = course_with_lessons(catalog, code="S-1", lessons=2)
    long = course_with_lessons(catalog, code="L-1", lessons=12)
    for course in (short, long):
        enrollment_create(member=member, course=course, source="self")
        rich_lesson(course, slug=f"rich-{course.code.lower()}")
    _as(client, member.user)

    def counts() -> dict[str, int]:
        out = {}
        for course in (short, long):
            lesson = lessons(course)[-1]
            client.get(f"{API}/lessons/{lesson.pk}")  # first opening writes the progress row
            out[f"lesson {course.code}"] = _queries(
                lambda lesson=lesson: client.get(f"{API}/lessons/{lesson.pk}")
            )
            out[f"progress {course.code}"] = _queries(
                lambda lesson=lesson: _post(
                    client,
                    f"{API}/lessons/{lesson.pk}/progress",
                    {"completed": True, "seconds_spent": 1},
                )
            )
        out["enrollments"] = _queries(lambda: client.get(f"{API}/me/enrollments"))
        out["courses"] = _queries(lambda: client.get(f"{API}/courses"))
        return out

    before = counts()
    assert before["lesson S-1"] == before["lesson L-1"]
    assert before["progress S-1"] == before["progress L-1"]
    for n in range(8):
        enrollment_create(
            member=member, course=course_with_lessons(catalog, code=f"X-{n}"), source="self"
        )
    assert counts() == before
    lesson = lessons(long)[-1]
    with django_assert_max_num_queries(20):
        client.get(f"{API}/lessons/{lesson.pk}")
    with django_assert_max_num_queries(20):
        _post(
            client, f"{API}/lessons/{lesson.pk}/progress", {"completed": True, "seconds_spent": 1}
        )
    with django_assert_max_num_queries(8):
        client.get(f"{API}/me/enrollments")
