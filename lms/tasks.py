"""Celery tasks: thin, take ids, call services, safe to run twice."""

from celery import shared_task

from .models import (
    AssignmentJob,
    AssignmentJobStatus,
    Certificate,
    CertificateJob,
    CertificateJobStatus,
)
from .services.attempts import attempt_close_expired
from .services.certificates import certificate_job_run as run_certificate_job
from .services.certificates import certificates_expire as expire_certificates
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


@shared_task(name="lms.tasks.certificate_render", acks_late=True)
def certificate_render(certificate_id: int) -> None:
    from .services.certificate_pdf import certificate_render as render

    certificate = Certificate.objects.filter(pk=certificate_id, pdf="").first()
    if certificate is not None:
        render(certificate)


@shared_task(name="lms.tasks.certificate_job_run", acks_late=True)
def certificate_job_run(job_id: int) -> None:
    job = CertificateJob.objects.filter(pk=job_id).select_related("course", "area").first()
    if job is None or job.status == CertificateJobStatus.DONE:
        return
    try:
        run_certificate_job(job=job)
    except Exception as exc:
        CertificateJob.objects.filter(pk=job_id).update(
            status=CertificateJobStatus.FAILED, error=str(exc)[:2000]
        )
        raise


@shared_task(name="lms.tasks.certificates_expire")
def certificates_expire() -> int:
    return expire_certificates()


@shared_task(name="lms.tasks.certificates_remind")
def certificates_remind() -> int:
    from .services.certificate_reminders import certificates_remind as remind

    return remind()
