"""Reads of the announced top ten, for the public pages at /top-ten/.

Every read is a fixed number of queries, whatever the number of years, cities or teams:
the entries, their teams' pages and their stories are each fetched in one query.
Models are reached with `apps.get_model` (the page models import this package).
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import F

from wagtail.models import Locale, Page

from cms.cache import language_variants
from lms.models import Area, AreaLevel

STORIES_PER_TEAM = 3


def _selections():
    return apps.get_model("publicity", "TopTenSelection").objects


def announced_years() -> list[int]:
    """Years with an announced selection (the region's or a city's), newest first."""
    return list(_selections().order_by("-year").values_list("year", flat=True).distinct())


def current_year() -> int | None:
    """The latest announced year: what /top-ten/ shows."""
    years = announced_years()
    return years[0] if years else None


def region() -> Area | None:
    return Area.objects.filter(depth=AreaLevel.REGION).first()


def top_ten_selection(year: int, area: Area | None):
    """The selection of `area` (the region or a city) for `year`, with its entries, or None."""
    if area is None:
        return None
    return (
        _selections()
        .filter(year=year, area=area)
        .select_related("area")
        .prefetch_related("entries")
        .first()
    )


def city_selections(year: int) -> list:
    """The cities' selections of `year`, in division-code order (their areas loaded)."""
    return list(_selections().filter(year=year, area__depth=AreaLevel.CITY).select_related("area"))


def city_with_selection(year: int, code: str) -> Area | None:
    """The city with division code `code`, if it has a selection in `year`."""
    return Area.objects.filter(
        depth=AreaLevel.CITY, code=code, pk__in=_selections().filter(year=year).values("area")
    ).first()


@dataclass
class TopTenRow:
    """One ranked team as the public page shows it: the frozen entry, and the team's live
    page and stories (in the visitor's language where translated)."""

    entry: object
    team_page: Page | None = None
    stories: list[Page] = field(default_factory=list)


def _locales() -> tuple[int, int]:
    active = Locale.get_active()
    default = Locale.get_default()
    return active.pk, default.pk


def _prefer_active(pages, active_id: int) -> dict:
    """One page per key: the active locale's when there is one, else the default's."""
    chosen = {}
    for key, page in pages:
        if key not in chosen or page.locale_id == active_id:
            chosen[key] = page
    return chosen


def top_ten_rows(selection) -> list[TopTenRow]:
    """The selection's entries in rank order, each with its team's live public page and live
    stories (newest first, at most STORIES_PER_TEAM): three queries in all."""
    entries = list(selection.entries.all())
    team_ids = [entry.team_id for entry in entries]
    active_id, default_id = _locales()
    locale_ids = {active_id, default_id}

    team_pages = (
        apps.get_model("publicity", "TeamPage")
        .objects.live()
        .public()
        .filter(team_id__in=team_ids, locale_id__in=locale_ids)
        .defer_streamfields()
    )
    pages = _prefer_active(((page.team_id, page) for page in team_pages), active_id)

    stories = (
        apps.get_model("publicity", "StoryPage")
        .objects.live()
        .public()
        .filter(teams__in=team_ids, locale_id__in=locale_ids)
        .annotate(about_team=F("teams"))
        .defer_streamfields()
        .order_by("-story_date", "-pk")
    )
    by_team = _prefer_active(
        (((story.about_team, story.translation_key), story) for story in stories), active_id
    )
    team_stories: dict[int, list[Page]] = {}
    for (team_id, _key), story in by_team.items():
        team_stories.setdefault(team_id, []).append(story)

    rows = []
    for entry in entries:
        told = sorted(team_stories.get(entry.team_id, []), key=lambda s: (s.story_date, s.pk))
        rows.append(
            TopTenRow(
                entry=entry,
                team_page=pages.get(entry.team_id),
                stories=told[::-1][:STORIES_PER_TEAM],
            )
        )
    return rows


def top_ten_paths() -> list[str]:
    """Every public top-ten path, in every language: /top-ten/, each year, each city's list
    (what to purge from the page cache when a list or a linked page changes)."""
    routes = [""]
    codes_by_year: dict[int, list[str]] = {}
    for year, code in _selections().values_list("year", "area__code"):
        codes_by_year.setdefault(year, []).append(code)
    for year, codes in codes_by_year.items():
        routes.append(f"{year}/")
        routes.extend(f"{year}/{code}/" for code in codes)
    paths = []
    for index in apps.get_model("publicity", "TopTenIndexPage").objects.all():
        parts = index.get_url_parts()
        if not parts:
            continue
        for base in language_variants(parts[2]):
            paths.extend(base + route for route in routes)
    return sorted(set(paths))
