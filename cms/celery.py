"""The Celery app: configured from Django settings (CELERY_*); tasks live in each app."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.dev")

app = Celery("yjxf")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

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
    "certificates-remind": {
        "task": "lms.tasks.certificates_remind",
        "schedule": crontab(hour=9, minute=0),
    },
}
