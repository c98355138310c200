"""Stored XSS: hostile text in every field people fill is shown as text, never run (issue 10,
item 3).

The world of the permission suite (world.py) is built once for this module, then every
free-text column of every record of ours — names, titles, descriptions, notes, comments,
reasons, introductions, stems, options, explanations… — is overwritten with a payload that
carries its own origin (`Drill.summary#3`), and the rich text and StreamField bodies of
articles, stories, course objectives and lessons are filled the way the Draftail editor
submits them. Then:

- `test_field_is_shown_as_text` (the inventory): a field, the page that shows it and who
  opens it; the payload must be visible as text there, and nothing of it may run.
- `test_rich_text_keeps_to_the_whitelist`: what an editor types and links in rich text is
  kept to Wagtail's whitelist (no javascript: link survives the editor's converter).
- `test_id_taking_page_has_no_live_markup`: every id-taking route of the permission
  registry, opened by the object's owner, with the poisoned world.
- `test_page_without_ids_has_no_live_markup`: every route without parameters (dashboards,
  rankings, listings, reports…) opened by each role, with the payload also as the search
  query `?q=` so that an echoed query is checked too; and every live public page.

"No live markup" (`live_markup`): the HTML is parsed and no script that would run carries
`alert(`, no element has an on* attribute carrying it, and no href/src/action/formaction
starts with javascript:. JSON from the API must be served as JSON (its strings are set with
textContent by lms/static/*.js, checked by reading those files once).
"""

import json
import re
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import models
from django.test import Client
from django.urls import get_resolver, reverse

from wagtail.admin.rich_text.converters.contentstate import ContentstateConverter
from wagtail.fields import RichTextField
from wagtail.models import Page

import pytest
from bs4 import BeautifulSoup

from cms.blocks import RICH_FEATURES
from cms.models import ArticleIndexPage, ArticlePage
from courses.models import CoursePage, LessonPage, Question
from lms.models import Member, Team
from lms.services.certificates import certificate_revoke
from publicity.models import ContestEntry, StoryPage, TeamPage

from .registry import ROUTES
from .routes import API_NAMESPACE, OUR_APPS, _ours, _view_module, _walk, our_viewset_namespaces

pytestmark = pytest.mark.django_db

# The payloads of the issue, each carrying the marker {m} of the field it was stored in.
PAYLOADS = (
    '<script>alert("{m}")</script>',
    '"><img src=x onerror=alert("{m}")>',
    "<a href=\"javascript:alert('{m}')\">链接</a>",
    "{{{{7*7}}}}'\"",
    "</script><script>alert('{m}')</script>",
)
SEARCH_PAYLOAD = "".join(p.format(m="q") for p in PAYLOADS)


def payload(marker: str, max_length: int | None = None, start: int = 0) -> str:
    """Every payload, marked; or, for a column of `max_length` (PostgreSQL enforces it, and
    so do the forms), as many marked ones as fit, beginning with the `start`-th so that short
    columns between them still receive each kind (the marker loses its "#pk" if need be)."""
    parts = [p.format(m=marker) for p in PAYLOADS]
    if max_length is None or sum(map(len, parts)) <= max_length:
        return "".join(parts)
    for mark in (marker, marker.split("#", 1)[0]):
        marked = [p.format(m=mark) for p in PAYLOADS if "{m}" in p]
        chosen = ""
        for index in range(len(marked)):
            part = marked[(start + index) % len(marked)]
            if len(chosen) + len(part) <= max_length:
                chosen += part
        if chosen:
            return chosen
    return PAYLOADS[3][:max_length]


# -- finding live markup ----------------------------------------------------------------

_JS_TYPES = {"", "text/javascript", "application/javascript", "module", "text/ecmascript"}
_URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href", "data", "poster")
_CONTROL = re.compile(r"[\x00-\x20\x7f-\xa0]+")
_MARKER = re.compile(r"alert\(['\"]?([^'\")]*)")


def live_markup(html: str) -> list[str]:
    """What in `html` would run a payload: each as "<tag> …" with the payload's marker."""
    soup = BeautifulSoup(html, "html.parser")
    found = []
    for tag in soup.find_all(True):
        if tag.name == "script" and not tag.get("src"):
            kind = (tag.get("type") or "").strip().lower()
            if kind in _JS_TYPES and "alert(" in (tag.string or tag.get_text()):
                found.append(f"<script> {_markers(tag.get_text())}")
        for name, value in tag.attrs.items():
            text = " ".join(value) if isinstance(value, list) else str(value)
            if name.lower().startswith("on") and "alert(" in text:
                found.append(f"<{tag.name} {name}> {_markers(text)}")
            url = _CONTROL.sub("", text).lower()
            if name.lower() in _URL_ATTRIBUTES and url.startswith("javascript:"):
                found.append(f"<{tag.name} {name}={text!r}>")
    return found


