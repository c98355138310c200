"""The compliance dashboards in the Wagtail admin: the home panel, the area report with its
charts and drill-down, the team page with every criterion and member, re-evaluation on
demand; seen by a county administrator, another county's, a leader, a member, a visitor."""

import datetime
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import pytest

from lms.models import (
    AreaAdministrator,
    AreaProgress,
    CertificateStatus,
    ComplianceSnapshot,
)
from lms.services.compliance import area_progress_record, team_evaluate, teams_evaluate
from tests.factories import AreaFactory, TeamFactory, UserFactory

from ..conftest import admin_group

pytestmark = pytest.mark.django_db

DASHBOARD = "/admin/compliance/"


def area_url(area) -> str:
    return f"/admin/compliance/areas/{area.pk}/"


def team_url(team) -> str:
    return f"/admin/compliance/teams/{team.pk}/"


def html(response) -> str:
    return response.content.decode()


def text(response) -> str:
    """The page's words without tags, so figures split by markup still match."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html(response)))


def section(page: str, section_id: str) -> str:
    start = page.index(f'id="{section_id}"')
    end = page.find("</section>", start)
    return page[start:end]


@pytest.fixture
def county(world, build_team):
    """青秀区: one complete team (桂雅路社区) and the world's two-member team (新竹社区),
    both evaluated; 城中区's team evaluated too."""
    passing = build_team(world["areas"]["xinzhu_2"], name="桂雅路社区应急响应队")
    teams_evaluate()
    return {**world, "passing": passing}


@pytest.fixture
def global_user(db):
    return UserFactory(username="region", is_superuser=True)


def test_the_dashboard_takes_a_county_admin_to_their_county(client, county):
    client.force_login(county["qingxiu_admin"])
    response = client.get(DASHBOARD, {"year": timezone.localdate().year})
    assert response.status_code == 302
    assert response["Location"].startswith(area_url(county["areas"]["qingxiu"]))

    page = client.get(response["Location"])
    assert page.status_code == 200
    summary = text(page)
    assert "青秀区" in summary and "新竹街道" in summary
    figures = section(html(page), "compliance-summary")
    assert re.search(r'data-figure="teams">\s*2<', figures)
    assert re.search(r'data-figure="compliant">\s*1<', figures)
    assert re.search(r'data-figure="share">\s*50%<', figures)
    # Another county's areas and teams are nowhere on the page.
    assert "城中区" not in summary and "柳州" not in summary and "公园社区" not in summary


def test_a_county_admin_gets_404_outside_their_county(client, county):
    client.force_login(county["qingxiu_admin"])
    areas = county["areas"]
    for area in ("region", "nanning", "liuzhou", "chengzhong", "chengzhong_st", "chengzhong_1"):
        assert client.get(area_url(areas[area])).status_code == 404, area
    assert client.get(team_url(county["liuzhou_team"])).status_code == 404
    assert client.get("/admin/compliance/areas/999999/").status_code == 404
    # Re-evaluating another county changes nothing.
    before = ComplianceSnapshot.objects.get(team=county["liuzhou_team"]).evaluated_at
    assert client.post(team_url(county["liuzhou_team"])).status_code == 404
    assert client.post(area_url(areas["chengzhong"])).status_code == 404
    after = ComplianceSnapshot.objects.get(team=county["liuzhou_team"]).evaluated_at
    assert after == before


def test_leaders_members_and_visitors_never_see_the_dashboards(client, county):
    qingxiu = county["areas"]["qingxiu"]
    urls = [DASHBOARD, area_url(qingxiu), team_url(county["qingxiu_team"])]
    # The leader opens the admin (for the roster) but is no area administrator.
    client.force_login(county["leader_user"])
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert "data-compliance-panel" not in html(client.get("/admin/"))
    assert "/admin/compliance/" not in html(client.get("/admin/"))

    client.force_login(county["member_user"])
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url

    client.logout()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


def test_the_home_panel_shows_the_county_against_its_target(client, county):
    client.force_login(county["qingxiu_admin"])
    page = html(client.get("/admin/"))
    assert "data-compliance-panel" in page
    panel = section(page, "compliance-section")
    assert "青秀区" in panel
    assert re.search(r'data-figure="compliant">\s*1 / 2<', panel)
    assert re.search(r'data-figure="share">\s*50%<', panel)
    assert re.search(r'data-figure="target">\s*50%<', panel)  # the default target of 2026
    # The two-member team fails everything: three of the most failed criteria are listed.
    failing = panel[panel.index("<ol data-failing>") : panel.index("</ol>")]
    assert failing.count("<li>") == 3 and "：1 支队伍" in failing
    assert f'href="{area_url(county["areas"]["qingxiu"])}"' in panel
    # And the menu item (in the sidebar's JSON) leads to the report.
    assert '"/admin/compliance/"' in page


