"""Announcing the top ten: the ranking frozen as it stands, every bad request refused with
its reason and nothing written, withdrawing, and the public pages' cache purged."""

from decimal import Decimal

from django.core.cache import cache
from django.utils import translation

from wagtail.models import ModelLogEntry

import pytest

from lms.selectors.ranking import FORMULA, top_teams
from lms.services.compliance import teams_evaluate
from publicity.errors import DomainError
from publicity.models import TopTenEntry, TopTenSelection
from publicity.selectors.topten import top_ten_paths
from publicity.services.topten import top_ten_announce, top_ten_withdraw
from tests.factories import UserFactory

from .conftest import certified_only, page_rows, page_text, this_year

pytestmark = pytest.mark.django_db


def nothing_written() -> bool:
    return not TopTenSelection.objects.exists() and not TopTenEntry.objects.exists()


def test_announcing_freezes_the_ranking_as_it_stands(ranked, region_admin):
    live = top_teams(this_year())
    selection = top_ten_announce(
        year=this_year(), area=ranked["areas"]["region"], user=region_admin, note="年度表彰"
    )
    entries = list(selection.entries.all())
    assert [(e.rank, e.team_id, e.team_name, e.community_name, e.score) for e in entries] == [
        (row.rank, row.team.pk, row.team.name, row.community_name, row.score) for row in live
    ]
    assert [e.team_name for e in entries] == [
        "桂雅路应急响应队",
        "西门应急响应队",
        "民乐应急响应队",
    ]
    assert entries[0].figures == {
        "members": 20,
        "coverage": 1.0,
        "participation": 1.0,
        "hours_per_member": 4.0,
        "improvement": 0.0,
    }
    assert entries[2].coverage_percent == 60.0
    assert entries[1].participation_percent == 70.0
    assert selection.formula == str(FORMULA)
    assert (selection.note, selection.announced_by) == ("年度表彰", region_admin)
    assert ModelLogEntry.objects.filter(action="wagtail.create", object_id=str(selection.pk))


def test_a_city_list_holds_only_the_city_teams(ranked, nanning_admin):
    selection = top_ten_announce(
        year=this_year(), area=ranked["areas"]["nanning"], user=nanning_admin
    )
    assert [e.team_name for e in selection.entries.all()] == ["桂雅路应急响应队", "民乐应急响应队"]
    assert [e.rank for e in selection.entries.all()] == [1, 2]


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("future", "年度不能晚于今年"),
        ("county", "十佳评选只能按全区或市公布"),
        ("township", "十佳评选只能按全区或市公布"),
        ("nothing_ranked", "没有参加排名的队伍"),
        ("nothing_ranked_in_city", "没有参加排名的队伍"),
    ],
)
def test_bad_requests_are_refused_with_their_reason(ranked, region_admin, case, message):
    areas = ranked["areas"]
    year, area = this_year(), areas["region"]
    if case == "future":
        year += 1
    elif case == "county":
        area = areas["qingxiu"]
    elif case == "township":
        area = areas["xinzhu"]
    elif case == "nothing_ranked":
        year -= 1
    elif case == "nothing_ranked_in_city":
        ranked["drilled"].members.update(left_on="2000-01-01")  # Liuzhou's one ranked team
        teams_evaluate()
        area = areas["liuzhou"]
    with pytest.raises(DomainError) as refused:
        top_ten_announce(year=year, area=area, user=region_admin)
    assert message in refused.value.message
    assert nothing_written()


def test_announcing_twice_is_refused(ranked, region_admin):
    region = ranked["areas"]["region"]
    first = top_ten_announce(year=this_year(), area=region, user=region_admin)
    with pytest.raises(DomainError) as refused:
        top_ten_announce(year=this_year(), area=region, user=region_admin)
    assert "已经公布" in refused.value.message and "请先撤回" in refused.value.message
    assert list(TopTenSelection.objects.all()) == [first]
    assert TopTenEntry.objects.count() == 3


@pytest.mark.parametrize(
    ("who", "where", "message"),
    [
        ("qingxiu_admin", "region", "只有自治区管理员"),
        ("nanning_admin", "region", "只有自治区管理员"),
        ("qingxiu_admin", "nanning", "您不是南宁市或其上级的管理员"),
        ("liuzhou_admin", "nanning", "您不是南宁市或其上级的管理员"),
        ("nanning_admin", "liuzhou", "您不是柳州市或其上级的管理员"),
        ("leader_user", "nanning", "您不是南宁市或其上级的管理员"),
        ("member_user", "region", "只有自治区管理员"),
        ("staff", "region", "只有自治区管理员"),
    ],
)
def test_only_the_area_administrators_may_announce(ranked, nanning_admin, who, where, message):
    users = {**ranked, "nanning_admin": nanning_admin, "staff": UserFactory(is_staff=True)}
    with pytest.raises(DomainError) as refused:
        top_ten_announce(year=this_year(), area=ranked["areas"][where], user=users[who])
    assert message in refused.value.message
    assert nothing_written()


