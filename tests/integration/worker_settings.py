"""Settings for the Celery worker that tests/integration/test_faults.py starts: the test
settings with eager mode off, the real broker, and the database pytest created."""

import os

from cms.settings.test import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_URL = os.environ["CELERY_BROKER_URL"]
DATABASES["default"]["NAME"] = os.environ["FAULTS_TEST_DATABASE"]  # noqa: F405
LOGGING["root"]["level"] = "INFO"  # noqa: F405
