"""Celery tasks: thin, take ids, call services, safe to run twice."""

from celery import shared_task

from .models import AssignmentJob, AssignmentJobStatus
from .services.attempts import attempt_close_expired
from .services.enrollments import assignment_job_run as run_assignment_job


@shared_task(name="lms.tasks.assignment_job_run", acks_late=True)
def assignment_job_run(job_id: int) -> None:
    job = AssignmentJob.objects.filter(pk=job_id).first()
    if job is None or job.status == AssignmentJobStatus.DONE:
        return
    try:
        run_assignment_job(job=job)
    except Exception as exc:
        AssignmentJob.objects.filter(pk=job_id).update(
            status=AssignmentJobStatus.FAILED, error=str(exc)[:2000]
        )
        raise


@shared_task(name="lms.tasks.attempts_close_expired")
def attempts_close_expired() -> int:
    """Grade the attempts whose deadline has passed with no submit (run every minute by beat)."""
    return attempt_close_expired()
