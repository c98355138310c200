"""Settings shared by every environment; every secret and address comes from the environment."""

import datetime
import os
from pathlib import Path

from django.conf.locale import LANG_INFO
from django.utils.translation import gettext_lazy as _

import dj_database_url
from csp.constants import NONCE

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_rate(name: str, default: str) -> tuple[int, int] | None:
    """A rate limit written "requests/seconds" (e.g. "30/60"); "off" or "0": no limit (None)."""
    value = os.environ.get(name, default).strip().lower()
    if value in {"", "0", "off", "none", "false"}:
        return None
    requests, _slash, seconds = value.partition("/")
    try:
        rate = (int(requests), int(seconds or 60))
    except ValueError:
        rate = (0, 0)
    if rate[0] < 1 or rate[1] < 1:
        raise ValueError(f'{name} must be "requests/seconds" such as "30/60", or "off".')
    return rate


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "cms",
    "courses",
    "lms",
    "publicity",
    "wagtail.contrib.forms",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.simple_translation",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.locales",
    "wagtail.admin",
    "wagtail.api.v2",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "rest_framework",
    "simple_history",
    "ninja",
    "django_celery_beat",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Trainers read the drafts and history only of the courses granted to them.
    "courses.middleware.CourseDraftsMiddleware",
    # One audit row per request that showed someone full ID numbers (lms.privacy).
    "lms.privacy.PersonalDataAuditMiddleware",
]

ROOT_URLCONF = "cms.urls"
WSGI_APPLICATION = "cms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# Database: SQLite is the embedded default; production sets DATABASE_URL (PostgreSQL).
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers proceed while a writer commits; the busy timeout rides out short locks.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: local memory unless REDIS_URL (or CACHE_URL) names a Redis server.
CACHE_URL = os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL", "")
if CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "yjxf"),
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": 2,
                "SOCKET_TIMEOUT": 2,
                # A cache outage must not take the site down: misses, not errors.
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "yjxf",
        }
    }
# Seconds a public page stays cached; publishing clears it sooner.
PUBLIC_PAGE_CACHE_SECONDS = int(os.environ.get("PUBLIC_PAGE_CACHE_SECONDS", "600"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# Language and time: Chinese first, English second; Guangxi's clock.
LANGUAGE_CODE = "zh-hans"
# Zhuang (壮文, ISO 639-1 "za") is not among Django's languages: describe it, so that
# {% get_language_info %} and the language switcher know its name.
LANG_INFO["za"] = {"bidi": False, "code": "za", "name": "Zhuang", "name_local": "Vahcuengh"}
LANGUAGES = [("zh-hans", "简体中文"), ("za", "Vahcuengh"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
# The admin speaks Chinese and English; Zhuang is a language of the public pages.
WAGTAILADMIN_PERMITTED_LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_MAX_AGE = 3600

# Celery: without a broker, tasks run in-process (eager) so the embedded default needs no Redis.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_TIMEOUT = 3
# A worker that dies mid-task (killed, out of memory, machine lost) must not lose the task:
# long tasks acknowledge late, a task whose pool process died goes back on the queue, and
# on Redis an unacknowledged task is delivered again after the visibility timeout (seconds;
# keep it above the longest task, or a task still running is also started a second time;
# the job tasks are safe either way).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
    # How often a worker looks for tasks abandoned by a dead worker (seconds).
    "unacked_restore_interval": int(os.environ.get("CELERY_RESTORE_INTERVAL", "60")),
    "unacked_restore_throttle": 1,
    # A broker that vanishes without closing the connection fails a publish instead of
    # hanging the request that sent it.
    "socket_timeout": 10,
    "socket_connect_timeout": 3,
}
# Background jobs still queued (pending) this many seconds after they were created are
# sent again by the every-minute sweeper: their first message never reached the broker.
JOB_REQUEUE_AFTER_SECONDS = int(os.environ.get("JOB_REQUEUE_AFTER_SECONDS", "300"))
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "noreply@yjxf.example.cn")

# Wagtail
WAGTAIL_SITE_NAME = "应急先锋学院"
WAGTAILADMIN_BASE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAIL_MODERATION_ENABLED = True
WAGTAIL_WORKFLOW_ENABLED = True
WAGTAILEMBEDS_RESPONSIVE_HTML = True
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        name: {"level": "WARNING"}
        for name in ("django.db.backends", "django_tasks", "weasyprint", "fontTools", "wagtail")
    },
}

