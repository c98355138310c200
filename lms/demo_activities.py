"""Demo drills, training sessions, service hours and a training plan (called by lms.demo).

Everything is written through the services (drills, sessions, hours, plans), as the demo
accounts would: the home team's leader runs its drills, the county administrator (青秀区)
runs the others in the county and the sessions, the superuser those in 柳州. Dates are
relative to the day of the first run. Idempotent: each record is looked up by its natural
key (title, or member and description) first, so a second run changes nothing.
"""

import contextlib
import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from courses.models import CoursePage
from lms.errors import DomainError
from lms.models import (
    Area,
    Drill,
    DrillScenario,
    Instructor,
    Member,
    PlanItemKind,
    ServiceActivity,
    ServiceRecord,
    Team,
    TrainingPlan,
    TrainingSession,
)
from lms.services.drills import drill_attendance_record, drill_close, drill_create
from lms.services.hours import service_record_create, service_record_verify
from lms.services.plans import plan_create, plan_item_create, plan_item_link
from lms.services.sessions import session_attendance_record, session_close, session_create

HOME_COMMUNITY = "450103001001"  # 新竹社区, the team of the demo accounts leader and member
NEIGHBOUR_COMMUNITY = "450103001002"  # 桂雅路社区, in the same county
LIUZHOU_COMMUNITY = "450202002001"  # 公园社区, another city
COUNTY = "450103"  # 青秀区, administered by the demo account `county`

# (community, title, scenario, days from today, hours, share of the roll present, score,
#  who runs it). A drill without a score is still planned.
DRILLS = [
    (
        HOME_COMMUNITY,
        "汛期人员转移避险演练",
        DrillScenario.FLOOD_EVACUATION,
        -75,
        3,
        0.8,
        86,
        "leader",
    ),
    (HOME_COMMUNITY, "高层住宅火灾疏散演练", DrillScenario.FIRE, -40, 2, 0.7, 78, "leader"),
    (HOME_COMMUNITY, "心肺复苏与AED实操演练", DrillScenario.FIRST_AID, -12, 2, 0.9, 92, "leader"),
    (HOME_COMMUNITY, "台风季人员转移演练", DrillScenario.TYPHOON, 3, 3, 0, None, "leader"),
    (
        NEIGHBOUR_COMMUNITY,
        "山体滑坡隐患点撤离演练",
        DrillScenario.LANDSLIDE,
        -30,
        2,
        0.6,
        81,
        "county",
    ),
    (NEIGHBOUR_COMMUNITY, "地震应急疏散演练", DrillScenario.EARTHQUAKE, 9, 2, 0, None, "county"),
    (
        LIUZHOU_COMMUNITY,
        "柳江防汛抢险演练",
        DrillScenario.FLOOD_EVACUATION,
        -20,
        4,
        0.75,
        88,
        "admin",
    ),
]
DRILL_PLACES = {
    HOME_COMMUNITY: "新竹社区党群服务中心广场",
    NEIGHBOUR_COMMUNITY: "桂雅路社区文化活动室",
    LIUZHOU_COMMUNITY: "公园社区柳江堤岸",
}

# (title, course code, days from today, hours, communities, instructor names, share present)
SESSIONS = [
    (
        "社区急救员培训（第一期）",
        "GX-YJ-103",
        -25,
        4,
        [HOME_COMMUNITY, NEIGHBOUR_COMMUNITY],
        ["韦丽萍", "莫春梅"],
        0.6,
    ),
    (
        "灾害应急准备专题培训",
        "GX-YJ-101",
        14,
        3,
        [HOME_COMMUNITY, NEIGHBOUR_COMMUNITY],
        ["韦丽萍"],
        0,
    ),
]

# Service hours of the home team: (member name, activity, days ago, hours, description,
# entered by, verified by). Verified by None: still pending.
SERVICE_HOURS = [
    ("陆秀兰", ServiceActivity.PATROL, 20, "3", "汛期河道沿线巡查", "member", "leader"),
    ("陆秀兰", ServiceActivity.PUBLICITY, 9, "2", "防灾减灾日社区宣传咨询", "member", "leader"),
    ("陆秀兰", ServiceActivity.PATROL, 2, "2.5", "台风预警期间巡查危旧房屋", "member", None),
    ("韦海燕", ServiceActivity.RESCUE, 5, "4", "协助转移被困老人并现场包扎", "leader", None),
    ("蒙建华", ServiceActivity.PATROL, 6, "3", "组织夜间防汛值守", "leader", None),
]

PLAN_TITLE = "青秀区社区应急响应队伍{year}年度培训计划"
# (kind, title, days from today, course code or None, target percent); the held drill
# item is linked to the home team's most recent held drill.
PLAN_ITEMS = [
    (PlanItemKind.DRILL, "各社区响应队开展防汛转移演练", -15, None, None),
    (PlanItemKind.SESSION, "社区急救员培训（第二期）", -30, None, None),
    (PlanItemKind.DRILL, "地震应急疏散演练", 9, None, None),
    (PlanItemKind.SESSION, "灾害应急准备专题培训", 14, None, None),
    (PlanItemKind.COURSE, "全体队员完成《灾害现场急救与检伤分类》", 30, "GX-YJ-103", 60),
]


