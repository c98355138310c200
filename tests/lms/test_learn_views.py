"""The learner's pages at /learn/: my courses, a course, a lesson, knowledge checks."""

import datetime
import json
import re
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import pytest

from courses.models import LessonPage
from lms import selectors
from lms.models import Enrollment, EnrollmentStatus, LessonProgress
from lms.services.enrollments import enrollment_create
from lms.services.progress import MAX_SECONDS_PER_REPORT, progress_complete
from lms.views.learn import OPENED_SESSION_KEY
from tests.factories import (
    CourseIndexPageFactory,
    PageFactory,
    UserFactory,
    course_with_lessons,
)

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("learn:dashboard")
QUESTION = "大出血时首先应该怎么做？"
EXPLANATION = "直接压迫伤口是现场最有效的止血方法"


def course_url(course):
    return reverse("learn:course", args=[course.pk])


def lesson_url(lesson, action=""):
    name = {"": "learn:lesson", "complete": "learn:lesson_complete", "check": "learn:lesson_check"}
    return reverse(name[action], args=[lesson.pk])


def lessons(course):
    return list(LessonPage.objects.child_of(course).order_by("path"))


def texts(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def catalog(site_tree):
    return CourseIndexPageFactory(parent=site_tree["home"])


@pytest.fixture
def course(catalog):
    return course_with_lessons(catalog, code="FA-101", lessons=3, title="现场急救")


@pytest.fixture
def check_lesson(catalog):
    """A course of one lesson holding a knowledge check (option 2 is correct)."""
    course = course_with_lessons(catalog, code="KC-1", lessons=0, title="止血")
    return PageFactory._create(
        LessonPage,
        parent=course,
        title="止血方法",
        slug="bleeding",
        body=[
            ("paragraph", "<p>出血的种类。</p>"),
            (
                "knowledge_check",
                {
                    "question": QUESTION,
                    "options": ["原地等待", "直接压迫止血", "给伤员喝水"],
                    "correct": [2],
                    "explanation": EXPLANATION,
                },
            ),
        ],
    )


@pytest.fixture
def member_client(client, world):
    client.force_login(world["member_user"])
    return client


def post_json(client, url, payload, **extra):
    body = payload if isinstance(payload, str | bytes) else json.dumps(payload)
    return client.post(url, body, content_type="application/json", **extra)


# -- who may come in ----------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client, course):
    lesson = lessons(course)[0]
    for url in (DASHBOARD, course_url(course), lesson_url(lesson)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    response = post_json(client, lesson_url(lesson, "check"), {"block_id": "x", "choices": [1]})
    assert response.status_code == 302
    assert not LessonProgress.objects.exists()


def test_a_user_on_no_roster_gets_a_friendly_page(client, course):
    client.force_login(UserFactory(username="visitor"))
    for url in (DASHBOARD, course_url(course), lesson_url(lessons(course)[0])):
        response = client.get(url)
        assert response.status_code == 200
        assert "您还不在队员花名册中" in response.content.decode()
    response = client.post(reverse("learn:enroll", args=[course.pk]))
    assert "您还不在队员花名册中" in response.content.decode()
    assert not Enrollment.objects.exists()


def test_a_county_admin_without_member_record_is_shown_their_area(client, world, course):
    client.force_login(world["qingxiu_admin"])
    html = client.get(DASHBOARD).content.decode()
    assert "您还不在队员花名册中" in html
    assert reverse("learn:area_progress", args=[world["areas"]["qingxiu"].pk]) in html


def test_a_superuser_on_a_roster_learns_like_any_member(client, world, course):
    boss = UserFactory(username="boss", is_superuser=True, is_staff=True)
    world["leader"].user = boss
    world["leader"].save()
    client.force_login(boss)
    html = client.get(DASHBOARD).content.decode()
    assert "您还不在队员花名册中" not in html and "蒙队长" in html
    assert reverse("learn:area_progress", args=[world["areas"]["region"].pk]) in html


# -- the learner's journey ------------------------------------------------------------------


def test_member_enrolls_learns_every_lesson_and_completes_the_course(member_client, world, course):
    client = member_client
    first, second, third = lessons(course)

    page = client.get(course_url(course)).content.decode()
    assert "报名学习" in page and "第1课" in page
    assert lesson_url(first) not in page  # lessons open once enrolled

    response = client.post(reverse("learn:enroll", args=[course.pk]), follow=True)
    assert "报名成功" in " ".join(texts(response))
    enrollment = Enrollment.objects.get(member=world["member"], course=course)
    assert enrollment.source == "self"

    dashboard = client.get(DASHBOARD).content.decode()
    assert "现场急救" in dashboard and 'value="0"' in dashboard
    assert "开始学习" in dashboard and lesson_url(first) in dashboard

    page = client.get(lesson_url(first))
    assert page.status_code == 200
    assert "第1课的内容" in page.content.decode() and "完成本课" in page.content.decode()
    enrollment.refresh_from_db()
    assert enrollment.last_lesson_id == first.pk
    assert LessonProgress.objects.filter(enrollment=enrollment, lesson=first).exists()

    response = client.post(lesson_url(first, "complete"), {"seconds": "2"})
    assert response.status_code == 302 and response["Location"] == lesson_url(second)
    done = LessonProgress.objects.get(enrollment=enrollment, lesson=first)
    assert done.completed_at is not None

    dashboard = client.get(DASHBOARD).content.decode()
    assert 'value="33"' in dashboard and "33%" in dashboard
    assert "继续学习" in dashboard and lesson_url(second) in dashboard

    client.get(lesson_url(second))
    client.post(lesson_url(second, "complete"))
    client.get(lesson_url(third))
    response = client.post(lesson_url(third, "complete"), follow=True)
    assert "恭喜！您已完成课程《现场急救》" in " ".join(texts(response))
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED

    dashboard = client.get(DASHBOARD).content.decode()
    completed = dashboard.split("已结业", 1)[1]
    assert "现场急救" in completed
    assert "您还没有正在学习的课程" in dashboard


def test_continue_leads_to_the_lesson_after_the_last_completed(member_client, world, course):
    member = world["member"]
    enrollment_create(member=member, course=course, source="self")
    first, second, third = lessons(course)
    progress_complete(member=member, lesson=second)
    dashboard = member_client.get(DASHBOARD)
    item = dashboard.context["dashboard"].in_progress[0]
    assert item.next_lesson.pk == third.pk
    progress_complete(member=member, lesson=third)
    item = selectors.member_dashboard(member).in_progress[0]
    assert item.next_lesson.pk == first.pk  # wraps round to what is left


def test_course_page_lists_lessons_with_their_status(member_client, world, course):
    member = world["member"]
    enrollment_create(member=member, course=course, source="self")
    first, second, _third = lessons(course)
    progress_complete(member=member, lesson=first)
    member_client.get(lesson_url(second))
    html = member_client.get(course_url(course)).content.decode()
    assert html.count("lesson-row status-done") == 1
    assert html.count("lesson-row status-opened") == 1
    assert html.count("lesson-row status-todo") == 1
    assert "报名学习" not in html


def test_overdue_courses_are_highlighted(member_client, world, course, catalog):
    member = world["member"]
    enrollment, _ = enrollment_create(member=member, course=course, source="leader")
    # A due date that has passed since it was set (the service refuses past dates).
    Enrollment.objects.filter(pk=enrollment.pk).update(
        due_on=timezone.localdate() - datetime.timedelta(days=3)
    )
    later = course_with_lessons(catalog, code="LATER-1", title="防汛")
    enrollment_create(
        member=member,
        course=later,
        source="leader",
        due_on=timezone.localdate() + datetime.timedelta(days=30),
    )
    html = member_client.get(DASHBOARD).content.decode()
    assert html.count("learn-card is-overdue") == 1
    assert "已逾期" in html
    # Overdue first.
    assert html.index("现场急救") < html.index("防汛")


def test_a_closed_course_cannot_be_self_enrolled(member_client, world, catalog):
    closed = course_with_lessons(catalog, code="CLOSED-1", self_enrollment=False)
    html = member_client.get(course_url(closed)).content.decode()
    assert "不开放自主报名" in html and "报名学习" not in html
    response = member_client.post(reverse("learn:enroll", args=[closed.pk]), follow=True)
    assert "不开放自主报名" in " ".join(texts(response))
    assert not Enrollment.objects.exists()


# -- time spent ---------------------------------------------------------------------------


def test_reported_time_is_capped_by_the_clock(member_client, world, course):
    enrollment_create(member=world["member"], course=course, source="self")
    first, second, _third = lessons(course)
    member_client.get(lesson_url(first))
    member_client.post(lesson_url(first, "complete"), {"seconds": "86400"})
    # Opened a moment ago: a day of study cannot have happened since.
    assert LessonProgress.objects.get(lesson=first).seconds_spent <= 5

    # Opened an hour ago (by the session's record): the one-report cap applies.
    member_client.get(lesson_url(second))
    session = member_client.session
    opened = session[OPENED_SESSION_KEY]
    opened[str(second.pk)] -= 3600
    session[OPENED_SESSION_KEY] = opened
    session.save()
    member_client.post(lesson_url(second, "complete"), {"seconds": "86400"})
    assert LessonProgress.objects.get(lesson=second).seconds_spent == MAX_SECONDS_PER_REPORT


def test_nonsense_time_counts_as_nothing(member_client, world, course):
    enrollment_create(member=world["member"], course=course, source="self")
    first = lessons(course)[0]
    member_client.get(lesson_url(first))
    response = member_client.post(lesson_url(first, "complete"), {"seconds": "-5; drop"})
    assert response.status_code == 302
    progress = LessonProgress.objects.get(lesson=first)
    assert progress.completed_at is not None and progress.seconds_spent == 0


# -- refusals -------------------------------------------------------------------------------


def test_progress_without_enrollment_is_refused_and_changes_nothing(member_client, course):
    first = lessons(course)[0]
    response = member_client.get(lesson_url(first), follow=True)
    assert response.redirect_chain[-1][0] == course_url(course)
    assert "请先报名本课程" in " ".join(texts(response))

    response = member_client.post(lesson_url(first, "complete"), {"seconds": "30"}, follow=True)
    assert response.redirect_chain[-1][0] == course_url(course)
    assert "您尚未报名该课程，请先报名再学习。" in " ".join(texts(response))
    assert not LessonProgress.objects.exists()
    assert not Enrollment.objects.exists()


def test_a_lesson_of_a_draft_course_is_not_found(member_client, world, catalog):
    draft = course_with_lessons(catalog, code="DRAFT-1", live=False)
    lesson = LessonPage.objects.child_of(draft).first()
    assert member_client.get(course_url(draft)).status_code == 404
    assert member_client.post(reverse("learn:enroll", args=[draft.pk])).status_code == 404
    assert member_client.get(lesson_url(lesson)).status_code == 404
    assert member_client.post(lesson_url(lesson, "complete")).status_code == 404
    response = post_json(
        member_client, lesson_url(lesson, "check"), {"block_id": "x", "choices": [1]}
    )
    assert response.status_code == 404 and response.json()["detail"]
    assert not Enrollment.objects.exists() and not LessonProgress.objects.exists()


def test_a_draft_lesson_of_a_live_course_is_not_found(member_client, world, course):
    enrollment_create(member=world["member"], course=course, source="self")
    draft = PageFactory._create(
        LessonPage, parent=course, live=False, title="草稿", slug="draft", body=[]
    )
    assert member_client.get(lesson_url(draft)).status_code == 404
    assert member_client.post(lesson_url(draft, "complete")).status_code == 404
    assert not LessonProgress.objects.filter(lesson=draft).exists()


# -- knowledge checks ------------------------------------------------------------------------


def test_the_lesson_page_shows_the_question_but_never_the_answer(
    member_client, world, check_lesson
):
    enrollment_create(
        member=world["member"], course=check_lesson.get_parent().specific, source="self"
    )
    html = member_client.get(lesson_url(check_lesson)).content.decode()
    assert QUESTION in html and "直接压迫止血" in html and "原地等待" in html
    assert EXPLANATION not in html
    block_id = check_lesson.body[1].id
    inputs = re.findall(rf"<input[^>]*name=\"{re.escape(block_id)}\"[^>]*>", html)
    assert len(inputs) == 3
    assert not any("checked" in tag or "correct" in tag for tag in inputs)
    assert "data-correct" not in html and '"correct"' not in html


def test_answering_a_check_grades_on_the_server(member_client, world, check_lesson):
    member = world["member"]
    enrollment_create(member=member, course=check_lesson.get_parent().specific, source="self")
    url = lesson_url(check_lesson, "check")
    block_id = check_lesson.body[1].id

    wrong = post_json(member_client, url, {"block_id": block_id, "choices": [1]})
    assert wrong.status_code == 200
    assert wrong.json()["correct"] is False and wrong.json()["explanation"] == ""

    right = post_json(member_client, url, {"block_id": block_id, "choices": [2]})
    assert right.status_code == 200
    data = right.json()
    assert data["correct"] is True and data["explanation"] == EXPLANATION
    assert data["lesson_done"] is True and data["course_completed"] is True
    progress = LessonProgress.objects.get(lesson=check_lesson)
    assert progress.checks_passed == [block_id] and progress.completed_at is not None
    # Once answered, the page says so (still without the explanation).
    html = member_client.get(lesson_url(check_lesson)).content.decode()
    assert "您已答对这道题" in html and EXPLANATION not in html


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("not json at all", "不是有效的 JSON"),
        (b"\xff\xfe", "不是有效的 JSON"),
        ("[1, 2]", "JSON 对象"),
        ({"choices": [2]}, "block_id"),
        ({"block_id": 7, "choices": [2]}, "block_id"),
        ({"block_id": "BLOCK", "choices": "2"}, "choices"),
        ({"block_id": "BLOCK", "choices": ["2"]}, "choices"),
        ({"block_id": "BLOCK", "choices": [True]}, "choices"),
        ({"block_id": "BLOCK", "choices": []}, "choices"),
        ({"block_id": "BLOCK", "choices": [1.5]}, "choices"),
        ({"block_id": "BLOCK", "choices": [9]}, "选项超出范围"),
        ({"block_id": "no-such-block", "choices": [2]}, "没有这道小测"),
    ],
)
def test_a_bad_answer_payload_is_refused_with_a_reason(
    member_client, world, check_lesson, body, reason
):
    enrollment, _ = enrollment_create(
        member=world["member"], course=check_lesson.get_parent().specific, source="self"
    )
    block_id = check_lesson.body[1].id
    if isinstance(body, dict) and body.get("block_id") == "BLOCK":
        body = {**body, "block_id": block_id}
    response = post_json(member_client, lesson_url(check_lesson, "check"), body)
    assert response.status_code == 400
    assert reason in response.json()["detail"]
    assert not LessonProgress.objects.filter(enrollment=enrollment).exists()


