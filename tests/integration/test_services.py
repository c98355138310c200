"""The public site against the real PostgreSQL and Redis."""

from contextlib import contextmanager

from django.core.cache import cache

import pytest

from cms.celery import app as celery_app
from tests.factories import ArticlePageFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@contextmanager
def broker(url):
    """Point the Celery app at another broker for the duration (both URLs it reads)."""
    original = celery_app.conf.broker_url, celery_app.conf.broker_write_url
    celery_app.conf.broker_url = celery_app.conf.broker_write_url = url
    try:
        yield
    finally:
        celery_app.conf.broker_url, celery_app.conf.broker_write_url = original


def test_runs_on_postgresql_with_chinese_search(client, postgres, site_tree):
    ArticlePageFactory(
        parent=site_tree["index"],
        title="急救常识",
        body=[("paragraph", "<p>发现有人倒地后，应立即开始心肺复苏并拨打120。</p>")],
    )
    response = client.get("/search/", {"q": "心肺复苏"})
    assert [p.title for p in response.context["results"]] == ["急救常识"]


def test_page_cache_on_redis_is_cleared_on_publish(client, redis_cache, site_tree):
    article = ArticlePageFactory(parent=site_tree["index"], title="旧标题", slug="on-redis")
    assert client.get("/articles/on-redis/")["X-Page-Cache"] == "miss"
    assert client.get("/articles/on-redis/")["X-Page-Cache"] == "hit"
    assert cache.get("pagecache:generation") is not None  # it really is in Redis
    article.title = "新标题"
    article.save_revision().publish()
    response = client.get("/articles/on-redis/")
    assert response["X-Page-Cache"] == "miss"
    assert "新标题" in response.content.decode()


def test_healthz_reaches_the_real_broker(client, settings, redis_url):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with broker(redis_url):
        body = client.get("/healthz").json()
    assert body["broker"] == {"ok": True, "mode": "broker", "ms": body["broker"]["ms"]}
    assert body["status"] == "ok"


def test_healthz_reports_an_unreachable_broker(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with broker("redis://127.0.0.1:1/0"):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["broker"]["ok"] is False
