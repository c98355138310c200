"""The activity pages as .xlsx: the same figures the pages show."""

from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from openpyxl import Workbook

from cms.spreadsheets import new_sheet, text_cell, workbook_bytes
from lms.models import ServiceRecord
from lms.selectors.activities import AreaDrills, PlanProgress, TeamActivity, person_name


def _source(record: ServiceRecord) -> str:
    if record.drill_id:
        return _("演练自动登记")
    if record.session_id:
        return _("培训自动登记")
    return _("手工登记")


def service_records_workbook(records: Iterable[ServiceRecord]) -> bytes:
    """One row per record, with its status and who entered and verified it."""
    wb = Workbook(write_only=True)
    ws = new_sheet(
        wb,
        _("服务时长"),
        [
            (_("日期"), 12),
            (_("队员"), 12),
            (_("队伍"), 24),
            (_("活动类型"), 10),
            (_("时长（小时）"), 12),
            (_("服务内容"), 40),
            (_("状态"), 10),
            (_("来源"), 14),
            (_("登记人"), 12),
            (_("核实人"), 12),
            (_("核实时间"), 18),
            (_("未通过原因"), 24),
        ],
    )
    for r in records:
        ws.append(
            [
                r.date,
                text_cell(ws, r.member.name),
                text_cell(ws, r.member.team.name),
                r.get_activity_display(),
                float(r.hours),
                text_cell(ws, r.description),
                r.get_status_display(),
                _source(r),
                text_cell(ws, person_name(r.entered_by)),
                text_cell(ws, person_name(r.verified_by)),
                timezone.localtime(r.verified_at).replace(tzinfo=None) if r.verified_at else None,
                text_cell(ws, r.reject_reason),
            ]
        )
    return workbook_bytes(wb)


def team_activity_workbook(activity: TeamActivity) -> bytes:
    """Two sheets: attendance per drill, and per member with verified hours."""
    wb = Workbook(write_only=True)
    drills = new_sheet(
        wb,
        _("演练考勤"),
        [
            (_("日期"), 12),
            (_("演练名称"), 30),
            (_("演练科目"), 16),
            (_("参演人数"), 10),
            (_("在队人数"), 10),
            (_("参演率（%）"), 12),
            (_("评估得分"), 10),
        ],
    )
    for row in activity.drills:
        drills.append(
            [
                row.day,
                text_cell(drills, row.drill.title),
                row.drill.get_scenario_display(),
                row.participants,
                row.active,
                row.percent,
                row.drill.score,
            ]
        )
    members = new_sheet(
        wb,
        _("队员考勤"),
        [
            (_("队员"), 12),
            (_("参加演练"), 10),
            (_("应参加演练"), 12),
            (_("参演率（%）"), 12),
            (_("已核实服务时长（小时）"), 22),
        ],
    )
    for row in activity.members:
        members.append(
            [
                text_cell(members, row.member.name),
                row.attended,
                row.held,
                row.percent,
                float(row.hours),
            ]
        )
    return workbook_bytes(wb)


def area_drills_workbook(report: AreaDrills) -> bytes:
    """A total row for the area, then one row per child area (or team)."""
    wb = Workbook(write_only=True)
    ws = new_sheet(
        wb,
        _("演练统计"),
        [
            (_("区域或队伍"), 28),
            (_("队伍数"), 10),
            (_("开展演练的队伍"), 16),
            (_("演练次数"), 10),
            (_("演练队次"), 10),
            (_("队均演练次数"), 14),
            (_("参演人次"), 10),
        ],
    )
    rows = [(_("%(area)s（合计）") % {"area": report.area.name}, report.total)]
    rows += [(branch.name, branch.counts) for branch in report.branches]
    for name, counts in rows:
        ws.append(
            [
                text_cell(ws, name),
                counts.teams,
                counts.teams_drilled,
                counts.drills,
                counts.team_drills,
                float(counts.per_team),
                counts.participations,
            ]
        )
    return workbook_bytes(wb)


def plan_workbook(progress: PlanProgress) -> bytes:
    """The plan's items with their state and what fulfilled them."""
    plan = progress.plan
    wb = Workbook(write_only=True)
    ws = new_sheet(
        wb,
        _("培训计划"),
        [
            (_("计划日期"), 12),
            (_("类型"), 10),
            (_("项目名称"), 30),
            (_("进度"), 10),
            (_("举行日期"), 12),
            (_("对应演练或培训"), 30),
            (_("课程完成率（%）"), 16),
            (_("目标完成率（%）"), 16),
        ],
    )
    for entry in progress.items:
        item = entry.item
        event = item.drill or item.session
        ws.append(
            [
                item.planned_on,
                item.get_kind_display(),
                text_cell(ws, item.title),
                str(entry.state_label),
                entry.held_on,
                text_cell(ws, event.title if event else (item.course.title if item.course else "")),
                entry.course_percent,
                entry.target,
            ]
        )
    summary = new_sheet(wb, _("计划概况"), [(_("项目"), 16), (_("内容"), 40)])
    for label, value in [
        (_("区域"), plan.area.name),
        (_("年度"), plan.year),
        (_("计划名称"), plan.title),
        (_("负责人"), plan.responsible_name),
        (_("负责人电话"), plan.responsible_phone),
        (_("项目总数"), progress.total),
        (_("已完成"), progress.held),
        (_("计划中"), progress.planned),
        (_("已逾期"), progress.overdue),
    ]:
        summary.append([label, text_cell(summary, value)])
    return workbook_bytes(wb)
