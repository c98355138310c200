"""A leader's results per team and an administrator's per area: content, .xlsx, scope."""

import datetime
import io

from django.urls import reverse
from django.utils import timezone

import pytest
from openpyxl import load_workbook

from lms.models import AttemptStatus, Enrollment, EnrollmentSource
from tests.factories import MemberFactory, TeamFactory, UserFactory, course_with_lessons

from .conftest import ALL_RIGHT, ONE_RIGHT, TWO_RIGHT, final_exam, make_attempt

pytestmark = pytest.mark.django_db


def team_url(team):
    return reverse("learn:team_results", args=[team.pk])


def area_url(area):
    return reverse("learn:area_results", args=[area.pk])


def xlsx_rows(response):
    wb = load_workbook(io.BytesIO(response.content))
    return [list(row) for row in wb.worksheets[0].iter_rows(values_only=True)]


@pytest.fixture
def results(world, exam, course):
    """陆队员 failed once then passed; 蒙队长 failed twice; 柳州队员 (another county) passed."""
    member, leader, other = world["member"], world["leader"], world["other"]
    for person in (member, leader, other):
        Enrollment.objects.create(member=person, course=course, source=EnrollmentSource.SELF)
    make_attempt(member, exam, ONE_RIGHT)
    make_attempt(member, exam, ALL_RIGHT)
    make_attempt(leader, exam, ONE_RIGHT)
    make_attempt(leader, exam, ONE_RIGHT)
    make_attempt(other, exam, TWO_RIGHT)
    return world


# -- a team ------------------------------------------------------------------------------


def test_leader_sees_each_member_best_result(client, results, exam):
    team = results["qingxiu_team"]
    newcomer = MemberFactory(team=team, name="黄新人")
    client.force_login(results["leader_user"])
    response = client.get(team_url(team))
    assert response.status_code == 200
    html = response.content.decode()
    assert "现场急救结业考试" in html
    assert "参考 2/3 人" in html and "通过 1 人" in html and "通过率 50%" in html
    section = html.split("陆队员", 1)[1].split("</li>", 1)[0]
    assert "已通过" in section and "最高 100%" in section and "已用 2/3 次" in section
    assert timezone.localdate().strftime("%Y-%m-%d") in section
    section = html.split("蒙队长", 1)[1].split("</li>", 1)[0]
    assert "未通过" in section and "最高 33.3%" in section
    section = html.split(newcomer.name, 1)[1].split("</li>", 1)[0]
    assert "未参加" in section
    # Another county's member is not on this team's page.
    assert "柳州队员" not in html


def test_an_open_attempt_counts_as_used_but_not_as_sat(client, results, exam):
    team = results["qingxiu_team"]
    newcomer = MemberFactory(team=team, name="黄新人")
    make_attempt(newcomer, exam, [None, None, None], status=AttemptStatus.OPEN)
    client.force_login(results["leader_user"])
    html = client.get(team_url(team)).content.decode()
    section = html.split("黄新人", 1)[1].split("</li>", 1)[0]
    assert "作答中" in section and "已用 1/3 次" in section
    assert "参考 2/3 人" in html


