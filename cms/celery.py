"""The Celery app: configured from Django settings (CELERY_*); tasks live in each app."""

import logging
import os

from celery import Celery
from celery.schedules import crontab
from kombu.exceptions import OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.dev")

app = Celery("yjxf")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)


def enqueue(name: str, *args) -> bool:
    """Send task `name` (by name: callers need not import the tasks module); False when the
    broker cannot be reached. Called from `transaction.on_commit`: the write has committed,
    so an unreachable broker is logged, not turned into a failed request; the jobs sweeper
    sends the work again once the broker is back."""
    try:
        app.signature(name, args=list(args)).delay()
    except OperationalError:
        logger.exception("broker unreachable: %s%r not sent", name, args)
        return False
    return True


app.conf.beat_schedule = {
    **(app.conf.beat_schedule or {}),
    # A member who lost the connection mid-exam still gets a grade, a minute late at most.
    "attempts-close-expired": {
        "task": "lms.tasks.attempts_close_expired",
        "schedule": 60.0,
    },
    # Certificates past their expiry date become expired; reminders 90 and 30 days ahead.
    "certificates-expire": {
        "task": "lms.tasks.certificates_expire",
        "schedule": crontab(hour=0, minute=10),
    },
    # Every team against the standard, every area's progress for the dashboards' chart.
    "compliance-nightly": {
        "task": "lms.tasks.compliance_nightly",
        "schedule": crontab(hour=1, minute=0),
    },
    # Jobs whose message never reached the broker (it was down) are sent again.
    "jobs-requeue": {
        "task": "lms.tasks.jobs_requeue",
        "schedule": 60.0,
    },
    "certificates-remind": {
        "task": "lms.tasks.certificates_remind",
        "schedule": crontab(hour=9, minute=0),
    },
}
