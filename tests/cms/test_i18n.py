"""The public site in three languages: Chinese at /, Zhuang under /za/, English under /en/.

Every public page has a version in each language (an alias of the Chinese page until it is
translated); the language switcher and the hreflang links lead to it.
"""

import io
import re

from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from wagtail.images.models import Image
from wagtail.models import Locale, Page, Revision

import pytest

from cms.models import ArticlePage, HomePage
from cms.translation import page_translation_create, tree_aliases_create
from courses.models import CoursePage, LessonPage
from publicity.models import TeamPage
from tests.factories import (
    ArticlePageFactory,
    CourseIndexPageFactory,
    UserFactory,
    course_with_lessons,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    """Requests under /en/ and /za/ leave their language active in this thread (LocaleMiddleware
    does not deactivate it); tests that render without a request must not inherit it."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


SITE = settings.SITE_URL


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def html_lang(html: str) -> str:
    return re.search(r'<html lang="([^"]+)"', html)[1]


def switcher(html: str) -> dict[str, str]:
    """The language switcher's links, by hreflang."""
    part = html.split('class="lang-switch"', 1)[1].split("</span>", 1)[0]
    links = re.findall(r'<a href="([^"]+)" hreflang="([^"]+)"', part)
    return {code: href for href, code in links}


def alternates(html: str) -> dict[str, str]:
    head = html.split("</head>", 1)[0]
    links = re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)"', head)
    return dict(links)


def canonical(html: str) -> str | None:
    match = re.search(r'<link rel="canonical" href="([^"]+)"', html)
    return match[1] if match else None


def translate(source, code: str, **fields):
    """What a translator does: make the page a translation, write the text, publish."""
    page = page_translation_create(source, Locale.objects.get(language_code=code))
    for name, value in fields.items():
        setattr(page, name, value)
    page.save_revision().publish()
    return page


@pytest.fixture
def site(site_tree):
    """Two Chinese articles, the tree aliased into Zhuang and English, one article and the
    home page translated into English."""
    for code in ("za", "en"):
        Locale.objects.get_or_create(language_code=code)
    index = site_tree["index"]
    typhoon = ArticlePageFactory(
        parent=index,
        title="台风来了怎么办",
        slug="typhoon",
        hazard_type="typhoon",
        summary="台风登陆前后，家庭要做好这些准备。",
        body=[("paragraph", "<p>关注气象部门发布的台风预警信息。</p>")],
    )
    flood = ArticlePageFactory(
        parent=index,
        title="汛期防汛避险指南",
        slug="flood",
        hazard_type="flood",
        summary="暴雨来临前要做好准备。",
        body=[("paragraph", "<p>请提前熟悉社区公布的转移路线和安置点。</p>")],
    )
    tree_aliases_create(site_tree["home"])
    translate(site_tree["home"], "en", title="Emergency Vanguard Academy")
    english = translate(
        typhoon,
        "en",
        title="When a typhoon comes",
        summary="What a family should do before and after a typhoon makes landfall.",
        body=[("paragraph", "<p>Follow the typhoon warnings of the weather service.</p>")],
    )
    return {**site_tree, "typhoon": typhoon, "flood": flood, "english": english}


def test_translated_article_shows_english_under_en(client, site):
    html = html_of(client.get("/en/articles/typhoon/"))
    assert html_lang(html) == "en"
    assert "When a typhoon comes" in html
    assert "Follow the typhoon warnings" in html
    assert "台风来了怎么办" not in html
    # The Chinese page is unchanged at its own address.
    chinese = html_of(client.get("/articles/typhoon/"))
    assert html_lang(chinese) == "zh-hans"
    assert "台风来了怎么办" in chinese and "When a typhoon comes" not in chinese


