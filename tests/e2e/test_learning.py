"""Members learn on their phones; a leader assigns a course and follows the team's progress.

The areas, team, people and courses are made in Python with the factories (the live server's
database is emptied after every test); everything a person does goes through the browser.
"""

import datetime
import re

from django.utils import timezone

from wagtail.models import Collection

import pytest
from playwright.sync_api import expect

from courses.models import LessonPage
from lms.models import (
    Area,
    AreaAdministrator,
    AssignmentJob,
    Enrollment,
    EnrollmentStatus,
    JobStatus,
    LessonProgress,
)
from lms.services.progress import progress_complete
from tests.factories import (
    PASSWORD,
    CourseIndexPageFactory,
    MemberFactory,
    PageFactory,
    TeamFactory,
    UserFactory,
    area_tree,
    course_with_lessons,
)

pytestmark = pytest.mark.e2e

PHONE_WIDTH = 360
EXPLANATION = "直接压迫伤口是现场最有效的止血方法。"


def assert_fits_the_phone(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} scrolls sideways: {width}px wide at {PHONE_WIDTH}px"


def assert_in_thumb_reach(page, locator):
    """The control is on screen, in the bottom quarter, and at least 44 px tall."""
    box = locator.bounding_box()
    viewport = page.viewport_size
    assert box is not None
    assert box["height"] >= 44
    assert box["y"] + box["height"] <= viewport["height"]
    assert box["y"] >= viewport["height"] * 0.75


def sign_in(page, username, next_url):
    page.goto(f"/accounts/login/?next={next_url}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form.stacked-form button[type=submit]").click()
    page.wait_for_url(re.compile(rf"{re.escape(next_url)}$"))


@pytest.fixture
def school(site_tree):
    """A team in 新竹社区 with a leader and two members, and a published course of three
    lessons, the second of which ends with a knowledge check."""
    if Collection.get_first_root_node() is None:  # live_server's flush removed it
        Collection.add_root(name="Root")
    areas = area_tree()
    team = TeamFactory(community=areas["xinzhu_1"])
    leader = MemberFactory(team=team, name="蒙队长", user=UserFactory(username="leader"))
    team.leader = leader
    team.save()
    member = MemberFactory(team=team, name="陆队员", user=UserFactory(username="member"))
    colleague = MemberFactory(team=team, name="韦队员", user=UserFactory(username="colleague"))

    catalog = CourseIndexPageFactory(parent=site_tree["home"])
    course = course_with_lessons(catalog, code="FA-101", lessons=1, title="现场止血")
    PageFactory._create(
        LessonPage,
        parent=course,
        title="止血方法",
        slug="bleeding",
        body=[
            ("paragraph", "<p>大出血可在几分钟内危及生命。</p>"),
            (
                "knowledge_check",
                {
                    "question": "大出血时首先应该怎么做？",
                    "options": ["原地等待", "直接压迫止血", "给伤员喝水"],
                    "correct": [2],
                    "explanation": EXPLANATION,
                },
            ),
        ],
    )
    PageFactory._create(
        LessonPage,
        parent=course,
        title="包扎",
        slug="bandage",
        body=[("paragraph", "<p>包扎的要点。</p>")],
    )
    return {
        "team": team,
        "leader": leader,
        "member": member,
        "colleague": colleague,
        "course": course,
        "lessons": list(LessonPage.objects.child_of(course).order_by("path")),
    }