def test_answering_without_enrollment_is_refused(member_client, check_lesson):
    block_id = check_lesson.body[1].id
    response = post_json(
        member_client, lesson_url(check_lesson, "check"), {"block_id": block_id, "choices": [2]}
    )
    assert response.status_code == 400
    assert "尚未报名" in response.json()["detail"]
    assert not LessonProgress.objects.exists()


def test_the_check_endpoint_takes_posts_only(member_client, check_lesson):
    assert member_client.get(lesson_url(check_lesson, "check")).status_code == 405


# -- phones ---------------------------------------------------------------------------------


LEARN_CSS = Path(settings.BASE_DIR) / "lms" / "static" / "lms" / "learn.css"


def test_learner_pages_fit_a_phone(member_client, world, check_lesson, course):
    enrollment_create(
        member=world["member"], course=check_lesson.get_parent().specific, source="self"
    )
    for url in (DASHBOARD, course_url(course), lesson_url(check_lesson)):
        html = member_client.get(url).content.decode()
        assert 'name="viewport" content="width=device-width' in html
        assert "learn.css" in html and "learn.js" in html
        # No inline styles or scripts: widths come from the stylesheet only.
        assert " style=" not in html
        assert not re.search(r"<script(?![^>]*\bsrc=)", html)
        assert not re.search(r"\bwidth=\"\d+", html)


