"""seed_scale builds a valid synthetic tree with teams and members, and never twice by accident."""

import io
from collections import Counter

from django.core.management import CommandError, call_command
from django.db.models import Count

import pytest

from lms import idcard
from lms.compliance_defaults import ensure_default_standard
from lms.management.commands.seed_scale import REGION_CODE, level_sizes
from lms.models import (
    Area,
    AreaAdministrator,
    Certificate,
    ComplianceSnapshot,
    DrillParticipation,
    InsurancePolicy,
    Member,
    ServiceRecord,
    Team,
)
from lms.services.compliance import teams_evaluate
from tests.factories import UserFactory, area_tree

pytestmark = pytest.mark.django_db


def _seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_scale", stdout=out, **{"communities": 60, "seed": 1, **options})
    return out.getvalue()


def test_level_sizes_keep_the_real_counts_unless_an_area_would_have_no_children():
    assert level_sizes(16197) == (14, 111, 1250, 16197)
    assert level_sizes(200) == (14, 111, 200, 200)
    assert level_sizes(60) == (14, 60, 60, 60)
    assert level_sizes(5) == (5, 5, 5, 5)


def test_builds_a_valid_tree_with_one_team_of_20_to_40_members_per_community():
    output = _seed()
    region = Area.objects.get(code=REGION_CODE)
    tree = Area.objects.within(region)
    assert [tree.at_level(level).count() for level in range(1, 6)] == [1, 14, 60, 60, 60]
    assert Area.find_problems(parent=region) == ([], [], [], [], [])
    # treebeard's own API works on the bulk-inserted nodes
    city = tree.at_level(2).first()
    assert city.get_parent() == region
    assert city.get_children_count() == city.numchild > 0

    communities = tree.at_level(5)
    teams = Team.objects.filter(community__in=communities)
    assert teams.count() == 60
    sizes = teams.annotate(n=Count("members")).values_list("n", flat=True)
    assert all(20 <= n <= 40 for n in sizes)
    assert all(t.leader.team_id == t.pk and t.deputy.team_id == t.pk for t in teams)
    assert teams.filter(leader=None).count() == 0

    members = Member.objects.within(region)
    assert members.count() == sum(sizes)
    assert f"{sum(sizes):,} 名队员" in output
    for number, born, county in members.values_list(
        "id_number", "birth_date", "team__community__code"
    ):
        assert idcard.validate(number, expected_birth_date=born) == number
        assert number[:6] == county[:6]
    assert members.values("id_number_digest").distinct().count() == members.count()
    assert members.exclude(name_pinyin="").count() == members.count()


def test_subtree_counts_by_path_match_the_division_codes():
    _seed()
    for city in Area.objects.within(Area.objects.get(code=REGION_CODE)).at_level(2):
        by_code = Area.objects.filter(code__startswith=city.code[:4])
        assert Area.objects.within(city).count() == by_code.count() > 1
        assert Member.objects.within(city).count() == (
            Member.objects.filter(team__community__code__startswith=city.code[:4]).count()
        )


def test_same_seed_same_data():
    _seed(communities=20, seed=7)
    first = list(
        Member.objects.order_by("id_number_digest").values_list("id_number", "name", "phone")
    )
    _seed(communities=20, seed=7, reset=True)
    again = list(
        Member.objects.order_by("id_number_digest").values_list("id_number", "name", "phone")
    )
    assert first == again


def test_a_second_run_refuses_without_reset_and_reset_rebuilds_beside_real_areas():
    real = area_tree()  # the demo-like real tree must survive a reset untouched
    _seed()
    with pytest.raises(CommandError, match=r"已存在规模测试数据.*--reset"):
        _seed()
    region = Area.objects.get(code=REGION_CODE)
    county = Area.objects.within(region).at_level(3).first()
    admin = AreaAdministrator.objects.create(user=UserFactory(), area=county)

    _seed(communities=30, reset=True)
    region = Area.objects.get(code=REGION_CODE)
    assert Area.objects.within(region).at_level(5).count() == 30
    assert Team.objects.within(region).count() == 30
    assert not AreaAdministrator.objects.filter(pk=admin.pk).exists()  # cascaded as usual
    assert Area.objects.filter(pk=real["xinzhu_1"].pk).exists()
    assert Area.find_problems() == ([], [], [], [], [])


def test_with_activity_about_half_the_teams_meet_the_standard_and_reset_removes_it():
    ensure_default_standard()
    output = _seed(communities=30, with_activity=True)
    region = Area.objects.get(code=REGION_CODE)
    teams = Team.objects.within(region)
    members = Member.objects.within(region)
    assert Certificate.objects.filter(member__in=members, status="valid").exists()
    assert Certificate.objects.filter(member__in=members, status="expired").exists()
    assert DrillParticipation.objects.filter(member__in=members).exists()
    assert ServiceRecord.objects.filter(member__in=members, status="pending").exists()
    assert InsurancePolicy.objects.filter(team__in=teams).count() > 20
    assert "活动数据（30/30 支队伍）" in output

    assert teams_evaluate() == 30
    snapshots = ComplianceSnapshot.objects.filter(team__in=teams)
    passed = snapshots.filter(passed=True).count()
    assert 8 <= passed <= 22  # about half
    failing = Counter(
        kind for kinds in snapshots.values_list("failed_kinds", flat=True) for kind in kinds
    )
    assert len(failing) >= 4  # teams fail for different reasons

    _seed(communities=20, reset=True)  # without activity: the old activity is gone too
    assert not Certificate.objects.filter(county_code__startswith="99").exists()
    assert not ComplianceSnapshot.objects.exists()
    assert Team.objects.within(Area.objects.get(code=REGION_CODE)).count() == 20