def test_switcher_links_to_the_page_in_each_language(client, site):
    links = switcher(html_of(client.get("/articles/typhoon/")))
    assert links == {
        "zh-Hans": "/articles/typhoon/",
        "za": "/za/articles/typhoon/",  # the alias: Zhuang is not translated yet
        "en": "/en/articles/typhoon/",  # the English translation
    }
    # From the English page back to Chinese, and to the Zhuang alias.
    links = switcher(html_of(client.get("/en/articles/typhoon/")))
    assert links["zh-Hans"] == "/articles/typhoon/"
    assert links["za"] == "/za/articles/typhoon/"


def test_switcher_falls_back_to_the_home_page_of_a_language(client, site):
    catalog = CourseIndexPageFactory(parent=site["home"])
    course_with_lessons(catalog, code="C-001")
    links = switcher(html_of(client.get("/courses/c-001/")))
    assert links == {"zh-Hans": "/courses/c-001/", "za": "/za/", "en": "/en/"}


def test_switcher_off_the_page_tree_keeps_the_path_where_it_has_a_language(client, site):
    links = switcher(html_of(client.get("/en/search/", {"q": "台风"})))
    assert links["zh-Hans"] == "/search/?q=%E5%8F%B0%E9%A3%8E"
    assert links["za"] == "/za/search/?q=%E5%8F%B0%E9%A3%8E"
    # /accounts/login/ has no language prefix: /en/accounts/login/ would be a 404.
    links = switcher(html_of(client.get("/accounts/login/")))
    assert links == {"zh-Hans": "/accounts/login/", "za": "/za/", "en": "/en/"}


def test_hreflang_lists_real_translations_with_absolute_urls(client, site):
    expected = {
        "zh-Hans": f"{SITE}/articles/typhoon/",
        "en": f"{SITE}/en/articles/typhoon/",
        "x-default": f"{SITE}/articles/typhoon/",
    }
    chinese = html_of(client.get("/articles/typhoon/"))
    assert alternates(chinese) == expected  # no "za": the Zhuang page is an alias
    assert canonical(chinese) == f"{SITE}/articles/typhoon/"
    english = html_of(client.get("/en/articles/typhoon/"))
    assert alternates(english) == expected
    assert canonical(english) == f"{SITE}/en/articles/typhoon/"
    assert all(href.startswith(("http://", "https://")) for href in expected.values())


def test_alias_has_no_hreflang_and_names_its_source_as_canonical(client, site):
    html = html_of(client.get("/za/articles/typhoon/"))
    assert alternates(html) == {}
    assert canonical(html) == f"{SITE}/articles/typhoon/"
    # An untranslated article has only its Chinese self (and x-default).
    assert alternates(html_of(client.get("/articles/flood/"))) == {
        "zh-Hans": f"{SITE}/articles/flood/",
        "x-default": f"{SITE}/articles/flood/",
    }


def test_zhuang_pages_are_served_with_lang_za(client, site):
    home = html_of(client.get("/za/"))
    assert html_lang(home) == "za"
    article = html_of(client.get("/za/articles/typhoon/"))
    assert html_lang(article) == "za"
    # The content is still the Chinese text, and marked as such.
    assert "台风来了怎么办" in article
    assert '<main id="main" class="container" lang="zh-Hans">' in article


def test_untranslated_page_under_en_shows_the_chinese_content_through_its_alias(client, site):
    html = html_of(client.get("/en/articles/flood/"))
    assert html_lang(html) == "en"
    assert "汛期防汛避险指南" in html
    alias = ArticlePage.objects.get(locale__language_code="en", slug="flood")
    assert alias.alias_of_id == site["flood"].pk
    assert canonical(html) == f"{SITE}/articles/flood/"


def test_site_root_resolves_to_the_home_page_of_each_language(client, site):
    english_home = html_of(client.get("/en/"))
    assert "Emergency Vanguard Academy" in english_home
    # Listings show each article once, in the visitor's language.
    assert english_home.count("When a typhoon comes") == 1
    assert "台风来了怎么办" not in english_home
    assert english_home.count("汛期防汛避险指南") == 1
    zhuang_home = html_of(client.get("/za/"))
    assert zhuang_home.count("台风来了怎么办") == 1