def test_the_stylesheet_sets_no_fixed_width_wider_than_a_phone():
    css = LEARN_CSS.read_text()
    widths = [
        int(px) for px in re.findall(r"(?<![-\w])(?:min-)?width:\s*(\d+)px", css.split("@media")[0])
    ]
    assert widths and max(widths) <= 360
    # Below the desktop breakpoint nothing is wider than 360 px either.
    for block in css.split("@media")[1:]:
        condition = block.split("{", 1)[0]
        if "min-width" not in condition:
            assert all(int(px) <= 360 for px in re.findall(r"width:\s*(\d+)px", block))


# -- cost -----------------------------------------------------------------------------------


def test_the_dashboard_costs_the_same_for_one_course_or_many(world, catalog):
    member = world["member"]
    first = course_with_lessons(catalog, code="Q-0", lessons=2)
    enrollment_create(member=member, course=first, source="self")
    progress_complete(member=member, lesson=lessons(first)[0])
    with CaptureQueriesContext(connection) as one:
        selectors.member_dashboard(member)
    for n in range(1, 6):
        extra = course_with_lessons(catalog, code=f"Q-{n}", lessons=4)
        enrollment_create(member=member, course=extra, source="self")
        progress_complete(member=member, lesson=lessons(extra)[0])
    with CaptureQueriesContext(connection) as many:
        dashboard = selectors.member_dashboard(member)
    assert len(dashboard.in_progress) == 6
    assert len(many) == len(one) <= 4


