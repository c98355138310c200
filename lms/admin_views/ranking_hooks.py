"""The top ten (十佳队伍) in the Wagtail admin: the region's and each city's, for a year.

The ranking is published, so every area administrator sees all of it; a team's name links
to its compliance page only when the team lies in the viewer's scope. Anyone else is 404.
"""

import datetime

from django.http import Http404
from django.urls import NoReverseMatch, path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache

from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from openpyxl import Workbook

from cms.spreadsheets import new_sheet, text_cell, workbook_bytes, xlsx_response
from lms.models import Area, AreaLevel
from lms.models.compliance import ComplianceStandard, CriterionKind
from lms.scope import scope_for
from lms.selectors.ranking import (
    EXCLUSIONS,
    FORMULA,
    CityRanking,
    RankedTeam,
    ranking_by_city,
    ranking_exclusions,
    ranking_years,
    top_teams,
)
from lms.services.compliance import DEFAULT_HOURS

URL_NAME = "compliance_ranking"
MIN_YEAR, MAX_YEAR = 2000, 2100


def _year(request) -> int:
    """The year asked for; anything unreadable or out of range means this year."""
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year", this_year))
    except (TypeError, ValueError):
        return this_year
    return year if MIN_YEAR <= year <= MAX_YEAR else this_year


def _hours_threshold(year: int) -> float:
    """The standard's hours per member (the formula's divisor) in force at the year's end."""
    standard = ComplianceStandard.in_force(datetime.date(year, 12, 31))
    if standard is not None:
        for criterion in standard.criteria.all():
            if criterion.kind == CriterionKind.SERVICE_HOURS:
                return float(criterion.threshold)
    return DEFAULT_HOURS


def _team_url(pk: int) -> str | None:
    # The team's compliance page is another module's; until it exists, no link.
    try:
        return reverse("compliance_team", args=[pk])
    except NoReverseMatch:
        return None


@method_decorator(never_cache, name="dispatch")
class RankingView(WagtailAdminTemplateMixin, View):
    page_title = gettext_lazy("十佳社区响应队")
    header_icon = "list-ol"
    template_name = "lms/admin/ranking/index.html"

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": reverse(URL_NAME), "label": self.page_title}]

    def dispatch(self, request, *args, **kwargs):
        self.scope = scope_for(request.user)
        if not self.scope.is_area_admin:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        year = _year(request)
        region = top_teams(year)
        cities = ranking_by_city(year)
        if request.GET.get("format") == "xlsx":
            return xlsx_response(
                ranking_workbook(year, region, cities),
                _("十佳社区响应队-%(year)s.xlsx") % {"year": year},
            )
        self.page_subtitle = _("%(year)s 年度") % {"year": year}
        shown = {row.team.pk for row in region} | {
            row.team.pk for city in cities for row in city.rows
        }
        in_scope = set(self.scope.managed_teams().filter(pk__in=shown).values_list("pk", flat=True))
        links = {pk: url for pk in in_scope if (url := _team_url(pk))}
        years = sorted({*ranking_years(), timezone.localdate().year, year}, reverse=True)
        context = self.get_context_data(
            year=year,
            years=years,
            region=Area.objects.filter(depth=AreaLevel.REGION).first(),
            region_rows=_with_links(region, links),
            cities=[(city.city, _with_links(city.rows, links)) for city in cities],
            formula=FORMULA,
            hours_threshold=f"{_hours_threshold(year):g}",
            exclusions=EXCLUSIONS,
            counts=ranking_exclusions(year),
            export_url=f"{reverse(URL_NAME)}?year={year}&format=xlsx",
        )
        return self.render_to_response(context)


def _with_links(rows: list[RankedTeam], links: dict[int, str]) -> list[tuple[RankedTeam, str]]:
    return [(row, links.get(row.team.pk)) for row in rows]


# -- the workbook ---------------------------------------------------------------------


def _headers(first: list[tuple[str, int]]) -> list[tuple[str, int]]:
    return [
        *first,
        (_("名次"), 6),
        (_("队伍"), 28),
        (_("所在社区"), 36),
        (_("综合得分"), 10),
        (_("持证覆盖率（%）"), 14),
        (_("演练参与率（%）"), 14),
        (_("人均已核实服务时长（小时）"), 24),
        (_("进步分（0–1）"), 12),
        (_("在队人数"), 10),
    ]


def _cells(ws, row: RankedTeam) -> list:
    return [
        row.rank,
        text_cell(ws, row.team.name),
        text_cell(ws, row.community_name),
        float(row.score),
        row.coverage_percent,
        row.participation_percent,
        row.hours_per_member,
        row.improvement,
        row.members,
    ]


def ranking_workbook(year: int, region: list[RankedTeam], cities: list[CityRanking]) -> bytes:
    """The region's top ten, each city's, and the formula with the exclusions."""
    wb = Workbook(write_only=True)
    ws = new_sheet(wb, _("全区十佳"), _headers([]))
    for row in region:
        ws.append(_cells(ws, row))
    ws = new_sheet(wb, _("各市十佳"), _headers([(_("市"), 12)]))
    for city in cities:
        for row in city.rows:
            ws.append([text_cell(ws, city.city.name), *_cells(ws, row)])
    ws = new_sheet(wb, _("计分说明"), [(_("说明"), 120)])
    ws.append([_("%(year)s 年度十佳社区响应队排名") % {"year": year}])
    ws.append([str(FORMULA)])
    ws.append([_("不参加排名的队伍：")])
    for line in EXCLUSIONS:
        ws.append([str(line)])
    return workbook_bytes(wb)


# -- registration ---------------------------------------------------------------------


class RankingMenuItem(MenuItem):
    def is_shown(self, request):
        return scope_for(request.user).is_area_admin


@hooks.register("register_admin_urls")
def register_ranking_urls():
    return [path("compliance/ranking/", RankingView.as_view(), name=URL_NAME)]


@hooks.register("register_admin_menu_item")
def register_ranking_menu_item():
    return RankingMenuItem(
        gettext_lazy("十佳队伍"), reverse_lazy(URL_NAME), icon_name="list-ol", order=245
    )
