"""Demo compliance (called by lms.demo, last): a county where one team meets the standard,
one falls short for reasons one can see, and progress over the past weeks.

In 青秀区: the home team (新竹社区) is given what the default standard still lacks after the
other demo modules (certificates of every course that counts, the four governance
documents, the equipment list, an insurance policy covering everyone, service hours), so it
passes. Its neighbour (桂雅路社区) gets the same except that four of its newest members are
not yet insured, and it held one drill this year (the second is planned): it fails on
演练次数 and 保险覆盖. 南湖社区's team is still being set up (no members). Then the nightly
evaluation runs, eight weekly points of progress are written before today's (rising to it),
and this year's inspection of 青秀区 is under way: part of the checklist filled in, a sample
of members drawn, two corrective actions for 桂雅路社区.

Certificates, hours, drills and the inspection go through the services; documents,
equipment and policies are written as the admin's forms write them (plain model saves).
Idempotent: each record is looked up first; progress rows already there are left alone.
"""

import datetime
import math

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db.models import Sum
from django.utils import timezone

from weasyprint import HTML

from courses.models import CoursePage
from lms.compliance_defaults import ensure_default_standard
from lms.errors import DomainError
from lms.models import (
    Area,
    AreaProgress,
    Certificate,
    ComplianceStandard,
    CriterionKind,
    DocumentKind,
    Drill,
    DrillScenario,
    EquipmentItem,
    EventStatus,
    Inspection,
    InsurancePolicy,
    Member,
    ServiceActivity,
    ServiceRecord,
    ServiceStatus,
    Team,
    TeamDocument,
    TeamEquipment,
    YearlyTarget,
)
from lms.selectors.compliance import area_rollup
from lms.services.certificate_pdf import certificates_render
from lms.services.certificates import add_months, certificate_issue
from lms.services.compliance import compliance_nightly, required_courses
from lms.services.drills import drill_attendance_record, drill_close, drill_create
from lms.services.hours import service_record_create, service_record_verify
from lms.services.inspections import (
    corrective_action_add,
    inspection_create,
    inspection_draw_sample,
    inspection_update,
    sample_record,
)

REGION = "450000"
COUNTY = "450103"  # 青秀区, administered by the demo account `county`
HOME_COMMUNITY = "450103001001"  # 新竹社区: meets the standard
NEIGHBOUR_COMMUNITY = "450103001002"  # 桂雅路社区: falls short on drills and insurance
UNINSURED = 4  # the neighbour's newest members, not yet on its policy
CERTIFIED_SHARE = 0.65  # of the members, per course that counts (the standard asks 60%)
HISTORY_WEEKS = 8

POLICIES = {
    HOME_COMMUNITY: ("中国人寿财产保险股份有限公司南宁市分公司", "PDEA{year}450103001001"),
    NEIGHBOUR_COMMUNITY: ("中国人寿财产保险股份有限公司南宁市分公司", "PDEA{year}450103001002"),
}
DOCUMENT_TEXT = {
    DocumentKind.CHARTER: "第一条 本队是在社区党组织领导下的群众性应急救援队伍……",
    DocumentKind.MEMBER_CODE: "一、服从指挥，听从调度；二、安全第一，量力而行……",
    DocumentKind.TRAINING_PLAN: "全年开展理论培训 4 次、综合演练不少于 2 次……",
    DocumentKind.ASSESSMENT_RULES: "队员每次参训、参演签到登记，每季度考评一次……",
}
# The inspection's checklist results so far, in the order of the default checklist
# (lms.services.inspections.DEFAULT_CHECKLIST); "" = not yet checked.
CHECKLIST_RESULTS = [
    ("fail", "南湖社区应急响应队尚在筹建，暂无队员"),
    ("pass", ""),
    ("pass", "新竹社区、桂雅路社区各门课程持证比例均在 60% 以上"),
    ("fail", "桂雅路社区本年度仅举行 1 次演练"),
    ("pass", "章程、守则、培训演练计划、考勤考评制度齐全"),
    ("pass", ""),
    ("fail", "桂雅路社区 4 名新入队队员未投保"),
    ("", ""),
    ("", ""),
]
FINDINGS = (
    "新竹社区应急响应队各项指标均已达标，台账规范。桂雅路社区应急响应队本年度仅开展 1 次演练，"
    "且 4 名新入队队员尚未办理意外伤害保险；南湖社区应急响应队尚在筹建。"
)
ACTIONS = [
    ("为 4 名未投保的新入队队员办理意外伤害保险", "桂雅路社区应急响应队队长", 20),
    ("年底前再组织 1 次综合应急演练，全员参加", "桂雅路社区应急响应队队长", 30),
]