def test_member_learns_a_lesson_on_a_phone_and_sees_progress_rise(school, phone_page):
    page = phone_page
    sign_in(page, "member", "/learn/")
    expect(page.locator("h1")).to_have_text("我的学习")
    expect(page.get_by_text("您还没有正在学习的课程")).to_be_visible()
    assert_fits_the_phone(page)

    # Open the course from the list of courses open to self-enrollment, and enroll.
    page.locator(".tap-list a").filter(has_text="现场止血").click()
    expect(page.locator("h1")).to_have_text("现场止血")
    expect(page.locator(".lesson-row")).to_have_count(3)
    enroll = page.get_by_role("button", name="报名学习")
    assert_in_thumb_reach(page, enroll)
    assert_fits_the_phone(page)
    enroll.click()
    expect(page.locator(".messages")).to_contain_text("报名成功")

    # The first lesson: read it, then "完成本课" in the bar at the bottom.
    start = page.locator(".action-bar").get_by_role("link", name="开始学习")
    assert_in_thumb_reach(page, start)
    start.click()
    expect(page.locator("h1")).to_have_text("第1课")
    expect(page.locator(".lesson-body")).to_contain_text("第1课的内容")
    complete = page.get_by_role("button", name="完成本课")
    assert_in_thumb_reach(page, complete)
    assert_fits_the_phone(page)
    complete.click()

    # On to the second lesson, whose knowledge check is graded by the server.
    expect(page.locator(".messages")).to_contain_text("已完成「第1课」")
    expect(page.locator("h1")).to_have_text("止血方法")
    check = page.locator("[data-knowledge-check]")
    expect(check.locator("legend")).to_have_text("大出血时首先应该怎么做？")
    assert EXPLANATION not in page.content()
    assert_fits_the_phone(page)
    check.locator("label").filter(has_text="原地等待").click()
    check.get_by_role("button", name="提交答案").click()
    expect(check.locator("[data-check-feedback]")).to_contain_text("回答不正确")
    check.locator("label").filter(has_text="原地等待").click()
    check.locator("label").filter(has_text="直接压迫止血").click()
    check.get_by_role("button", name="提交答案").click()
    expect(check.locator("[data-check-feedback]")).to_contain_text(EXPLANATION)

    # Progress rose: two of three lessons done (the check completed the second).
    page.goto("/learn/")
    card = page.locator(".learn-card").filter(has_text="现场止血")
    expect(card.locator(".learn-bar-figure")).to_have_text("67%")
    expect(card.get_by_role("link", name=re.compile("继续学习"))).to_contain_text("包扎")
    assert_fits_the_phone(page)

    enrollment = Enrollment.objects.get(member=school["member"], course=school["course"])
    assert enrollment.status == EnrollmentStatus.ACTIVE
    done = LessonProgress.objects.filter(enrollment=enrollment, completed_at__isnull=False)
    assert done.count() == 2


def test_leader_assigns_a_course_and_follows_each_members_progress(school, new_context):
    page = new_context(phone=True).new_page()
    sign_in(page, "leader", "/learn/")

    # From "我的学习" to the team's page, then to the assignment form.
    page.locator(".tap-list a").filter(has_text="本队学习进度").click()
    expect(page.locator("h1")).to_contain_text("学习进度")
    expect(page.get_by_text("本队队员还没有报名任何课程")).to_be_visible()
    page.get_by_role("link", name="安排课程").first.click()
    expect(page.locator("h1")).to_have_text("安排课程")
    assert_fits_the_phone(page)

    due = timezone.localdate() + datetime.timedelta(days=14)
    page.locator("#id_course").select_option(label="现场止血（FA-101）")
    expect(page.get_by_label("全队在队队员")).to_be_checked()
    page.locator("#id_due_on").fill(due.isoformat())
    confirm = page.get_by_role("button", name="确认安排")
    assert_in_thumb_reach(page, confirm)
    confirm.click()

    expect(page.locator(".messages")).to_contain_text("新增 3 人")
    rows = page.locator(".member-row")
    expect(rows).to_have_count(3)
    expect(page.locator(".member-row.is-behind")).to_have_count(3)  # nobody has started
    assert_fits_the_phone(page)

    # A member learns (on their own phone); the leader reloads and sees it.
    progress_complete(member=school["member"], lesson=school["lessons"][0])
    page.reload()
    member_row = rows.filter(has_text="陆队员")
    expect(member_row.locator(".learn-bar-figure")).to_have_text("33%")
    expect(member_row).to_contain_text(f"截止 {due:%Y-%m-%d}")
    expect(page.locator(".member-row.is-behind")).to_have_count(2)
    expect(rows.filter(has_text="韦队员")).to_contain_text("未开始")


def test_an_area_job_page_follows_the_job_as_it_runs(school, page):
    """The job's page asks for its state every second: a job run by a worker shows up."""
    county = Area.objects.get(code="450103")
    admin = UserFactory(username="county")
    AreaAdministrator.objects.create(user=admin, area=county)
    job = AssignmentJob.objects.create(
        area=county, course=school["course"], created_by=admin, teams_total=4
    )
    sign_in(page, "county", f"/learn/jobs/{job.pk}/")
    expect(page.locator("[data-job-field=status_display]")).to_have_text("排队中")
    expect(page.get_by_role("link", name="查看学习进度")).to_be_hidden()

    # A worker gets halfway, then finishes.
    AssignmentJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, teams_done=2, enrollments_created=25
    )
    expect(page.locator("[data-job-field=percent]")).to_have_text("50")
    expect(page.locator("[data-job-field=enrollments_created]")).to_have_text("25")
    AssignmentJob.objects.filter(pk=job.pk).update(
        status=JobStatus.DONE, teams_done=4, enrollments_created=48
    )
    expect(page.locator("[data-job-field=status_display]")).to_have_text("已完成")
    expect(page.locator("[data-job-progress]")).to_have_attribute("value", "100")
    expect(page.get_by_role("link", name="查看学习进度")).to_be_visible()