def test_the_region_shows_a_bar_per_city_and_the_failing_criteria(client, county, global_user):
    client.force_login(global_user)
    response = client.get(DASHBOARD)
    region = county["areas"]["region"]
    assert response["Location"] == area_url(region)
    page = html(client.get(area_url(region)))
    children = section(page, "compliance-children")
    assert children.count('class="chart-bar-value"') == 2  # 南宁市, 柳州市
    assert f'href="{area_url(county["areas"]["nanning"])}?year=' in children
    assert "南宁市" in children and "柳州市" in children
    assert children.count("<tr data-child=") == 2
    failing = section(page, "compliance-failing")
    assert 'role="img"' in failing and "在队人数" in failing
    # Two teams fail on size (the world's two small teams), the complete one passes.
    assert re.search(r"<title>在队人数：2</title>", failing)


def test_the_progress_chart_draws_one_point_a_day_or_the_current_figure(
    client, county, global_user
):
    client.force_login(global_user)
    qingxiu = county["areas"]["qingxiu"]
    page = html(client.get(area_url(qingxiu)))
    history = section(page, "compliance-history")
    assert history.count('class="chart-point"') == 1
    assert "data-no-history" in history
    assert "chart-target" in history  # the dashed target line

    today = timezone.localdate()
    area_progress_record(on=today - datetime.timedelta(days=2))
    area_progress_record(on=today - datetime.timedelta(days=1))
    area_progress_record(on=today)
    assert AreaProgress.objects.filter(area=qingxiu).count() == 3
    history = section(html(client.get(area_url(qingxiu))), "compliance-history")
    assert history.count('class="chart-point"') == 3
    assert "data-no-history" not in history


def test_drilling_down_to_a_failing_team_shows_why_it_fails(client, county, build_team):
    areas = county["areas"]
    community = AreaFactory.child(areas["xinzhu"], "民族社区", "450103001003")
    small = build_team(community, members=19, name="民族社区应急响应队")
    team_evaluate(small)
    client.force_login(county["qingxiu_admin"])

    township = html(client.get(area_url(areas["xinzhu"])))
    teams = section(township, "compliance-teams")
    row = re.search(rf'<tr data-team="{small.pk}" data-passed="0">(.*?)</tr>', teams, re.S)
    assert row, "the failing team is listed"
    assert "未达标" in row.group(1) and "在队人数 ≥ 20（现 19）" in row.group(1)
    assert f'href="{team_url(small)}?year=' in row.group(1)
    passing = re.search(rf'<tr data-team="{county["passing"].pk}" data-passed="1">', teams)
    assert passing

    page = html(client.get(team_url(small)))
    criteria = section(page, "compliance-result")
    size = re.search(r'<tr data-criterion="members" data-passed="0">(.*?)</tr>', criteria, re.S)
    assert size
    assert re.search(r"data-value>\s*19<", size.group(1))
    assert re.search(r"data-threshold>\s*20<", size.group(1))
    assert "未达标" in size.group(1)
    # Everything else this team does passes, with the course named in the coverage detail.
    assert criteria.count('data-passed="0"') == 1
    assert "社区应急救护基础：持证 100%" in criteria
    # Breadcrumb trail from the county down (the region and city are not links for them).
    trail = page[
        page.index("compliance-trail") : page.index("</nav>", page.index("compliance-trail"))
    ]
    assert f'href="{area_url(areas["qingxiu"])}?year=' in trail
    assert f'href="{area_url(community)}?year=' in trail
    assert f'href="{area_url(areas["region"])}' not in trail
    assert "民族社区应急响应队" in trail


def test_the_member_table_shows_who_lacks_a_certificate(client, county):
    team = county["passing"]
    lacking = team.members.order_by("pk")[3]
    certificate = lacking.certificates.get()
    certificate.status = CertificateStatus.REVOKED
    certificate.save()
    team_evaluate(team)
    client.force_login(county["qingxiu_admin"])
    page = html(client.get(team_url(team)))
    members = section(page, "compliance-members")
    assert "有效证书：社区应急救护基础" in members
    assert members.count("<tr data-member=") == 20
    row = re.search(rf'<tr data-member="{lacking.pk}">(.*?)</tr>', members, re.S).group(1)
    assert lacking.name in row and 'data-certified="0"' in row
    assert 'data-drilled="1"' in row and 'data-insured="1"' in row
    assert re.search(r"data-hours>\s*4<", row)
    assert members.count('data-certified="0"') == 1
    # The criterion shows 95% coverage (19 of 20), which still passes the 60% threshold.
    criteria = section(page, "compliance-result")
    assert "社区应急救护基础：持证 95%" in criteria


