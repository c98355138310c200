"""What a shared link shows (title, description, a 1200×630 picture) and the page's QR code."""

import io
import re

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.template import engines
from django.test import RequestFactory
from django.utils import translation

from wagtail.images.models import Image

import pytest
import zxingcpp
from PIL import Image as PILImage

from publicity.models import StoryIndexPage, StoryPage, TeamIndexPage, TeamPage
from tests.factories import ArticlePageFactory, TeamFactory, UserFactory, area_tree

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    """Requests under /en/ and /za/ leave their language active in this thread (LocaleMiddleware
    does not deactivate it); tests that render without a request must not inherit it."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


SITE = settings.SITE_URL


def wagtail_image(title: str, size=(1600, 900), colour="#1f6feb") -> Image:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, colour).save(buffer, "PNG")
    return Image.objects.create(title=title, file=ContentFile(buffer.getvalue(), name="photo.png"))


def meta(html: str) -> dict[str, str]:
    """<meta property|name=… content=…> of <head>, by property (the first of each)."""
    head = html.split("</head>", 1)[0]
    found = {}
    for key, content in re.findall(r'<meta (?:property|name)="([^"]+)" content="([^"]*)"', head):
        found.setdefault(key, content)
    return found


def body_bytes(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def fetch_image(client, url: str) -> PILImage.Image:
    assert url.startswith(f"{SITE}/"), url  # absolute, on the site's public address
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith("image/")
    return PILImage.open(io.BytesIO(body_bytes(response)))


@pytest.fixture
def article(site_tree):
    return ArticlePageFactory(
        parent=site_tree["index"],
        title="台风来了怎么办",
        slug="typhoon",
        hazard_type="typhoon",
        summary="台风登陆前后，家庭要做好这些准备。",
        hero_image=wagtail_image("台风题图"),
        body=[("paragraph", "<p>关注气象部门发布的台风预警信息。</p>")],
    )


def test_home_page_shares_the_site_with_the_default_picture(client, site_tree, settings):
    settings.WHITENOISE_USE_FINDERS = True  # serve static files uncollected, as in development
    html = client.get("/").content.decode()
    tags = meta(html)
    assert tags["og:type"] == "website"
    assert tags["og:title"] == "应急先锋学院"  # the site, not the title block's "首页"
    assert tags["og:description"] == "八桂应急先锋社区响应队"  # the home page's intro
    assert tags["og:url"] == f"{SITE}/"
    assert tags["og:site_name"] == "应急先锋学院"
    assert tags["og:locale"] == "zh_CN"
    assert tags["twitter:card"] == "summary_large_image"
    assert tags["description"] == "八桂应急先锋社区响应队"
    assert "<title>首页 · 应急先锋学院</title>" in html
    assert tags["og:image"] == f"{SITE}/static/cms/share-default.png"
    response = client.get(tags["og:image"])
    assert len(body_bytes(response)) < 50_000  # light enough for a slow phone connection
    assert fetch_image(client, tags["og:image"]).size == (1200, 630)


def test_article_shares_its_title_summary_and_picture(client, article):
    html = client.get("/articles/typhoon/").content.decode()
    tags = meta(html)
    assert tags["og:type"] == "article"
    assert tags["og:title"] == "台风来了怎么办"
    assert tags["og:description"] == "台风登陆前后，家庭要做好这些准备。"
    assert tags["og:url"] == f"{SITE}/articles/typhoon/"
    assert "article:published_time" in tags
    assert html.count('property="og:title"') == 1  # the article template adds none of its own
    picture = fetch_image(client, tags["og:image"])
    assert picture.size == (1200, 630)  # a rendition cropped for link previews, not the 1600×900
    assert picture.format == "JPEG"


def test_search_description_wins_over_the_summary(client, article):
    article.search_description = "台风天家庭安全要点"
    article.save_revision().publish()
    tags = meta(client.get("/articles/typhoon/").content.decode())
    assert tags["og:description"] == "台风天家庭安全要点"
    assert tags["og:title"] == "台风来了怎么办"


def render_page(page) -> str:
    """base.html around a page, as Wagtail serves it (publicity pages have their own
    templates; what is checked here is what base.html makes of their fields)."""
    request = RequestFactory().get(page.url)
    request.user = AnonymousUser()
    template = engines["django"].from_string('{% extends "base.html" %}')
    return template.render({"page": page, "self": page}, request)


@pytest.fixture
def publicity_pages(site_tree):
    home = site_tree["home"]
    team_index = TeamIndexPage(title="队伍风采", slug="teams")
    home.add_child(instance=team_index)
    story_index = StoryIndexPage(title="队伍故事", slug="stories")
    home.add_child(instance=story_index)
    community = area_tree()["xinzhu_1"]
    team = TeamFactory(community=community)
    team_page = TeamPage(
        title="新竹社区应急响应队",
        slug="xinzhu",
        team=team,
        photo=wagtail_image("队伍合影", size=(800, 800)),
        introduction="新竹社区应急响应队成立于 2022 年，\n\n擅长防汛转移和应急救护。",
    )
    team_index.add_child(instance=team_page)
    team_page.save_revision().publish()
    story = StoryPage(
        title="暴雨夜转移群众",
        slug="rain-night",
        summary="暴雨夜里，响应队挨家挨户通知转移。",
        hero_image=wagtail_image("故事题图"),
        body=[("paragraph", "<p>凌晨两点，水位上涨。</p>")],
    )
    story_index.add_child(instance=story)
    story.save_revision().publish()
    return {"team_page": team_page, "story": story}


def test_team_page_shares_its_photo_and_introduction(client, publicity_pages):
    page = TeamPage.objects.get(pk=publicity_pages["team_page"].pk)
    tags = meta(render_page(page))
    assert tags["og:type"] == "website"
    assert tags["og:title"] == "新竹社区应急响应队"
    assert tags["og:description"] == "新竹社区应急响应队成立于 2022 年， 擅长防汛转移和应急救护。"
    assert tags["og:url"] == f"{SITE}/teams/xinzhu/"
    # An 800×800 photo is cropped to the link-preview shape, not enlarged; the tags say so.
    picture = fetch_image(client, tags["og:image"])
    assert picture.size == (800, 420)
    assert (tags["og:image:width"], tags["og:image:height"]) == ("800", "420")
    assert tags["og:image:alt"] == "队伍合影"


def test_story_shares_as_an_article(client, publicity_pages):
    page = StoryPage.objects.get(pk=publicity_pages["story"].pk)
    tags = meta(render_page(page))
    assert tags["og:type"] == "article"
    assert tags["og:title"] == "暴雨夜转移群众"
    assert tags["og:description"] == "暴雨夜里，响应队挨家挨户通知转移。"
    assert fetch_image(client, tags["og:image"]).size == (1200, 630)
    assert (tags["og:image:width"], tags["og:image:height"]) == ("1200", "630")


# --- the QR code -------------------------------------------------------------------------------


def qr_svg(html: str) -> str:
    match = re.search(r'<section class="page-qr".*?(<svg .*?</svg>)', html, re.S)
    assert match, "no QR code on the page"
    return match[1]


def qr_modules(svg: str) -> list[list[bool]]:
    """The dark modules of segno's SVG: one path of horizontal runs (M/m moves, h lines)."""
    size = int(re.search(r'd="M0 0h(\d+)v', svg)[1])
    path = re.search(r'class="qrline"[^>]* d="([^"]+)"', svg)[1]
    grid = [[False] * size for _ in range(size)]
    x = y = 0.0
    for command, args in re.findall(r"([MmHh])([^MmHh]*)", path):
        numbers = [float(n) for n in args.replace(",", " ").split()]
        if command == "M":
            x, y = numbers
        elif command == "m":
            x, y = x + numbers[0], y + numbers[1]
        else:  # a run of dark modules along the row y - 0.5
            end = x + numbers[0] if command == "h" else numbers[0]
            for column in range(int(x), int(end)):
                grid[int(y)][column] = True
            x = end
    return grid


