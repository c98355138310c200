"""A visitor on a phone reads the public site: home, article list, an article, search."""

import re

from playwright.sync_api import expect

PHONE_WIDTH = 360
CPR_URL = re.compile(r"/articles/cpr-and-aed/$")


def assert_no_horizontal_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} scrolls sideways: {width}px wide at {PHONE_WIDTH}px"


def test_visitor_reads_and_searches_on_a_phone(demo_site, phone_page):
    page = phone_page

    # Home page, in Chinese.
    response = page.goto("/")
    assert response.status == 200
    expect(page).to_have_title(re.compile("应急先锋学院"))
    expect(page.locator(".brand-name")).to_have_text("应急先锋学院")
    assert_no_horizontal_scroll(page)

    # The article list: every demo article, as cards.
    page.goto("/articles/")
    expect(page.locator("h1")).to_have_text("应急科普")
    cards = page.locator(".card-grid .card")
    expect(cards.first).to_be_visible()
    assert cards.count() >= 8
    assert_no_horizontal_scroll(page)

    # One article: its title and body.
    first = cards.first.locator("h3 a")
    title = first.inner_text().strip()
    first.click()
    expect(page.locator("article.article h1")).to_have_text(title)
    expect(page.locator(".article-body")).not_to_be_empty()
    assert len(page.locator(".article-body").inner_text().strip()) > 50
    assert_no_horizontal_scroll(page)

    # The header search sits in the collapsed menu on phones: open it with ☰.
    search_box = page.locator("#site-search")
    expect(search_box).to_be_hidden()
    toggle = page.locator("[data-nav-toggle]")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(search_box).to_be_visible()
    search_box.fill("心肺复苏")
    search_box.press("Enter")

    page.wait_for_url(re.compile(r"/search/\?q="))
    expect(page.locator("#search-q")).to_have_value("心肺复苏")
    # The article is among the results (the first-aid course's CPR lesson may rank above it).
    result = page.locator('.search-results .search-result a[href$="/articles/cpr-and-aed/"]')
    expect(result.first).to_be_visible()
    expect(result.first).to_contain_text("心肺复苏")
    assert_no_horizontal_scroll(page)

    result.first.click()
    page.wait_for_url(CPR_URL)
    expect(page.locator("article.article h1")).to_contain_text("心肺复苏")
    assert_no_horizontal_scroll(page)


def test_search_page_form_finds_nothing_for_an_unknown_word(site_tree, phone_page):
    page = phone_page
    page.goto("/search/")
    page.locator("#search-q").fill("不存在的词语")
    page.locator("#search-q").press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q="))
    expect(page.locator(".result-count")).to_contain_text("0")
    expect(page.locator(".search-results .search-result")).to_have_count(0)
    assert_no_horizontal_scroll(page)
