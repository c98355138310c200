"""Integration tests talk to the real PostgreSQL and Redis named in the environment.

Without them they are skipped, unless REQUIRE_SERVICES is set (as in CI), where a
missing service is a failure rather than a silent skip.
"""

import os
import uuid

from django.core.cache import cache
from django.db import connection

import pytest


def _need(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        if os.environ.get("REQUIRE_SERVICES"):
            pytest.fail(f"{name} must be set when REQUIRE_SERVICES is on")
        pytest.skip(f"{name} not set")
    return value


@pytest.fixture
def redis_url():
    return _need("REDIS_URL")


@pytest.fixture
def redis_cache(settings, redis_url):
    """Django's cache on the real Redis, under a key prefix of its own, emptied afterwards."""
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": prefix,
        }
    }
    yield cache
    cache.delete_pattern("*")


def _require_postgres():
    if connection.vendor != "postgresql":
        if os.environ.get("REQUIRE_SERVICES"):
            pytest.fail("REQUIRE_SERVICES is on but the database is not PostgreSQL")
        pytest.skip("not running on PostgreSQL")
    return connection


@pytest.fixture
def postgres(db):
    return _require_postgres()


@pytest.fixture
def postgres_committed(transactional_db):
    """PostgreSQL with real commits, for tests whose other processes (a Celery worker) must
    see the rows: the database is emptied after the test instead of rolled back."""
    return _require_postgres()
