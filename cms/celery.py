"""The Celery app: configured from Django settings (CELERY_*); tasks live in each app."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.dev")

app = Celery("yjxf")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
