"""The yearly summary (年度总结报告) of a county, a city or the region: a PDF and an .xlsx.

`yearly_report_create` queues the job; the Celery task calls `yearly_report_run`, which
gathers the figures with grouped queries over the area's subtree (never a query per team
or per child area), lays the PDF out with WeasyPrint, streams the workbook in openpyxl's
write-only mode (16,000 teams in flat memory), and stores both on the job. Running it
again after a failure starts over and replaces any file a failed run left behind.
"""

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, FilteredRelation, Q, Sum
from django.db.models.functions import Substr
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from openpyxl import Workbook

from cms.celery import enqueue
from cms.spreadsheets import new_sheet, text_cell, workbook_bytes
from lms.errors import DomainError
from lms.models import (
    Area,
    AreaLevel,
    Certificate,
    ComplianceSnapshot,
    ComplianceStandard,
    CriterionKind,
    Drill,
    EventStatus,
    Inspection,
    InspectionStatus,
    JobStatus,
    ServiceRecord,
    ServiceStatus,
    Team,
    TeamStatus,
    YearlyReport,
)
from lms.models.areas import subtree_filter
from lms.scope import scope_for
from lms.selectors.compliance import (
    Rollup,
    area_history,
    area_rollup,
    as_of,
    child_rollups,
    year_bounds,
)

from .certificate_pdf import chinese_date, write_pdf

DOCUMENT_LANGUAGE = "zh-hans"  # a report is a Chinese document whoever asks for it
FIRST_YEAR = 2020
REPORT_LEVELS = (AreaLevel.REGION, AreaLevel.CITY, AreaLevel.COUNTY)
TOP_TEAMS = 10
QUERY_CHUNK = 2000
# What the progress bar counts: each is one `done` step.
STEPS = ("compliance", "activity", "pdf", "xlsx", "store")


# -- queueing ---------------------------------------------------------------------------


def yearly_report_create(*, area: Area, year: int, by) -> YearlyReport:
    """Queue the yearly summary of `area` for `year`; the task runs after commit.

    Asking again while the same report is still being prepared returns that job, so a
    double click does not render it twice.
    """
    if area.depth not in REPORT_LEVELS:
        raise DomainError(
            _("年度总结报告只能按自治区、市或县（市、区）生成，请选择相应的区域。"), field="area"
        )
    if not scope_for(by).administers(area):
        raise DomainError(_("您不是该区域的管理员，不能生成它的年度总结报告。"), field="area")
    this_year = timezone.localdate().year
    if year > this_year:
        raise DomainError(
            _("年度不能晚于今年（%(year)s 年）。") % {"year": this_year}, field="year"
        )
    if year < FIRST_YEAR:
        raise DomainError(_("年度不能早于 %(year)s 年。") % {"year": FIRST_YEAR}, field="year")
    with transaction.atomic():
        pending = (
            YearlyReport.objects.filter(
                area=area, year=year, status__in=[JobStatus.PENDING, JobStatus.RUNNING]
            )
            .order_by("-created_at")
            .first()
        )
        if pending is not None:
            return pending
        job = YearlyReport(area=area, year=year, created_by=by, total=len(STEPS))
        job.full_clean()
        job.save()
        transaction.on_commit(lambda: enqueue("lms.tasks.yearly_report_run", job.pk))
    return job


# -- formatting -------------------------------------------------------------------------


def percent(share) -> str:
    """0.6667 → 66.7%; no figure → —."""
    if share is None or share == "":
        return "—"
    return f"{float(share) * 100:.1f}%"


def hours_text(value) -> str:
    value = Decimal(str(value or 0)).quantize(Decimal("0.1"))
    return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")


# -- gathering --------------------------------------------------------------------------


