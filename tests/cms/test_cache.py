"""Public pages are cached for anonymous visitors and cleared on publish."""

import pytest

from tests.factories import ArticlePageFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(site_tree):
    return ArticlePageFactory(parent=site_tree["index"], title="旧标题", slug="cached")


def test_second_anonymous_request_is_served_from_cache(client, article):
    assert client.get("/articles/cached/")["X-Page-Cache"] == "miss"
    response = client.get("/articles/cached/")
    assert response["X-Page-Cache"] == "hit"
    assert "旧标题" in response.content.decode()


def test_publishing_clears_the_page_and_its_neighbours(client, site_tree, article):
    client.get("/articles/cached/")
    client.get("/articles/")
    client.get("/")
    article.title = "新标题"
    article.save_revision().publish()
    for url in ["/articles/cached/", "/articles/", "/"]:
        response = client.get(url)
        assert response["X-Page-Cache"] == "miss", url
        assert "新标题" in response.content.decode(), url


def test_a_new_article_appears_on_the_cached_index(client, site_tree, article):
    client.get("/articles/")
    ArticlePageFactory(parent=site_tree["index"], title="刚发布的文章")
    assert "刚发布的文章" in client.get("/articles/").content.decode()


def test_unpublishing_removes_the_cached_copy(client, article):
    client.get("/articles/cached/")
    article.unpublish()
    assert client.get("/articles/cached/").status_code == 404


def test_signed_in_users_are_never_served_the_cache(client, article):
    client.get("/articles/cached/")
    client.force_login(UserFactory())
    response = client.get("/articles/cached/")
    assert "X-Page-Cache" not in response