def seed(stdout) -> None:
    users = {
        u.username: u
        for u in get_user_model().objects.filter(
            username__in=["admin", "county", "leader", "member"]
        )
    }
    teams = {
        t.community.code: t
        for t in Team.objects.filter(
            community__code__in=[HOME_COMMUNITY, NEIGHBOUR_COMMUNITY, LIUZHOU_COMMUNITY]
        ).select_related("community")
    }
    if not {"county", "leader", "member", "admin"} <= set(users) or len(teams) < 3:
        stdout.write("  演练与服务时长：缺少演示账号或队伍，跳过")
        return
    today = timezone.localdate()
    drills = [_drill(row, teams, users, today) for row in DRILLS]
    sessions = [_session(row, teams, users, today) for row in SESSIONS]
    _service_hours(teams[HOME_COMMUNITY], users, today)
    _plan(users["county"], today, drills[2])
    stdout.write(
        f"  演练 {Drill.objects.count()} 场，线下培训 {TrainingSession.objects.count()} 场，"
        f"服务时长 {ServiceRecord.objects.count()} 条（待核实 "
        f"{ServiceRecord.objects.pending().count()} 条），培训计划 "
        f"{TrainingPlan.objects.count()} 份"
        + ("" if all(sessions) else "（无演示课程，未建线下培训）")
    )


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _present(members: list[Member], share: float) -> list[Member]:
    """The first share of the roster (the demo member among them), the same on every run."""
    return members[: max(1, round(len(members) * share))] if share else []


def _roster(team: Team, day: datetime.date) -> list[Member]:
    return list(
        Member.objects.filter(team=team, joined_on__lte=day).active(day).order_by("joined_on", "pk")
    )


def _drill(row, teams, users, today) -> Drill:
    community, title, scenario, days, hours, share, score, runner = row
    team = teams[community]
    existing = Drill.objects.filter(title=title, teams=team).first()
    if existing is not None:
        return existing
    by = users[runner]
    day = today + datetime.timedelta(days=days)
    drill = drill_create(
        by=by,
        title=title,
        scenario=scenario,
        teams=[team],
        starts_at=_at(day, 9),
        ends_at=_at(day, 9 + hours),
        place=DRILL_PLACES[community],
        organiser=f"{team.community.get_parent().name}办事处",
        objectives="检验预警响应、人员转移和现场救护流程，熟悉分工与集合点。",
    )
    if score is None:
        return drill
    present = _present(_home_first(_roster(team, day)), share)
    drill_attendance_record(
        by=by, drill=drill, entries=[{"member": m, "minutes": None} for m in present]
    )
    return drill_close(
        by=by,
        drill=drill,
        score=score,
        went_well="集合迅速，分工明确，转移路线熟悉。",
        problems="部分队员对对讲机频道不熟悉；老人转移耗时较长。",
        improvements="每月开展一次通信演练；提前摸排需协助转移的独居老人名单。",
        now=_at(day, 9 + hours),
    )


def _home_first(members: list[Member]) -> list[Member]:
    """The demo accounts' members first, so they are among those present."""
    return sorted(members, key=lambda m: (m.user_id is None, m.joined_on, m.pk))


def _session(row, teams, users, today) -> TrainingSession | None:
    title, code, days, hours, communities, instructor_names, share = row
    existing = TrainingSession.objects.filter(title=title).first()
    if existing is not None:
        return existing
    course = CoursePage.objects.live().filter(code=code).first()
    if course is None:
        return None
    by = users["county"]
    day = today + datetime.timedelta(days=days)
    session_teams = [teams[c] for c in communities]
    session = session_create(
        by=by,
        title=title,
        course=course,
        area=Area.objects.get(code=COUNTY),
        teams=session_teams,
        instructors=list(Instructor.objects.filter(name__in=instructor_names)),
        starts_at=_at(day, 14),
        ends_at=_at(day, 14 + hours),
        place="青秀区应急管理局培训室",
        credit_hours=hours,
        notes="请携带身份证，穿运动鞋。",
    )
    if not share:
        return session
    present = [
        m for team in session_teams for m in _present(_home_first(_roster(team, day)), share)
    ]
    session_attendance_record(by=by, session=session, members=present)
    return session_close(by=by, session=session, now=_at(day, 14 + hours))


def _service_hours(team: Team, users, today) -> None:
    for name, activity, days_ago, hours, description, entered_by, verified_by in SERVICE_HOURS:
        member = Member.objects.filter(team=team, name=name).first()
        if (
            member is None
            or ServiceRecord.objects.filter(member=member, description=description).exists()
        ):
            continue
        try:
            record = service_record_create(
                by=users[entered_by],
                member=member,
                activity=activity,
                date=today - datetime.timedelta(days=days_ago),
                hours=hours,
                description=description,
            )
            if verified_by:
                service_record_verify(by=users[verified_by], record=record)
        except DomainError:  # e.g. the member joined after that day: leave it out
            continue


def _plan(county_user, today, held_drill: Drill) -> None:
    area = Area.objects.get(code=COUNTY)
    if TrainingPlan.objects.filter(area=area, year=today.year).exists():
        return
    plan = plan_create(
        by=county_user,
        area=area,
        year=today.year,
        title=PLAN_TITLE.format(year=today.year),
        responsible_name="黄立新",
        responsible_phone="0771-5312345",
        notes="每支社区响应队全年至少开展 2 次演练；每名队员至少参加 1 次线下培训。",
    )
    first, last = datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31)
    for kind, title, days, code, target in PLAN_ITEMS:
        day = min(max(today + datetime.timedelta(days=days), first), last)
        course = CoursePage.objects.live().filter(code=code).first() if code else None
        if kind == PlanItemKind.COURSE and course is None:
            continue
        item = plan_item_create(
            by=county_user,
            plan=plan,
            kind=kind,
            title=title,
            planned_on=day,
            course=course,
            target_percent=target,
        )
        if days < 0 and kind == PlanItemKind.DRILL:
            # Refused when the drill was held last year (a run in early January).
            with contextlib.suppress(DomainError):
                plan_item_link(by=county_user, item=item, drill=held_drill)