SITE_NAME = _("应急先锋学院")
SERVE_MEDIA = env_bool("SERVE_MEDIA", True)
ALLOW_DEMO_DATA = env_bool("ALLOW_DEMO_DATA", True)
# Axes' backend comes first: it refuses a locked-out sign-in before any password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "lms.auth.UsernameOrPhoneBackend"]
# Files with personal or internal data (team documents, policies, later certificates) are
# kept apart from MEDIA_ROOT and only ever served through views that check the scope.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", BASE_DIR / "private-media"))
STORAGES["private"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
}
# Private files (contest videos) that a view has cleared are handed to nginx to send:
# the view answers with `X-Accel-Redirect: <prefix><file name>` and an empty body, nginx serves
# the file and its byte ranges from `location <prefix> { internal; alias <PRIVATE_MEDIA_ROOT>/; }`.
# Empty (the default): the app streams the file itself (fine for the embedded setup).
MEDIA_ACCEL_REDIRECT = os.environ.get("MEDIA_ACCEL_REDIRECT", "")
# Sessions read through the cache only when it is shared (Redis): a per-process local-memory
# cache would serve one worker a stale copy of a session another worker changed.
# Both stores refuse a session cookie Django could not have issued (cms/sessions).
SESSION_ENGINE = "cms.sessions.cached_db" if CACHE_URL else "cms.sessions.db"

# Certificates. The verification URL in each certificate's QR code starts with SITE_URL.
SITE_URL = WAGTAILADMIN_BASE_URL.rstrip("/")
# A PKCS#12 file (key and certificate chain) to sign issued PDFs (PAdES); unset: unsigned.
CERTIFICATE_SIGNING_KEY = os.environ.get("CERTIFICATE_SIGNING_KEY", "")
CERTIFICATE_SIGNING_PASSPHRASE = os.environ.get("CERTIFICATE_SIGNING_PASSPHRASE", "")
# Public lookups of a certificate by serial and name, per client address (requests, seconds).
CERTIFICATE_LOOKUP_RATE = env_rate("CERTIFICATE_LOOKUP_RATE", "10/60")
# Text messages: the logging backend writes them to the log; an operator plugs in theirs.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "cms.sms.LoggingBackend")
# ID numbers are encrypted at rest (lms/id_crypto.py): comma-separated Fernet keys, the first
# encrypts and all decrypt (rotation); the digest key finds and dedupes numbers and never
# changes. Unset: fixed development keys (production.py refuses to start without both).
ID_NUMBER_KEYS = env_list("ID_NUMBER_KEY")
ID_NUMBER_DIGEST_KEY = os.environ.get("ID_NUMBER_DIGEST_KEY", "")
# Proxies in front of the app that append to X-Forwarded-For (1 behind nginx); 0 trusts none.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))


# Sign-in protection (django-axes, lms/signin.py). Failed sign-ins are counted per account and
# client address; AXES_FAILURE_LIMIT of them lock that pair out for AXES_COOLOFF_MINUTES, and a
# successful sign-in clears the count. A member's mobile number counts as their account.
INSTALLED_APPS += ["axes"]
# Axes last: it turns a refused sign-in into the lockout page on the way out.
MIDDLEWARE += ["lms.signin.LoginRateLimitMiddleware", "axes.middleware.AxesMiddleware"]
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A try while locked out is refused without being counted, so the time on the page holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# The address the rate limits count (TRUSTED_PROXY_COUNT; an IPv6 /64 as one client).
AXES_CLIENT_IP_CALLABLE = "lms.ratelimit.client_ip"
AXES_USERNAME_CALLABLE = "lms.signin.axes_username"
AXES_LOCKOUT_CALLABLE = "lms.signin.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# No Django admin here: unlock with `manage.py axes_reset_username <name>` (or axes_reset_ip).
AXES_ENABLE_ADMIN = False
# Failures are kept to count them; successful sign-ins are logged only if asked for.
AXES_DISABLE_ACCESS_LOG = not env_bool("AXES_ACCESS_LOG", False)
# Failures and lockouts are logged (WARNING, username and address masked); not its start banner.
LOGGING["loggers"]["axes.apps"] = {"level": "WARNING"}

