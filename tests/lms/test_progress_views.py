"""Leaders' and administrators' pages: team and area progress, assigning, assignment jobs."""

import datetime
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import pytest
from openpyxl import load_workbook

from cms.spreadsheets import XLSX_CONTENT_TYPE
from courses.models import LessonPage
from lms import selectors
from lms.models import AreaAdministrator, AssignmentJob, Enrollment, EnrollmentStatus
from lms.services.enrollments import enrollment_create
from lms.services.progress import progress_complete, progress_open
from tests.factories import (
    CourseIndexPageFactory,
    MemberFactory,
    TeamFactory,
    UserFactory,
    course_with_lessons,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def url(name, *args, **query):
    base = reverse(f"learn:{name}", args=args)
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def lessons(course):
    return list(LessonPage.objects.child_of(course).order_by("path"))


def messages_of(response):
    return " ".join(str(m) for m in response.context["messages"])


def read_xlsx(response):
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def catalog(site_tree):
    return CourseIndexPageFactory(parent=site_tree["home"])


@pytest.fixture
def course(catalog):
    return course_with_lessons(catalog, code="FA-101", lessons=4, title="现场急救")


@pytest.fixture
def draft(catalog):
    return course_with_lessons(catalog, code="DRAFT-9", lessons=1, live=False, title="草稿课程")


@pytest.fixture
def team_on_course(world, course):
    """The Qingxiu team on the course: the member halfway, the leader not started, overdue."""
    member, leader = world["member"], world["leader"]
    mine, _ = enrollment_create(member=member, course=course, source="leader")
    theirs, _ = enrollment_create(member=leader, course=course, source="leader")
    Enrollment.objects.filter(pk=theirs.pk).update(due_on=TODAY - datetime.timedelta(days=2))
    first, second, *_rest = lessons(course)
    progress_complete(member=member, lesson=first)
    progress_complete(member=member, lesson=second)
    return {"mine": mine, "theirs": theirs}


@pytest.fixture
def other_member_user(world):
    """A signed-in member of the Liuzhou team."""
    user = UserFactory(username="liuzhou-member")
    world["other"].user = user
    world["other"].save()
    return user


# -- team progress ------------------------------------------------------------------------


def test_leader_sees_each_members_progress_and_who_is_behind(client, world, team_on_course):
    client.force_login(world["leader_user"])
    response = client.get(url("team_progress", world["qingxiu_team"].pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "现场急救" in html
    assert "陆队员" in html and "蒙队长" in html
    assert 'value="50"' in html  # the member: 2 of 4 lessons
    assert html.count("member-row is-behind") == 1
    behind = html.split("member-row is-behind", 1)[1].split("</li>", 1)[0]
    assert "蒙队长" in behind and "已逾期" in behind
    assert "落后 1 人" in html


def test_a_member_not_enrolled_is_listed_but_not_behind(client, world, course):
    enrollment_create(member=world["member"], course=course, source="self")
    client.force_login(world["leader_user"])
    html = client.get(url("team_progress", world["qingxiu_team"].pk)).content.decode()
    assert "未报名" in html and "蒙队长" in html
    # Enrolled, nothing opened: behind (not started).
    assert html.count("member-row is-behind") == 1 and "未开始" in html


def test_team_progress_exports_the_same_figures(client, world, team_on_course):
    client.force_login(world["qingxiu_admin"])
    rows = read_xlsx(client.get(url("team_progress", world["qingxiu_team"].pk, format="xlsx")))
    header, *data = rows
    assert header[:4] == ["课程", "课程编号", "队员", "状态"]
    by_name = {row[2]: row for row in data}
    assert by_name["陆队员"][3] == "学习中" and by_name["陆队员"][4:7] == [2, 4, 50]
    assert by_name["蒙队长"][9] == "是" and by_name["蒙队长"][10] == "是"
    assert by_name["蒙队长"][7].date() == TODAY - datetime.timedelta(days=2)


def test_a_county_admin_sees_their_teams_progress(client, world, team_on_course):
    client.force_login(world["qingxiu_admin"])
    assert client.get(url("team_progress", world["qingxiu_team"].pk)).status_code == 200


@pytest.mark.parametrize("who", ["member_user", "liuzhou_admin", "other_member_user"])
def test_others_get_404_for_a_team_progress_page(client, world, team_on_course, who, request):
    user = request.getfixturevalue(who) if who == "other_member_user" else world[who]
    client.force_login(user)
    team = world["qingxiu_team"]
    assert client.get(url("team_progress", team.pk)).status_code == 404
    assert client.get(url("team_progress", team.pk, format="xlsx")).status_code == 404
    assert client.get(url("team_assign", team.pk)).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, world):
    team, area = world["qingxiu_team"], world["areas"]["qingxiu"]
    for target in (
        url("team_progress", team.pk),
        url("team_assign", team.pk),
        url("area_progress", area.pk),
        url("area_assign", area.pk),
        url("job", 1),
        url("job_status", 1),
    ):
        response = client.get(target)
        assert response.status_code == 302, target
        assert response["Location"].startswith("/accounts/login/")


# -- assigning to a team ----------------------------------------------------------------------


def test_the_form_offers_live_courses_and_active_members_only(client, world, course, draft):
    MemberFactory(team=world["qingxiu_team"], name="离队者", left_on=datetime.date(2025, 1, 1))
    client.force_login(world["leader_user"])
    html = client.get(url("team_assign", world["qingxiu_team"].pk)).content.decode()
    assert "现场急救" in html and "草稿课程" not in html
    assert "陆队员" in html and "离队者" not in html and "柳州队员" not in html


def test_leader_assigns_a_course_to_the_whole_team(client, world, course):
    client.force_login(world["leader_user"])
    due = TODAY + datetime.timedelta(days=14)
    response = client.post(
        url("team_assign", world["qingxiu_team"].pk),
        {"course": course.pk, "who": "team", "due_on": due.isoformat()},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == url("team_progress", world["qingxiu_team"].pk)
    assert "新增 2 人" in messages_of(response)
    enrollments = Enrollment.objects.filter(course=course)
    assert {e.member_id for e in enrollments} == {world["member"].pk, world["leader"].pk}
    assert all(e.source == "leader" and e.due_on == due for e in enrollments)
    assert all(e.assigned_by == world["leader_user"] for e in enrollments)


def test_leader_assigns_a_course_to_chosen_members(client, world, course):
    client.force_login(world["leader_user"])
    response = client.post(
        url("team_assign", world["qingxiu_team"].pk),
        {"course": course.pk, "who": "chosen", "members": [world["member"].pk]},
    )
    assert response.status_code == 302
    assert list(Enrollment.objects.values_list("member_id", flat=True)) == [world["member"].pk]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"who": "chosen"}, "请至少选择一名队员"),
        ({"who": "chosen", "members": ["OTHER"]}, "只能选择本队在队队员"),
        ({"who": "team", "due_on": "PAST"}, "截止日期不能早于今天"),
        ({"who": "team", "course": "DRAFT"}, "请选择一门已发布的课程"),
        ({"who": "team", "due_on": "not-a-date"}, "日期"),
    ],
)
def test_a_bad_assignment_is_refused_with_a_reason(client, world, course, draft, data, message):
    data = {"course": course.pk, **data}
    if data.get("members") == ["OTHER"]:
        data["members"] = [world["other"].pk]
    if data.get("due_on") == "PAST":
        data["due_on"] = (TODAY - datetime.timedelta(days=1)).isoformat()
    if data["course"] == "DRAFT":
        data["course"] = draft.pk
    client.force_login(world["leader_user"])
    response = client.post(url("team_assign", world["qingxiu_team"].pk), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Enrollment.objects.exists()


def test_a_plain_member_cannot_assign(client, world, course):
    client.force_login(world["member_user"])
    target = url("team_assign", world["qingxiu_team"].pk)
    assert client.get(target).status_code == 404
    assert client.post(target, {"course": course.pk, "who": "team"}).status_code == 404
    assert not Enrollment.objects.exists()


# -- area progress -----------------------------------------------------------------------------


@pytest.fixture
def second_team(world, course):
    """Another team in Qingxiu (桂雅路社区): one member, completed the course."""
    team = TeamFactory(community=world["areas"]["xinzhu_2"])
    member = MemberFactory(team=team, name="黄队员")
    enrollment_create(member=member, course=course, source="area")
    for lesson in lessons(course):
        progress_complete(member=member, lesson=lesson)
    return team


def test_county_admin_sees_counts_per_child_area_and_drills_down(
    client, world, team_on_course, second_team, course
):
    areas = world["areas"]
    client.force_login(world["qingxiu_admin"])
    html = client.get(url("area_progress", areas["qingxiu"].pk)).content.decode()
    assert "现场急救" in html and "新竹街道" in html
    assert url("area_progress", areas["xinzhu"].pk) in html  # down to the township
    entry = selectors.area_progress(areas["qingxiu"])[0]
    assert (entry.total.enrolled, entry.total.completed, entry.total.overdue) == (3, 1, 1)
    assert entry.total.percent == 33

    township = client.get(url("area_progress", areas["xinzhu"].pk)).content.decode()
    # Communities link to their teams' pages.
    assert url("team_progress", world["qingxiu_team"].pk) in township
    assert url("team_progress", second_team.pk) in township
    # Back up to the county.
    assert url("area_progress", areas["qingxiu"].pk) in township


def test_a_community_page_shows_its_team(client, world, team_on_course):
    client.force_login(world["qingxiu_admin"])
    html = client.get(url("area_progress", world["areas"]["xinzhu_1"].pk)).content.decode()
    assert url("team_progress", world["qingxiu_team"].pk) in html
    (entry,) = selectors.area_progress(world["areas"]["xinzhu_1"])
    assert [b.team for b in entry.branches] == [world["qingxiu_team"]]
    assert entry.total.enrolled == 2


def test_area_progress_exports_the_same_figures(client, world, team_on_course, second_team):
    client.force_login(world["qingxiu_admin"])
    rows = read_xlsx(client.get(url("area_progress", world["areas"]["xinzhu"].pk, format="xlsx")))
    header, *data = rows
    assert header == ["课程", "课程编号", "区域或队伍", "报名人数", "已结业", "逾期", "结业率（%）"]
    by_place = {row[2]: row[3:] for row in data}
    assert by_place["新竹街道（合计）"] == [3, 1, 1, 33]
    assert by_place[world["qingxiu_team"].name] == [2, 0, 1, 0]
    assert by_place[second_team.name] == [1, 1, 0, 100]


def test_members_who_left_are_not_counted(client, world, course, second_team):
    gone = MemberFactory(team=second_team, name="离队者")
    enrollment_create(member=gone, course=course, source="self")
    gone.left_on = TODAY - datetime.timedelta(days=1)
    gone.save()
    entry = selectors.area_progress(world["areas"]["xinzhu"])[0]
    assert entry.total.enrolled == 1


@pytest.mark.parametrize("who", ["liuzhou_admin", "leader_user", "member_user"])
def test_others_get_404_for_an_area(client, world, team_on_course, who):
    client.force_login(world[who])
    area = world["areas"]["qingxiu"]
    assert client.get(url("area_progress", area.pk)).status_code == 404
    assert client.get(url("area_progress", area.pk, format="xlsx")).status_code == 404
    assert client.get(url("area_assign", area.pk)).status_code == 404
    # An area above one's own is outside it too.
    assert client.get(url("area_progress", world["areas"]["region"].pk)).status_code == 404
    assert client.get(url("area_progress", 999999)).status_code == 404


# -- area-wide assignment jobs -------------------------------------------------------------------


def test_admin_assigns_a_course_to_every_team_and_follows_the_job(
    client, world, course, second_team, django_capture_on_commit_callbacks
):
    client.force_login(world["qingxiu_admin"])
    area = world["areas"]["qingxiu"]
    form = client.get(url("area_assign", area.pk)).content.decode()
    assert "2 支队伍" in form
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("area_assign", area.pk), {"course": course.pk})
    job = AssignmentJob.objects.get()
    assert response.status_code == 302 and response["Location"] == url("job", job.pk)
    assert (job.area, job.course, job.created_by) == (area, course, world["qingxiu_admin"])

    page = client.get(url("job", job.pk)).content.decode()
    assert "统一安排进度" in page and url("job_status", job.pk) in page
    status = client.get(url("job_status", job.pk))
    assert status["Content-Type"] == "application/json"
    assert status.json() == {
        "status": "done",
        "status_display": "已完成",
        "percent": 100,
        "teams_done": 2,
        "teams_total": 2,
        "enrollments_created": 2,  # the Qingxiu team's two; 黄队员 was enrolled already
        "finished": True,
    }
    assert Enrollment.objects.filter(source="area").count() == 3


