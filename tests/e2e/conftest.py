"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Every test here is marked `e2e` (`make test-fast` deselects them). The browser is
started once per session; each test gets fresh browser contexts (no shared cookies)
and, when it fails, a screenshot of every page it opened in `test-results/e2e/`.
"""

import io
import os
import re
from pathlib import Path

from django.core.management import call_command

from wagtail.models import Collection, Locale, Page

import pytest
from playwright.sync_api import expect, sync_playwright

from cms.models import ArticleIndexPage, HomePage

# Playwright's sync API runs an event loop in this thread; Django's ORM would refuse
# to run next to it without this.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

E2E_DIR = Path(__file__).resolve().parent
REPO_ROOT = E2E_DIR.parents[1]
SCREENSHOT_DIR = REPO_ROOT / "test-results" / "e2e"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
TIMEOUT_MS = 15_000

expect.set_options(timeout=TIMEOUT_MS)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    # tryfirst: the mark must be there before `-m "not e2e"` deselects.
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (make test does) to run e2e")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
    except Exception:
        playwright.stop()
        raise
    yield browser
    browser.close()
    playwright.stop()


def _failed(item) -> bool:
    return any(
        getattr(item, f"rep_{when}", None) is not None and getattr(item, f"rep_{when}").failed
        for when in ("setup", "call")
    )


@pytest.fixture
def new_context(browser, live_server, request):
    """A factory of isolated browser contexts (own cookies) pointed at the live server.

    `new_context(phone=True)` gives a 360×740 touch screen. On failure, every page
    opened in these contexts is saved as `test-results/e2e/<test name>[-n].png`.
    """
    contexts = []

    def make(*, phone: bool = False, **options):
        context = browser.new_context(
            base_url=live_server.url, locale="zh-CN", **(PHONE if phone else {}), **options
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make

    try:
        if _failed(request.node):
            SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^\w.\-\[\]]+", "_", request.node.name)
            pages = [p for c in contexts for p in c.pages if not p.is_closed()]
            for n, page in enumerate(pages, start=1):
                suffix = "" if n == 1 else f"-{n}"
                try:
                    page.screenshot(
                        path=str(SCREENSHOT_DIR / f"{name}{suffix}.png"), full_page=True
                    )
                except Exception as exc:  # a screenshot must never hide the real failure
                    print(f"screenshot of {page.url} failed: {exc}")
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def page(new_context):
    """A desktop-sized page in a fresh context."""
    return new_context().new_page()


@pytest.fixture
def phone_page(new_context):
    """A phone-sized page (360×740, touch) in a fresh context."""
    return new_context(phone=True).new_page()


def _restore_wagtail_roots() -> None:
    """live_server's flush deletes what Wagtail's migrations created: put it back."""
    Locale.objects.get_or_create(language_code="zh-hans")
    if Page.get_first_root_node() is None:
        Page.add_root(title="Root", slug="root")
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")


@pytest.fixture
def demo_site(live_server):
    """The demo data of `seed_demo` (8 articles, demo accounts, review workflow).

    The Site it creates is the default one (localhost:80), so the live server's
    localhost:<port> is served by it.
    """
    _restore_wagtail_roots()
    call_command("seed_demo", stdout=io.StringIO())
    home = HomePage.objects.get(depth=2, locale=Locale.get_default())
    return {"home": home, "index": ArticleIndexPage.objects.child_of(home).get(slug="articles")}
