"""Compliance dashboards in the Wagtail admin (达标进度): a home-page panel, an area report
with charts and a drill-down region → city → county → township → community → team →
member, and re-evaluation on demand.

Only area administrators (and global users) see any of it. An area they do not
administer, or a team outside `managed_teams()`, is a 404, as is every page for anyone
else (team leaders included). Area figures come from lms.selectors.compliance, whose
grouped queries keep the number of queries the same however many children or teams an
area has; the member table is five grouped queries for the whole team.
"""

import math

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache

from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from courses.models import CoursePage
from lms.models import (
    Area,
    Team,
)
from lms.models.areas import AreaLevel, subtree_filter
from lms.models.compliance import (
    SHARE_KINDS,
    ComplianceSnapshot,
    ComplianceStandard,
    CriterionKind,
)
from lms.models.teams import DocumentKind
from lms.scope import Scope, scope_for
from lms.selectors.compliance import (
    area_history,
    area_overview,
    area_rollup,
    as_of,
    member_rows,
    team_snapshots,
)
from lms.services.compliance import required_courses, team_evaluate, teams_evaluate_later

# How many past years the year selector offers besides the current one.
YEARS_BACK = 4
# Team ids per re-evaluation task: a region's 16,000 teams become a handful of tasks.


# -- helpers ----------------------------------------------------------------------------------


def top_area(scope: Scope) -> Area | None:
    """The highest area the user administers: the region root for a global user."""
    if scope.is_global:
        return Area.get_first_root_node()
    if not scope.area_paths:
        return None
    path_ = min(scope.area_paths, key=lambda p: (len(p), p))
    return Area.objects.filter(path=path_).first()


def selected_year(request) -> int:
    """`?year=` when it is one the selector offers, else the current year."""
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return this_year
    return year if this_year - YEARS_BACK <= year <= this_year else this_year


def year_choices() -> list[int]:
    this_year = timezone.localdate().year
    return list(range(this_year, this_year - YEARS_BACK - 1, -1))


def _number(value) -> str:
    return f"{float(value):g}"


def _share(value) -> str:
    """A share as a percentage to 0.1, rounded down so a miss never reads as the threshold
    (0.5999 → 59.9%, not 60%)."""
    pct = math.floor(float(value) * 1000 + 1e-6) / 10
    return f"{pct:g}%"


def value_display(result: dict) -> str:
    kind, value = result["kind"], result["value"]
    if kind in SHARE_KINDS:
        return _share(value)
    if kind == CriterionKind.DOCUMENTS:
        return f"{_number(value)} / {_number(result['threshold'])}"
    if kind == CriterionKind.SERVICE_HOURS:
        return _("%(hours)s 小时") % {"hours": _number(value)}
    return _number(value)


def detail_lines(result: dict, course_titles: dict[int, str]) -> list[dict]:
    """What lies behind a criterion's figure, in words: {text, passed (or None)}."""
    kind, detail = result["kind"], result.get("detail") or {}
    if kind == CriterionKind.CERTIFICATES:
        threshold = float(result["threshold"])
        return [
            {
                "text": _("%(course)s：持证 %(share)s")
                % {
                    "course": course_titles.get(
                        int(course_id), _("课程 %(id)s") % {"id": course_id}
                    ),
                    "share": _share(share),
                },
                "passed": float(share) >= threshold - 1e-9,
            }
            for course_id, share in detail.get("courses", {}).items()
        ]
    if kind == CriterionKind.DOCUMENTS:
        missing = detail.get("missing") or []
        if not missing:
            return [{"text": _("必备制度文件齐全"), "passed": True}]
        labels = "、".join(str(DocumentKind(k).label) for k in missing if k in DocumentKind.values)
        return [{"text": _("缺少：%(documents)s") % {"documents": labels}, "passed": False}]
    if kind == CriterionKind.EQUIPMENT and "items" in detail:
        text = _("配备齐全 %(complete)s / %(items)s 项") % detail
        return [{"text": text, "passed": None}]
    if kind == CriterionKind.INSURANCE and "insured" in detail:
        return [{"text": _("在保 %(insured)s 人") % detail, "passed": None}]
    if kind == CriterionKind.DRILL_PARTICIPATION and "took_part" in detail:
        return [{"text": _("本年度参加演练 %(took_part)s 人") % detail, "passed": None}]
    if kind == CriterionKind.SERVICE_HOURS and "hours" in detail:
        text = _("已核实服务时长合计 %(hours)s 小时") % {"hours": _number(detail["hours"])}
        return [{"text": text, "passed": None}]
    return []