def seed(stdout) -> None:
    ensure_default_standard()
    today = timezone.localdate()
    users = {
        u.username: u
        for u in get_user_model().objects.filter(username__in=["admin", "county", "leader"])
    }
    teams = {
        t.community.code: t
        for t in Team.objects.filter(
            community__code__in=[HOME_COMMUNITY, NEIGHBOUR_COMMUNITY]
        ).select_related("community")
    }
    standard = ComplianceStandard.in_force(today)
    if set(users) != {"admin", "county", "leader"} or len(teams) < 2 or standard is None:
        stdout.write("  达标评估：缺少演示账号、队伍或建设标准，跳过")
        return
    thresholds = {c.kind: float(c.threshold) for c in standard.criteria.all()}
    home, neighbour = teams[HOME_COMMUNITY], teams[NEIGHBOUR_COMMUNITY]
    courses = list(_courses(standard))
    issued = []
    for team in (home, neighbour):
        issued += _certificates(team, courses, users["county"], today)
        _documents(team, today)
        _equipment(team, today)
        _hours(team, users, today, per_member=thresholds.get(CriterionKind.SERVICE_HOURS, 4))
    certificates_render(issued)
    _policy(home, today, leave_out=0)
    _policy(neighbour, today, leave_out=UNINSURED)
    _drills(home, users["leader"], today, needed=int(thresholds.get(CriterionKind.DRILLS, 2)))

    compliance_nightly(today=today)
    _history(today)
    _inspection(users["admin"], neighbour, today)

    region = Area.objects.filter(code=REGION).first()
    rollup = area_rollup(region, today.year) if region else None
    if rollup is not None:
        target = f"{rollup.target:.0%}" if rollup.target is not None else "未设"
        stdout.write(
            f"  达标评估：队伍 {rollup.teams}，达标 {rollup.compliant}（目标 {target}），"
            f"进度记录 {AreaProgress.objects.count()} 条，督导检查 "
            f"{Inspection.objects.count()} 次"
        )


def _courses(standard):
    return CoursePage.objects.filter(pk__in=required_courses(standard)).order_by("code")


def _active(team: Team) -> list[Member]:
    return list(team.members.active().order_by("joined_on", "pk"))


# -- what the teams hold --------------------------------------------------------------------


def _certificates(team: Team, courses, by, today: datetime.date) -> list[Certificate]:
    """Per course, enough members certified (members with an account are left their own
    courses to finish; members who hold any certificate of it are skipped)."""
    members = _active(team)
    issued = []
    for course in courses:
        needed = math.ceil(CERTIFIED_SHARE * len(members))
        held = set(
            Certificate.objects.filter(member__in=members, course=course).values_list(
                "member_id", flat=True
            )
        )
        valid = Certificate.objects.valid().filter(member__in=members, course=course).count()
        candidates = [m for m in members if m.user_id is None and m.pk not in held]
        for n, member in enumerate(candidates[: max(0, needed - valid)]):
            issued_on = max(add_months(today, -(2 + n % 9)), member.joined_on)
            issued.append(
                certificate_issue(
                    member=member,
                    course=course,
                    by=by,
                    issued_on=issued_on,
                    completed_on=issued_on - datetime.timedelta(days=3),
                    render=False,  # rendered together below, 20 to a document
                )
            )
    return issued


def _documents(team: Team, today: datetime.date) -> None:
    for kind, text in DOCUMENT_TEXT.items():
        if TeamDocument.objects.filter(team=team, kind=kind).exists():
            continue
        label = DocumentKind(kind).label
        document = TeamDocument(
            team=team,
            kind=kind,
            title=f"{team.name}{label}",
            effective_on=max(team.founded_on or today, today - datetime.timedelta(days=300)),
        )
        document.file.save(f"{kind}.pdf", ContentFile(_pdf(f"{team.name}{label}", text)), False)
        document.save()


def _pdf(title: str, text: str) -> bytes:
    html = (
        "<html><body style='font-family: \"Noto Serif CJK SC\", serif'>"
        f"<h1 style='text-align:center'>{title}</h1><p>{text}</p></body></html>"
    )
    return HTML(string=html).write_pdf()


def _equipment(team: Team, today: datetime.date) -> None:
    held = set(TeamEquipment.objects.filter(team=team).values_list("item_id", flat=True))
    for n, item in enumerate(EquipmentItem.objects.order_by("sort_order", "pk")):
        if item.pk not in held:
            TeamEquipment.objects.create(
                team=team,
                item=item,
                quantity=item.required_quantity + n % 3,
                checked_on=today - datetime.timedelta(days=20),
            )


def _policy(team: Team, today: datetime.date, *, leave_out: int) -> None:
    """A policy in force today covering the team's members, less the `leave_out` newest."""
    insurer, number = POLICIES[team.community.code]
    number = number.format(year=today.year)
    if InsurancePolicy.objects.filter(insurer=insurer, policy_number=number).exists():
        return
    starts = today - datetime.timedelta(days=120)
    policy = InsurancePolicy.objects.create(
        team=team,
        insurer=insurer,
        policy_number=number,
        starts_on=starts,
        ends_on=add_months(starts, 12) - datetime.timedelta(days=1),
    )
    members = _active(team)
    policy.members.set(members[: len(members) - leave_out])


