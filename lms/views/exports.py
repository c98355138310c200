"""The progress pages as .xlsx: the same figures a leader or an administrator sees."""

from django.utils.translation import gettext as _

from openpyxl import Workbook

from lms.models import Area
from lms.selectors import AreaCourse, CourseMatrix
from lms.spreadsheets import new_sheet, text_cell, workbook_bytes


def _yes(flag: bool) -> str:
    return _("是") if flag else ""


def _member_status(progress) -> str:
    if not progress.is_enrolled:
        return _("未报名")
    if progress.is_completed:
        return _("已结业")
    if not progress.is_started:
        return _("未开始")
    return _("学习中")


def team_progress_workbook(team, matrices: list[CourseMatrix]) -> bytes:
    """One row per course and active member, in the order of the team progress page."""
    wb = Workbook(write_only=True)
    ws = new_sheet(
        wb,
        _("学习进度"),
        [
            (_("课程"), 28),
            (_("课程编号"), 12),
            (_("队员"), 12),
            (_("状态"), 10),
            (_("已完成课时"), 12),
            (_("课时总数"), 10),
            (_("进度（%）"), 10),
            (_("截止日期"), 14),
            (_("结业日期"), 14),
            (_("逾期"), 8),
            (_("落后"), 8),
        ],
    )
    for matrix in matrices:
        course = matrix.course
        for row in matrix.rows:
            progress = row.progress
            enrollment = progress.enrollment
            completed_at = enrollment.completed_at if enrollment else None
            ws.append(
                [
                    text_cell(ws, course.title),
                    text_cell(ws, course.code),
                    text_cell(ws, row.member.name),
                    _member_status(progress),
                    progress.lessons_done if progress.is_enrolled else None,
                    progress.lessons_total,
                    progress.percent if progress.is_enrolled else None,
                    enrollment.due_on if enrollment else None,
                    completed_at.date() if completed_at else None,
                    _yes(progress.is_overdue),
                    _yes(progress.is_behind),
                ]
            )
    return workbook_bytes(wb)


def area_progress_workbook(area: Area, courses: list[AreaCourse]) -> bytes:
    """Per course, a total row for the area then one row per child area (or team)."""
    wb = Workbook(write_only=True)
    ws = new_sheet(
        wb,
        _("学习进度"),
        [
            (_("课程"), 28),
            (_("课程编号"), 12),
            (_("区域或队伍"), 28),
            (_("报名人数"), 10),
            (_("已结业"), 10),
            (_("逾期"), 8),
            (_("结业率（%）"), 12),
        ],
    )
    for entry in courses:
        course = entry.course
        rows = [(_("%(area)s（合计）") % {"area": area.name}, entry.total)]
        rows += [
            (branch.team.name if branch.team else branch.area.name, branch.counts)
            for branch in entry.branches
        ]
        for name, counts in rows:
            ws.append(
                [
                    text_cell(ws, course.title),
                    text_cell(ws, course.code),
                    text_cell(ws, name),
                    counts.enrolled,
                    counts.completed,
                    counts.overdue,
                    counts.percent,
                ]
            )
    return workbook_bytes(wb)