@dataclass
class ChildRow:
    rollup: Rollup
    certificates: int = 0
    drills: int = 0
    hours: float = 0.0

    @property
    def area(self) -> Area:
        return self.rollup.area

    @property
    def share_text(self) -> str:
        return percent(self.rollup.share) if self.rollup.teams else "—"

    @property
    def target_text(self) -> str:
        return percent(self.rollup.target)

    @property
    def met(self) -> bool | None:
        if self.rollup.target is None or not self.rollup.teams:
            return None
        return self.rollup.gap == 0

    @property
    def top_failing(self) -> str:
        return "、".join(label for label, _n in self.rollup.failing_labels[:2])


@dataclass
class ReportData:
    area: Area
    year: int
    as_of: datetime.date
    rollup: Rollup
    children: list[ChildRow] = field(default_factory=list)
    history: list = field(default_factory=list)
    failing: list[dict] = field(default_factory=list)
    certificates: int = 0
    drills: int = 0
    hours: float = 0.0
    top_teams: list[dict] = field(default_factory=list)
    inspections: list[dict] = field(default_factory=list)
    counties: int = 0
    standard: ComplianceStandard | None = None
    names: dict[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return _("%(area)s%(year)s年度社区应急响应队建设总结报告") % {
            "area": self.area.name,
            "year": self.year,
        }

    @property
    def level_label(self) -> str:
        return str(self.area.get_level_display())

    @property
    def child_level_label(self) -> str:
        depth = self.area.depth + 1
        return str(AreaLevel(depth).label) if depth in AreaLevel.values else ""

    @property
    def inspected(self) -> int:
        return sum(1 for row in self.inspections if row["signed_off"])

    def place(self, community_path: str, community_name: str) -> str:
        """Where a team is, from just below the report's area down to its community."""
        step = Area.steplen
        names = [
            self.names.get(community_path[:end], "")
            for end in range(len(self.area.path) + step, len(community_path), step)
        ]
        return "".join([*names, community_name])


def _grouped(queryset, path_field: str, length: int, **aggregate) -> dict[str, dict]:
    """One query: `aggregate` per child area (the first `length` characters of the path)."""
    rows = (
        queryset.annotate(prefix=Substr(path_field, 1, length))
        .values("prefix")
        .annotate(**aggregate)
        .order_by()
    )
    return {row.pop("prefix"): row for row in rows}


def _activity(data: ReportData) -> None:
    """Certificates issued, drills held and verified hours in the year: a grouped query
    each (per child area), plus the distinct drills (a drill may join several areas)."""
    area, length = data.area, len(data.area.path) + Area.steplen
    start, end = year_bounds(data.year)
    certificates = Certificate.objects.filter(
        issued_on__gte=start.date(),
        issued_on__lt=end.date(),
        **subtree_filter("member__team__community__", area.path),
    )
    drills = Drill.objects.filter(
        status=EventStatus.HELD,
        starts_at__gte=start,
        starts_at__lt=end,
        **subtree_filter("teams__community__", area.path),
    )
    hours = ServiceRecord.objects.filter(
        status=ServiceStatus.VERIFIED,
        date__gte=start.date(),
        date__lt=end.date(),
        **subtree_filter("member__team__community__", area.path),
    )
    by_certificates = _grouped(certificates, "member__team__community__path", length, n=Count("pk"))
    by_drills = _grouped(drills, "teams__community__path", length, n=Count("pk", distinct=True))
    by_hours = _grouped(hours, "member__team__community__path", length, h=Sum("hours"))
    for row in data.children:
        path = row.area.path
        row.certificates = by_certificates.get(path, {}).get("n", 0)
        row.drills = by_drills.get(path, {}).get("n", 0)
        row.hours = float(by_hours.get(path, {}).get("h") or 0)
    data.certificates = sum(r["n"] for r in by_certificates.values())
    data.hours = float(sum((r["h"] or 0) for r in by_hours.values()))
    data.drills = drills.values("pk").distinct().count()


def _top_teams(data: ReportData) -> list[dict]:
    """The best passing teams with verified data, by score (the published formula)."""
    snapshots = (
        ComplianceSnapshot.objects.filter(
            year=data.year,
            passed=True,
            unverified=False,
            **subtree_filter("team__community__", data.area.path),
        )
        .select_related("team__community")
        .order_by("-score", "team__name", "pk")[:TOP_TEAMS]
    )
    return [
        {
            "rank": rank,
            "name": s.team.name,
            "place": data.place(s.team.community.path, s.team.community.name),
            "score": f"{s.score:.1f}",
            "members": (s.figures or {}).get("members", 0),
            "coverage": percent((s.figures or {}).get("coverage")),
            "participation": percent((s.figures or {}).get("participation")),
            "hours_per_member": hours_text((s.figures or {}).get("hours_per_member")),
        }
        for rank, s in enumerate(snapshots, start=1)
    ]


def _frozen(figures: dict) -> dict:
    figures = figures or {}
    failing = figures.get("failing") or {}
    if isinstance(failing, dict):
        failing = sorted(failing.items(), key=lambda kv: -kv[1])
    labels = []
    for kind, n in failing[:3]:
        label = CriterionKind(kind).label if kind in CriterionKind.values else kind
        labels.append(f"{label} {n}")
    return {
        "teams": figures.get("teams", "—"),
        "compliant": figures.get("compliant", "—"),
        "share": percent(figures.get("share")),
        "target": percent(figures.get("target")),
        "failing": "、".join(labels),
    }


def _inspections(data: ReportData) -> list[dict]:
    """Every county in the area with its inspection of the year (or none yet)."""
    counties = list(Area.objects.within(data.area).filter(depth=AreaLevel.COUNTY))
    data.counties = len(counties)
    inspections = {
        i.county_id: i
        for i in Inspection.objects.filter(
            year=data.year, **subtree_filter("county__", data.area.path)
        )
        .select_related("inspector")
        .annotate(
            actions_total=Count("actions", distinct=True),
            actions_done=Count("actions", filter=Q(actions__done_on__isnull=False), distinct=True),
        )
    }
    rows = []
    for county in counties:
        inspection = inspections.get(county.pk)
        if inspection is None:
            rows.append(
                {
                    "county": county.name,
                    "code": county.code,
                    "status": _("未安排"),
                    "signed_off": False,
                }
            )
            continue
        checklist = inspection.checklist or []
        rows.append(
            {
                "county": county.name,
                "code": county.code,
                "status": str(InspectionStatus(inspection.status).label),
                "signed_off": inspection.is_signed_off,
                "inspector": inspection.inspector.get_full_name()
                or inspection.inspector.get_username(),
                "inspected_on": inspection.inspected_on,
                "signed_off_at": (
                    timezone.localtime(inspection.signed_off_at).date()
                    if inspection.signed_off_at
                    else None
                ),
                "checks_passed": sum(1 for c in checklist if c.get("result") == "pass"),
                "checks_failed": sum(1 for c in checklist if c.get("result") == "fail"),
                "findings": inspection.findings,
                "actions_total": inspection.actions_total,
                "actions_done": inspection.actions_done,
                "frozen": _frozen(inspection.frozen_figures) if inspection.is_signed_off else None,
            }
        )
    return rows


def gather_compliance(area: Area, year: int) -> ReportData:
    rollup = area_rollup(area, year)
    data = ReportData(area=area, year=year, as_of=as_of(year), rollup=rollup)
    data.children = [ChildRow(rollup=r) for r in child_rollups(area, year)]
    data.history = area_history(area, year)
    failing_teams = rollup.evaluated - rollup.compliant
    data.failing = [
        {
            "label": label,
            "count": n,
            "share": percent(n / failing_teams) if failing_teams else "—",
        }
        for label, n in rollup.failing_labels
    ]
    data.names = dict(
        Area.objects.within(area).filter(depth__lt=AreaLevel.COMMUNITY).values_list("path", "name")
    )
    data.standard = ComplianceStandard.in_force(data.as_of)
    return data


def gather_activity(data: ReportData) -> ReportData:
    _activity(data)
    data.top_teams = _top_teams(data)
    data.inspections = _inspections(data)
    return data


# -- the PDF ----------------------------------------------------------------------------


def _closing(data: ReportData) -> list[str]:
    """The closing paragraphs: where the area stands and what to work on next."""
    r = data.rollup
    paragraphs = [
        _(
            "截至%(date)s，%(area)s共有社区应急响应队 %(teams)s 支，已评估 %(evaluated)s 支，"
            "达到建设标准 %(compliant)s 支，达标率 %(share)s。"
        )
        % {
            "date": chinese_date(data.as_of),
            "area": data.area.name,
            "teams": r.teams,
            "evaluated": r.evaluated,
            "compliant": r.compliant,
            "share": percent(r.share),
        }
    ]
    if r.target is None:
        paragraphs.append(_("本年度尚未设定达标目标。"))
    elif r.gap == 0:
        paragraphs.append(
            _(
                "已达到本年度 %(target)s 的达标目标，应保持队伍建设成效，"
                "防止证书到期、人员流失导致回落。"
            )
            % {"target": percent(r.target)}
        )
    else:
        paragraphs.append(
            _("距本年度 %(target)s 的达标目标还差 %(gap)s 支队伍。")
            % {"target": percent(r.target), "gap": r.gap}
        )
    if data.failing:
        main = "、".join(row["label"] for row in data.failing[:3])
        paragraphs.append(
            _("未达标的主要原因是%(main)s，下一步应针对这些条件组织培训、演练和补充配备。")
            % {"main": main}
        )
    behind = [c.area.name for c in data.children if c.met is False]
    if behind:
        paragraphs.append(
            _("尚未达到目标的%(level)s：%(names)s，应作为下一阶段督导的重点。")
            % {"level": data.child_level_label, "names": "、".join(behind[:10])}
        )
    if data.counties:
        paragraphs.append(
            _("本年度应开展督导检查 %(counties)s 个县（市、区），已签字确认 %(done)s 个。")
            % {"counties": data.counties, "done": data.inspected}
        )
    return paragraphs


_SVG_TAG = re.compile(r"<svg\b[^>]*>")
_SVG_SIZE = re.compile(r'\s(width|height)="([\d.]+)"')
_STYLE = re.compile(r'\sstyle="[^"]*"')


def _pin_svg_size(match: re.Match) -> str:
    """Give an inline chart its own width and height in CSS: WeasyPrint lays an inline
    <svg> styled `height:auto` out as a square, whatever its width and height say."""
    tag = match.group(0)
    size = dict(_SVG_SIZE.findall(tag))
    if "width" not in size or "height" not in size:
        return tag
    style = f' style="width:{size["width"]}px;height:{size["height"]}px"'
    return _STYLE.sub("", tag)[:-1] + style + ">"


def report_html(data: ReportData) -> str:
    r = data.rollup
    summary = [
        (_("队伍总数"), str(r.teams)),
        (_("已评估队伍"), str(r.evaluated)),
        (_("达标队伍"), str(r.compliant)),
        (_("达标率"), percent(r.share)),
        (_("年度目标"), percent(r.target)),
        (_("目标所需达标队伍"), "—" if r.target_teams is None else str(r.target_teams)),
        (_("距目标还差"), "—" if r.gap is None else _("%(n)s 支") % {"n": r.gap}),
        (_("年度发放证书"), _("%(n)s 张") % {"n": data.certificates}),
        (_("年度举行演练"), _("%(n)s 次") % {"n": data.drills}),
        (_("核实服务时长"), _("%(n)s 小时") % {"n": hours_text(data.hours)}),
    ]
    child_bars = [
        (c.area.name, c.rollup.share if c.rollup.teams else None, c.rollup.target)
        for c in data.children
    ]
    html = render_to_string(
        "lms/reports/yearly.html",
        {
            "data": data,
            "rollup": r,
            "share_text": percent(r.share),
            "target_text": percent(r.target),
            "met": r.target is not None and r.gap == 0,
            "summary": summary,
            "child_bars": child_bars,
            "failing_bars": [(row["label"], row["count"]) for row in data.failing],
            "closing": _closing(data),
            "as_of": chinese_date(data.as_of),
            "generated_on": chinese_date(timezone.localdate()),
            "criteria": list(data.standard.criteria.select_related("course"))
            if data.standard
            else [],
        },
    )
    return _SVG_TAG.sub(_pin_svg_size, html)


# -- the workbook -----------------------------------------------------------------------


def _team_rows(data: ReportData) -> Iterator[tuple]:
    """Every team of the area with its snapshot of the year (if any), in area order."""
    snapshot = FilteredRelation(
        "compliance_snapshots", condition=Q(compliance_snapshots__year=data.year)
    )
    return (
        Team.objects.filter(**subtree_filter("community__", data.area.path))
        .annotate(snapshot=snapshot)
        .order_by("community__path", "pk")
        .values_list(
            "name",
            "status",
            "community__name",
            "community__code",
            "community__path",
            "snapshot__passed",
            "snapshot__score",
            "snapshot__results",
            "snapshot__figures",
            "snapshot__unverified",
            "snapshot__frozen_at",
        )
        .iterator(chunk_size=QUERY_CHUNK)
    )


def report_workbook(data: ReportData) -> bytes:
    wb = Workbook(write_only=True)
    r = data.rollup

    ws = new_sheet(wb, _("概况"), [(_("项目"), 24), (_("数值"), 48)])
    for label, value in [
        (_("区域"), data.area.name),
        (_("区划代码"), data.area.code),
        (_("层级"), data.level_label),
        (_("年度"), data.year),
        (_("数据截至"), data.as_of),
        (_("队伍总数"), r.teams),
        (_("已评估队伍"), r.evaluated),
        (_("达标队伍"), r.compliant),
        (_("达标率"), round(r.share, 4)),
        (_("年度目标"), float(r.target) if r.target is not None else None),
        (_("目标所需达标队伍"), r.target_teams),
        (_("距目标还差（支）"), r.gap),
        (_("年度发放证书（张）"), data.certificates),
        (_("年度举行演练（次）"), data.drills),
        (_("核实服务时长（小时）"), round(data.hours, 1)),
        (_("应督导检查县（市、区）"), data.counties),
        (_("已签字确认的督导检查"), data.inspected),
        (_("评估标准"), str(data.standard) if data.standard else ""),
        (_("生成时间"), timezone.localtime().replace(tzinfo=None, microsecond=0)),
    ]:
        ws.append([label, text_cell(ws, value)])

    ws = new_sheet(
        wb,
        _("下级区域"),
        [
            (_("区域"), 16),
            (_("区划代码"), 14),
            (_("队伍数"), 9),
            (_("已评估"), 9),
            (_("达标队伍"), 10),
            (_("达标率"), 9),
            (_("目标"), 9),
            (_("距目标还差"), 11),
            (_("发放证书"), 10),
            (_("举行演练"), 10),
            (_("核实服务时长"), 13),
            (_("主要未达标条件"), 30),
        ],
    )
    for c in data.children:
        cr = c.rollup
        ws.append(
            [
                text_cell(ws, c.area.name),
                c.area.code,
                cr.teams,
                cr.evaluated,
                cr.compliant,
                round(cr.share, 4),
                float(cr.target) if cr.target is not None else None,
                cr.gap,
                c.certificates,
                c.drills,
                round(c.hours, 1),
                c.top_failing,
            ]
        )

    ws = new_sheet(
        wb,
        _("队伍明细"),
        [
            (_("队伍"), 28),
            (_("所在地"), 36),
            (_("社区区划代码"), 15),
            (_("队伍状态"), 10),
            (_("是否达标"), 10),
            (_("综合得分"), 10),
            (_("在队人数"), 9),
            (_("持证覆盖率"), 11),
            (_("演练参与率"), 11),
            (_("人均服务时长"), 12),
            (_("未达标条件"), 48),
            (_("数据待核实"), 11),
            (_("已冻结"), 8),
        ],
    )
    statuses = dict(TeamStatus.choices)
    yes, no = _("是"), _("否")
    for (
        name,
        status,
        community,
        code,
        path,
        passed,
        score,
        results,
        figures,
        unverified,
        frozen_at,
    ) in _team_rows(data):
        evaluated = passed is not None
        figures = figures or {}
        failing = "；".join(r["label"] for r in results or [] if not r.get("passed"))
        ws.append(
            [
                text_cell(ws, name),
                text_cell(ws, data.place(path, community)),
                code,
                str(statuses.get(status, status)),
                (_("达标") if passed else _("未达标")) if evaluated else _("未评估"),
                float(score) if evaluated else None,
                figures.get("members") if evaluated else None,
                figures.get("coverage") if evaluated else None,
                figures.get("participation") if evaluated else None,
                figures.get("hours_per_member") if evaluated else None,
                text_cell(ws, failing),
                (yes if unverified else no) if evaluated else "",
                (yes if frozen_at else no) if evaluated else "",
            ]
        )

    ws = new_sheet(
        wb,
        _("未达标原因"),
        [(_("条件"), 20), (_("未达标队伍数"), 14), (_("占未达标队伍比例"), 18)],
    )
    failing_teams = r.evaluated - r.compliant
    for label, n in r.failing_labels:
        ws.append([label, n, round(n / failing_teams, 4) if failing_teams else None])

    ws = new_sheet(
        wb,
        _("督导检查"),
        [
            (_("县（市、区）"), 14),
            (_("区划代码"), 10),
            (_("状态"), 12),
            (_("检查人"), 12),
            (_("检查日期"), 12),
            (_("签字确认日期"), 14),
            (_("清单合格项"), 11),
            (_("清单不合格项"), 12),
            (_("整改事项"), 9),
            (_("已完成整改"), 11),
            (_("确认时队伍数"), 13),
            (_("确认时达标队伍"), 14),
            (_("确认时达标率"), 13),
            (_("检查发现"), 48),
        ],
    )
    for row in data.inspections:
        frozen = row.get("frozen") or {}
        ws.append(
            [
                row["county"],
                row["code"],
                row["status"],
                text_cell(ws, row.get("inspector", "")),
                row.get("inspected_on"),
                row.get("signed_off_at"),
                row.get("checks_passed"),
                row.get("checks_failed"),
                row.get("actions_total"),
                row.get("actions_done"),
                frozen.get("teams"),
                frozen.get("compliant"),
                frozen.get("share"),
                text_cell(ws, row.get("findings", "")),
            ]
        )
    return workbook_bytes(wb)


# -- the job ----------------------------------------------------------------------------


def report_filename(job: YearlyReport, extension: str) -> str:
    return f"年度总结-{job.area.name}-{job.year}.{extension}"


def _step(job: YearlyReport, done: int) -> None:
    YearlyReport.objects.filter(pk=job.pk).update(done=done)


def yearly_report_run(*, job: YearlyReport) -> YearlyReport:
    """Gather, render, build the workbook and store both files, moving the progress bar."""
    if job.status == JobStatus.DONE:
        return job
    YearlyReport.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, error="", done=0, total=len(STEPS)
    )
    with translation.override(DOCUMENT_LANGUAGE):
        data = gather_compliance(job.area, job.year)
        _step(job, 1)
        gather_activity(data)
        _step(job, 2)
        pdf = write_pdf(report_html(data))
        _step(job, 3)
        xlsx = report_workbook(data)
        _step(job, 4)
    for name in ("pdf", "xlsx"):
        stored = getattr(job, name)
        if stored:  # a failed earlier run's file: replaced, not kept beside the new one
            stored.delete(save=False)
    job.pdf.save(report_filename(job, "pdf"), ContentFile(pdf), save=False)
    job.xlsx.save(report_filename(job, "xlsx"), ContentFile(xlsx), save=False)
    job.status = JobStatus.DONE
    job.done = job.total = len(STEPS)
    job.error = ""
    job.finished_at = timezone.now()
    job.save(update_fields=["pdf", "xlsx", "status", "done", "total", "error", "finished_at"])
    return job
