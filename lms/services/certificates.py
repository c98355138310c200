"""Issuing, re-issuing, revoking and expiring certificates.

Issuance writes the record (serial, verification code, snapshots) in one transaction
and leaves the PDF to a Celery task after commit (`lms.tasks.certificate_render`), or,
for bulk jobs, renders a chunk of 20 in one document and splits it (`certificate_pdf`).
A serial's sequence number is taken in the same transaction that creates the
certificate, so a failed issuance gives its number back and serials stay consecutive.
"""

import calendar
import datetime
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.celery import enqueue
from cms.errors import DomainError
from courses.models import CoursePage
from lms.models import (
    Area,
    Certificate,
    CertificateJob,
    CertificateSource,
    CertificateStatus,
    CertificateTemplate,
    Enrollment,
    EnrollmentStatus,
    JobStatus,
    Member,
    SerialCounter,
    Team,
)
from lms.models.areas import subtree_filter

SERIAL_PREFIX = "GX"


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (the month's last day where it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def expiry_for(course: CoursePage, issued_on: datetime.date) -> datetime.date | None:
    """The last day a certificate of `course` issued on `issued_on` is valid (None: no expiry)."""
    months = course.certificate_validity_months
    if not months:
        return None
    return add_months(issued_on, months) - datetime.timedelta(days=1)


def serial_next(*, county_code: str, year: int) -> str:
    """Take the next serial of a county and year, e.g. GX-2026-450102-000123.

    Must run inside the transaction that creates the certificate: the counter row stays
    locked until it commits, so concurrent issuers queue and no number is used twice or
    skipped (a rolled-back issuance gives its number back).
    """
    SerialCounter.objects.get_or_create(year=year, county_code=county_code)
    counter = SerialCounter.objects.filter(year=year, county_code=county_code)
    counter.update(last=F("last") + 1)  # takes the row lock
    number = counter.values_list("last", flat=True).get()
    return f"{SERIAL_PREFIX}-{year}-{county_code}-{number:06d}"


def _county_code(member: Member) -> str:
    return member.team.community.code[:6]


def _enqueue_render(certificate_ids: list[int]) -> None:
    for pk in certificate_ids:
        transaction.on_commit(lambda pk=pk: enqueue("lms.tasks.certificate_render", pk))


def _completed_on(member: Member, course: CoursePage) -> datetime.date | None:
    completed_at = (
        Enrollment.objects.filter(member=member, course=course, completed_at__isnull=False)
        .values_list("completed_at", flat=True)
        .first()
    )
    return timezone.localdate(completed_at) if completed_at else None


def _issue(
    *,
    member: Member,
    course: CoursePage,
    template: CertificateTemplate,
    source: str,
    by=None,
    reissue: bool,
    issued_on: datetime.date,
    completed_on: datetime.date | None,
) -> tuple[Certificate, bool]:
    """Issue inside the caller's transaction; (certificate, created)."""
    current = list(
        Certificate.objects.select_for_update()
        .filter(member=member, course=course)
        .filter(Q(status=CertificateStatus.VALID) | Q(status=CertificateStatus.EXPIRED))
    )
    valid = [c for c in current if c.status == CertificateStatus.VALID]
    if valid and not reissue:
        return valid[0], False
    now = timezone.now()
    if current:
        # Free the "one valid certificate" slot first; point at the new one below.
        Certificate.objects.filter(pk__in=[c.pk for c in current]).update(
            status=CertificateStatus.SUPERSEDED, status_changed_at=now
        )
    certificate = Certificate.objects.create(
        member=member,
        course=course,
        serial=serial_next(county_code=_county_code(member), year=issued_on.year),
        source=source,
        issued_on=issued_on,
        expires_on=expiry_for(course, issued_on),
        completed_on=completed_on or _completed_on(member, course) or issued_on,
        holder_name=member.name,
        course_title=course.title,
        credit_hours=course.credit_hours,
        issuing_organisation=template.issuing_organisation,
        county_code=_county_code(member),
        template=template,
        issued_by=by,
    )
    for old in current:
        # Through save() so the history shows who superseded it and by which certificate.
        old.status = CertificateStatus.SUPERSEDED
        old.status_changed_at = now
        old.superseded_by = certificate
        old.save(update_fields=["status", "status_changed_at", "superseded_by"])
    return certificate, True


def certificate_issue(
    *,
    member: Member,
    course: CoursePage,
    source: str = CertificateSource.MANUAL,
    by=None,
    reissue: bool = False,
    completed_on: datetime.date | None = None,
    issued_on: datetime.date | None = None,
    render: bool = True,
) -> Certificate:
    """Issue `member` a certificate of `course`, or return the valid one they hold.

    `issued_on` back-dates the certificate (records brought in from paper, demo data).
    With `reissue`, a held certificate (valid or expired) is superseded by a new one.
    Two concurrent issuances for the same member and course give one certificate: the
    loser's insert hits the "one valid certificate" constraint, rolls back (its serial
    number with it) and returns the winner's.
    """
    if member.left_on is not None:
        raise DomainError(_("%(name)s 已离队，不能发证。") % {"name": member.name})
    template = CertificateTemplate.for_course(course)
    try:
        with transaction.atomic():
            certificate, created = _issue(
                member=member,
                course=course,
                template=template,
                source=source,
                by=by,
                reissue=reissue,
                issued_on=issued_on or timezone.localdate(),
                completed_on=completed_on,
            )
            if created and render:
                _enqueue_render([certificate.pk])
    except IntegrityError:
        existing = Certificate.objects.valid().filter(member=member, course=course).first()
        if existing is None:
            raise
        return existing
    return certificate


def certificate_issue_on_completion(enrollment: Enrollment, course: CoursePage) -> None:
    """A completed course issues its certificate when the course says so."""
    if course.certificate_auto_issue:
        certificate_issue(
            member=enrollment.member,
            course=course,
            source=CertificateSource.AUTO,
            completed_on=timezone.localdate(enrollment.completed_at),
        )


def certificate_revoke(*, certificate: Certificate, by, reason: str) -> Certificate:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写撤销原因。"), field="reason")
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.status not in (CertificateStatus.VALID, CertificateStatus.EXPIRED):
            raise DomainError(
                _("该证书状态为“%(status)s”，不能撤销。")
                % {"status": certificate.get_status_display()}
            )
        certificate.status = CertificateStatus.REVOKED
        certificate.status_changed_at = timezone.now()
        certificate.revoked_reason = reason[:200]
        certificate.revoked_by = by
        certificate._change_reason = reason[:100]
        certificate.save(
            update_fields=["status", "status_changed_at", "revoked_reason", "revoked_by"]
        )
    return certificate


def certificates_expire(*, today: datetime.date | None = None) -> int:
    """Valid certificates whose last valid day has passed become expired (history kept)."""
    today = today or timezone.localdate()
    due = Certificate.objects.valid().filter(expires_on__lt=today)
    count = 0
    for certificate in due.iterator(chunk_size=500):
        certificate.status = CertificateStatus.EXPIRED
        certificate.status_changed_at = timezone.now()
        certificate.save(update_fields=["status", "status_changed_at"])
        count += 1
    return count


# -- bulk issuance -------------------------------------------------------------------


def _job_scope(job: CertificateJob, prefix: str = ""):
    """Filter keywords selecting the job's team or area, through `prefix` (a member path)."""
    if job.team_id:
        return {f"{prefix}team_id": job.team_id}
    return subtree_filter(f"{prefix}team__community__", job.area.path)


def _job_members(job: CertificateJob):
    """Members the job covers: on the roster, completed the course, in id order."""
    members = Member.objects.filter(left_on__isnull=True, **_job_scope(job))
    completed = Enrollment.objects.filter(
        course_id=job.course_id, status=EnrollmentStatus.COMPLETED
    ).values("member_id")
    members = members.filter(pk__in=completed)
    if not job.reissue:
        holders = Certificate.objects.valid().filter(course_id=job.course_id).values("member_id")
        members = members.exclude(pk__in=holders)
    return members.order_by("pk")


def _job_unrendered(job: CertificateJob):
    """Valid certificates of the job's course and scope still without their file."""
    return (
        Certificate.objects.valid()
        .filter(course_id=job.course_id, pdf="", **_job_scope(job, "member__"))
        .order_by("pk")
    )


def certificate_job_create(
    *,
    by,
    course: CoursePage,
    team: Team | None = None,
    area: Area | None = None,
    reissue: bool = False,
) -> CertificateJob:
    """Queue bulk issuance for a team or an area; the task runs after commit."""
    if (team is None) == (area is None):
        raise DomainError(_("请选择一支队伍或一个区域。"))
    job = CertificateJob(course=course, team=team, area=area, reissue=reissue, created_by=by)
    job.total = _job_members(job).count()
    if not job.total:
        raise DomainError(_("没有需要发证的队员：均未结业或已持有效证书。"))
    job.save()
    transaction.on_commit(lambda: enqueue("lms.tasks.certificate_job_run", job.pk))
    return job


def certificate_job_run(*, job: CertificateJob, chunk_size: int = 20) -> CertificateJob:
    """Issue and render chunk by chunk: a chunk's records and the job's progress in one
    transaction, then one document rendered for the chunk and split into a file per
    certificate. Resumable and safe to run twice, even at the same time."""
    from lms.services.certificate_pdf import certificates_render

    if job.status == JobStatus.DONE:
        return job
    CertificateJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    template = CertificateTemplate.for_course(job.course)
    issued_on = timezone.localdate()
    # A worker that died after committing a chunk but before storing its files left
    # certificates without one: those come first.
    certificates_render(list(_job_unrendered(job)))
    while True:
        with transaction.atomic():
            # The job row stays locked while a chunk is issued: another delivery of this
            # task waits, then continues after the chunk instead of issuing it again.
            progress = (
                CertificateJob.objects.select_for_update()
                .filter(pk=job.pk)
                .values("last_member_id", "done", "issued")
                .get()
            )
            for name, value in progress.items():
                setattr(job, name, value)
            members = list(
                _job_members(job)
                .filter(pk__gt=job.last_member_id)
                .select_related("team__community")[:chunk_size]
            )
            if not members:
                break
            issued = []
            for member in members:
                certificate, created = _issue(
                    member=member,
                    course=job.course,
                    template=template,
                    source=CertificateSource.BULK,
                    by=job.created_by,
                    reissue=job.reissue,
                    issued_on=issued_on,
                    completed_on=None,
                )
                if created:
                    issued.append(certificate)
            job.last_member_id = members[-1].pk
            job.done += len(members)
            job.issued += len(issued)
            CertificateJob.objects.filter(pk=job.pk).update(
                last_member_id=job.last_member_id, done=job.done, issued=job.issued
            )
        certificates_render(issued)
    CertificateJob.objects.filter(pk=job.pk).update(
        status=JobStatus.DONE, finished_at=timezone.now(), done=F("total")
    )
    job.refresh_from_db()
    return job


def certificates_for_members(members: Iterable[Member]):
    """Valid certificates of `members`, course by course (used by rosters and reports)."""
    return Certificate.objects.valid().filter(member__in=members).select_related("course")
