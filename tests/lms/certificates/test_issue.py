"""Issuing, re-issuing, revoking and expiring certificates (the service layer)."""

import datetime
import re

from django.utils import timezone

import pytest

from cms.errors import DomainError
from lms.models import Certificate, CertificateStatus
from lms.services.certificates import (
    add_months,
    certificate_revoke,
    certificates_expire,
    serial_next,
)

from .conftest import complete


def test_serial_reads_year_county_and_sequence(world, issue):
    first = issue(world["member"])
    second = issue(world["leader"])
    year = timezone.localdate().year
    assert first.serial == f"GX-{year}-450103-000001"
    assert second.serial == f"GX-{year}-450103-000002"
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", first.code)
    assert first.code != second.code


def test_counties_count_separately(world, issue):
    issue(world["member"])
    other = issue(world["other"])
    assert other.serial.endswith(f"-{other.county_code}-000001")
    assert other.county_code != "450103"


def test_issuing_again_returns_the_valid_certificate(world, issue):
    first = issue(world["member"])
    again = issue(world["member"])
    assert again.pk == first.pk
    assert Certificate.objects.count() == 1
    assert serial_next(county_code="450103", year=first.issued_on.year).endswith("000002")


def test_reissue_supersedes_the_old_certificate(world, issue):
    old = issue(world["member"])
    new = issue(world["member"], reissue=True)
    old.refresh_from_db()
    assert new.pk != old.pk
    assert old.status == CertificateStatus.SUPERSEDED
    assert old.superseded_by_id == new.pk
    assert new.status == CertificateStatus.VALID
    assert old.history.first().status == CertificateStatus.SUPERSEDED


def test_snapshot_and_expiry(world, issue, course):
    certificate = issue(world["member"])
    assert certificate.holder_name == "陆队员"
    assert certificate.course_title == "社区应急救护基础"
    assert certificate.issuing_organisation == "广西壮族自治区应急管理厅"
    assert certificate.expires_on == add_months(certificate.issued_on, 36) - datetime.timedelta(1)


def test_add_months_clamps_to_month_end():
    assert add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert add_months(datetime.date(2026, 11, 30), 36) == datetime.date(2029, 11, 30)


def test_member_who_left_gets_no_certificate(world, issue):
    world["member"].left_on = timezone.localdate()
    world["member"].save()
    with pytest.raises(DomainError, match="已离队"):
        issue(world["member"])
    assert not Certificate.objects.exists()


def test_revoke_needs_a_reason_and_is_kept_in_history(world, issue):
    certificate = issue(world["member"])
    with pytest.raises(DomainError, match="撤销原因"):
        certificate_revoke(certificate=certificate, by=world["qingxiu_admin"], reason=" ")
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VALID
    certificate_revoke(certificate=certificate, by=world["qingxiu_admin"], reason="冒名参考")
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.REVOKED
    assert certificate.revoked_reason == "冒名参考"
    latest = certificate.history.first()
    assert latest.status == CertificateStatus.REVOKED
    assert latest.history_change_reason == "冒名参考"
    with pytest.raises(DomainError, match="不能撤销"):
        certificate_revoke(certificate=certificate, by=world["qingxiu_admin"], reason="再次")


def test_expiry_moves_past_certificates_only(world, issue):
    certificate = issue(world["member"])
    assert certificates_expire(today=certificate.expires_on) == 0
    assert certificates_expire(today=certificate.expires_on + datetime.timedelta(1)) == 1
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.EXPIRED


def test_completing_a_course_issues_its_certificate(world, course, template):
    from lms.models import Enrollment, EnrollmentSource
    from lms.services.progress import enrollment_complete_if_done

    enrollment = Enrollment.objects.create(
        member=world["member"], course=course, source=EnrollmentSource.SELF
    )
    complete(world["member"], course)  # lessons are not the point here
    enrollment.refresh_from_db()
    enrollment.status = "active"
    enrollment.save()
    for lesson in course.get_children().specific():
        enrollment.progress.create(lesson=lesson, completed_at=timezone.now())
    assert enrollment_complete_if_done(enrollment, course)
    certificate = Certificate.objects.get(member=world["member"], course=course)
    assert certificate.source == "auto"