def _markers(text: str) -> str:
    return ", ".join(sorted(set(_MARKER.findall(text)))) or text[:80]


def visible_text(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(["script", "style", "template"]):
        tag.decompose()
    return soup.get_text(" ")


def assert_safe(response, where: str) -> None:
    assert response.status_code < 500, f"{where}: {response.status_code}"
    content_type = response.get("Content-Type", "")
    if "json" in content_type:
        json.loads(response.content)  # JSON, not HTML that a browser would render
    elif "html" in content_type:
        problems = live_markup(response.content.decode())
        assert not problems, f"{where}: live markup from stored text: {problems}"


# -- poisoning the world ----------------------------------------------------------------

# Columns that are not free text a person types, or whose format is checked before it is
# stored (so a payload could never be there): codes, tokens, digests, paths, answers.
SKIPPED_NAMES = {
    "slug",
    "url_path",
    "path",
    "code",
    "serial",
    "verification_code",
    "upload_token",
    "token",
    "id_number",
    "id_number_digest",
    "password",
    "username",
    "email",
    "answer",
    "old_answer",
    "new_answer",
    "video_type",
    "content_type",
    "pdf_sha256",
    "sha256",
    "language_code",
    "name_pinyin",
    "draft_title",
    "seo_title",
    "search_description",
    "locked_by",
    "translation_key",
    "hostname",
    "phone",
    "author_phone",
    "task_id",
    # file paths (a historical record keeps a file field as text)
    "document",
    "pdf",
    "xlsx",
    "image",
    "file",
    "video",
}


def _text_fields(model) -> list[str]:
    return [
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, (models.CharField, models.TextField))
        and not f.choices
        and not f.primary_key
        and f.name not in SKIPPED_NAMES
        and not f.name.endswith(("_code", "_token", "_key", "_sha256", "_digest"))
        and f.model is model  # a page's title is poisoned once, on Page
    ]


def poison_records() -> list[str]:
    """Overwrite every free-text column of every row of our models; return 'Model.field's."""
    poisoned = []
    for model in apps.get_models():
        if model._meta.app_label not in OUR_APPS or model._meta.proxy:
            continue
        names = _text_fields(model)
        if not names:
            continue
        limits = {name: model._meta.get_field(name).max_length for name in names}
        rich = {f.name: f for f in model._meta.concrete_fields if isinstance(f, RichTextField)}
        for pk in model._default_manager.values_list("pk", flat=True):
            values = {}
            for name in names:
                marker = f"{model.__name__}.{name}#{pk}"
                # Rich text is stored as the editor saves it; raw HTML could not get there.
                values[name] = (
                    edited_rich_text(marker, rich[name].features or RICH_FEATURES)
                    if name in rich
                    else payload(marker, limits[name], start=len(poisoned) + len(values))
                )
            model._default_manager.filter(pk=pk).update(**values)
        poisoned += [f"{model.__name__}.{name}" for name in names]
    for pk in Page.objects.filter(depth__gt=1).values_list("pk", flat=True):
        Page.objects.filter(pk=pk).update(title=payload(f"Page.title#{pk}"))
    return poisoned


def draftail(text: str, link: str = "javascript:alert('link')") -> str:
    """What the Draftail editor posts for a paragraph of `text` whose last two characters
    are a link to `link`."""
    return json.dumps(
        {
            "blocks": [
                {
                    "key": "xss01",
                    "type": "unstyled",
                    "depth": 0,
                    "text": text,
                    "inlineStyleRanges": [],
                    "entityRanges": [{"offset": len(text) - 2, "length": 2, "key": 0}],
                }
            ],
            "entityMap": {"0": {"type": "LINK", "mutability": "MUTABLE", "data": {"url": link}}},
        }
    )


def edited_rich_text(marker: str, features=RICH_FEATURES) -> str:
    """A payload typed into the rich text editor, as it is stored when the form is saved."""
    return ContentstateConverter(features).to_database_format(
        draftail(payload(marker) + "链接", link=f" Java\tScript:alert('{marker}-link')")
    )


