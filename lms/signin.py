"""Sign-in protection: django-axes' lockout, told about mobile numbers, and a limit per address.

Axes (configured in cms/settings/base.py) counts failed sign-ins per account and client
address and locks that pair out after `AXES_FAILURE_LIMIT` failures for
`AXES_COOLOFF_TIME`. Three hooks here fit it to this site:

- `axes_username`: a member may sign in with the mobile number on their record
  (lms.auth), so a number is counted as the account it opens; failures by number and by
  username add up, and a success either way clears them.
- `lockout_response`: the lockout page (HTTP 429) says until when, with Retry-After.
- `LoginRateLimitMiddleware`: every sign-in form (the site's and the Wagtail admin's)
  takes at most `LOGIN_RATE` POSTs per client address, whatever the usernames, which stops
  one address trying a common password on many accounts.

These live in lms, not cms, because they need the member records and lms.ratelimit; the
settings name them by path, so cms imports nothing from here.
"""

import datetime
import math

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off

from .ratelimit import request_rate_limit_hit
from .services.members import MOBILE

# The views whose POST is a password sign-in: the site's form and the Wagtail admin's.
SIGN_IN_VIEWS = frozenset({"login", "wagtailadmin_login"})
LOGIN_SCOPE = "login"


def axes_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The account a sign-in attempt is for, as axes should count it (AXES_USERNAME_CALLABLE).

    A mobile number that belongs to an active member's account counts as that account's
    username, exactly as `UsernameOrPhoneBackend` would resolve it; anything else as typed.
    """
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials is not None:
        username = credentials.get(field)
    else:
        username = getattr(request, "POST", {}).get(field)
    if not username:
        return username
    username = str(username).strip()
    if MOBILE.match(username):
        user = (
            get_user_model()
            .objects.filter(member__phone=username, is_active=True)
            .order_by("pk")
            .first()
        )
        if user is not None:
            return user.get_username()
    return username


def _locked_until(request: HttpRequest, credentials: dict | None) -> datetime.datetime:
    """When the lockout that `request` ran into ends: its latest counted failure plus the
    cool-off (a try while locked out is not counted, see the settings)."""
    now = getattr(request, "axes_attempt_time", None) or timezone.now()
    cool_off = get_cool_off(request) or datetime.timedelta(0)
    handler = AxesProxyHandler.get_implementation()
    latest = None
    if hasattr(handler, "get_user_attempts"):  # the database handler, the one configured
        times = [
            attempts.aggregate(latest=Max("attempt_time"))["latest"]
            for attempts in handler.get_user_attempts(request, credentials)
        ]
        latest = max((t for t in times if t is not None), default=None)
    return (latest or now) + cool_off


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """The page for a locked-out sign-in (AXES_LOCKOUT_CALLABLE): 429, and until when."""
    now = getattr(request, "axes_attempt_time", None) or timezone.now()
    until = timezone.localtime(_locked_until(request, credentials))
    seconds = max(1, math.ceil((until - now).total_seconds()))
    cool_off = get_cool_off(request) or datetime.timedelta(0)
    response = render(
        request,
        "registration/locked_out.html",
        {
            "until": until,
            "same_day": until.date() == timezone.localtime(now).date(),
            "minutes_left": math.ceil(seconds / 60),
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "cool_off_minutes": math.ceil(cool_off.total_seconds() / 60),
            "next": request.POST.get("next", "") if request.method == "POST" else "",
        },
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response


class LoginRateLimitMiddleware:
    """Refuses (429) a sign-in POST beyond `LOGIN_RATE` per client address.

    Counted before the password is checked, so a refused try tells nothing about the
    password and costs no hash; the form comes back with how long to wait.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if request.method != "POST" or match is None or match.view_name not in SIGN_IN_VIEWS:
            return None
        limit = request_rate_limit_hit(request, LOGIN_SCOPE, settings.LOGIN_RATE)
        if limit.allowed:
            return None
        response = render(
            request,
            "registration/login.html",
            {
                "form": AuthenticationForm(
                    request, initial={"username": request.POST.get("username", "")}
                ),
                "next": request.POST.get("next", ""),
                "retry_after": limit.retry_after,
            },
            status=429,
        )
        response["Retry-After"] = str(limit.retry_after)
        return response
