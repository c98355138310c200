"""Reads of the team directory, team pages and stories.

The public figures are counts and shares computed from the records (members on the roster,
drills held, valid certificates); nothing here returns a member's name or any personal data.
Page classes are reached with `apps.get_model`: the page models import this module.
"""

import datetime
import re
from dataclasses import dataclass
from html import unescape

from django.apps import apps
from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from wagtail.models import Locale, Page, WorkflowState

from lms.models import Area, AreaLevel, Certificate, CertificateStatus, Drill, EventStatus, Team
from lms.selectors.compliance import member_active, year_bounds

PER_PAGE = 20
STORIES_PER_PAGE = 12
# Stories listed on a team's page, newest first.
TEAM_PAGE_STORIES = 10
QUERY_MAX_LENGTH = 50
AREA_CODE = re.compile(r"^\d{6}$")


def _model(name: str):
    return apps.get_model("publicity", name)


# -- the figures a team shows the public ------------------------------------------------


@dataclass(frozen=True)
class PublicFigures:
    """What a team page says about the team's people: counts and a share, never who."""

    year: int
    members: int = 0
    drills: int = 0
    certified: int = 0

    @property
    def certified_percent(self) -> int | None:
        """Share of active members holding a valid certificate, rounded down (99.5% is 99%)."""
        if not self.members:
            return None
        return self.certified * 100 // self.members


