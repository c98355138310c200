"""Settings for the test suite: fast hashing, local memory, eager tasks."""

import os
from pathlib import Path

from .base import *  # noqa: F403

SECRET_KEY = "test-only-key"
DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "memory://")
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = Path(os.environ.get("TEST_MEDIA_ROOT", "/tmp/yjxf-test-media"))
# A sibling of MEDIA_ROOT, never inside it: media is served to anyone (lms.checks).
PRIVATE_MEDIA_ROOT = Path(
    os.environ.get("TEST_PRIVATE_MEDIA_ROOT", MEDIA_ROOT.with_name(MEDIA_ROOT.name + "-private"))
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# Sign-in protection and rate limits are off for the suite, which signs in with client.login
# (axes needs a request) and sends many requests as one user from one address;
# tests/security/test_lockout.py and test_rate_limits.py turn them on.
AXES_ENABLED = False
LOGIN_RATE = None
CHECKIN_RATE = None
API_RATE = None
