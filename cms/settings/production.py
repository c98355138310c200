"""Production: everything from the environment; refuse to start without the essentials."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

DEBUG = False
if not SECRET_KEY:  # noqa: F405
    raise ImproperlyConfigured("SECRET_KEY must be set in the environment for production.")
if "DATABASE_URL" not in os.environ:
    raise ImproperlyConfigured("DATABASE_URL must name the PostgreSQL database in production.")
# ID numbers are stored encrypted; the development keys are public.
if not ID_NUMBER_KEYS or not ID_NUMBER_DIGEST_KEY:  # noqa: F405
    raise ImproperlyConfigured(
        "ID_NUMBER_KEY (Fernet keys, comma-separated) and ID_NUMBER_DIGEST_KEY must be set "
        "in the environment for production."
    )

STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
}
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)  # noqa: F405
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "SAMEORIGIN"
SERVE_MEDIA = env_bool("SERVE_MEDIA", False)  # noqa: F405
# Demo accounts with a known password must never reach a real deployment.
ALLOW_DEMO_DATA = False
# Wagtail's live preview shows the page in a same-origin frame, so SAMEORIGIN is deliberate.
SILENCED_SYSTEM_CHECKS = ["security.W019"]