def failing_summary(snapshot: ComplianceSnapshot) -> list[str]:
    """A failing team's reasons, short: 在队人数 ≥ 20（现 19）."""
    return [
        _("%(label)s（现 %(value)s）") % {"label": r["label"], "value": value_display(r)}
        for r in snapshot.failed_results
    ]


def trail(scope: Scope, areas: list[Area], *, last_is_current=True) -> list[dict]:
    """Breadcrumb items for areas from the top down; links only where the user may go."""
    return [
        {
            "label": area.name,
            "level": area.get_level_display(),
            "url": (reverse("compliance_area", args=[area.pk]) if scope.administers(area) else ""),
            "current": last_is_current and n == len(areas) - 1,
        }
        for n, area in enumerate(areas)
    ]


# -- the member level -------------------------------------------------------------------------


# -- the home-page panel ----------------------------------------------------------------------


class CompliancePanel(Component):
    name = "compliance"
    order = 50
    template_name = "lms/admin/compliance/panel.html"

    def __init__(self, rollup):
        self.rollup = rollup

    def get_context_data(self, parent_context=None):
        return {
            "rollup": self.rollup,
            "failing": self.rollup.failing_labels[:3],
            "url": reverse("compliance_area", args=[self.rollup.area.pk]),
        }


@hooks.register("construct_homepage_panels")
def add_compliance_panel(request, panels):
    scope = scope_for(request.user)
    if not scope.is_area_admin:
        return
    area = top_area(scope)
    if area is not None:
        panels.append(CompliancePanel(area_rollup(area, timezone.localdate().year)))


# -- the report views -------------------------------------------------------------------------


class ComplianceView(WagtailAdminTemplateMixin, View):
    """Base: only area administrators; everyone else gets a 404, as for an unknown page."""

    header_icon = "circle-check"

    def dispatch(self, request, *args, **kwargs):
        self.scope = scope_for(request.user)
        if not self.scope.is_area_admin:
            raise Http404
        self.load(**kwargs)
        return super().dispatch(request, *args, **kwargs)

    def load(self, **kwargs) -> None:
        """Look up the page's object within the user's scope (Http404 outside it)."""

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("compliance_dashboard"), "label": _("达标进度")},
            {"url": "", "label": self.get_page_title()},
        ]


@method_decorator(never_cache, name="dispatch")
class DashboardView(ComplianceView):
    """The user's own top area."""

    def get(self, request):
        area = top_area(self.scope)
        if area is None:
            raise Http404
        url = reverse("compliance_area", args=[area.pk])
        query = request.GET.urlencode()
        return redirect(f"{url}?{query}" if query else url)


