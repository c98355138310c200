"""The lookup form's rate limit (lms.ratelimit): a fixed window per client address."""

import os
import uuid

from django.core.cache import cache
from django.test import RequestFactory

import pytest

from lms import ratelimit
from lms.ratelimit import client_address, rate_limit_hit

from .conftest import fake_pdf

# A window's start: 60 divides it, so the clock below stays inside one window.
WINDOW_START = 1_800_000_000.0


@pytest.fixture
def clock(monkeypatch):
    """A clock the test moves by hand: 5 s into a 60 s window."""
    now = {"t": WINDOW_START + 5}
    monkeypatch.setattr(ratelimit, "_now", lambda: now["t"])
    return now


def request_from(address: str, forwarded: str | None = None):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return RequestFactory().post("/verify/", REMOTE_ADDR=address, **extra)


# -- the counter -------------------------------------------------------------------------------


def test_counts_up_to_the_limit_then_refuses_until_the_window_ends(clock):
    results = [rate_limit_hit("t", "1.2.3.4", limit=3, period=60) for _ in range(4)]
    assert [r.allowed for r in results] == [True, True, True, False]
    assert [r.count for r in results] == [1, 2, 3, 4]
    assert results[-1].retry_after == 55
    clock["t"] = WINDOW_START + 60  # the next window
    assert rate_limit_hit("t", "1.2.3.4", limit=3, period=60).allowed


def test_keys_and_scopes_count_separately(clock):
    for _ in range(3):
        rate_limit_hit("t", "1.2.3.4", limit=2, period=60)
    assert not rate_limit_hit("t", "1.2.3.4", limit=2, period=60).allowed
    assert rate_limit_hit("t", "1.2.3.5", limit=2, period=60).allowed
    assert rate_limit_hit("other", "1.2.3.4", limit=2, period=60).allowed


def test_retry_after_is_at_least_a_second(clock):
    clock["t"] = WINDOW_START + 59.9
    rate_limit_hit("t", "k", limit=0, period=60)
    assert rate_limit_hit("t", "k", limit=0, period=60).retry_after == 1


# -- the client address -----------------------------------------------------------------------


def test_forwarded_for_is_ignored_without_trusted_proxies(settings):
    assert not getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    assert client_address(request_from("10.0.0.1", "198.51.100.9")) == "10.0.0.1"


def test_forwarded_for_behind_trusted_proxies(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client forged the first entry; the proxy appended the address it saw.
    request = request_from("10.0.0.1", "1.1.1.1, 198.51.100.9")
    assert client_address(request) == "198.51.100.9"
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_address(request) == "1.1.1.1"
    assert client_address(request_from("10.0.0.1")) == "10.0.0.1"


def test_ipv6_counts_by_its_64_network():
    first = client_address(request_from("2001:db8:1:2::a"))
    second = client_address(request_from("2001:db8:1:2:ffff::b"))
    assert first == second == "2001:db8:1:2::/64"
    assert client_address(request_from("::ffff:203.0.113.7")) == "203.0.113.7"


# -- the lookup form -------------------------------------------------------------------------


def lookup(client, certificate, address, name="陆队员"):
    return client.post(
        "/verify/", {"serial": certificate.serial, "name": name}, REMOTE_ADDR=address
    )


@pytest.fixture
def certificate(world, issue):
    return fake_pdf(issue(world["member"]))


def test_eleventh_lookup_in_a_minute_is_refused_with_retry_after(client, clock, certificate):
    for _ in range(10):
        response = lookup(client, certificate, "203.0.113.7", name="陆某某")
        assert response.status_code == 200
    refused = lookup(client, certificate, "203.0.113.7")  # right this time, still refused
    assert refused.status_code == 429
    assert refused["Retry-After"] == "55"
    text = refused.content.decode()
    assert "查询过于频繁，请 55 秒后再试" in text
    assert certificate.code not in text
    # Another address gets through; the first does again in the next window.
    assert lookup(client, certificate, "198.51.100.20").status_code == 302
    clock["t"] = WINDOW_START + 61
    assert lookup(client, certificate, "203.0.113.7").status_code == 302


def test_the_limit_comes_from_settings(client, clock, settings, certificate):
    settings.CERTIFICATE_LOOKUP_RATE = (2, 60)
    assert lookup(client, certificate, "203.0.113.8").status_code == 302
    assert lookup(client, certificate, "203.0.113.8").status_code == 302
    assert lookup(client, certificate, "203.0.113.8").status_code == 429


def test_showing_the_form_and_scanning_codes_are_not_limited(client, clock, certificate):
    for _ in range(15):
        assert client.get("/verify/", REMOTE_ADDR="203.0.113.9").status_code == 200
        page = client.get(f"/verify/{certificate.code}/", REMOTE_ADDR="203.0.113.9")
        assert page.status_code == 200
    assert lookup(client, certificate, "203.0.113.9").status_code == 302


# -- on Redis ---------------------------------------------------------------------------------


@pytest.fixture
def redis_cache(settings):
    """Django's cache on the Redis named by REDIS_URL (skipped without), under its own prefix."""
    url = os.environ.get("REDIS_URL", "")
    if not url:
        pytest.skip("REDIS_URL not set")
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex[:8]}",
        }
    }
    yield cache
    cache.delete_pattern("*")


def test_counter_on_redis_expires_with_its_window(redis_cache, clock):
    results = [rate_limit_hit("t", "1.2.3.4", limit=2, period=60) for _ in range(3)]
    assert [r.allowed for r in results] == [True, True, False]
    key = f"ratelimit:t:1.2.3.4:{int(WINDOW_START // 60)}"
    assert redis_cache.get(key) == 3
    assert 0 < redis_cache.ttl(key) <= 65
