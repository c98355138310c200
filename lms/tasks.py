"""Celery tasks: thin, take ids, call services, safe to run twice."""

from celery import shared_task

from .models import AssignmentJob, AssignmentJobStatus
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
