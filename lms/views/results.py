"""Exam results for those who manage: a team's members on each final exam (its leaders and
the administrators over it), and an area's teams (its administrators), each as .xlsx too.

A team or an area outside the user's scope is a 404, as for every object outside a scope.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from openpyxl import Workbook

from cms.spreadsheets import new_sheet, text_cell, workbook_bytes
from lms.models import Area, Team
from lms.scope import Scope, scope_for
from lms.selectors.results import (
    AreaExam,
    ExamCell,
    ExamResults,
    area_results,
    area_team_results,
    team_results,
)
from lms.views.common import administered_area, managed_team, wants_xlsx, xlsx_response

# -- a team ------------------------------------------------------------------------------


def status_label(cell: ExamCell) -> str:
    return {
        "passed": _("已通过"),
        "failed": _("未通过"),
        "open": _("作答中"),
        "none": _("未参加"),
    }[cell.status]


def _local_date(moment):
    return timezone.localtime(moment).date() if moment else None


def team_results_workbook(team: Team, exams: list[ExamResults]) -> bytes:
    """One row per final exam and active member, in the order of the page."""
    wb = Workbook(write_only=True)
    ws = new_sheet(
        wb,
        _("考试成绩"),
        [
            (_("考试"), 28),
            (_("课程编号"), 12),
            (_("队员"), 12),
            (_("结果"), 10),
            (_("最高得分率（%）"), 14),
            (_("最高得分"), 10),
            (_("已用次数"), 10),
            (_("最多次数"), 10),
            (_("最近作答日期"), 14),
        ],
    )
    for entry in exams:
        exam = entry.exam
        for row in entry.rows:
            cell = row.cell
            ws.append(
                [
                    text_cell(ws, exam.title),
                    text_cell(ws, exam.course.code),
                    text_cell(ws, row.member.name),
                    status_label(cell),
                    cell.best_percent,
                    cell.best_score,
                    cell.attempts_used,
                    exam.max_attempts or None,
                    _local_date(cell.last_at),
                ]
            )
    return workbook_bytes(wb)


@never_cache
@login_required
def team_results_view(request: HttpRequest, team_pk: int) -> HttpResponse:
    team = managed_team(request, team_pk)
    exams = team_results(team)
    if wants_xlsx(request):
        today = timezone.localdate()
        return xlsx_response(
            team_results_workbook(team, exams), f"{team.name}-考试成绩-{today:%Y%m%d}.xlsx"
        )
    rows = [(entry, [(row, status_label(row.cell)) for row in entry.rows]) for entry in exams]
    return render(request, "lms/results/team_results.html", {"team": team, "exams": rows})


# -- an area -----------------------------------------------------------------------------


def area_results_workbook(area: Area, exams) -> bytes:
    """Per final exam, one row per team of the area's subtree."""
    wb = Workbook(write_only=True)
    ws = new_sheet(
        wb,
        _("考试成绩"),
        [
            (_("考试"), 28),
            (_("课程编号"), 12),
            (_("队伍"), 28),
            (_("社区"), 16),
            (_("行政区划代码"), 16),
            (_("在队人数"), 10),
            (_("参考人数"), 10),
            (_("通过人数"), 10),
            (_("参考率（%）"), 12),
            (_("通过率（%）"), 12),
        ],
    )
    for exam, rows in exams:
        for row in rows:
            counts = row.counts
            community = row.team.community
            ws.append(
                [
                    text_cell(ws, exam.title),
                    text_cell(ws, exam.course.code),
                    text_cell(ws, row.team.name),
                    text_cell(ws, community.name),
                    community.code,
                    counts.members,
                    counts.attempted,
                    counts.passed,
                    counts.attempt_rate,
                    counts.pass_rate,
                ]
            )
    return workbook_bytes(wb)


def _trail(scope: Scope, area: Area) -> list[Area]:
    """The areas above `area` the user also administers, for links back up."""
    return [a for a in area.get_ancestors() if scope.administers(a)]


@never_cache
@login_required
def area_results_view(request: HttpRequest, area_pk: int) -> HttpResponse:
    area = administered_area(request, area_pk)
    if wants_xlsx(request):
        today = timezone.localdate()
        return xlsx_response(
            area_results_workbook(area, area_team_results(area)),
            f"{area.name}-考试成绩-{today:%Y%m%d}.xlsx",
        )
    exams: list[AreaExam] = area_results(area)
    return render(
        request,
        "lms/results/area_results.html",
        {"area": area, "exams": exams, "trail": _trail(scope_for(request.user), area)},
    )


urlpatterns = [
    path("teams/<int:team_pk>/results/", team_results_view, name="team_results"),
    path("areas/<int:area_pk>/results/", area_results_view, name="area_results"),
]