def test_the_area_page_runs_the_same_queries_however_many_children_and_teams(
    client, county, global_user, django_assert_max_num_queries
):
    client.force_login(global_user)
    region = county["areas"]["region"]
    client.get(area_url(region))  # warm up caches (content types, site)

    def queries(url) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    xinzhu = county["areas"]["xinzhu"]
    before = {url: queries(url) for url in (area_url(region), area_url(xinzhu))}
    # Three more cities and three more teams in the township.
    for n in range(3):
        city = AreaFactory.child(region, f"测试市{n}", f"45{n + 3}000")
        county_ = AreaFactory.child(city, f"测试县{n}", f"45{n + 3}001")
        township = AreaFactory.child(county_, f"测试镇{n}", f"45{n + 3}001001")
        TeamFactory(community=AreaFactory.child(township, f"测试村{n}", f"45{n + 3}001001001"))
        TeamFactory(community=AreaFactory.child(xinzhu, f"新社区{n}", f"45010300101{n}"))
    teams_evaluate()
    after = {url: queries(url) for url in before}
    assert after == before
    # Session, user and the admin menu take about eight; the page itself twelve or fewer.
    with django_assert_max_num_queries(20):
        client.get(area_url(region))
    # A county administrator's permissions and scope add about nine more.
    client.force_login(county["qingxiu_admin"])
    client.get(area_url(county["areas"]["qingxiu"]))
    with django_assert_max_num_queries(28):
        client.get(area_url(county["areas"]["qingxiu"]))
    with django_assert_max_num_queries(28):
        client.get(team_url(county["passing"]))


def test_reevaluating_a_team_refreshes_its_result(client, county):
    team = county["passing"]
    leaver = team.members.order_by("pk").last()  # a volunteer (the first is the medic)
    ComplianceSnapshot.objects.filter(team=team).update(passed=True, failed_kinds=[])
    type(leaver).objects.filter(pk=leaver.pk).update(left_on=timezone.localdate())
    client.force_login(county["qingxiu_admin"])
    page = html(client.get(team_url(team)))
    assert "立即重新评估" in page
    response = client.post(team_url(team), follow=True)
    assert response.redirect_chain[-1][0] == team_url(team)
    assert "已重新评估：桂雅路社区应急响应队 未达标。" in html(response)
    snapshot = ComplianceSnapshot.objects.get(team=team)
    assert not snapshot.passed and snapshot.failed_kinds == ["members"]


def test_reevaluating_an_area_queues_its_teams_only(
    client, county, django_capture_on_commit_callbacks
):
    ComplianceSnapshot.objects.all().delete()
    client.force_login(county["qingxiu_admin"])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(area_url(county["areas"]["qingxiu"]), follow=True)
    assert len(callbacks) == 1
    assert "已提交 青秀区 2 支队伍的重新评估" in html(response)
    evaluated = set(ComplianceSnapshot.objects.values_list("team_id", flat=True))
    assert evaluated == {county["qingxiu_team"].pk, county["passing"].pk}


def test_an_unevaluated_team_and_a_bad_year_are_shown_plainly(client, county):
    ComplianceSnapshot.objects.filter(team=county["qingxiu_team"]).delete()
    client.force_login(county["qingxiu_admin"])
    response = client.get(area_url(county["areas"]["xinzhu_1"]), {"year": "abc"})
    assert response.status_code == 200
    teams = section(html(response), "compliance-teams")
    assert "尚未评估" in teams and county["qingxiu_team"].name in teams
    page = html(client.get(team_url(county["qingxiu_team"]), {"year": "1999"}))
    assert "该队伍本年度尚未评估" in page
    assert f'<option value="{timezone.localdate().year}" selected>' in page


def test_a_city_admin_drills_into_each_of_their_counties(client, county):
    city_admin = UserFactory(username="nanning-admin", groups=[admin_group()])
    AreaAdministrator.objects.create(user=city_admin, area=county["areas"]["nanning"])
    client.force_login(city_admin)
    assert client.get(DASHBOARD)["Location"] == area_url(county["areas"]["nanning"])
    assert client.get(area_url(county["areas"]["qingxiu"])).status_code == 200
    assert client.get(team_url(county["passing"])).status_code == 200
    assert client.get(area_url(county["areas"]["liuzhou"])).status_code == 404
    assert client.get(area_url(county["areas"]["region"])).status_code == 404
