"""Evaluating teams against the default standard (seeded by migration 0007)."""

import datetime

from django.utils import timezone

from lms.models import (
    CertificateStatus,
    ComplianceSnapshot,
    ComplianceStandard,
    FreezeReason,
    InsurancePolicy,
    ServiceRecord,
    ServiceStatus,
)
from lms.services.compliance import snapshots_freeze, team_evaluate, teams_evaluate
from tests.factories import MemberFactory

from .conftest import certify


def result(snapshot, kind):
    return next(r for r in snapshot.results if r["kind"] == kind)


def test_the_default_standard_is_seeded(db):
    standard = ComplianceStandard.in_force(timezone.localdate())
    kinds = [c.kind for c in standard.criteria.all()]
    assert kinds[0] == "members"
    assert {"certificates", "drills", "insurance", "service_hours"} <= set(kinds)


def test_a_complete_team_passes_every_criterion(world, build_team):
    team = build_team(world["areas"]["xinzhu_2"])
    snapshot = team_evaluate(team)
    assert [r for r in snapshot.results if not r["passed"]] == []
    assert snapshot.passed
    assert snapshot.failed_kinds == []
    assert 0 < snapshot.score <= 100


def test_nineteen_members_fail_the_size_criterion_and_the_twentieth_passes_it(world, build_team):
    team = build_team(world["areas"]["xinzhu_2"], members=19)
    snapshot = team_evaluate(team)
    assert not snapshot.passed
    assert snapshot.failed_kinds == ["members"]
    assert result(snapshot, "members")["value"] == 19

    standard_course = team.members.first().certificates.first().course
    twentieth = MemberFactory(team=team, name="第二十名")
    certify(twentieth, standard_course)
    for drill in team.drills.all():
        drill.participations.create(member=twentieth, method="qr", checked_in_at=drill.starts_at)
    InsurancePolicy.objects.get(team=team).members.add(twentieth)
    ServiceRecord.objects.create(
        member=twentieth,
        activity="patrol",
        date=datetime.date(timezone.localdate().year, 3, 1),
        hours=4,
        description="巡查",
        status=ServiceStatus.VERIFIED,
    )
    snapshot = team_evaluate(team)
    assert result(snapshot, "members") == {**result(snapshot, "members"), "passed": True}
    assert snapshot.passed


def test_a_certificate_expiring_today_counts_until_tomorrow(world, build_team):
    team = build_team(world["areas"]["xinzhu_2"])
    today = timezone.localdate()
    # 12 of 20 certified (60%, the threshold): one expires today.
    certificates = [m.certificates.get() for m in team.members.order_by("pk")]
    for certificate in certificates[12:]:
        certificate.status = CertificateStatus.REVOKED
        certificate.save()
    certificates[0].expires_on = today
    certificates[0].save()
    snapshot = team_evaluate(team, on=today)
    assert result(snapshot, "certificates")["value"] == 0.6
    assert snapshot.passed
    snapshot = team_evaluate(team, on=today + datetime.timedelta(days=1))
    assert result(snapshot, "certificates")["value"] == 0.55
    assert not snapshot.passed
    assert "certificates" in snapshot.failed_kinds


def test_a_frozen_snapshot_keeps_its_figures(world, build_team):
    team = build_team(world["areas"]["xinzhu_2"])
    snapshot = team_evaluate(team)
    assert snapshot.passed
    snapshots_freeze(year=snapshot.year, reason=FreezeReason.INSPECTION, team_ids=[team.pk])
    leaver = team.members.first()
    leaver.left_on = timezone.localdate()
    leaver.save()
    teams_evaluate([team.pk])
    frozen = ComplianceSnapshot.objects.get(pk=snapshot.pk)
    assert frozen.passed
    assert result(frozen, "members")["value"] == 20
    assert frozen.frozen_reason == FreezeReason.INSPECTION


def test_evaluating_everything_covers_empty_teams(world, build_team):
    build_team(world["areas"]["xinzhu_2"])
    written = teams_evaluate()
    assert written == 3  # the world's two teams and the built one
    empty = ComplianceSnapshot.objects.get(team=world["liuzhou_team"])
    assert not empty.passed
    assert empty.score >= 0


def test_a_change_marks_the_team_and_reevaluates_it_after_commit(
    world, build_team, django_capture_on_commit_callbacks
):
    team = build_team(world["areas"]["xinzhu_2"])
    snapshot = team_evaluate(team)
    assert snapshot.passed
    leaver = team.members.order_by("pk").last()
    leaver.left_on = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        leaver.save()
    snapshot = ComplianceSnapshot.objects.get(team=team, year=snapshot.year)
    assert not snapshot.passed
    assert snapshot.failed_kinds == ["members"]
    assert not snapshot.stale


def test_storing_a_certificate_file_does_not_mark_the_team(world, build_team):
    team = build_team(world["areas"]["xinzhu_2"])
    team_evaluate(team)
    certificate = team.members.first().certificates.get()
    certificate.pdf_sha256 = "0" * 64
    certificate.save(update_fields=["pdf_sha256"])
    assert not ComplianceSnapshot.objects.get(team=team).stale
    certificate.status = CertificateStatus.REVOKED
    certificate.save(update_fields=["status"])
    assert ComplianceSnapshot.objects.get(team=team).stale
