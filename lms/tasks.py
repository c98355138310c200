"""Celery tasks: thin, take ids, call services, safe to run twice."""

import datetime

from celery import shared_task

from .models import (
    AssignmentJob,
    Certificate,
    CertificateJob,
    JobStatus,
)
from .services.attempts import attempt_close_expired
from .services.certificates import certificate_job_run as run_certificate_job
from .services.certificates import certificates_expire as expire_certificates
from .services.enrollments import assignment_job_run as run_assignment_job
from .services.jobs import jobs_requeue as requeue_jobs


def _run_job(jobs, job_id: int, run) -> None:
    """Run a background job once: a finished job is left alone; a failure is recorded on
    the job (its page shows it) and re-raised for the worker's log."""
    job = jobs.filter(pk=job_id).first()
    if job is None or job.status == JobStatus.DONE:
        return
    try:
        run(job=job)
    except Exception as exc:
        jobs.filter(pk=job_id).update(status=JobStatus.FAILED, error=str(exc)[:2000])
        raise


@shared_task(name="lms.tasks.assignment_job_run", acks_late=True)
def assignment_job_run(job_id: int) -> None:
    _run_job(AssignmentJob.objects.all(), job_id, run_assignment_job)


@shared_task(name="lms.tasks.attempts_close_expired")
def attempts_close_expired() -> int:
    """Grade the attempts whose deadline has passed with no submit (run every minute by beat)."""
    return attempt_close_expired()


@shared_task(name="lms.tasks.certificate_render", acks_late=True)
def certificate_render(certificate_id: int) -> None:
    from .services.certificate_pdf import certificate_render as render

    certificate = Certificate.objects.filter(pk=certificate_id, pdf="").first()
    if certificate is not None:
        render(certificate)


@shared_task(name="lms.tasks.certificate_job_run", acks_late=True)
def certificate_job_run(job_id: int) -> None:
    _run_job(CertificateJob.objects.select_related("course", "area"), job_id, run_certificate_job)


@shared_task(name="lms.tasks.certificates_expire")
def certificates_expire() -> int:
    return expire_certificates()


@shared_task(name="lms.tasks.certificates_remind")
def certificates_remind() -> int:
    from .services.certificate_reminders import certificates_remind as remind

    return remind()


@shared_task(name="lms.tasks.compliance_evaluate_teams")
def compliance_evaluate_teams(team_ids: list[int]) -> int:
    """Re-evaluate teams whose records changed (queued after the change commits)."""
    from .services.compliance import teams_evaluate

    return teams_evaluate(team_ids)


@shared_task(name="lms.tasks.compliance_nightly")
def compliance_nightly() -> dict:
    """Every team evaluated, every area's progress recorded; last year frozen in January."""
    from .services.compliance import compliance_nightly as run

    return run()


@shared_task(name="lms.tasks.jobs_requeue")
def jobs_requeue(older_than_seconds: int | None = None) -> int:
    """Send again what never reached the broker (run every minute by beat)."""
    older_than = None
    if older_than_seconds is not None:
        older_than = datetime.timedelta(seconds=older_than_seconds)
    return requeue_jobs(older_than=older_than)


@shared_task(name="lms.tasks.yearly_report_run", acks_late=True)
def yearly_report_run(report_id: int) -> None:
    from .models import YearlyReport
    from .services.reports import yearly_report_run as run

    _run_job(YearlyReport.objects.select_related("area"), report_id, run)