def _figures_for(team_ids: list[int], on: datetime.date | None = None) -> dict[int, PublicFigures]:
    """Figures of several teams at once: three grouped queries, whatever their number."""
    on = on or timezone.localdate()
    year = on.year
    if not team_ids:
        return {}
    members = dict(
        apps.get_model("lms", "Member")
        .objects.active(on)
        .filter(team_id__in=team_ids)
        .values("team_id")
        .annotate(n=Count("pk"))
        .values_list("team_id", "n")
    )
    start, end = year_bounds(year)
    drills = dict(
        Drill.objects.filter(
            teams__in=team_ids,
            status=EventStatus.HELD,
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .values("teams")
        .annotate(n=Count("pk", distinct=True))
        .values_list("teams", "n")
    )
    certified = dict(
        Certificate.objects.filter(
            member_active(on),
            Q(expires_on__isnull=True) | Q(expires_on__gte=on),
            status=CertificateStatus.VALID,
            member__team_id__in=team_ids,
        )
        .values("member__team_id")
        .annotate(n=Count("member_id", distinct=True))
        .values_list("member__team_id", "n")
    )
    return {
        pk: PublicFigures(
            year=year,
            members=members.get(pk, 0),
            drills=drills.get(pk, 0),
            certified=certified.get(pk, 0),
        )
        for pk in team_ids
    }


def team_public_figures(team: Team) -> PublicFigures:
    """Active members, drills held this calendar year, and the share of active members
    holding at least one valid certificate."""
    return _figures_for([team.pk])[team.pk]


# -- the directory ------------------------------------------------------------------------


def _area_choice(code: str, depth: int, within: Area | None = None) -> Area | None:
    if not code or not AREA_CODE.match(code):
        return None
    area = Area.objects.filter(code=code, depth=depth).first()
    if area is not None and within is not None and not area.path.startswith(within.path):
        return None
    return area


def _areas_with_pages(pages: QuerySet, depth: int, within: Area | None = None) -> list[Area]:
    """The areas at `depth` holding at least one of `pages`' teams (for the filter chips)."""
    length = depth * Area.steplen
    if within is not None:
        pages = pages.filter(
            team__community__path__gte=within.path, team__community__path__lt=within.path + "~"
        )
    prefixes = (
        pages.order_by()
        .annotate(prefix=Substr("team__community__path", 1, length))
        .values_list("prefix", flat=True)
        .distinct()
    )
    return list(Area.objects.filter(depth=depth, path__in=list(prefixes)).order_by("code"))


def _full_names(communities: list[Area]) -> dict[int, str]:
    """Each community's name from the city down, for all of them in one query."""
    prefixes = {
        area.path[:n]
        for area in communities
        for n in range(Area.steplen * AreaLevel.CITY, len(area.path), Area.steplen)
    }
    names = dict(Area.objects.filter(path__in=prefixes).values_list("path", "name"))
    return {
        area.pk: "".join(
            [
                *(
                    names.get(area.path[:n], "")
                    for n in range(Area.steplen * AreaLevel.CITY, len(area.path), Area.steplen)
                ),
                area.name,
            ]
        )
        for area in communities
    }


def team_directory(index: Page, params) -> dict:
    """The /teams/ page: live public team pages under `index` (so in its language), filtered
    by city and county (area codes) and a name search, 20 a page, with the filters' choices."""
    TeamPage = _model("TeamPage")
    pages = TeamPage.objects.child_of(index).live().public()

    city = _area_choice(params.get("city", ""), AreaLevel.CITY)
    county = _area_choice(params.get("county", ""), AreaLevel.COUNTY, within=city)
    if county is not None and city is None:
        city = Area.objects.filter(path=county.path[: Area.steplen * AreaLevel.CITY]).first()
    cities = _areas_with_pages(pages, AreaLevel.CITY)
    counties = _areas_with_pages(pages, AreaLevel.COUNTY, within=city) if city else []

    chosen = county or city
    if chosen is not None:
        pages = pages.filter(
            team__community__path__gte=chosen.path, team__community__path__lt=chosen.path + "~"
        )
    query = " ".join(str(params.get("q", "")).split())[:QUERY_MAX_LENGTH]
    if query:
        pages = pages.filter(
            Q(title__icontains=query)
            | Q(team__name__icontains=query)
            | Q(team__community__name__icontains=query)
        )
    pages = pages.select_related("team__community", "photo").order_by("team__community__path", "pk")
    teams: PaginatorPage = Paginator(pages, PER_PAGE).get_page(params.get("page"))
    teams.object_list = list(teams.object_list)
    figures = _figures_for([p.team_id for p in teams.object_list])
    full_names = _full_names([p.team.community for p in teams.object_list])
    for page in teams.object_list:
        page.public_figures = figures[page.team_id]
        page.community_full_name = full_names[page.team.community_id]

    filters = {}
    if county:
        filters["county"] = county.code
    if city:
        filters["city"] = city.code
    if query:
        filters["q"] = query
    return {
        "teams": teams,
        "cities": cities,
        "counties": counties,
        "city": city,
        "county": county,
        "query": query,
        # For the pager's links: the filters, without the page number.
        "filter_query": urlencode(filters),
    }


# -- stories ----------------------------------------------------------------------------


def _in_active_locale(pages: QuerySet) -> QuerySet:
    """Of pages in several languages, those in the active language, and for the rest the
    default language's (a story not yet in English is listed in Chinese)."""
    active = Locale.get_active()
    default = Locale.get_default()
    q = Q(locale=active)
    if active.pk != default.pk:
        translated = pages.filter(locale=active).values("translation_key")
        q |= Q(locale=default) & ~Q(translation_key__in=translated)
    return pages.filter(q)


def stories_about(team: Team) -> list:
    """Live public stories about `team`, newest first, in the active language if translated."""
    StoryPage = _model("StoryPage")
    stories = StoryPage.objects.live().public().filter(teams=team)
    return list(
        _in_active_locale(stories)
        .select_related("hero_image")
        .order_by("-story_date", "-pk")[:TEAM_PAGE_STORIES]
    )


def stories_for_index(index: Page, params) -> dict:
    """The /stories/ page: its live public stories, newest first, 12 a page."""
    StoryPage = _model("StoryPage")
    stories = (
        StoryPage.objects.child_of(index)
        .live()
        .public()
        .select_related("hero_image")
        .prefetch_related("teams")
        .order_by("-story_date", "-pk")
    )
    return {"stories": Paginator(stories, STORIES_PER_PAGE).get_page(params.get("page"))}


def story_team_pages(story) -> list:
    """The public pages of the teams a story is about (in the active language if there)."""
    TeamPage = _model("TeamPage")
    pages = TeamPage.objects.live().public().filter(team__in=story.teams.all())
    return list(_in_active_locale(pages).select_related("team").order_by("team__name"))


# -- what a leader sees of their drafts ---------------------------------------------------


def team_page_of(team: Team):
    """The team's own page (in the default language), live or not, or None."""
    TeamPage = _model("TeamPage")
    return TeamPage.objects.filter(team=team, locale=Locale.get_default()).first()


def team_stories(team: Team) -> list:
    """Stories the team wrote (in the default language), newest first, live or not."""
    StoryPage = _model("StoryPage")
    return list(
        StoryPage.objects.filter(written_by=team, locale=Locale.get_default()).order_by(
            "-story_date", "-pk"
        )
    )


@dataclass(frozen=True)
class PageState:
    code: str  # none, draft, moderation, changes, live
    label: str
    comment: str = ""
    # A live page with a newer draft not yet approved.
    has_draft: bool = False


def page_state(page) -> PageState:
    """Where a page stands: 未创建, 草稿, 审核中, 退回修改 (with the reviewer's comment), 已发布."""
    if page is None:
        return PageState("none", _("未创建"))
    state = (
        WorkflowState.objects.active()
        .filter(base_content_type=page.get_base_content_type(), object_id=str(page.pk))
        .select_related("current_task_state")
        .first()
    )
    if state is not None and state.status == WorkflowState.STATUS_IN_PROGRESS:
        return PageState("moderation", _("审核中"))
    if state is not None and state.status == WorkflowState.STATUS_NEEDS_CHANGES:
        comment = state.current_task_state.comment if state.current_task_state else ""
        return PageState("changes", _("退回修改"), comment=comment)
    if page.live:
        return PageState("live", _("已发布"), has_draft=page.has_unpublished_changes)
    return PageState("draft", _("草稿"))


_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def story_body_text(story) -> tuple[str, bool]:
    """A story's body as the plain text a leader edits (paragraphs between blank lines), and
    whether it holds only paragraphs (images or other blocks added in the admin are not
    editable on the leader's screen)."""
    paragraphs = []
    only_paragraphs = True
    for block in story.body:
        if block.block_type != "paragraph":
            only_paragraphs = False
            continue
        html = _BREAK.sub("\n", block.value.source)
        html = re.sub(r"</p>\s*<p[^>]*>", "\n\n", html)
        paragraphs.append(unescape(_TAG.sub("", html)).strip())
    return "\n\n".join(p for p in paragraphs if p), only_paragraphs
