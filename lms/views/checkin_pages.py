"""What the drill and training-session pages share: the rotating QR code shown by the
leader or instructor, and the check-in page its URL opens on the member's phone.

The check-in page (`learn:checkin`, `/learn/checkin/?k=drill&id=<pk>&t=<token>`) checks
the signed-in member in once, whatever they retry; a visitor not signed in is sent to sign
in and back, and the moment of the scan is kept in their session so that the code, which
changes every 30 seconds, still counts after they have typed their password.
"""

import datetime
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

import segno

from lms import checkin as checkin_codes
from lms.errors import DomainError
from lms.models import Member
from lms.scope import scope_for
from lms.services.drills import drill_checkin
from lms.services.sessions import session_checkin

PAGE_SIZE = 20
# A visitor who scans the code before signing in keeps the scan for this long: typing a
# password takes longer than the code lives.
PENDING_SESSION_KEY = "lms_pending_checkin"
PENDING_KEEPS = datetime.timedelta(minutes=10)


# -- shared with the session pages ----------------------------------------------------------


def field_error(form, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def qr_state(request: HttpRequest, kind: str, pk: int, checked_in: int) -> dict:
    """The current check-in code of an event: its token, the URL in the QR code, the QR
    code itself (an SVG data URI) and when it changes."""
    now = timezone.now()
    token = checkin_codes.checkin_token(kind, pk, now)
    url = request.build_absolute_uri(
        reverse("learn:checkin") + "?" + urlencode({"k": kind, "id": pk, "t": token})
    )
    qr = segno.make(url, error="m")
    return {
        "token": token,
        "url": url,
        "qr": qr.svg_data_uri(scale=4, border=2),
        "expires_in": checkin_codes.seconds_left(now),
        "window": checkin_codes.WINDOW_SECONDS,
        "checked_in": checked_in,
    }


def paginate(request: HttpRequest, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def history_rows(history_queryset, limit: int = 30) -> list:
    """A roll's changes, newest first, each with its user and reason (for the audit list)."""
    return list(
        history_queryset.select_related("history_user", "member").order_by(
            "-history_date", "-history_id"
        )[:limit]
    )


# -- the member's check-in -------------------------------------------------------------------


def _checkin_page(
    request, *, ok: bool, message: str, kind="", event=None, record=None, status=None
):
    event_url = reverse(f"learn:{kind}", args=[event.pk]) if event is not None else ""
    return render(
        request,
        "lms/drills/checkin.html",
        {"ok": ok, "message": message, "event": event, "event_url": event_url, "record": record},
        status=status or (200 if ok else 400),
    )


def _pending_scan_time(request: HttpRequest, kind: str, pk: str, token: str):
    """When this very code was scanned before the member signed in, if that was recent."""
    pending = request.session.pop(PENDING_SESSION_KEY, None)
    if not pending or [pending.get("k"), pending.get("id"), pending.get("t")] != [kind, pk, token]:
        return None
    try:
        scanned_at = datetime.datetime.fromisoformat(pending["at"])
    except (KeyError, TypeError, ValueError):
        return None
    if timezone.now() - scanned_at > PENDING_KEEPS:
        return None
    return scanned_at


@never_cache
def checkin(request: HttpRequest) -> HttpResponse:
    """The URL inside the QR code: opening it checks the signed-in member in, once.

    Someone not signed in is sent to sign in and back; the time of the scan is kept in
    their session so that a code which changed meanwhile still counts.
    """
    kind = request.GET.get("k", "")
    pk = request.GET.get("id", "")
    token = request.GET.get("t", "")
    if kind not in checkin_codes.KINDS or not pk.isdigit() or not token:
        return _checkin_page(
            request, ok=False, message=_("签到链接不完整：请直接用手机扫描现场的二维码。")
        )
    if not request.user.is_authenticated:
        try:
            checkin_codes.checkin_verify(kind, int(pk), token)
        except DomainError as error:
            return _checkin_page(request, ok=False, message=error.message)
        request.session[PENDING_SESSION_KEY] = {
            "k": kind,
            "id": pk,
            "t": token,
            "at": timezone.now().isoformat(),
        }
        return redirect_to_login(request.get_full_path())
    # Before the pending scan is used up: a refused member keeps it for their retry.
    limit = checkin_codes.checkin_rate_hit(request.user)
    if not limit.allowed:
        response = _checkin_page(
            request,
            ok=False,
            message=_("签到过于频繁，请 %(seconds)s 秒后再扫码。") % {"seconds": limit.retry_after},
            status=429,
        )
        response["Retry-After"] = str(limit.retry_after)
        return response
    scanned_at = _pending_scan_time(request, kind, pk, token)
    member = Member.objects.select_related("team").filter(user=request.user).first()
    if member is None:
        return _checkin_page(
            request,
            ok=False,
            message=_("您的账号还没有登记为队员，不能签到。请联系队长把账号关联到队员名册。"),
        )
    scope = scope_for(request.user)
    if kind == "drill":
        event = get_object_or_404(scope.drills(), pk=int(pk))
        action = drill_checkin
    else:
        event = get_object_or_404(scope.sessions(), pk=int(pk))
        action = session_checkin
    try:
        record, created = action(member=member, token=token, now=scanned_at, **{kind: event})
    except DomainError as error:
        return _checkin_page(request, ok=False, message=error.message, kind=kind, event=event)
    message = _("签到成功") if created else _("您已经签到过了，无需重复签到")
    return _checkin_page(request, ok=True, message=message, kind=kind, event=event, record=record)