def stream(marker: str) -> list[tuple]:
    """A StreamField body with each block that holds text, the payload in every text."""
    text = payload(marker)
    return [
        ("heading", {"text": text, "level": "h2"}),
        ("paragraph", edited_rich_text(f"{marker}.paragraph")),
        ("key_steps", {"title": text, "steps": [text, text]}),
        ("do_dont", {"do": [text], "dont": [text]}),
        (
            "callout",
            {"kind": "warning", "title": text, "text": edited_rich_text(f"{marker}.callout")},
        ),
    ]


def poison_pages(w) -> None:
    index = ArticleIndexPage.objects.child_of(w.home).first()
    w.article = ArticlePage(title="xss-article", slug="xss-article", summary="摘要", body=[])
    index.add_child(instance=w.article)
    w.article.body = stream("ArticlePage.body")
    w.article.save_revision().publish()

    course = CoursePage.objects.get(pk=w.course.pk)
    course.objectives = edited_rich_text("CoursePage.objectives", ["ul", "ol", "bold"])
    course.save_revision().publish()
    lesson = LessonPage.objects.get(pk=w.lesson.pk)
    knowledge_check = {
        "question": payload("LessonPage.check.question"),
        "options": [payload("LessonPage.check.a"), payload("LessonPage.check.b")],
        "correct": [1],
        "explanation": payload("LessonPage.check.explanation"),
    }
    lesson.body = [*stream("LessonPage.body"), ("knowledge_check", knowledge_check)]
    lesson.save_revision().publish()

    story = StoryPage.objects.get(pk=w.story.pk)
    story.body = stream("StoryPage.body")
    story.save_revision().publish()
    # The leader's team page waits for approval: approve it, so that the public sees it.
    team_page = TeamPage.objects.get(pk=w.team_page.pk)
    team_page.save_revision().publish()
    for page in (w.article, course, lesson, story):
        page.refresh_from_db()


@pytest.fixture(scope="module")
def xss_world(perm_world_built, django_db_blocker):
    """The permission suite's world, poisoned (rolled back with it after the module)."""
    w = perm_world_built
    with django_db_blocker.unblock():
        poison_pages(w)  # first: publishing a revision rewrites the page's own columns
        w.poisoned = poison_records()
    return w


@pytest.fixture
def world(xss_world, db):
    return xss_world


def client_for(w, actor: str) -> Client:
    client = Client()
    if actor != "anonymous":
        client.force_login(getattr(w, actor))
    return client


# -- the inventory: field × page × who ---------------------------------------------------


def _url(name, **kwargs):
    return lambda w: reverse(name, kwargs={k: v(w) for k, v in kwargs.items()})


def _page(attr):
    return lambda w: Page.objects.get(pk=getattr(w, attr).pk).specific.url


def _route(key):
    return lambda w: ROUTES[key].owner_url(w)


def _admin_edit(namespace, attr):
    return lambda w: reverse(f"{namespace}:edit", args=[getattr(w, attr).pk])


def _admin_list(namespace, name="index"):
    return lambda w: reverse(f"{namespace}:{name}")


def _team_page(w):
    return TeamPage.objects.get(pk=w.team_page.pk).url