def test_a_pending_job_reports_its_progress(client, world, course):
    client.force_login(world["qingxiu_admin"])
    area = world["areas"]["qingxiu"]
    client.post(url("area_assign", area.pk), {"course": course.pk})  # not committed: not run
    job = AssignmentJob.objects.get()
    state = client.get(url("job_status", job.pk)).json()
    assert state["status"] == "pending" and state["finished"] is False
    assert state["percent"] == 0 and state["teams_total"] == 1


def test_a_bad_area_assignment_creates_no_job(client, world, draft, course):
    client.force_login(world["qingxiu_admin"])
    area = world["areas"]["qingxiu"]
    response = client.post(url("area_assign", area.pk), {"course": draft.pk})
    assert "请选择一门已发布的课程" in response.content.decode()
    past = (TODAY - datetime.timedelta(days=1)).isoformat()
    response = client.post(url("area_assign", area.pk), {"course": course.pk, "due_on": past})
    assert "截止日期不能早于今天" in response.content.decode()
    assert not AssignmentJob.objects.exists()


def test_a_job_is_seen_by_its_creator_and_the_admins_over_its_area(client, world, course):
    client.force_login(world["qingxiu_admin"])
    client.post(url("area_assign", world["areas"]["qingxiu"].pk), {"course": course.pk})
    job = AssignmentJob.objects.get()

    colleague = UserFactory(username="nanning-admin")
    AreaAdministrator.objects.create(user=colleague, area=world["areas"]["nanning"])
    client.force_login(colleague)
    assert client.get(url("job", job.pk)).status_code == 200
    assert client.get(url("job_status", job.pk)).status_code == 200

    for user in (world["liuzhou_admin"], world["leader_user"], world["member_user"]):
        client.force_login(user)
        assert client.get(url("job", job.pk)).status_code == 404
        assert client.get(url("job_status", job.pk)).status_code == 404