def test_city_and_region_administrators_announce_within_their_area(
    ranked, region_admin, nanning_admin
):
    areas = ranked["areas"]
    top_ten_announce(year=this_year(), area=areas["nanning"], user=nanning_admin)
    top_ten_announce(year=this_year(), area=areas["liuzhou"], user=region_admin)
    top_ten_announce(year=this_year(), area=areas["region"], user=UserFactory(is_superuser=True))
    assert sorted(TopTenSelection.objects.values_list("area__name", flat=True)) == sorted(
        ["南宁市", "柳州市", areas["region"].name]
    )


def test_withdrawn_then_announced_again_from_the_ranking_of_the_day(ranked, region_admin):
    region = ranked["areas"]["region"]
    first = top_ten_announce(year=this_year(), area=region, user=region_admin)
    certified_only(ranked["full"], 14)  # the leader falls to 70% coverage
    teams_evaluate()

    with pytest.raises(DomainError) as refused:
        top_ten_withdraw(selection=first, user=ranked["qingxiu_admin"], reason="数据有误")
    assert "只有自治区管理员" in refused.value.message
    with pytest.raises(DomainError) as refused:
        top_ten_withdraw(selection=first, user=region_admin, reason="  ")
    assert refused.value.message == "请填写撤回的原因。"
    assert TopTenSelection.objects.filter(pk=first.pk).exists()

    first_pk = first.pk
    top_ten_withdraw(selection=first, user=region_admin, reason="核实数据后重新公布")
    assert nothing_written()
    entry = ModelLogEntry.objects.get(action="wagtail.delete", object_id=str(first_pk))
    assert entry.data == {"reason": "核实数据后重新公布"}
    assert entry.user == region_admin

    again = top_ten_announce(year=this_year(), area=region, user=region_admin)
    assert [e.team_name for e in again.entries.all()] == [
        "西门应急响应队",
        "桂雅路应急响应队",
        "民乐应急响应队",
    ]
    assert again.entries.get(rank=2).score == top_teams(this_year())[1].score < Decimal("85")


def test_the_public_paths_of_every_year_and_city_in_every_language(ranked, sections, region_admin):
    areas = ranked["areas"]
    top_ten_announce(year=this_year(), area=areas["region"], user=region_admin)
    top_ten_announce(year=this_year(), area=areas["nanning"], user=region_admin)
    year = this_year()
    paths = top_ten_paths()
    for prefix in ["", "/en", "/za", "/zh-hans"]:
        assert f"{prefix}/top-ten/" in paths
        assert f"{prefix}/top-ten/{year}/" in paths
        assert f"{prefix}/top-ten/{year}/450100/" in paths
    assert f"/top-ten/{year}/450200/" not in paths


def test_the_cached_public_page_is_purged_on_announce_and_withdraw(
    client, ranked, sections, region_admin, django_capture_on_commit_callbacks
):
    region = ranked["areas"]["region"]
    first = client.get("/top-ten/")
    assert "尚未公布" in page_text(first.content)
    assert client.get("/top-ten/")["X-Page-Cache"] == "hit"

    with django_capture_on_commit_callbacks(execute=True):
        selection = top_ten_announce(year=this_year(), area=region, user=region_admin)
    shown = client.get("/top-ten/")
    assert shown["X-Page-Cache"] == "miss"
    assert page_rows(shown.content)[0]["team"] == "桂雅路应急响应队"
    year_page = client.get(f"/top-ten/{this_year()}/")
    assert len(page_rows(year_page.content)) == 3
    assert client.get(f"/top-ten/{this_year()}/")["X-Page-Cache"] == "hit"

    with django_capture_on_commit_callbacks(execute=True):
        top_ten_withdraw(selection=selection, user=region_admin, reason="重新核实")
    assert "尚未公布" in page_text(client.get("/top-ten/").content)
    assert client.get(f"/top-ten/{this_year()}/").status_code == 404
    assert cache.get("pagecache:generation") in (None, 1)  # purged by path, not wholesale


def test_the_formula_is_frozen_in_chinese_whatever_the_admin_language(ranked, region_admin):
    with translation.override("en"):
        assert "综合得分" not in str(FORMULA)  # the English screen shows it translated
        selection = top_ten_announce(
            year=this_year(), area=ranked["areas"]["region"], user=region_admin
        )
    with translation.override("zh-hans"):
        assert selection.formula == str(FORMULA)
    assert selection.formula.startswith("综合得分 = 100 ×")