INVENTORY = [
    # field marker, page, who opens it, the URL
    ("ArticlePage.summary", "public article", "anonymous", _page("article")),
    ("ArticlePage.body.paragraph", "public article", "anonymous", _page("article")),
    ("ArticlePage.body.callout", "public article", "anonymous", _page("article")),
    ("ArticlePage.body", "public article (heading, steps)", "anonymous", _page("article")),
    ("CoursePage.objectives", "public course outline", "anonymous", _page("course")),
    ("LessonPage.body.paragraph", "lesson", "member", _page("lesson")),
    ("StoryPage.body.paragraph", "public story", "anonymous", _page("story")),
    ("TeamPage.introduction", "public team page", "anonymous", _team_page),
    ("Team.name", "public team page", "anonymous", _team_page),
    ("ContestEntry.title", "public contest entry", "anonymous", _route("ContestPage:entry")),
    ("ContestEntry.description", "public contest entry", "anonymous", _route("ContestPage:entry")),
    ("ContestEntry.title", "judge's scoring page", "judge", _route("publicity_contest:judge")),
    (
        "Question.stem",
        "admin question listing",
        "reviewer",
        _admin_list("wagtailsnippets_courses_question", "list"),
    ),
    (
        "Question.stem",
        "admin question edit",
        "reviewer",
        _admin_edit("wagtailsnippets_courses_question", "question"),
    ),
    (
        "Question.explanation",
        "admin question edit",
        "reviewer",
        _admin_edit("wagtailsnippets_courses_question", "question"),
    ),
    ("Question.stem", "exam being taken", "member", _route("learn:attempt")),
    ("Question.option_b", "exam being taken", "member", _route("learn:attempt")),
    ("Question.explanation", "exam result", "member", _route("learn:attempt_result")),
    (
        "QuestionCategory.name",
        "admin question listing",
        "reviewer",
        _admin_list("wagtailsnippets_courses_question", "list"),
    ),
    ("Exam.title", "exam being taken", "member", _route("learn:attempt")),
    ("Member.name", "team progress (leader)", "leader", _route("learn:team_progress")),
    ("Member.name", "admin member listing", "leader", _admin_list("lms_member")),
    ("Member.name", "admin member edit", "leader", _admin_edit("lms_member", "member_record")),
    ("Team.name", "admin team listing", "admin", _admin_list("lms_team")),
    ("Team.name", "team compliance", "admin", _route("compliance_team")),
    ("Area.name", "area compliance", "admin", _route("compliance_area")),
    ("Area.name", "area progress", "admin", _route("learn:area_progress")),
    ("Drill.title", "drill (member)", "member", _route("learn:drill")),
    ("Drill.place", "drill (member)", "member", _route("learn:drill")),
    ("Drill.title", "drill edit (leader)", "leader", _route("learn:drill_edit")),
    ("Drill.title", "admin drill inspect", "leader", _route("lms_drill:inspect")),
    ("TrainingSession.title", "session (member)", "member", _route("learn:session")),
    (
        "ServiceRecord.description",
        "admin hours inspect",
        "leader",
        _route("lms_service_record:inspect"),
    ),
    ("ServiceRecord.description", "hours edit (member)", "member", _route("learn:hours_edit")),
    ("Inspection.findings", "admin inspection inspect", "admin", _route("lms_inspection:inspect")),
    ("Certificate.course_title", "certificate (member)", "member", _route("learn:certificate")),
    (
        "Certificate.course_title",
        "admin certificate inspect",
        "admin",
        _route("lms_certificate:inspect"),
    ),
    ("TeamDocument.title", "admin document listing", "admin", _admin_list("lms_document")),
    ("TrainingSession.place", "session (member)", "member", _route("learn:session")),
    ("TrainingPlan.title", "plan", "admin", _route("learn:plan")),
    (
        "QuestionRegrade.reason",
        "admin regrade inspect",
        "reviewer",
        _route("lms_question_regrade:inspect"),
    ),
]


@pytest.mark.parametrize(
    ("marker", "url_of", "actor"),
    [pytest.param(m, u, a, id=f"{m} @ {where} ({a})") for m, where, a, u in INVENTORY],
)
def test_field_is_shown_as_text(world, marker, url_of, actor):
    url = url_of(world)
    response = client_for(world, actor).get(url, follow=True)

    assert response.status_code == 200, (url, response.status_code)
    assert_safe(response, url)
    # The payload reached the page, as text: the test would see it run if it were markup.
    text = visible_text(response.content.decode())
    assert re.search(rf"{re.escape(marker)}(#\d+)?['\"]", text), f"{marker} is not shown on {url}"


# -- rich text through the editor ---------------------------------------------------------


def test_rich_text_keeps_to_the_whitelist(world):
    html = edited_rich_text("whitelist")
    soup = BeautifulSoup(html, "html.parser")

    assert {tag.name for tag in soup.find_all(True)} <= {"p", "a"}
    assert all(not a.get("href") for a in soup.find_all("a")), html  # javascript: dropped
    assert '<script>alert("whitelist")</script>' in soup.get_text()
    assert not live_markup(html)


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        " \tjavascript:alert(1)",
        "java\nscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
    ],
)
def test_rich_text_links_with_script_schemes_are_dropped(link):
    html = ContentstateConverter(RICH_FEATURES).to_database_format(draftail("看这里链接", link))

    assert "href" not in html, html


# -- the sweep: every page, with everything poisoned ---------------------------------------


def test_the_world_is_poisoned(world):
    """The sweep below only proves something if the payloads are really stored."""
    for expected in (
        "Member.name",
        "Team.name",
        "Area.name",
        "Drill.went_well",
        "ServiceRecord.description",
        "Question.stem",
        "Question.explanation",
        "ContestEntry.title",
        "ContestEntry.description",
        "TeamPage.introduction",
        "TeamDocument.title",
    ):
        assert expected in world.poisoned, expected
    assert "alert(" in Member.objects.get(pk=world.member_record.pk).name
    assert "alert(" in Question.objects.get(pk=world.question.pk).stem
    assert "alert(" in ContestEntry.objects.get(pk=world.entry.pk).description
    assert "alert(" in Team.objects.get(pk=world.team.pk).name


