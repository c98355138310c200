"""The public pages as a visitor sees them."""

import xml.etree.ElementTree as ET

import pytest

from tests.factories import ArticlePageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(site_tree):
    return ArticlePageFactory(
        parent=site_tree["index"],
        title="台风来了怎么办",
        slug="typhoon",
        hazard_type="typhoon",
        audience="family",
        summary="台风登陆前后，家庭要做好这些准备。",
        body=[
            ("heading", {"text": "台风来临前", "level": "h2"}),
            ("paragraph", "<p>关注气象部门发布的台风预警信息。</p>"),
            ("key_steps", {"title": "关键步骤", "steps": ["加固门窗", "收起阳台杂物"]}),
            ("do_dont", {"do": ["待在室内"], "dont": ["在广告牌下避风"]}),
            (
                "callout",
                {"kind": "danger", "title": "危险", "text": "<p>台风眼经过时风力会短暂减弱。</p>"},
            ),
        ],
    )


def test_home_shows_chinese_content_and_latest_articles(client, article):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "应急先锋学院" in html
    assert "台风来了怎么办" in html


def test_article_index_lists_and_filters_by_hazard(client, site_tree, article):
    ArticlePageFactory(parent=site_tree["index"], title="洪水避险", hazard_type="flood")
    html = client.get("/articles/").content.decode()
    assert "台风来了怎么办" in html and "洪水避险" in html
    html = client.get("/articles/", {"hazard": "flood"}).content.decode()
    assert "洪水避险" in html and "台风来了怎么办" not in html
    # An unknown hazard is ignored rather than an error.
    assert client.get("/articles/", {"hazard": "<script>"}).status_code == 200


def test_article_renders_every_block_kind_and_breadcrumbs(client, article):
    response = client.get("/articles/typhoon/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in ["台风来临前", "关注气象部门", "加固门窗", "在广告牌下避风", "台风眼经过时"]:
        assert text in html
    assert 'class="callout callout-danger"' in html
    assert 'aria-label="当前位置"' in html
    assert "阅读约 1 分钟" in html
    assert "家庭" in html  # audience


def test_related_articles_share_the_hazard(client, site_tree, article):
    ArticlePageFactory(parent=site_tree["index"], title="台风过后", hazard_type="typhoon")
    ArticlePageFactory(parent=site_tree["index"], title="地震逃生", hazard_type="earthquake")
    html = client.get("/articles/typhoon/").content.decode()
    related = html.split("相关文章", 1)[1]
    assert "台风过后" in related
    assert "地震逃生" not in related


def test_draft_is_not_public(client, site_tree):
    ArticlePageFactory(parent=site_tree["index"], title="未发布", slug="draft", live=False)
    assert client.get("/articles/draft/").status_code == 404
    assert "未发布" not in client.get("/articles/").content.decode()


def test_unknown_page_is_a_chinese_404(client, site_tree):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_rss_feed_lists_articles(client, article):
    response = client.get("/articles/feed/")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    titles = [item.findtext("title") for item in root.iter("item")]
    assert titles == ["台风来了怎么办"]


def test_sitemap_lists_live_pages(client, article):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert b"/articles/typhoon/" in response.content


def test_english_interface_under_en_prefix(client, article):
    response = client.get("/en/articles/typhoon/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "台风来了怎么办" in html  # content not yet translated falls back to Chinese


def test_content_api_lists_pages(client, article):
    response = client.get("/api/v2/pages/", {"type": "cms.ArticlePage", "fields": "summary"})
    assert response.status_code == 200
    items = response.json()["items"]
    assert [item["title"] for item in items] == ["台风来了怎么办"]
    assert items[0]["summary"] == "台风登陆前后，家庭要做好这些准备。"


def test_pages_are_usable_on_a_phone(client, article):
    html = client.get("/articles/typhoon/").content.decode()
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    # Every asset is local: no CDN.
    assert "//cdn" not in html and "https://" not in html.split("<body", 1)[0]


def test_login_page_and_logout(client, django_user_model):
    django_user_model.objects.create_user("visitor", password="pass-1234")
    assert "用户名或手机号" in client.get("/accounts/login/").content.decode()
    response = client.post("/accounts/login/", {"username": "visitor", "password": "wrong"})
    assert "用户名或密码不正确" in response.content.decode()
    response = client.post("/accounts/login/", {"username": "visitor", "password": "pass-1234"})
    assert response.status_code == 302
    assert client.post("/accounts/logout/").status_code == 302