def test_english_home_links_back_to_english_pages(client, site):
    html = html_of(client.get("/en/"))
    assert 'class="brand" href="/en/"' in html
    assert 'href="/en/articles/typhoon/"' in html


def test_course_pages_get_no_aliases(client, site):
    catalog = CourseIndexPageFactory(parent=site["home"])
    course = course_with_lessons(catalog, code="C-002")  # published after the locales exist
    tree_aliases_create(site["home"])
    for model in (CoursePage, LessonPage):
        assert not model.objects.exclude(locale=course.locale).exists()
    assert not Page.objects.filter(alias_of__in=[catalog, course]).exists()
    assert client.get("/en/courses/c-002/").status_code == 404
    # The menu still offers the (Chinese) course catalog to English visitors.
    assert 'href="/courses/"' in html_of(client.get("/en/"))


def test_alias_of_a_draft_waits_for_the_source_to_be_published(client, site):
    draft = ArticlePageFactory(parent=site["index"], title="草稿文章", slug="draft", live=False)
    tree_aliases_create(site["home"])
    alias = draft.aliases.get(locale__language_code="en")
    assert not alias.live
    assert client.get("/en/articles/draft/").status_code == 404

    draft.refresh_from_db()
    draft.title = "刚刚发布"
    draft.save_revision().publish()
    html = html_of(client.get("/en/articles/draft/"))
    assert "刚刚发布" in html

    draft.refresh_from_db()
    draft.unpublish()
    assert client.get("/en/articles/draft/").status_code == 404
    assert client.get("/za/articles/draft/").status_code == 404


def test_a_page_published_later_gets_its_aliases(client, site):
    ArticlePageFactory(parent=site["index"], title="新文章", slug="new-article")
    html = html_of(client.get("/za/articles/new-article/"))
    assert "新文章" in html
    assert "新文章" in html_of(client.get("/en/articles/new-article/"))


def test_admin_stays_in_chinese_for_a_zhuang_browser(client, site):
    admin = UserFactory(username="boss", is_staff=True, is_superuser=True)
    client.force_login(admin)
    html = html_of(client.get("/admin/", HTTP_ACCEPT_LANGUAGE="za"))
    assert html_lang(html) == "zh-hans"


def _snapshot():
    return (
        Page.objects.count(),
        Page.objects.filter(alias_of__isnull=False).count(),
        Revision.objects.count(),
        Image.objects.count(),
    )


def test_seed_demo_translates_two_articles_and_is_idempotent(client):
    call_command("seed_demo", stdout=io.StringIO())
    first = _snapshot()
    call_command("seed_demo", stdout=io.StringIO())
    assert _snapshot() == first

    english = ArticlePage.objects.live().filter(locale__language_code="en", alias_of__isnull=True)
    assert english.count() == 2
    for article in english:
        source = article.get_translation(Locale.get_default())
        html = html_of(client.get(article.url))
        assert html_lang(html) == "en"
        heading = re.search(r"<h1>(.*?)</h1>", html)[1]
        assert heading == article.title and heading != source.title
        assert article.summary in html and source.summary not in html
    home = html_of(client.get("/en/"))
    assert "Emergency Vanguard Academy" in home
    assert "Preparedness" in home  # the article index's English title, in the menu
    assert HomePage.objects.filter(locale__language_code="en", alias_of__isnull=True).exists()

    # Zhuang is left to translators: every Zhuang page is an alias, and each serves.
    zhuang = Page.objects.filter(locale__language_code="za")
    assert zhuang.exists() and not zhuang.filter(alias_of__isnull=True).exists()
    assert html_lang(html_of(client.get("/za/"))) == "za"
    for section in ("teams", "stories", "top-ten", "contest"):
        assert client.get(f"/en/{section}/").status_code == 200, section
        assert client.get(f"/za/{section}/").status_code == 200, section
    # The teams' pages (seeded by the publicity app) resolve in every language.
    for team_page in TeamPage.objects.live().filter(locale=Locale.get_default()):
        for prefix in ("/en", "/za"):
            html = html_of(client.get(f"{prefix}{team_page.url}"))
            assert team_page.title in html
