"""A course, the `world`'s people, and certificates issued through the service.

`issue(member)` issues without rendering (fast); `issue(member, render=True)` also
renders and stores the real PDF (about 0.1 s). `fake_pdf(certificate)` stores a small
placeholder PDF for tests that only need a file to exist.
"""

import hashlib

from django.core.files.base import ContentFile
from django.utils import timezone

import pytest

from lms.models import (
    CertificateSource,
    CertificateTemplate,
    Enrollment,
    EnrollmentSource,
    EnrollmentStatus,
)
from lms.services.certificates import certificate_issue
from tests.factories import CourseIndexPageFactory, course_with_lessons

# A one-page PDF; enough for downloads and ZIPs.
PLACEHOLDER_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture
def course(site_tree):
    catalog = CourseIndexPageFactory(parent=site_tree["home"])
    return course_with_lessons(
        catalog,
        code="GX-YJ-101",
        title="社区应急救护基础",
        lessons=2,
        certificate_validity_months=36,
    )


@pytest.fixture
def template(db):
    return CertificateTemplate.objects.create(
        name="自治区标准模板",
        is_default=True,
        issuing_organisation="广西壮族自治区应急管理厅",
        signatories="自治区应急管理厅培训中心主任 韦明\n青秀区应急管理局局长 黄立",
    )


def complete(member, course):
    """Record that `member` completed `course` (without going through lessons)."""
    Enrollment.objects.update_or_create(
        member=member,
        course=course,
        defaults={
            "status": EnrollmentStatus.COMPLETED,
            "completed_at": timezone.now(),
            "source": EnrollmentSource.SELF,
        },
    )


@pytest.fixture
def issue(course, template, django_capture_on_commit_callbacks):
    def _issue(member, *, render=False, **kwargs):
        kwargs.setdefault("source", CertificateSource.MANUAL)
        with django_capture_on_commit_callbacks(execute=render):
            certificate = certificate_issue(member=member, course=course, **kwargs)
        certificate.refresh_from_db()
        return certificate

    return _issue


def fake_pdf(certificate, content: bytes = PLACEHOLDER_PDF):
    certificate.pdf.save(f"{certificate.serial}.pdf", ContentFile(content), save=False)
    certificate.pdf_sha256 = hashlib.sha256(content).hexdigest()
    certificate.rendered_at = timezone.now()
    certificate.save(update_fields=["pdf", "pdf_sha256", "rendered_at"])
    return certificate