@method_decorator(never_cache, name="dispatch")
class AreaView(ComplianceView):
    template_name = "lms/admin/compliance/area.html"

    def load(self, pk):
        self.area = get_object_or_404(Area, pk=pk)
        if not self.scope.administers(self.area):
            raise Http404

    def get_page_title(self):
        return _("达标进度：%(area)s") % {"area": self.area.name}

    def get(self, request, pk):
        area, year = self.area, selected_year(request)
        rollup, children = area_overview(area, year)
        history = area_history(area, year)
        points = [(row.date, row.share) for row in history]
        if not points:
            points = [(as_of(year), rollup.share)]
        teams, unevaluated = [], []
        if area.depth >= AreaLevel.TOWNSHIP:
            teams = [
                {"snapshot": s, "failing": failing_summary(s)} for s in team_snapshots(area, year)
            ]
            unevaluated = list(
                Team.objects.filter(**subtree_filter("community__", area.path))
                .exclude(compliance_snapshots__year=year)
                .select_related("community")
                .order_by("name")
            )
        ancestors = list(area.get_ancestors()) if area.depth > 1 else []
        bars = [
            {
                "label": child.area.name,
                "share": child.share,
                "target": child.target,
                "url": reverse("compliance_area", args=[child.area.pk]) + f"?year={year}",
            }
            for child in children
        ]
        return self.render_to_response(
            self.get_context_data(
                area=area,
                year=year,
                years=year_choices(),
                rollup=rollup,
                children=children,
                bars=bars,
                points=points,
                no_history=not history,
                failing=rollup.failing_labels,
                teams=teams,
                unevaluated=unevaluated,
                trail=trail(self.scope, [*ancestors, area]),
                child_level=(
                    AreaLevel(area.depth + 1).label if area.depth < AreaLevel.COMMUNITY else ""
                ),
                current_year=year == timezone.localdate().year,
            )
        )

    def post(self, request, pk):
        team_ids = list(
            Team.objects.filter(**subtree_filter("community__", self.area.path))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        teams_evaluate_later(team_ids)
        messages.success(
            request,
            _("已提交 %(area)s %(n)s 支队伍的重新评估，完成后刷新本页即可看到最新结果。")
            % {"area": self.area.name, "n": len(team_ids)},
        )
        return redirect("compliance_area", self.area.pk)


@method_decorator(never_cache, name="dispatch")
class TeamView(ComplianceView):
    template_name = "lms/admin/compliance/team.html"

    def load(self, pk):
        teams = self.scope.managed_teams().select_related("community")
        self.team = get_object_or_404(teams, pk=pk)

    def get_page_title(self):
        return _("达标情况：%(team)s") % {"team": self.team.name}

    def get(self, request, pk):
        team, year = self.team, selected_year(request)
        on = as_of(year)
        snapshot = (
            ComplianceSnapshot.objects.filter(team=team, year=year)
            .select_related("standard")
            .first()
        )
        course_ids = self._course_ids(snapshot, on)
        titles = dict(CoursePage.objects.filter(pk__in=course_ids).values_list("pk", "title"))
        results = [
            {
                **r,
                "value_display": value_display(r),
                "details": detail_lines(r, titles),
            }
            for r in (snapshot.results if snapshot else [])
        ]
        community = team.community
        ancestors = list(community.get_ancestors())
        return self.render_to_response(
            self.get_context_data(
                team=team,
                year=year,
                years=year_choices(),
                on=on,
                snapshot=snapshot,
                results=results,
                courses=[titles.get(c, str(c)) for c in course_ids],
                members=member_rows(team, year=year, on=on, course_ids=course_ids),
                trail=trail(self.scope, [*ancestors, community], last_is_current=False),
                area_url=reverse("compliance_area", args=[community.pk]),
                current_year=year == timezone.localdate().year,
            )
        )

    @staticmethod
    def _course_ids(snapshot, on) -> list[int]:
        """The courses the snapshot counted, or those of the standard in force today."""
        if snapshot is not None:
            ids = [
                int(course_id)
                for r in snapshot.results
                if r["kind"] == CriterionKind.CERTIFICATES
                for course_id in (r.get("detail") or {}).get("courses", {})
            ]
            return list(dict.fromkeys(ids))
        standard = ComplianceStandard.in_force(on)
        return required_courses(standard) if standard else []

    def post(self, request, pk):
        snapshot = team_evaluate(self.team)
        if snapshot is None:
            messages.error(request, _("尚未设置建设标准，无法评估。"))
        elif snapshot.is_frozen:
            messages.warning(
                request, _("%(team)s 本年度结果已冻结，未重新评估。") % {"team": self.team.name}
            )
        elif snapshot.passed:
            messages.success(request, _("已重新评估：%(team)s 达标。") % {"team": self.team.name})
        else:
            messages.warning(request, _("已重新评估：%(team)s 未达标。") % {"team": self.team.name})
        return redirect("compliance_team", self.team.pk)


@hooks.register("register_admin_urls")
def register_compliance_urls():
    return [
        path("compliance/", DashboardView.as_view(), name="compliance_dashboard"),
        path("compliance/areas/<int:pk>/", AreaView.as_view(), name="compliance_area"),
        path("compliance/teams/<int:pk>/", TeamView.as_view(), name="compliance_team"),
    ]


class ComplianceMenuItem(MenuItem):
    def is_shown(self, request):
        return scope_for(request.user).is_area_admin


@hooks.register("register_admin_menu_item")
def register_compliance_menu_item():
    return ComplianceMenuItem(
        gettext_lazy("达标进度"),
        reverse_lazy("compliance_dashboard"),
        icon_name="circle-check",
        order=180,
    )
