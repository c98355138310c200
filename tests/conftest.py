from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from wagtail.models import Locale, Page, Site

import pytest

from tests.factories import ArticleIndexPageFactory, HomePageFactory


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Pages are cached across requests; each test starts with an empty cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """A request under /en/ or /za/ leaves that language active in the thread: reset it."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def site_tree(db):
    """The public site: a HomePage as the default Site's root, with an article index under it.

    Works after `live_server`'s flush too, which removes Wagtail's root page and Site.
    """
    Locale.objects.get_or_create(language_code="zh-hans")
    root = Page.get_first_root_node()
    if root is None:
        root = Page.add_root(title="Root", slug="root")
    home = HomePageFactory(parent=root, slug="home-test")
    Site.objects.all().delete()
    Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True)
    index = ArticleIndexPageFactory(parent=home)
    return {"home": home, "index": index}
