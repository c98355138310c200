"""Enrollment: self-enrollment, a leader's assignment to a team, an area's bulk assignment."""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.celery import enqueue
from courses.models import CoursePage
from lms.errors import DomainError
from lms.models import (
    Area,
    AssignmentJob,
    Enrollment,
    EnrollmentSource,
    EnrollmentStatus,
    JobStatus,
    Member,
    Team,
)


def _check_course(course: CoursePage) -> None:
    if not course.live:
        raise DomainError(_("该课程尚未发布，暂不能报名。"), field="course")


def _check_due(due_on: datetime.date | None) -> None:
    if due_on and due_on < timezone.localdate():
        raise DomainError(_("截止日期不能早于今天。"), field="due_on")


def enrollment_create(
    *,
    member: Member,
    course: CoursePage,
    source: str,
    assigned_by=None,
    due_on: datetime.date | None = None,
) -> tuple[Enrollment, bool]:
    """Enroll a member; an existing enrollment is kept (re-enrolling never duplicates).

    Returns (enrollment, created). A withdrawn enrollment comes back to life; a due
    date given by an assignment replaces none that a member already has.
    """
    _check_course(course)
    _check_due(due_on)
    if not member.is_active:
        raise DomainError(_("该队员已离队，不能报名。"), field="member")
    if source not in EnrollmentSource.values:
        raise DomainError(_("未知的报名来源。"), field="source")
    with transaction.atomic():
        existing = Enrollment.objects.select_for_update().filter(member=member, course=course)
        enrollment = existing.first()
        if enrollment is None:
            try:
                with transaction.atomic():
                    enrollment = Enrollment.objects.create(
                        member=member,
                        course=course,
                        source=source,
                        assigned_by=assigned_by,
                        due_on=due_on,
                    )
                return enrollment, True
            except IntegrityError:  # created concurrently by another request
                enrollment = Enrollment.objects.get(member=member, course=course)
        changed = []
        if enrollment.status == EnrollmentStatus.WITHDRAWN:
            enrollment.status = EnrollmentStatus.ACTIVE
            changed.append("status")
        if due_on and not enrollment.due_on:
            enrollment.due_on = due_on
            changed.append("due_on")
        if changed:
            enrollment.save(update_fields=changed)
        return enrollment, False


def enrollment_self(*, member: Member, course: CoursePage) -> Enrollment:
    if not course.self_enrollment:
        raise DomainError(_("该课程不开放自主报名，请联系队长安排。"), field="course")
    enrollment, _created = enrollment_create(
        member=member, course=course, source=EnrollmentSource.SELF, assigned_by=member.user
    )
    return enrollment


@transaction.atomic
def enrollment_assign_team(
    *,
    team: Team,
    course: CoursePage,
    actor,
    members: list[Member] | None = None,
    due_on: datetime.date | None = None,
    source: str = EnrollmentSource.LEADER,
) -> int:
    """Assign a course to a team's active members (or the chosen ones). Returns how many new."""
    _check_course(course)
    _check_due(due_on)
    roster = team.members.active()
    if members is not None:
        chosen = {m.pk for m in members}
        if not chosen:
            raise DomainError(_("请至少选择一名队员。"), field="members")
        outside = chosen - set(roster.filter(pk__in=chosen).values_list("pk", flat=True))
        if outside:
            raise DomainError(_("只能给本队在队队员安排课程。"), field="members")
        roster = roster.filter(pk__in=chosen)
    created = 0
    for member in roster:
        _enrollment, was_created = enrollment_create(
            member=member, course=course, source=source, assigned_by=actor, due_on=due_on
        )
        created += was_created
    return created


@transaction.atomic
def assignment_job_create(
    *, area: Area, course: CoursePage, actor, due_on: datetime.date | None = None
) -> AssignmentJob:
    """Record an area-wide assignment and queue it; the work runs in a Celery task."""
    _check_course(course)
    _check_due(due_on)
    job = AssignmentJob.objects.create(
        area=area,
        course=course,
        due_on=due_on,
        created_by=actor,
        teams_total=Team.objects.within(area).count(),
    )
    # By name: lms.tasks imports this module. Honoured by eager mode like .delay().
    transaction.on_commit(lambda: enqueue("lms.tasks.assignment_job_run", job.pk))
    return job


def assignment_job_run(*, job: AssignmentJob, batch_size: int = 50) -> AssignmentJob:
    """Enroll every active member of every team in the job's area; safe to run twice.

    Teams are processed in order of id, one transaction each, and the job records how
    far it got in that transaction, so a restarted worker continues where the last one
    stopped and a second delivery running at the same time skips the teams already done.
    """
    if job.status == JobStatus.DONE:
        return job
    AssignmentJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    teams = Team.objects.within(job.area).filter(pk__gt=job.last_team_id).order_by("pk")
    for team in teams.iterator(chunk_size=batch_size):
        with transaction.atomic():
            # Locked while the team is enrolled: a concurrent run waits, then sees it done.
            last_team_id = (
                AssignmentJob.objects.select_for_update()
                .filter(pk=job.pk)
                .values_list("last_team_id", flat=True)
                .get()
            )
            if team.pk <= last_team_id:
                continue
            created = enrollment_assign_team(
                team=team,
                course=job.course,
                actor=job.created_by,
                due_on=job.due_on,
                source=EnrollmentSource.AREA,
            )
            AssignmentJob.objects.filter(pk=job.pk).update(
                last_team_id=team.pk,
                teams_done=F("teams_done") + 1,
                enrollments_created=F("enrollments_created") + created,
            )
    AssignmentJob.objects.filter(pk=job.pk).update(
        status=JobStatus.DONE, finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job
