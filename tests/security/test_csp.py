"""Content Security Policy and the browser-policy headers (cms/csp.py, settings block in base.py).

Public, learner and certificate-verification pages get the strict policy: scripts only from
this origin or with the response's own nonce, no inline styles, no inline event handlers.
The Wagtail admin gets its own, looser policy. The rendered HTML is checked too: a policy
that the pages themselves break would only show up as broken pages in the browser.
"""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.urls import reverse

import pytest

from cms.models import ArticleIndexPage
from tests.factories import ArticlePageFactory

EXECUTABLE = {"", "text/javascript", "module", "application/javascript"}
NONCE_SOURCE = re.compile(r"'nonce-([A-Za-z0-9+/=]+)'")


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


class TagCollector(HTMLParser):
    """Every start tag's name and attributes, as the browser would read them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def tags_of(response) -> list[tuple[str, dict]]:
    collector = TagCollector()
    collector.feed(response.content.decode())
    return collector.tags


def strict_policy(response) -> tuple[dict, str]:
    """The policy's directives and its nonce; fails the test unless it is the strict one."""
    header = response["Content-Security-Policy"]
    policy = directives(header)
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["style-src"] == ["'self'"]
    assert "'unsafe-inline'" not in header
    assert "'unsafe-eval'" not in header
    scripts = policy["script-src"]
    nonces = [m.group(1) for source in scripts if (m := NONCE_SOURCE.fullmatch(source))]
    assert len(nonces) == 1, header
    assert sorted(scripts) == sorted(["'self'", f"'nonce-{nonces[0]}'"])
    return policy, nonces[0]


def assert_html_obeys(response, nonce: str) -> None:
    """Every script is from this origin and carries the nonce; no inline handlers or styles."""
    scripts = 0
    for tag, attrs in tags_of(response):
        bad_attrs = [name for name in attrs if name.startswith("on") or name == "style"]
        assert not bad_attrs, f"<{tag}> has {bad_attrs} on {response.request['PATH_INFO']}"
        if tag == "style":
            assert attrs.get("nonce") == nonce, "an inline <style> without the nonce"
        if tag == "script" and attrs.get("type", "text/javascript") in EXECUTABLE:
            scripts += 1
            src = attrs.get("src")
            if src is None:
                assert attrs.get("nonce") == nonce, f"inline script without the nonce: {attrs}"
            else:
                # Ours are relative; Wagtail's userbar names this site by its absolute address.
                host = response.wsgi_request.get_host()
                assert urlsplit(src).netloc in ("", host), f"script from elsewhere: {src}"
                assert urlsplit(src).path.startswith("/static/")
        if tag == "a":
            assert not (attrs.get("href") or "").lower().startswith("javascript:")
    assert scripts >= 1, "the page's own script (site.js) is missing"


@pytest.fixture
def article(perm_world):
    return ArticlePageFactory(parent=ArticleIndexPage.objects.get(), title="家庭应急包怎么备")


def public_urls(w, article) -> list[str]:
    contest = w.contest
    return [
        "/",
        article.url,
        w.sections["teams"].url,
        w.sections["stories"].url,
        contest.url,
        contest.url + contest.reverse_subpage("entry", args=[w.approved_entry.pk]),
        reverse("search") + "?q=急救",
        reverse("verify_lookup"),
        reverse("verify", kwargs={"code": w.certificate.code}),
        reverse("login"),
    ]


def learner_urls(w) -> list[str]:
    return [
        reverse("learn:dashboard"),
        reverse("learn:course", args=[w.course.pk]),
        reverse("learn:lesson", args=[w.lesson.pk]),
        reverse("learn:exam", args=[w.exam.pk]),
        reverse("learn:calendar"),
    ]


def leader_urls(w) -> list[str]:
    return [
        reverse("learn:drills"),
        reverse("learn:drill", args=[w.drill.pk]),
        reverse("learn:drill_qr", args=[w.drill.pk]),
    ]


def test_public_pages_have_the_strict_policy_and_obey_it(client, perm_world, article):
    for url in public_urls(perm_world, article):
        response = client.get(url)
        assert response.status_code == 200, url
        _policy, nonce = strict_policy(response)
        assert_html_obeys(response, nonce)


def test_learner_and_leader_pages_have_the_strict_policy_and_obey_it(client, perm_world):
    pages = [(perm_world.member, url) for url in learner_urls(perm_world)]
    pages += [(perm_world.leader, url) for url in leader_urls(perm_world)]
    for user, url in pages:
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, url
        _policy, nonce = strict_policy(response)
        assert_html_obeys(response, nonce)


def test_every_response_gets_a_fresh_nonce(client, perm_world, article):
    seen = set()
    for url in ["/", "/", article.url, article.url, reverse("verify_lookup")]:
        response = client.get(url)
        _policy, nonce = strict_policy(response)
        assert nonce not in seen
        seen.add(nonce)
        assert f'nonce="{nonce}"' in response.content.decode()


def test_a_page_from_the_page_cache_carries_this_responses_nonce(client, perm_world, article):
    first = client.get(article.url)
    second = client.get(article.url)
    assert second["X-Page-Cache"] == "hit"
    _p, old = strict_policy(first)
    _p, new = strict_policy(second)
    assert old != new
    body = second.content.decode()
    assert f'nonce="{new}"' in body
    assert old not in body


def test_media_and_video_players_are_allowed_where_pages_use_them(client, perm_world):
    policy, _nonce = strict_policy(client.get("/"))
    assert "data:" in policy["img-src"]  # the page's QR code is a data: URI on some pages
    assert "'self'" in policy["media-src"]
    assert "https://player.bilibili.com" in policy["frame-src"]
    assert "https://v.qq.com" in policy["frame-src"]


def test_admin_gets_its_own_workable_policy(client, perm_world):
    client.force_login(perm_world.superuser)
    response = client.get("/admin/")
    assert response.status_code == 200
    header = response["Content-Security-Policy"]
    policy = directives(header)
    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
    assert "'unsafe-inline'" in policy["style-src"]
    assert policy["frame-ancestors"] == ["'self'"]  # the live preview is a same-origin frame
    assert policy["object-src"] == ["'none'"]
    # A nonce would make browsers ignore 'unsafe-inline' and break Wagtail's inline scripts.
    assert "nonce-" not in header


def test_related_headers(client, perm_world):
    response = client.get("/")
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    permissions = response["Permissions-Policy"]
    for feature in ("camera", "geolocation", "microphone"):
        assert f"{feature}=()" in permissions
    client.force_login(perm_world.leader)
    checkin = client.get(reverse("learn:drill_qr", args=[perm_world.drill.pk]))
    assert "camera=()" in checkin["Permissions-Policy"]


def test_the_page_qr_code_and_embeds_need_no_style_attribute(client, perm_world, article):
    response = client.get(article.url)
    body = response.content.decode()
    assert 'class="page-qr"' in body
    assert "style=" not in body
