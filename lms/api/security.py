"""Who is calling: a Wagtail API token (Bearer) or the signed-in session (with CSRF)."""

import datetime

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from wagtail.models import APIToken

from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, SessionAuth

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