def _page_queries(client, url) -> int:
    client.get(url)  # the first visit writes (progress, session); count a return visit
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_pages_cost_a_fixed_number_of_queries(
    member_client, world, catalog, django_assert_max_num_queries
):
    member = world["member"]

    def enrolled_course(code, lesson_count):
        course = course_with_lessons(catalog, code=code, lessons=lesson_count)
        enrollment_create(member=member, course=course, source="self")
        progress_complete(member=member, lesson=lessons(course)[0])
        return course

    small = enrolled_course("S-1", 2)
    counts = {
        "dashboard": _page_queries(member_client, DASHBOARD),
        "course": _page_queries(member_client, course_url(small)),
        "lesson": _page_queries(member_client, lesson_url(lessons(small)[1])),
    }
    big = [enrolled_course(f"B-{n}", 8) for n in range(5)][-1]
    assert _page_queries(member_client, DASHBOARD) == counts["dashboard"]
    assert _page_queries(member_client, course_url(big)) == counts["course"]
    assert _page_queries(member_client, lesson_url(lessons(big)[4])) == counts["lesson"]
    with django_assert_max_num_queries(20):
        member_client.get(DASHBOARD)
    with django_assert_max_num_queries(20):
        member_client.get(course_url(big))
    with django_assert_max_num_queries(30):
        member_client.get(lesson_url(lessons(big)[4]))
