"""Sending again the work whose message never reached the broker.

Jobs and certificates are committed first and their task is sent after commit; while the
broker is down that send fails (logged, the request still succeeds) and the row waits.
The every-minute sweeper (`lms.tasks.jobs_requeue`) sends those rows' tasks again. Each
is sent at most once per `older_than` window, and at most once a minute (marked in the
cache), so a long queue does not fill with copies; a copy that does run finds the work
done (the tasks are idempotent).
"""

import datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from cms.celery import enqueue
from lms.models import AssignmentJob, Certificate, CertificateJob, JobStatus, YearlyReport

# Model, task and the rows to send again, oldest first.
JOB_TASKS = (
    (CertificateJob, "lms.tasks.certificate_job_run"),
    (AssignmentJob, "lms.tasks.assignment_job_run"),
    (YearlyReport, "lms.tasks.yearly_report_run"),
)
RENDER_TASK = "lms.tasks.certificate_render"
LIMIT = 500  # rows sent per kind and sweep: a long outage drains over a few minutes


def _send_once(key: str, name: str, pk: int, window: int) -> bool:
    # cache.add is atomic: two sweepers running at once send one copy.
    mark = f"jobs-requeue:{key}:{pk}"
    if not cache.add(mark, 1, timeout=max(window, 60)):
        return False
    if not enqueue(name, pk):
        cache.delete(mark)  # the broker is still down: try again on the next sweep
        return False
    return True


def jobs_requeue(*, older_than: datetime.timedelta | None = None) -> int:
    """Send again the tasks of pending jobs and unrendered certificates created more than
    `older_than` ago (default JOB_REQUEUE_AFTER_SECONDS). Returns how many were sent."""
    if older_than is None:
        older_than = datetime.timedelta(seconds=settings.JOB_REQUEUE_AFTER_SECONDS)
    before = timezone.now() - older_than
    window = int(older_than.total_seconds())
    sent = 0
    for model, task in JOB_TASKS:
        pending = model.objects.filter(status=JobStatus.PENDING, created_at__lte=before)
        for pk in pending.order_by("created_at").values_list("pk", flat=True)[:LIMIT]:
            sent += _send_once(model._meta.model_name, task, pk, window)
    unrendered = Certificate.objects.valid().filter(pdf="", created_at__lte=before)
    for pk in unrendered.order_by("pk").values_list("pk", flat=True)[:LIMIT]:
        sent += _send_once("certificate", RENDER_TASK, pk, window)
    return sent
