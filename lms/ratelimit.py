"""A fixed-window request counter per client address (or per user), kept in Django's cache.

`cache.add` starts a window's count only if none exists and `cache.incr` raises it
atomically, so concurrent requests are counted once each on Redis and in local memory
alike. A window is `period` seconds long and starts on a multiple of `period`.

A rate is `(requests, seconds)`, as the settings hold them (`LOGIN_RATE`,
`CERTIFICATE_LOOKUP_RATE`, `CHECKIN_RATE`, `API_RATE`); `None` means no limit. With the
embedded default's local-memory cache each server process counts on its own.
"""

import ipaddress
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def _now() -> float:
    """The clock (a function, so tests can hold it still at a window's start)."""
    return time.time()


@dataclass(frozen=True)
class RateLimit:
    """The outcome of one counted request."""

    allowed: bool
    count: int
    limit: int
    retry_after: int  # seconds until the window ends


def _peer_address(request: HttpRequest) -> str:
    """The client's address as sent: REMOTE_ADDR, or the trusted X-Forwarded-For entry.

    X-Forwarded-For is honoured only behind `TRUSTED_PROXY_COUNT` proxies (default 0):
    each appends the address it saw, so the client is the Nth entry from the right and
    anything further left may be forged.
    """
    address = request.META.get("REMOTE_ADDR", "")
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if forwarded:
            address = forwarded[-proxies] if len(forwarded) >= proxies else forwarded[0]
    return address


def client_address(request: HttpRequest) -> str:
    """The address to count a request against.

    X-Forwarded-For counts only behind `TRUSTED_PROXY_COUNT` proxies (see `_peer_address`).
    An IPv6 client is counted by its /64 network, which one host usually holds entirely.
    """
    address = _peer_address(request)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def client_ip(request: HttpRequest) -> str | None:
    """`client_address` as one IP address, for django-axes (`AXES_CLIENT_IP_CALLABLE`).

    Axes stores the address in an IP address column, so an IPv6 /64 network is named by
    its first address (2001:db8:1:2::), which keeps a host from getting a fresh set of
    tries from each of its addresses; an address that is not one is None.
    """
    address = client_address(request)
    try:
        return str(ipaddress.ip_network(address, strict=False).network_address)
    except ValueError:
        return None


def rate_limit_hit(scope: str, key: str, *, limit: int, period: int) -> RateLimit:
    """Count one request of `key` under `scope`; allowed while `limit` per window holds."""
    now = _now()
    window = int(now // period)
    cache_key = f"ratelimit:{scope}:{key}:{window}"
    # A little longer than the window, so the key never expires while it is counted.
    timeout = period + 5
    if cache.add(cache_key, 1, timeout=timeout):
        count = 1
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.add(cache_key, 1, timeout=timeout)
            count = 1
    retry_after = max(1, math.ceil((window + 1) * period - now))
    return RateLimit(allowed=count <= limit, count=count, limit=limit, retry_after=retry_after)


# What a request gets where no limit is set: allowed, not counted.
UNLIMITED = RateLimit(allowed=True, count=0, limit=0, retry_after=0)


def request_rate_limit_hit(
    request: HttpRequest, scope: str, rate: tuple[int, int] | None
) -> RateLimit:
    """Count `request` against its client address; `rate` is (requests, seconds) or None."""
    if not rate:
        return UNLIMITED
    limit, period = rate
    return rate_limit_hit(scope, client_address(request), limit=limit, period=period)


def user_rate_limit_hit(user, scope: str, rate: tuple[int, int] | None) -> RateLimit:
    """Count one request of a signed-in `user` (by id, wherever they come from)."""
    if not rate:
        return UNLIMITED
    limit, period = rate
    return rate_limit_hit(scope, f"user-{user.pk}", limit=limit, period=period)