# Rate limits, "requests/seconds" per fixed window ("off" turns one off); a refused request
# gets 429 with Retry-After. Sign-in POSTs per client address, whatever the usernames:
LOGIN_RATE = env_rate("LOGIN_RATE", "30/60")
# Check-ins per signed-in user, by the QR code page and the API alike:
CHECKIN_RATE = env_rate("CHECKIN_RATE", "10/60")
# JSON API requests per user (API token or session); anonymous callers per client address:
API_RATE = env_rate("API_RATE", "300/60")

# --- Content Security Policy and browser-policy headers (cms/csp.py, django-csp) ---------------
# Public and learner pages: scripts from this origin or with the response's nonce
# (`nonce="{{ request.csp_nonce }}"`), no inline styles or event handlers, nothing framing us.
# Media normally comes from MEDIA_URL on this origin; an absolute MEDIA_URL (object storage,
# CDN) or CSP_MEDIA_ORIGINS (comma-separated origins) adds those hosts to img-src and media-src.
_csp_media = env_list("CSP_MEDIA_ORIGINS")
if MEDIA_URL.startswith(("https://", "http://")):
    _csp_media.append("/".join(MEDIA_URL.split("/", 3)[:3]))
# Contest entries embed the players of bilibili and Tencent Video (publicity.selectors.contest
# embed_view); CSP_FRAME_ORIGINS adds others, e.g. for a StreamField embed block's provider.
_csp_frames = ["https://player.bilibili.com", "https://*.bilibili.com", "https://v.qq.com"]
_csp_frames += env_list("CSP_FRAME_ORIGINS")
_csp_report = env_list("CSP_REPORT_URI")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *_csp_media],
        "media-src": ["'self'", *_csp_media],
        "frame-src": ["'self'", *_csp_frames],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "report-uri": _csp_report or None,
    },
}
# The Wagtail admin (and its live preview, served under /admin/ in a same-origin frame) puts
# inline <script> blocks in its panels and date widgets without a nonce, and style attributes
# everywhere, so it needs 'unsafe-inline' for both; a nonce here would make browsers ignore
# 'unsafe-inline'. The dashboard asks releases.wagtail.org for the latest version.
CONTENT_SECURITY_POLICY_ADMIN = {
    "URL_PREFIXES": ["/admin/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-inline'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", *_csp_media],
        "media-src": ["'self'", "blob:", *_csp_media],
        "frame-src": ["'self'", *_csp_frames],
        "connect-src": ["'self'", "https://releases.wagtail.org"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],
        "report-uri": _csp_report or None,
    },
}
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "cms.csp.ContentSecurityPolicyMiddleware",
)
# Staff avatars come from Gravatar by default: a third-party request with each editor's email
# hash, and unreachable from mainland China anyway. Wagtail shows its default avatar instead.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# No page uses the camera, microphone or location (check-in QR codes are scanned with the
# phone's own camera app, which opens the check-in URL), so no page or frame may ask for them.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)


# --- Uploads (cms/uploads.py) ------------------------------------------------------------------
# Every file is checked by its content, not its name, and has a size limit. Wagtail images and
# documents: only these types, checked by the forms below (Wagtail alone trusts a document's
# extension and an image's header). A pixel limit refuses decompression bombs; the same limit
# holds for drill photos and team documents (cms.uploads.max_image_pixels).
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 50_000_000
WAGTAILIMAGES_IMAGE_FORM_BASE = "cms.upload_forms.CheckedImageForm"
# Articles' and lessons' attachments and videos (no .zip: an archive's content can't be checked).
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "pdf", "pptx", "txt", "xlsx", "mp4", "webm"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 50 * 1024 * 1024
WAGTAILDOCS_DOCUMENT_FORM_BASE = "cms.upload_forms.CheckedDocumentForm"
# Django's own limits: a request body other than files (form fields, JSON) above 2.5 MB is
# refused; an uploaded file above 2.5 MB is spooled to a temporary file, not held in memory.
# The whole request's size is capped by the proxy in front (nginx `client_max_body_size`,
# above the largest limit here and the contest's video limit).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
