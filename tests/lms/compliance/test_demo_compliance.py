"""The demo's compliance data: in 青秀区 one team meets the standard and another falls short
for reasons one can see, the progress chart has weeks of history, the county's inspection
is under way, and seeding twice changes nothing."""

import datetime
import io

from django.core.management import call_command
from django.utils import timezone

import pytest

from lms.models import (
    Area,
    AreaProgress,
    Certificate,
    ComplianceSnapshot,
    CorrectiveAction,
    Inspection,
    InspectionSample,
    InsurancePolicy,
    ServiceRecord,
    TeamDocument,
    TeamEquipment,
)
from lms.selectors.compliance import area_rollup, team_snapshots

pytestmark = pytest.mark.django_db


def _state() -> dict:
    return {
        "rows": {
            model.__name__: model.objects.count()
            for model in (
                AreaProgress,
                Certificate,
                ComplianceSnapshot,
                CorrectiveAction,
                Inspection,
                InspectionSample,
                InsurancePolicy,
                ServiceRecord,
                TeamDocument,
                TeamEquipment,
            )
        },
        "results": sorted(
            ComplianceSnapshot.objects.values_list("team__name", "passed", "failed_kinds")
        ),
        "history": sorted(
            AreaProgress.objects.values_list("area__code", "date", "teams", "compliant")
        ),
    }


def test_qingxiu_has_a_passing_and_a_failing_team_with_history_and_seeding_twice_changes_nothing():
    call_command("seed_demo", stdout=io.StringIO())
    first = _state()
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert _state() == first

    today = timezone.localdate()
    county = Area.objects.get(code="450103")
    snapshots = {s.team.name: s for s in team_snapshots(county, today.year)}
    home = snapshots["新竹社区应急响应队"]
    assert home.passed, home.failed_kinds
    assert home.failed_kinds == []

    neighbour = snapshots["桂雅路社区应急响应队"]
    assert not neighbour.passed
    assert "insurance" in neighbour.failed_kinds
    insurance = next(r for r in neighbour.results if r["kind"] == "insurance")
    assert insurance["detail"]["insured"] == neighbour.figures["members"] - 4
    assert "certificates" not in neighbour.failed_kinds  # the other reasons are the visible ones

    region = area_rollup(Area.objects.get(code="450000"), today.year)
    assert region.compliant >= 1
    assert region.teams > region.compliant
    assert f"达标评估：队伍 {region.teams}，达标 {region.compliant}" in out.getvalue()

    # The chart: today's point and eight weekly ones before it, never falling toward today.
    points = list(AreaProgress.objects.filter(area=county).order_by("date"))
    assert [p.date for p in points] == [
        today - datetime.timedelta(weeks=w) for w in range(8, -1, -1)
    ]
    compliant = [p.compliant for p in points]
    assert compliant == sorted(compliant)
    assert compliant[0] < compliant[-1] == area_rollup(county, today.year).compliant

    inspection = Inspection.objects.get(county=county, year=today.year)
    assert inspection.get_status_display() == "检查中"
    results = [row["result"] for row in inspection.checklist]
    assert "pass" in results and "fail" in results and "" in results
    assert inspection.samples.count() == 6
    assert inspection.actions.filter(team=neighbour.team).count() == 2