def test_team_results_as_xlsx(client, results, exam):
    team = results["qingxiu_team"]
    client.force_login(results["leader_user"])
    response = client.get(team_url(team), {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    rows = xlsx_rows(response)
    assert rows[0][:4] == ["考试", "课程编号", "队员", "结果"]
    by_name = {row[2]: row for row in rows[1:]}
    assert set(by_name) == {"陆队员", "蒙队长"}
    assert by_name["陆队员"][3:8] == ["已通过", 100, 3, 2, 3]
    assert by_name["蒙队长"][3] == "未通过"
    assert by_name["蒙队长"][6] == 2
    assert by_name["蒙队长"][8].date() == timezone.localdate()


def test_a_final_exam_nobody_sat_yet_is_listed_for_enrolled_members(client, world, exam, course):
    Enrollment.objects.create(member=world["member"], course=course, source=EnrollmentSource.SELF)
    client.force_login(world["leader_user"])
    html = client.get(team_url(world["qingxiu_team"])).content.decode()
    assert "现场急救结业考试" in html and "参考 0/2 人" in html


def test_team_results_outside_scope_are_not_found(client, results):
    team = results["qingxiu_team"]
    # Another team's leader.
    far_leader_user = UserFactory(username="far-leader")
    far_team = results["liuzhou_team"]
    far_team.leader = MemberFactory(team=far_team, name="柳队长", user=far_leader_user)
    far_team.save()
    client.force_login(far_leader_user)
    assert client.get(team_url(team)).status_code == 404
    assert client.get(team_url(team), {"format": "xlsx"}).status_code == 404
    assert client.get(team_url(far_team)).status_code == 200
    # A member of the team, and another county's administrator.
    for user in (results["member_user"], results["liuzhou_admin"]):
        client.force_login(user)
        assert client.get(team_url(team)).status_code == 404
        assert client.get(team_url(team), {"format": "xlsx"}).status_code == 404
    # The county's administrator may.
    client.force_login(results["qingxiu_admin"])
    assert client.get(team_url(team)).status_code == 200


def test_anonymous_is_sent_to_sign_in(client, results):
    for url in (team_url(results["qingxiu_team"]), area_url(results["areas"]["qingxiu"])):
        response = client.get(url)
        assert response.status_code == 302
        assert "login" in response["Location"]


def test_team_page_queries_do_not_grow_with_members(
    client, results, exam, course, django_assert_max_num_queries
):
    client.force_login(results["leader_user"])
    team = results["qingxiu_team"]
    client.get(team_url(team))  # warm caches (session, scope)
    with django_assert_max_num_queries(20) as small:
        client.get(team_url(team))
    for n in range(15):
        member = MemberFactory(team=team)
        Enrollment.objects.create(member=member, course=course, source=EnrollmentSource.SELF)
        make_attempt(member, exam, ALL_RIGHT if n % 2 else ONE_RIGHT)
    with django_assert_max_num_queries(len(small.captured_queries)):
        html = client.get(team_url(team)).content.decode()
    assert "参考 17/17 人" in html


def test_progress_pages_link_to_results(client, results):
    client.force_login(results["leader_user"])
    team = results["qingxiu_team"]
    html = client.get(reverse("learn:team_progress", args=[team.pk])).content.decode()
    assert team_url(team) in html
    client.force_login(results["qingxiu_admin"])
    area = results["areas"]["qingxiu"]
    html = client.get(reverse("learn:area_progress", args=[area.pk])).content.decode()
    assert area_url(area) in html


# -- an area -----------------------------------------------------------------------------


def test_county_admin_sees_teams_and_drills_down(client, results, exam, questions, catalog):
    areas = results["areas"]
    second = TeamFactory(community=areas["xinzhu_2"])
    sat = MemberFactory(team=second, name="桂雅队员")
    MemberFactory(team=second, name="桂雅新人")
    make_attempt(sat, exam, TWO_RIGHT)
    client.force_login(results["qingxiu_admin"])

    response = client.get(area_url(areas["qingxiu"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "现场急救结业考试" in html
    # The county's one township, linked for drilling down, with the totals.
    assert area_url(areas["xinzhu"]) in html
    tfoot = html.split("<tfoot>", 1)[1].split("</tfoot>", 1)[0]
    cells = [cell.split("</td>", 1)[0].strip() for cell in tfoot.split("<td>")[1:]]
    assert cells == ["4", "3", "2", "67%"]

    html = client.get(area_url(areas["xinzhu"])).content.decode()
    assert team_url(results["qingxiu_team"]) in html and team_url(second) in html
    assert "柳州" not in html
    # Drilling down to a team of the county.
    assert client.get(team_url(second)).status_code == 200


def test_area_results_as_xlsx_list_every_team(client, results, exam):
    areas = results["areas"]
    second = TeamFactory(community=areas["xinzhu_2"])
    MemberFactory(team=second, name="桂雅新人")
    client.force_login(results["qingxiu_admin"])
    response = client.get(area_url(areas["qingxiu"]), {"format": "xlsx"})
    assert response.status_code == 200
    rows = xlsx_rows(response)
    assert rows[0] == [
        "考试",
        "课程编号",
        "队伍",
        "社区",
        "行政区划代码",
        "在队人数",
        "参考人数",
        "通过人数",
        "参考率（%）",
        "通过率（%）",
    ]
    by_team = {row[2]: row for row in rows[1:]}
    assert set(by_team) == {results["qingxiu_team"].name, second.name}
    assert by_team[results["qingxiu_team"].name][5:] == [2, 2, 1, 100, 50]
    assert by_team[second.name][5:] == [1, 0, 0, 0, 0]


def test_region_admin_sees_both_counties(client, results):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    html = client.get(area_url(results["areas"]["region"])).content.decode()
    assert "南宁市" in html and "柳州市" in html
    tfoot = html.split("<tfoot>", 1)[1].split("</tfoot>", 1)[0]
    assert "<td>3</td>" in tfoot  # members
    assert "<td>2</td>" in tfoot  # passed: 陆队员 and 柳州队员


def test_area_results_outside_scope_are_not_found(client, results):
    qingxiu = results["areas"]["qingxiu"]
    for user in (results["liuzhou_admin"], results["leader_user"], results["member_user"]):
        client.force_login(user)
        assert client.get(area_url(qingxiu)).status_code == 404
        assert client.get(area_url(qingxiu), {"format": "xlsx"}).status_code == 404
    client.force_login(results["qingxiu_admin"])
    assert client.get(area_url(results["areas"]["nanning"])).status_code == 404
    assert client.get(area_url(results["areas"]["chengzhong"])).status_code == 404
    assert client.get(reverse("learn:area_results", args=[999999])).status_code == 404


def test_members_who_left_are_not_counted(client, results, exam, course, catalog, questions):
    member = results["member"]
    member.left_on = timezone.localdate() - datetime.timedelta(days=1)
    member.save()
    fire = course_with_lessons(catalog, code="GX-T-104", title="火灾安全", lessons=1)
    other_exam = final_exam(fire, questions, title="另一门考试", pass_mark=80)
    make_attempt(results["leader"], other_exam, ALL_RIGHT)
    client.force_login(results["qingxiu_admin"])
    html = client.get(area_url(results["areas"]["xinzhu"])).content.decode()
    assert "另一门考试" in html
    first = html.split("现场急救结业考试", 1)[1].split("</tfoot>", 1)[0]
    assert "陆队员" not in first
    tfoot = first.split("<tfoot>", 1)[1]
    assert "<td>1</td>" in tfoot  # one active member (the leader), who sat and failed
    assert "<td>0</td>" in tfoot