GET_ROUTES = sorted(k for k, c in ROUTES.items() if c.method == "get" and c.owner)


@pytest.mark.parametrize("key", GET_ROUTES)
def test_id_taking_page_has_no_live_markup(world, key):
    case = ROUTES[key]
    url = case.owner_url(world)

    response = client_for(world, case.owner).get(url)

    assert_safe(response, f"{key} {url}")


def _parameterless_routes() -> list[str]:
    namespaces = our_viewset_namespaces()
    found = set()
    for pattern, _text, namespace, params, source in _walk(get_resolver().url_patterns):
        if params or namespace.startswith(f"{API_NAMESPACE}:") or not pattern.name:
            continue
        module = _view_module(pattern.callback)
        if not (_ours(source) or _ours(module) or namespace.rstrip(":") in namespaces):
            continue
        found.add(f"{namespace}{pattern.name}")
    return sorted(found - NOT_PAGES)


# Routes without parameters that are no page to look at: files, feeds, sign-out, health.
NOT_PAGES = {"logout", "healthz", "sitemap", "article_feed", "set_language"}
ACTORS = ("superuser", "admin", "city_admin", "leader", "member", "reviewer", "judge")


@pytest.mark.parametrize("name", _parameterless_routes())
def test_page_without_ids_has_no_live_markup(world, name):
    url = reverse(name)
    for actor in ACTORS:
        response = client_for(world, actor).get(url, {"q": SEARCH_PAYLOAD})
        assert_safe(response, f"{name} {url} ({actor})")


def test_public_pages_have_no_live_markup(world):
    pages = [p.specific for p in Page.objects.live().filter(depth__gt=1)]
    assert len(pages) > 5
    for page in pages:
        url = page.url
        if not url:
            continue
        for actor in ("anonymous", "member"):
            assert_safe(client_for(world, actor).get(url), f"{url} ({actor})")
    response = Client().get(reverse("search"), {"q": SEARCH_PAYLOAD})
    assert response.status_code == 200
    assert_safe(response, "search")
    assert "alert('q')" in visible_text(response.content.decode())


def test_scripts_set_api_text_as_text_not_html():
    """The learner pages' scripts put API strings in the page with textContent only."""
    sources = [
        path
        for app in ("cms", "lms", "courses", "publicity")
        for path in (Path(settings.BASE_DIR) / app / "static").rglob("*.js")
        if "vendor" not in path.parts
    ]
    assert sources
    for path in sources:
        text = path.read_text()
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write"):
            assert sink not in text, f"{path.name} uses {sink}"


# -- a revoked certificate's reason --------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "url_of"),
    [
        pytest.param("member", lambda w, c: reverse("learn:certificate", args=[c.pk]), id="mine"),
        pytest.param("member", lambda w, c: reverse("learn:certificates"), id="my list"),
        pytest.param("anonymous", lambda w, c: reverse("verify", args=[c.code]), id="verify"),
        pytest.param(
            "admin", lambda w, c: reverse("lms_certificate:inspect", args=[c.pk]), id="admin"
        ),
    ],
)
def test_revoke_reason_is_shown_as_text(world, actor, url_of):
    certificate = certificate_revoke(
        certificate=world.certificate, by=world.admin, reason=payload("Certificate.revoked_reason")
    )

    response = client_for(world, actor).get(url_of(world, certificate))

    assert response.status_code == 200
    assert_safe(response, url_of(world, certificate))


# -- Wagtail's own admin pages showing our titles and bodies -------------------------------


@pytest.mark.parametrize(
    "url_of",
    [
        pytest.param(lambda w: reverse("wagtailadmin_home"), id="dashboard"),
        pytest.param(lambda w: reverse("wagtailadmin_explore", args=[w.home.pk]), id="explorer"),
        pytest.param(
            lambda w: reverse("wagtailadmin_pages:edit", args=[w.article.pk]), id="article edit"
        ),
        pytest.param(
            lambda w: reverse("wagtailadmin_pages:edit", args=[w.lesson.pk]), id="lesson edit"
        ),
        pytest.param(
            lambda w: reverse("wagtailadmin_pages:edit", args=[w.story.pk]), id="story edit"
        ),
        pytest.param(lambda w: reverse("wagtailadmin_pages:search") + "?q=x", id="page search"),
    ],
)
def test_wagtail_admin_pages_have_no_live_markup(world, url_of):
    response = client_for(world, "superuser").get(url_of(world))

    assert response.status_code == 200
    assert_safe(response, url_of(world))
