"""Who is calling: a Wagtail API token (Bearer) or the signed-in session (with CSRF);
and how often they may call (`API_RATE`, and `CHECKIN_RATE` for check-ins)."""

import datetime
import threading

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from wagtail.models import APIToken

from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, SessionAuth
from ninja.throttling import BaseThrottle

from lms.checkin import checkin_rate_hit
from lms.ratelimit import request_rate_limit_hit, user_rate_limit_hit

# Recording every request would turn each read into a write; a minute is precise enough.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


class InvalidToken(AuthenticationError):
    """A bearer token was presented and is not good: stop here, don't fall back to the session."""

    def __init__(self):
        super().__init__(message=_("API 令牌无效或已被吊销，请在后台重新生成。"))


class APITokenAuth(HttpBearer):
    """`Authorization: Bearer wagtail_…`, a token from Wagtail's own `APIToken` model."""

    def __call__(self, request: HttpRequest):
        # Parsed here rather than by ninja, which logs other schemes' headers (credentials
        # included) in DEBUG.
        scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        return self.authenticate(request, token)

    def authenticate(self, request: HttpRequest, token: str):
        token = token.strip()
        # The offline check (prefix, length, checksum) turns away junk without a query.
        if not APIToken.validate_token_format(token):
            raise InvalidToken()
        api_token = (
            APIToken.objects.select_related("user")
            .filter(key_hash__in=APIToken.candidate_key_hashes(token))
            .first()
        )
        if api_token is None or api_token.revoked_at is not None:
            raise InvalidToken()
        user = api_token.user
        if not user.is_active:
            raise InvalidToken()
        now = timezone.now()
        if api_token.last_used_at is None or now - api_token.last_used_at > LAST_USED_PRECISION:
            APIToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        # Writes made with a token are attributed to its user (simple_history reads request.user).
        request.user = user
        return user


class SignedInSession(SessionAuth):
    """django-ninja's session auth, which enforces CSRF on unsafe methods.

    Without a signed-in session there is nothing to forge, so an anonymous request gets
    401 (sign in) rather than 403 (CSRF).
    """

    def __call__(self, request: HttpRequest):
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


api_token_auth = APITokenAuth()
session_auth = SignedInSession()


# The operation whose calls also count as check-ins (lms/api/events.py).
CHECKIN_VIEW = "api-v1:checkin"


class RateThrottle(BaseThrottle):
    """`API_RATE` requests per window for each user, however they authenticate (every token
    and the session together); a caller without one, on the public endpoints, per client
    address. A check-in also counts against `CHECKIN_RATE`, shared with the QR code page.

    Runs after authentication, so an unknown token is a 401 and is not counted. The reason
    for a refusal is left on the request for the 429 handler (lms/api/__init__.py).
    """

    def __init__(self):
        self._local = threading.local()  # wait() follows allow_request() in the same thread

    def allow_request(self, request: HttpRequest) -> bool:
        user = getattr(request, "auth", None)
        if user is not None and getattr(user, "is_authenticated", False):
            hits = [("api", user_rate_limit_hit(user, "api", settings.API_RATE))]
            match = request.resolver_match
            if match is not None and match.view_name == CHECKIN_VIEW:
                hits.append(("checkin", checkin_rate_hit(user)))
        else:
            hits = [("api", request_rate_limit_hit(request, "api-anonymous", settings.API_RATE))]
        refused = [(reason, hit) for reason, hit in hits if not hit.allowed]
        self._local.wait = max((hit.retry_after for _reason, hit in refused), default=None)
        if refused:
            request.rate_limit_reason = refused[0][0]
        return not refused

    def wait(self) -> float | None:
        return getattr(self._local, "wait", None)


rate_throttle = RateThrottle()
