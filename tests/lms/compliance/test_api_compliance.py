"""Compliance through the JSON API: a team's evaluation, an area's roll-up, the ranking,
from the county that manages the team and from outside it."""

from django.utils import timezone

import pytest

from lms.models import ComplianceSnapshot
from lms.selectors.compliance import area_rollup
from lms.services.compliance import teams_evaluate
from tests.factories import AreaFactory, UserFactory

from .test_ranking import took_part_only

pytestmark = pytest.mark.django_db

API = "/api/v1"


def year() -> int:
    return timezone.localdate().year


@pytest.fixture
def evaluated(world, build_team):
    """A complete team in each county (the Liuzhou one with 70% drill participation),
    and the world's two empty teams, all evaluated."""
    areas = world["areas"]
    qingxiu = build_team(areas["xinzhu_2"], name="桂雅路应急响应队")
    liuzhou = build_team(
        AreaFactory.child(areas["chengzhong_st"], "西门社区", "450202001002"),
        name="西门应急响应队",
    )
    took_part_only(liuzhou, 14)
    teams_evaluate()
    return {"qingxiu": qingxiu, "liuzhou": liuzhou}


# -- a team's evaluation -------------------------------------------------------------------


def test_the_county_administrator_reads_a_teams_evaluation(client, world, evaluated):
    team = evaluated["qingxiu"]
    client.force_login(world["qingxiu_admin"])
    response = client.get(f"{API}/teams/{team.pk}/compliance")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert body["team"] == {"id": team.pk, "name": "桂雅路应急响应队"}
    assert body["community"]["name"] == "桂雅路社区"
    assert body["year"] == year()
    assert body["passed"] is True and body["failed"] == []
    assert body["score"] == 85.0
    assert body["frozen"] is False and body["frozen_reason"] is None
    assert body["unverified"] is False
    members = body["criteria"][0]
    assert members["kind"] == {"code": "members", "label": "在队人数"}
    assert members["label"] == "在队人数 ≥ 20"
    assert (members["value"], members["threshold"], members["passed"]) == (20, 20, True)
    assert {c["kind"]["code"] for c in body["criteria"]} >= {"certificates", "insurance"}
    assert body["figures"] == {
        "members": 20,
        "coverage": 1.0,
        "participation": 1.0,
        "hours_per_member": 4.0,
        "base": 1.0,
        "improvement": 0.0,
    }


def test_a_failing_team_says_which_criteria_fail(client, world, evaluated):
    client.force_login(world["leader_user"])  # leads the empty 新竹 team
    body = client.get(f"{API}/teams/{world['qingxiu_team'].pk}/compliance").json()
    assert body["passed"] is False
    failed = {c["code"]: c["label"] for c in body["failed"]}
    assert failed["members"] == "在队人数"
    members = next(c for c in body["criteria"] if c["kind"]["code"] == "members")
    assert members["passed"] is False and members["value"] == 2


@pytest.mark.parametrize("who", ["liuzhou_admin", "member_user"])
def test_a_team_outside_the_scope_is_not_found(client, world, evaluated, who):
    client.force_login(world[who])
    response = client.get(f"{API}/teams/{evaluated['qingxiu'].pk}/compliance")
    assert response.status_code == 404
    assert response.json()["detail"] == "未找到该队伍。"
    assert client.get(f"{API}/teams/999999/compliance").json()["detail"] == "未找到该队伍。"


def test_anonymous_callers_must_sign_in(client, world, evaluated):
    for url in (
        f"{API}/teams/{evaluated['qingxiu'].pk}/compliance",
        f"{API}/areas/{world['areas']['qingxiu'].pk}/compliance",
        f"{API}/ranking",
    ):
        response = client.get(url)
        assert response.status_code == 401
        assert "请先登录" in response.json()["detail"]


def test_a_team_not_evaluated_yet(client, world, evaluated):
    client.force_login(world["qingxiu_admin"])
    response = client.get(f"{API}/teams/{evaluated['qingxiu'].pk}/compliance?year={year() - 1}")
    assert response.status_code == 404
    assert "尚未评估" in response.json()["detail"]
    response = client.get(f"{API}/teams/{evaluated['qingxiu'].pk}/compliance?year=1999")
    assert response.status_code == 422
    assert response.json()["field"] == "year"


# -- an area's roll-up ---------------------------------------------------------------------


