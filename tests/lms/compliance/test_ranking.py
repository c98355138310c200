"""The top ten (十佳): the order, who is left out and why, per city, the published formula,
and the admin page with its .xlsx export."""

import datetime
import io
from decimal import Decimal

from django.utils import timezone

import pytest
from openpyxl import load_workbook

from lms.admin_views import ranking_hooks
from lms.models import (
    CertificateStatus,
    ComplianceSnapshot,
    DrillParticipation,
    ServiceRecord,
    ServiceStatus,
)
from lms.selectors.ranking import (
    FORMULA,
    ranking_by_city,
    ranking_exclusions,
    top_teams,
)
from lms.services.compliance import IMPROVEMENT_FULL, IMPROVEMENT_WEIGHT, WEIGHTS, teams_evaluate
from tests.factories import AreaFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/admin/compliance/ranking/"


def year() -> int:
    return timezone.localdate().year


def certified_only(team, n: int) -> None:
    """Keep `n` members certified; revoke the others' certificates."""
    members = list(team.members.order_by("pk"))[n:]
    for member in members:
        member.certificates.update(status=CertificateStatus.REVOKED)


def took_part_only(team, n: int) -> None:
    """Keep `n` members in the year's drills; the others took part in none."""
    members = list(team.members.order_by("pk"))[n:]
    DrillParticipation.objects.filter(member__in=members).delete()


def names(rows) -> list[str]:
    return [row.team.name for row in rows]


@pytest.fixture
def communities(world):
    areas = world["areas"]
    return {
        "guiya": areas["xinzhu_2"],
        "minle": AreaFactory.child(areas["xinzhu"], "民乐社区", "450103001003"),
        "jinhu": AreaFactory.child(areas["xinzhu"], "金湖社区", "450103001004"),
        "gongyuan2": AreaFactory.child(areas["chengzhong_st"], "西门社区", "450202001002"),
        "gongyuan3": AreaFactory.child(areas["chengzhong_st"], "东门社区", "450202001003"),
    }


@pytest.fixture
def ranked(world, communities, build_team):
    """Three teams meeting the standard: full marks (Nanning), lower coverage (Nanning),
    lower participation (Liuzhou); the world's two empty teams fail."""
    full = build_team(communities["guiya"], name="桂雅路应急响应队")
    covered = build_team(communities["minle"], name="民乐应急响应队")
    certified_only(covered, 12)  # 60%: still passes
    drilled = build_team(communities["gongyuan2"], name="西门应急响应队")
    took_part_only(drilled, 14)  # 70%
    teams_evaluate()
    return {"full": full, "covered": covered, "drilled": drilled}


# -- the ranking ------------------------------------------------------------------------


def test_teams_are_ranked_by_score_with_their_figures(ranked):
    rows = top_teams(year())
    assert names(rows) == ["桂雅路应急响应队", "西门应急响应队", "民乐应急响应队"]
    assert [row.rank for row in rows] == [1, 2, 3]
    assert [row.score for row in rows] == [Decimal("85.00"), Decimal("77.35"), Decimal("69.70")]
    first, second, third = rows
    assert first.community_name == "南宁市青秀区新竹街道桂雅路社区"
    assert second.community_name == "柳州市城中区城中街道西门社区"
    assert (first.members, first.coverage_percent, first.participation_percent) == (20, 100, 100)
    assert first.hours_per_member == 4.0
    assert first.improvement == 0
    assert second.participation_percent == 70.0
    assert third.coverage_percent == 60.0


def test_equal_scores_are_ordered_by_coverage_then_by_name(world, communities, build_team):
    # 80% coverage with full participation scores the same as full coverage with 70%.
    lower_coverage = build_team(communities["guiya"], name="甲队")
    certified_only(lower_coverage, 16)
    lower_participation = build_team(communities["minle"], name="乙队")
    took_part_only(lower_participation, 14)
    twin_b = build_team(communities["jinhu"], name="第2队")
    twin_a = build_team(communities["gongyuan2"], name="第1队")
    teams_evaluate()
    rows = top_teams(year())
    assert names(rows) == ["第1队", "第2队", "乙队", "甲队"]
    assert rows[0].score == rows[1].score
    assert rows[2].score == rows[3].score
    assert rows[2].coverage > rows[3].coverage
    assert {twin_a.pk, twin_b.pk} == {rows[0].team.pk, rows[1].team.pk}


def test_a_team_with_hours_awaiting_verification_is_left_out(ranked):
    member = ranked["full"].members.first()
    ServiceRecord.objects.create(
        member=member,
        activity="patrol",
        date=datetime.date(year(), 5, 1),
        hours=2,
        description="巡查",
        status=ServiceStatus.PENDING,
    )
    teams_evaluate([ranked["full"].pk])
    snapshot = ComplianceSnapshot.objects.get(team=ranked["full"], year=year())
    assert snapshot.passed and snapshot.unverified
    assert "桂雅路应急响应队" not in names(top_teams(year()))
    counts = ranking_exclusions(year())
    assert (counts.evaluated, counts.failing, counts.unverified, counts.ranked) == (5, 2, 1, 2)


def test_a_team_failing_the_standard_is_ranked_only_on_request(ranked, communities, build_team):
    build_team(communities["jinhu"], name="十九人队", members=19)
    teams_evaluate()
    assert "十九人队" not in names(top_teams(year()))
    everyone = names(top_teams(year(), include_failing=True))
    assert "十九人队" in everyone
    # It scores as well as the full team (the score does not count heads); only the
    # standard keeps it out.
    assert set(everyone[:2]) == {"十九人队", "桂雅路应急响应队"}
    assert len(everyone) == 6  # the world's two empty teams too