# -- cost -----------------------------------------------------------------------------------


def test_team_progress_costs_the_same_for_a_small_and_a_large_team(world, catalog):
    team = world["qingxiu_team"]
    first = course_with_lessons(catalog, code="T-0", lessons=3)
    enrollment_create(member=world["member"], course=first, source="leader")
    with CaptureQueriesContext(connection) as small:
        selectors.team_progress(team)
    for n in range(1, 4):
        extra = course_with_lessons(catalog, code=f"T-{n}", lessons=5)
        for _ in range(4):
            member = MemberFactory(team=team)
            enrollment_create(member=member, course=extra, source="leader")
            progress_open(member=member, lesson=lessons(extra)[0])
    with CaptureQueriesContext(connection) as large:
        matrices = selectors.team_progress(team)
    assert len(matrices) == 4
    assert len(large) == len(small) <= 4


def test_area_progress_costs_the_same_however_many_teams(world, course, catalog):
    areas = world["areas"]
    enrollment_create(member=world["member"], course=course, source="area")
    with CaptureQueriesContext(connection) as small:
        selectors.area_progress(areas["region"])
    other = course_with_lessons(catalog, code="A-2", lessons=1)
    enrollment_create(member=world["other"], course=other, source="area")
    enrollment_create(
        member=MemberFactory(team=TeamFactory(community=areas["xinzhu_2"])),
        course=other,
        source="area",
    )
    with CaptureQueriesContext(connection) as large:
        result = selectors.area_progress(areas["region"])
    assert len(result) == 2
    assert len(large) == len(small) <= 3


def test_progress_pages_cost_a_fixed_number_of_queries(
    client, world, team_on_course, django_assert_max_num_queries
):
    client.force_login(world["qingxiu_admin"])
    # About twenty: the session, the scope, the site's header and footer, and four for the data.
    for target in (
        url("team_progress", world["qingxiu_team"].pk),
        url("area_progress", world["areas"]["qingxiu"].pk),
    ):
        client.get(target)  # the first request of a session also writes it
        with django_assert_max_num_queries(22):
            assert client.get(target).status_code == 200


def test_completed_enrollments_count_as_done_in_the_matrix(world, course):
    member = world["member"]
    enrollment_create(member=member, course=course, source="self")
    for lesson in lessons(course):
        progress_complete(member=member, lesson=lesson)
    (matrix,) = selectors.team_progress(world["qingxiu_team"])
    row = next(r for r in matrix.rows if r.member == member)
    assert row.progress.enrollment.status == EnrollmentStatus.COMPLETED
    assert row.progress.percent == 100 and not row.progress.is_behind
    assert matrix.completion_percent == 100