def decode_qr(svg: str) -> str:
    grid = qr_modules(svg)
    scale = 4
    picture = PILImage.new("L", (len(grid) * scale, len(grid) * scale), 255)
    for row, cells in enumerate(grid):
        for column, dark in enumerate(cells):
            if dark:
                box = (column * scale, row * scale, (column + 1) * scale, (row + 1) * scale)
                picture.paste(0, box)
    results = zxingcpp.read_barcodes(picture)
    assert len(results) == 1
    return results[0].text


def test_qr_code_opens_the_page_it_is_on(client, article):
    html = client.get("/articles/typhoon/").content.decode()
    svg = qr_svg(html)
    assert decode_qr(svg) == f"{SITE}/articles/typhoon/"
    assert len(svg.encode()) < 4000  # inline, a few KB
    assert "手机扫码打开本页" in html
    assert f'class="page-url">{SITE}/articles/typhoon/</span>' in html  # written out to copy


def test_qr_code_follows_the_language_prefix(client, article):
    html = client.get("/en/articles/typhoon/").content.decode()
    assert decode_qr(qr_svg(html)) == f"{SITE}/en/articles/typhoon/"


def test_no_qr_code_off_the_public_pages(client, site_tree):
    assert 'class="page-qr"' not in client.get("/accounts/login/").content.decode()
    client.force_login(UserFactory(username="visitor"))
    response = client.get("/learn/")
    assert response.status_code == 200
    assert 'class="page-qr"' not in response.content.decode()