def test_the_limit_and_an_area(ranked, world):
    assert names(top_teams(year(), limit=2)) == ["桂雅路应急响应队", "西门应急响应队"]
    assert names(top_teams(year(), world["areas"]["liuzhou"])) == ["西门应急响应队"]
    assert names(top_teams(year(), world["areas"]["region"])) == names(top_teams(year()))
    assert top_teams(year() - 1) == []


def test_each_city_has_its_own_top_ten(ranked, communities, build_team, world):
    build_team(communities["gongyuan3"], name="东门应急响应队")
    teams_evaluate()
    cities = ranking_by_city(year())
    assert [c.city.name for c in cities] == ["南宁市", "柳州市"]
    nanning, liuzhou = cities
    assert names(nanning.rows) == ["桂雅路应急响应队", "民乐应急响应队"]
    assert [row.rank for row in nanning.rows] == [1, 2]
    assert names(liuzhou.rows) == ["东门应急响应队", "西门应急响应队"]
    assert [row.rank for row in liuzhou.rows] == [1, 2]
    assert liuzhou.rows[0].community_name == "柳州市城中区城中街道东门社区"
    assert [names(c.rows) for c in ranking_by_city(year(), limit=1)] == [
        ["桂雅路应急响应队"],
        ["东门应急响应队"],
    ]


def test_the_cities_ranking_is_one_query_however_many_teams(ranked, django_assert_num_queries):
    with django_assert_num_queries(3):  # the ranked snapshots, their areas' names, the cities
        ranking_by_city(year())


def test_the_published_formula_is_built_from_the_computations_weights():
    text = str(FORMULA)
    for weight in (*WEIGHTS.values(), IMPROVEMENT_WEIGHT, 1 - IMPROVEMENT_WEIGHT):
        assert f"{round(weight * 100)}%" in text
    assert f"{IMPROVEMENT_FULL:g}" in text
    assert "45% × 持证覆盖率" in text and "30% × 演练参与率" in text
    assert "100 ×（85% × 基础分 + 15% × 进步分）" in text


# -- the admin page -----------------------------------------------------------------------


def html(response) -> str:
    return response.content.decode()


def test_an_area_administrator_sees_the_region_and_each_city(client, ranked, world, monkeypatch):
    monkeypatch.setattr(ranking_hooks, "_team_url", lambda pk: f"/team-compliance/{pk}/")
    client.force_login(world["qingxiu_admin"])
    response = client.get(PAGE)
    assert response.status_code == 200
    page = html(response)
    assert "十佳社区响应队" in page
    assert "45% × 持证覆盖率" in page
    assert "有服务时长登记尚待核实的队伍" in page
    assert "南宁市" in page and "柳州市" in page
    for team in ranked.values():
        assert team.name in page
    assert "77.35" in page and "70.0%" in page
    assert "南宁市青秀区新竹街道桂雅路社区" in page
    # Links only to the teams in the viewer's county.
    assert f'href="/team-compliance/{ranked["full"].pk}/"' in page
    assert f'href="/team-compliance/{ranked["covered"].pk}/"' in page
    assert f"/team-compliance/{ranked['drilled'].pk}/" not in page

    client.force_login(world["liuzhou_admin"])
    page = html(client.get(PAGE))
    assert ranked["full"].name in page
    assert f"/team-compliance/{ranked['drilled'].pk}/" in page
    assert f"/team-compliance/{ranked['full'].pk}/" not in page


def test_another_year_and_a_bad_year(client, ranked, world):
    client.force_login(world["qingxiu_admin"])
    page = html(client.get(PAGE, {"year": year() - 1}))
    assert "该年度暂无符合条件的队伍" in page
    assert ranked["full"].name not in page
    page = html(client.get(PAGE, {"year": "明年"}))
    assert ranked["full"].name in page


def test_people_who_are_not_area_administrators_are_turned_away(client, ranked, world):
    response = client.get(PAGE)
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(world["member_user"])  # no admin access at all
    response = client.get(PAGE)
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(world["leader_user"])  # admin access, but no area
    assert client.get(PAGE).status_code == 404
    assert client.get(PAGE, {"format": "xlsx"}).status_code == 404


def test_the_menu_item_is_shown_to_area_administrators_only(client, world):
    client.force_login(world["qingxiu_admin"])
    assert PAGE in html(client.get("/admin/"))
    client.force_login(world["leader_user"])
    assert PAGE not in html(client.get("/admin/"))


def test_the_export_has_the_region_the_cities_and_the_formula(client, ranked, world):
    client.force_login(world["qingxiu_admin"])
    response = client.get(PAGE, {"year": year(), "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["全区十佳", "各市十佳", "计分说明"]
    region = list(wb["全区十佳"].iter_rows(values_only=True))
    assert region[0][:4] == ("名次", "队伍", "所在社区", "综合得分")
    assert [r[:2] for r in region[1:]] == [
        (1, "桂雅路应急响应队"),
        (2, "西门应急响应队"),
        (3, "民乐应急响应队"),
    ]
    assert region[2][3:] == (77.35, 100, 70, 4, 0, 20)
    assert region[0][7] == "进步分（0–1）"
    cities = list(wb["各市十佳"].iter_rows(values_only=True))
    assert [r[:3] for r in cities[1:]] == [
        ("南宁市", 1, "桂雅路应急响应队"),
        ("南宁市", 2, "民乐应急响应队"),
        ("柳州市", 1, "西门应急响应队"),
    ]
    notes = "\n".join(r[0] for r in wb["计分说明"].iter_rows(values_only=True))
    assert str(FORMULA) in notes and "未达到建设标准的队伍" in notes


def test_a_superuser_sees_the_page(client, ranked):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    assert client.get(PAGE).status_code == 200