def _hours(team: Team, users, today: datetime.date, *, per_member: float) -> None:
    """Verified hours this year up to the standard's hours per member (with a margin):
    entered by the leader or the county, verified by the other."""
    members = _active(team)
    verified = ServiceRecord.objects.filter(
        member__in=members, status=ServiceStatus.VERIFIED, date__year=today.year
    )
    total = float(verified.aggregate(total=Sum("hours"))["total"] or 0)
    wanted = per_member * 1.1 * len(members)
    is_home = team.community.code == HOME_COMMUNITY
    by, verifier = (
        (users["leader"], users["county"]) if is_home else (users["county"], users["admin"])
    )
    jan1 = datetime.date(today.year, 1, 1)
    for n, member in enumerate(members):
        if total >= wanted:
            break
        day = max(jan1, member.joined_on, today - datetime.timedelta(days=5 + 7 * (n % 10)))
        description = "社区防汛巡查值守"
        if ServiceRecord.objects.filter(member=member, description=description, date=day).exists():
            continue
        try:
            record = service_record_create(
                by=by,
                member=member,
                activity=ServiceActivity.PATROL,
                date=day,
                hours="4",
                description=description,
            )
            service_record_verify(by=verifier, record=record)
        except DomainError:  # a day outside the member's time in the team: skip them
            continue
        total += 4


def _drills(team: Team, by, today: datetime.date, *, needed: int) -> None:
    """Early in a year the demo's drills (dated back from today) fall in the last one: hold
    enough this year for the home team, all of its members present."""
    start = timezone.make_aware(datetime.datetime(today.year, 1, 1, 8))
    held = Drill.objects.filter(teams=team, status=EventStatus.HELD, starts_at__gte=start)
    now = timezone.now()
    for n in range(held.count(), needed):
        starts = max(start, now - datetime.timedelta(hours=3 * (n + 1) + 1))
        ends = starts + datetime.timedelta(hours=1)
        if ends > now:
            return  # the year's first hours: nothing can have been held yet
        drill = drill_create(
            by=by,
            title=f"年度综合应急演练（{n + 1}）",
            scenario=DrillScenario.OTHER,
            teams=[team],
            starts_at=starts,
            ends_at=ends,
            place="新竹社区党群服务中心广场",
            organiser="新竹街道办事处",
        )
        drill_attendance_record(
            by=by, drill=drill, entries=[{"member": m, "minutes": None} for m in _active(team)]
        )
        drill_close(by=by, drill=drill, score=85, went_well="全员到位，分工明确。", now=ends)


# -- progress and the inspection ------------------------------------------------------------


def _history(today: datetime.date) -> None:
    """Weekly points before today, rising to today's figures: the teams that meet the
    standard today did so one by one over the weeks, the last of them by certificates."""
    rows = []
    for current in AreaProgress.objects.filter(date=today).select_related("area"):
        for week in range(1, HISTORY_WEEKS + 1):
            day = today - datetime.timedelta(weeks=week)
            compliant = math.floor(current.compliant * (HISTORY_WEEKS - week) / HISTORY_WEEKS + 0.5)
            failing = dict(current.failing)
            if current.compliant > compliant:
                failing["certificates"] = failing.get("certificates", 0) + (
                    current.compliant - compliant
                )
            rows.append(
                AreaProgress(
                    area=current.area,
                    date=day,
                    year=day.year,
                    teams=current.teams,
                    compliant=compliant,
                    target=current.target
                    if day.year == today.year
                    else YearlyTarget.for_area(day.year, current.area.depth),
                    failing=failing,
                )
            )
    AreaProgress.objects.bulk_create(rows, ignore_conflicts=True)


def _inspection(inspector, neighbour: Team, today: datetime.date) -> None:
    county = Area.objects.filter(code=COUNTY).first()
    if county is None or Inspection.objects.filter(county=county, year=today.year).exists():
        return
    inspected_on = max(datetime.date(today.year, 1, 1), today - datetime.timedelta(days=2))
    inspection = inspection_create(
        county=county, year=today.year, inspector=inspector, inspected_on=inspected_on
    )
    checklist = [
        {**row, "result": result, "note": note}
        for row, (result, note) in zip(inspection.checklist, CHECKLIST_RESULTS, strict=False)
    ] + inspection.checklist[len(CHECKLIST_RESULTS) :]
    inspection = inspection_update(inspection, checklist=checklist, findings=FINDINGS)
    samples = inspection_draw_sample(inspection, size=6, seed=today.year)
    for sample, (result, note) in zip(
        samples,
        [("passed", "心肺复苏操作规范"), ("passed", ""), ("absent", "外出务工")],
        strict=False,
    ):
        sample_record(sample, result=result, note=note)
    for description, owner, days in ACTIONS:
        corrective_action_add(
            inspection,
            description=description,
            owner=owner,
            due_on=inspected_on + datetime.timedelta(days=days),
            team=neighbour,
        )
