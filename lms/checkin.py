"""Rotating check-in codes (签到码) for drills and training sessions.

The leader's phone shows a QR code whose token names the event and the current 30-second
window, signed with the secret key (salted per kind, so a drill's token is no session's).
A token is accepted during its own window and the one after it: a code scanned just before
it changed still works, and a photo of the code passed on is useless a minute later.
"""

import datetime

from django.conf import settings
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.errors import DomainError
from lms.ratelimit import RateLimit, user_rate_limit_hit

# The code on the screen changes every WINDOW_SECONDS; a token is good for its own window
# and the next one, i.e. between 30 and 60 seconds after it was shown.
WINDOW_SECONDS = 30
ACCEPTED_WINDOWS = 2

KINDS = ("drill", "session")
_SALT = "lms.checkin.%s"
RATE_SCOPE = "checkin"


def _signer(kind: str) -> signing.Signer:
    if kind not in KINDS:
        raise DomainError(_("未知的签到类型。"), field="kind")
    return signing.Signer(salt=_SALT % kind)


def _window(now: datetime.datetime | None) -> int:
    now = now or timezone.now()
    return int(now.timestamp()) // WINDOW_SECONDS


def seconds_left(now: datetime.datetime | None = None) -> int:
    """Seconds until the code on the screen changes (1 … WINDOW_SECONDS)."""
    now = now or timezone.now()
    return WINDOW_SECONDS - int(now.timestamp()) % WINDOW_SECONDS


def checkin_token(kind: str, pk: int, now: datetime.datetime | None = None) -> str:
    """The token for event `pk` of `kind` ("drill" or "session") in the current window."""
    return _signer(kind).sign(f"{int(pk)}.{_window(now)}")


def checkin_read(kind: str, token: str, now: datetime.datetime | None = None) -> int:
    """The event id a token of `kind` names, if it is genuine and not expired."""
    try:
        value = _signer(kind).unsign((token or "").strip())
        pk_text, window_text = value.split(".")
        pk, window = int(pk_text), int(window_text)
    except (signing.BadSignature, ValueError) as exc:
        raise DomainError(
            _("签到码无效：请直接扫描现场二维码，不要手动修改链接。"), field="token"
        ) from exc
    current = _window(now)
    if not current - ACCEPTED_WINDOWS < window <= current:
        raise DomainError(
            _("签到码已过期（二维码每 30 秒更新一次），请重新扫描现场屏幕上的二维码。"),
            field="token",
        )
    return pk


def checkin_verify(kind: str, pk: int, token: str, now: datetime.datetime | None = None) -> None:
    """Refuse (DomainError) a token that is forged, expired, or for another event."""
    if checkin_read(kind, token, now) != int(pk):
        raise DomainError(_("这是另一场活动的签到码，请扫描本场活动现场的二维码。"), field="token")


def checkin_rate_hit(user) -> RateLimit:
    """Count one check-in by `user`, by the QR code page or the API: `CHECKIN_RATE` per user."""
    return user_rate_limit_hit(user, RATE_SCOPE, settings.CHECKIN_RATE)