def test_an_areas_rollup_matches_the_selector(client, world, evaluated):
    county = world["areas"]["qingxiu"]
    expected = area_rollup(county, year())
    client.force_login(world["qingxiu_admin"])
    response = client.get(f"{API}/areas/{county.pk}/compliance", {"year": year()})
    assert response.status_code == 200
    body = response.json()
    assert body["area"]["name"] == "青秀区" and body["year"] == year()
    assert (body["teams"], body["evaluated"], body["compliant"]) == (2, 2, 1)
    assert (body["teams"], body["compliant"]) == (expected.teams, expected.compliant)
    assert body["share"] == pytest.approx(expected.share) == 0.5
    assert body["target"] == (None if expected.target is None else float(expected.target))
    assert body["target_teams"] == expected.target_teams
    assert body["gap"] == expected.gap
    assert body["failing"] == [
        {"kind": {"code": kind, "label": label}, "teams": n}
        for (kind, n), (label, _n) in zip(expected.failing, expected.failing_labels, strict=True)
    ]
    assert {"code": "members", "label": "在队人数"} in [f["kind"] for f in body["failing"]]
    (township,) = body["children"]
    assert township["area"]["name"] == "新竹街道"
    assert (township["teams"], township["compliant"]) == (2, 1)


def test_the_region_rollup_has_a_row_per_city(client, world, evaluated):
    client.force_login(UserFactory(username="root", is_superuser=True))
    body = client.get(f"{API}/areas/{world['areas']['region'].pk}/compliance").json()
    assert (body["teams"], body["compliant"]) == (4, 2)
    assert [(c["area"]["name"], c["teams"], c["compliant"]) for c in body["children"]] == [
        ("南宁市", 2, 1),
        ("柳州市", 2, 1),
    ]


@pytest.mark.parametrize("area", ["chengzhong", "region", "nanning"])
def test_an_area_outside_the_scope_is_not_found(client, world, evaluated, area):
    client.force_login(world["qingxiu_admin"])
    response = client.get(f"{API}/areas/{world['areas'][area].pk}/compliance")
    assert response.status_code == 404
    assert response.json()["detail"] == "未找到该区域。"


# -- the ranking -----------------------------------------------------------------------


def test_the_ranking_in_order_with_the_formula(client, world, evaluated):
    client.force_login(world["member_user"])  # published: anyone signed in may read it
    response = client.get(f"{API}/ranking")
    assert response.status_code == 200
    body = response.json()
    assert body["year"] == year() and body["area"] is None
    assert "45% × 持证覆盖率" in body["formula"]
    assert any("尚待核实" in line for line in body["exclusions"])
    assert [(t["rank"], t["team"]["name"], t["score"]) for t in body["teams"]] == [
        (1, "桂雅路应急响应队", 85.0),
        (2, "西门应急响应队", 77.35),
    ]
    second = body["teams"][1]
    assert second["community"] == "柳州市城中区城中街道西门社区"
    assert (second["members"], second["participation"], second["hours_per_member"]) == (
        20,
        0.7,
        4.0,
    )


def test_the_ranking_of_an_area_in_the_scope(client, world, evaluated):
    client.force_login(world["liuzhou_admin"])
    body = client.get(f"{API}/ranking", {"area": world["areas"]["chengzhong"].pk}).json()
    assert body["area"]["name"] == "城中区"
    assert [t["team"]["name"] for t in body["teams"]] == ["西门应急响应队"]
    response = client.get(f"{API}/ranking", {"area": world["areas"]["qingxiu"].pk})
    assert response.status_code == 404
    assert response.json()["detail"] == "未找到该区域。"


def test_unverified_teams_leave_the_ranking(client, world, evaluated):
    ComplianceSnapshot.objects.filter(team=evaluated["qingxiu"]).update(unverified=True)
    client.force_login(world["qingxiu_admin"])
    body = client.get(f"{API}/ranking").json()
    assert [t["team"]["name"] for t in body["teams"]] == ["西门应急响应队"]
    assert body["teams"][0]["rank"] == 1


def test_the_endpoints_are_documented(client, db):
    paths = client.get(f"{API}/openapi.json").json()["paths"]
    assert paths[f"{API}/teams/{{team_id}}/compliance"]["get"]["summary"] == "队伍达标评估"
    assert paths[f"{API}/areas/{{area_id}}/compliance"]["get"]["summary"] == "区域达标汇总"
    assert paths[f"{API}/ranking"]["get"]["summary"] == "十佳社区响应队"
