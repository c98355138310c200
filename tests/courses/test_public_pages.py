"""The public side of courses: the catalog, a course's outline and a lesson, on any phone."""

import pytest

from courses.models import LessonPage
from lms.services.instructors import instructor_create, instructor_update
from tests.factories import AreaFactory, PageFactory, course_with_lessons

from .conftest import EXPLANATION, OPTIONS, QUESTION

pytestmark = pytest.mark.django_db


def test_catalog_lists_live_courses_only(client, catalog):
    live = course_with_lessons(catalog, code="GX-P-001", title="灾害现场急救", lessons=3)
    course_with_lessons(catalog, code="GX-P-002", title="尚未发布的课程", live=False)

    response = client.get("/courses/")
    html = response.content.decode()

    assert response.status_code == 200
    assert "灾害现场急救" in html
    assert live.code in html
    assert "3 个课时" in html
    assert "尚未发布的课程" not in html


def test_catalog_filters_by_hazard(client, catalog):
    course_with_lessons(catalog, code="GX-P-010", title="急救课程", hazard_category="first_aid")
    course_with_lessons(catalog, code="GX-P-011", title="防火课程", hazard_category="home_fire")

    html = client.get("/courses/?hazard=first_aid").content.decode()
    assert "急救课程" in html
    assert "防火课程" not in html
    # Only hazards that have courses are offered as filters.
    assert "?hazard=home_fire" in html
    assert "?hazard=landslide" not in html
    # An unknown hazard is ignored rather than an error.
    assert "防火课程" in client.get("/courses/?hazard=nonsense").content.decode()


def test_course_page_shows_lessons_in_order_and_the_learn_link(client, catalog):
    course = course_with_lessons(catalog, code="GX-P-020", title="火灾安全", lessons=3)
    # A draft lesson is not in the outline.
    PageFactory._create(
        LessonPage, parent=course, live=False, title="草稿课时", slug="draft", body=[]
    )

    response = client.get("/courses/gx-p-020/")
    html = response.content.decode()

    assert response.status_code == 200
    positions = [html.index(f"第{n}课") for n in (1, 2, 3)]
    assert positions == sorted(positions)
    assert "草稿课时" not in html
    assert f'href="/learn/courses/{course.pk}/"' in html
    assert "报名学习" in html
    assert "36 个月" in html  # certificate validity
    assert "掌握要点" in html  # objectives


def test_course_page_offers_start_when_members_cannot_enrol_themselves(client, catalog):
    course_with_lessons(catalog, code="GX-P-021", self_enrollment=False)
    assert "开始学习" in client.get("/courses/gx-p-021/").content.decode()


def test_course_page_names_its_active_instructors(client, catalog):
    course = course_with_lessons(catalog, code="GX-P-022")
    region = AreaFactory.region()
    teaching = instructor_create(
        name="黄教官", qualification_level="city", areas=[region], phone="13800000001"
    )
    former = instructor_create(
        name="蓝教官", qualification_level="city", areas=[region], phone="13800000002"
    )
    instructor_update(instructor=former, active=False)
    teaching.courses.add(course)
    former.courses.add(course)

    html = client.get("/courses/gx-p-022/").content.decode()
    assert "授课师资" in html
    assert "黄教官" in html
    assert "蓝教官" not in html
    assert "13800000001" not in html  # names only


def test_lesson_page_never_shows_a_knowledge_checks_answer(client, lesson_with_check):
    response = client.get(lesson_with_check.url)
    html = response.content.decode()

    assert response.status_code == 200
    assert "胸外按压" in html
    assert "双手掌根重叠" in html  # the lesson's other blocks are public
    assert "尽量减少中断" in html
    assert f'href="/learn/lessons/{lesson_with_check.pk}/"' in html
    assert "本课时含 1 道随堂小测" in html
    # The knowledge check is left out entirely: no question, options, answer or explanation.
    assert EXPLANATION not in html
    assert QUESTION not in html
    assert OPTIONS[1] not in html
    assert "data-correct" not in html
    assert "knowledge-check" not in html


def test_lesson_of_a_draft_course_is_not_public(client, catalog):
    course = course_with_lessons(catalog, code="GX-P-030", live=False)
    lesson = LessonPage.objects.child_of(course).first()
    assert lesson.live  # a live lesson under a draft course…
    assert client.get("/courses/gx-p-030/lesson-1/").status_code == 404  # …is not served


def test_unpublished_course_and_lesson_are_404(client, catalog):
    course_with_lessons(catalog, code="GX-P-031", live=False)
    live_course = course_with_lessons(catalog, code="GX-P-032")
    PageFactory._create(
        LessonPage, parent=live_course, live=False, title="草稿", slug="draft", body=[]
    )
    assert client.get("/courses/gx-p-031/").status_code == 404
    assert client.get("/courses/gx-p-032/draft/").status_code == 404


def test_content_api_refuses_lesson_bodies(client, lesson_with_check):
    response = client.get("/api/v2/pages/?type=courses.LessonPage&fields=body")
    assert response.status_code == 400
    assert EXPLANATION not in response.content.decode()

    for url in (
        "/api/v2/pages/?type=courses.LessonPage&fields=*",
        f"/api/v2/pages/{lesson_with_check.pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert EXPLANATION not in body
        assert QUESTION not in body


def test_explanation_is_not_searchable(client, lesson_with_check):
    # The question is indexed (a lesson can be found by it)…
    assert "胸外按压" in client.get("/search/", {"q": "频率是多少"}).content.decode()
    # …the explanation, which gives the answer away, is not.
    assert "胸外按压" not in client.get("/search/", {"q": "深度5至6厘米"}).content.decode()


def test_catalog_is_in_the_main_menu(client, catalog):
    html = client.get("/").content.decode()
    assert 'href="/courses/"' in html
