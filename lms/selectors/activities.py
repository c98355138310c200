"""Reads over drills, sessions, service hours and training plans: a member's history, a
team's attendance, an area's drills per team, a plan's progress.

Each selector runs a fixed number of queries (grouped in the database), whatever the
number of members, drills or areas involved.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.models import (
    Area,
    AreaLevel,
    Drill,
    DrillParticipation,
    Enrollment,
    EnrollmentStatus,
    EventStatus,
    Member,
    PlanItemKind,
    ServiceRecord,
    ServiceStatus,
    SessionAttendance,
    Team,
    TrainingPlan,
    TrainingPlanItem,
)
from lms.models.areas import subtree_filter
from lms.scope import Scope

from .learning import branches_of

ZERO = Decimal("0")
# A course item without a target counts as held once every active member completed it.
DEFAULT_COURSE_TARGET = 100
HISTORY_SHOWN = 100


def person_name(user) -> str:
    """A user's name as Chinese readers write it (family name first, no space)."""
    if user is None:
        return ""
    return f"{user.last_name}{user.first_name}".strip() or user.get_username()


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def _local_date(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def _on_team(member: Member, day: datetime.date) -> bool:
    return member.joined_on <= day and (member.left_on is None or member.left_on > day)


# -- hours -------------------------------------------------------------------------------


def verified_hours(members: QuerySet[Member] | list[int], year: int) -> dict[int, Decimal]:
    """Verified hours of each member in `year`, by member id (members without any: absent)."""
    rows = (
        ServiceRecord.objects.verified()
        .filter(member__in=members, date__year=year)
        .values("member_id")
        .annotate(total=Sum("hours"))
        .order_by()
    )
    return {row["member_id"]: row["total"] for row in rows}


def pending_to_verify(scope: Scope) -> QuerySet[ServiceRecord]:
    """Pending records the user may verify, oldest first, with what the queue shows."""
    return (
        scope.verifiable_service_records()
        .pending()
        .select_related("member", "member__team", "entered_by", "drill", "session")
        .order_by("date", "pk")
    )


def pending_count(scope: Scope) -> int:
    if not scope.manages_records:
        return 0
    return scope.verifiable_service_records().pending().count()


# -- a member's activity history ----------------------------------------------------------


@dataclass
class MemberActivity:
    """What a member did: drills and sessions attended, service hours with their status."""

    member: Member
    year: int
    drills: list[DrillParticipation]
    sessions: list[SessionAttendance]
    records: list[ServiceRecord]
    verified_year: Decimal = ZERO
    verified_total: Decimal = ZERO
    pending: Decimal = ZERO


def member_activity(
    member: Member, *, year: int | None = None, limit: int | None = HISTORY_SHOWN
) -> MemberActivity:
    """The member's most recent drills, sessions and service records. Four queries."""
    year = year or timezone.localdate().year
    drills = (
        DrillParticipation.objects.filter(member=member)
        .exclude(drill__status=EventStatus.CANCELLED)
        .select_related("drill")
        .order_by("-drill__starts_at", "-pk")
    )
    sessions = (
        SessionAttendance.objects.filter(member=member)
        .exclude(session__status=EventStatus.CANCELLED)
        .select_related("session", "session__course")
        .order_by("-session__starts_at", "-pk")
    )
    records = (
        ServiceRecord.objects.filter(member=member)
        .select_related("entered_by", "verified_by", "drill", "session")
        .order_by("-date", "-pk")
    )
    if limit:
        drills, sessions, records = drills[:limit], sessions[:limit], records[:limit]
    totals = hour_totals(member, year)
    return MemberActivity(
        member,
        year,
        list(drills),
        list(sessions),
        list(records),
        totals["verified_year"],
        totals["verified_total"],
        totals["pending"],
    )


def hour_totals(member: Member, year: int) -> dict[str, Decimal]:
    """A member's verified hours in `year` and in all, and pending hours. One query."""
    totals = ServiceRecord.objects.filter(member=member).aggregate(
        verified_year=Sum("hours", filter=Q(status=ServiceStatus.VERIFIED, date__year=year)),
        verified_total=Sum("hours", filter=Q(status=ServiceStatus.VERIFIED)),
        pending=Sum("hours", filter=Q(status=ServiceStatus.PENDING)),
    )
    return {key: value or ZERO for key, value in totals.items()}


# -- a team's attendance -------------------------------------------------------------------


@dataclass
class DrillAttendance:
    """One held drill: the team's members on its roll against those on the team that day."""

    drill: Drill
    day: datetime.date
    participants: int
    active: int

    @property
    def percent(self) -> int:
        return _percent(self.participants, self.active)


@dataclass
class MemberAttendance:
    """One member over the year: drills attended against the team's drills held while they
    were on the team, and their verified service hours."""

    member: Member
    attended: int
    held: int
    hours: Decimal

    @property
    def percent(self) -> int:
        return _percent(self.attended, self.held)


@dataclass
class TeamActivity:
    team: Team
    year: int
    drills: list[DrillAttendance]
    members: list[MemberAttendance]

    @property
    def drills_held(self) -> int:
        return len(self.drills)

    @property
    def percent(self) -> int:
        """Participation over all the year's drills: places taken / places possible."""
        return _percent(
            sum(d.participants for d in self.drills), sum(d.active for d in self.drills)
        )

    @property
    def hours(self) -> Decimal:
        return sum((m.hours for m in self.members), ZERO)


def team_activity(team: Team, *, year: int | None = None) -> TeamActivity:
    """The team's drills held in `year` with attendance, and each member's attendance and
    verified hours. Four queries."""
    year = year or timezone.localdate().year
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    drills = list(
        Drill.objects.held_in(year)
        .filter(teams=team)
        .annotate(
            participants=Count(
                "participations",
                filter=Q(participations__member__team=team),
                distinct=True,
            )
        )
        .order_by("starts_at", "pk")
    )
    # Everyone on the team at some point of the year (the roster of a team is a few dozen).
    members = list(
        Member.objects.filter(team=team, joined_on__lte=end)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=start))
        .by_pinyin()
    )
    attended: dict[int, set[int]] = defaultdict(set)
    for member_id, drill_id in DrillParticipation.objects.filter(
        drill__in=[d.pk for d in drills], member__team=team
    ).values_list("member_id", "drill_id"):
        attended[member_id].add(drill_id)
    hours = verified_hours([m.pk for m in members], year)
    days = {d.pk: _local_date(d.starts_at) for d in drills}
    drill_rows = [
        DrillAttendance(
            d,
            days[d.pk],
            d.participants,
            sum(1 for m in members if _on_team(m, days[d.pk])),
        )
        for d in drills
    ]
    member_rows = []
    for m in members:
        held = [d.pk for d in drills if _on_team(m, days[d.pk])]
        member_rows.append(
            MemberAttendance(
                m,
                len(attended[m.pk] & set(held)),
                len(held),
                hours.get(m.pk, ZERO),
            )
        )
    return TeamActivity(team, year, drill_rows, member_rows)


# -- an area's drills per team --------------------------------------------------------------


@dataclass
class DrillCounts:
    """Drills held in one place over a year."""

    teams: int = 0
    teams_drilled: int = 0
    drills: int = 0
    # A drill of three teams counts three team-drills (演练队次).
    team_drills: int = 0
    participations: int = 0

    @property
    def per_team(self) -> Decimal:
        if not self.teams:
            return ZERO
        return (Decimal(self.team_drills) / self.teams).quantize(Decimal("0.1"))

    @property
    def teams_drilled_percent(self) -> int:
        return _percent(self.teams_drilled, self.teams)


@dataclass
class AreaDrillRow:
    """A child area (or, for a community, its team) with its counts."""

    area: Area
    team: Team | None
    counts: DrillCounts

    @property
    def name(self) -> str:
        return self.team.name if self.team else self.area.name

    @property
    def is_community(self) -> bool:
        return self.area.depth >= AreaLevel.COMMUNITY


@dataclass
class AreaDrills:
    area: Area
    year: int
    total: DrillCounts
    branches: list[AreaDrillRow]


def area_drills(area: Area, *, year: int | None = None) -> AreaDrills:
    """Drills held in `year` by the teams under `area`, per child area. Five queries, each
    grouped over the subtree by the child's path prefix."""
    year = year or timezone.localdate().year
    branches = branches_of(area)
    key_length = len(area.path) + (Area.steplen if area.depth < AreaLevel.COMMUNITY else 0)
    within = subtree_filter("team__community__", area.path)

    teams = (
        Team.objects.filter(**subtree_filter("community__", area.path))
        .annotate(branch=Substr("community__path", 1, key_length))
        .values("branch")
        .annotate(n=Count("pk"))
        .order_by()
    )
    pairs = Drill.teams.through.objects.filter(
        drill__status=EventStatus.HELD, drill__starts_at__year=year, **within
    )
    drilled = (
        pairs.annotate(branch=Substr("team__community__path", 1, key_length))
        .values("branch")
        .annotate(
            drills=Count("drill_id", distinct=True),
            teams_drilled=Count("team_id", distinct=True),
            team_drills=Count("pk"),
        )
        .order_by()
    )
    participations = (
        DrillParticipation.objects.filter(
            drill__status=EventStatus.HELD,
            drill__starts_at__year=year,
            **subtree_filter("member__team__community__", area.path),
        )
        .annotate(branch=Substr("member__team__community__path", 1, key_length))
        .values("branch")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[str, DrillCounts] = defaultdict(DrillCounts)
    for row in teams:
        counts[row["branch"]].teams = row["n"]
    for row in drilled:
        c = counts[row["branch"]]
        c.drills, c.teams_drilled, c.team_drills = (
            row["drills"],
            row["teams_drilled"],
            row["team_drills"],
        )
    for row in participations:
        counts[row["branch"]].participations = row["n"]

    total = DrillCounts()
    for c in counts.values():
        total.teams += c.teams
        total.teams_drilled += c.teams_drilled
        total.team_drills += c.team_drills
        total.participations += c.participations
    # A drill of teams in two branches is one drill of the area.
    total.drills = pairs.values("drill_id").distinct().count()
    rows = [
        AreaDrillRow(b, getattr(b, "team", None), counts.get(b.path, DrillCounts()))
        for b in branches
    ]
    return AreaDrills(area, year, total, rows)


# -- a training plan's progress -----------------------------------------------------------


class ItemState:
    HELD = "held"
    PLANNED = "planned"
    OVERDUE = "overdue"

    LABELS = {HELD: _("已完成"), PLANNED: _("计划中"), OVERDUE: _("已逾期")}


@dataclass
class ItemProgress:
    item: TrainingPlanItem
    state: str
    # When the drill or session was held; for a course, the share of members who completed it.
    held_on: datetime.date | None = None
    course_percent: int | None = None

    @property
    def state_label(self) -> str:
        return ItemState.LABELS[self.state]

    @property
    def target(self) -> int | None:
        if self.item.kind != PlanItemKind.COURSE:
            return None
        return self.item.target_percent or DEFAULT_COURSE_TARGET


@dataclass
class PlanProgress:
    plan: TrainingPlan
    items: list[ItemProgress] = field(default_factory=list)

    def _count(self, state: str) -> int:
        return sum(1 for i in self.items if i.state == state)

    @property
    def held(self) -> int:
        return self._count(ItemState.HELD)

    @property
    def planned(self) -> int:
        return self._count(ItemState.PLANNED)

    @property
    def overdue(self) -> int:
        return self._count(ItemState.OVERDUE)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def percent(self) -> int:
        return _percent(self.held, self.total)


def _course_shares(plans: list[TrainingPlan], items: list[TrainingPlanItem], today) -> dict:
    """(plan id, course id) → percent of the plan area's active members who completed the
    course. Two queries whatever the number of plans: one filtered count per pair."""
    pairs = {
        (i.plan_id, i.course_id) for i in items if i.kind == PlanItemKind.COURSE and i.course_id
    }
    if not pairs:
        return {}
    by_pk = {p.pk: p for p in plans}
    active = Q(left_on__isnull=True) | Q(left_on__gt=today)
    members = Member.objects.filter(active).aggregate(
        **{
            f"p{plan.pk}": Count(
                "pk", filter=Q(**subtree_filter("team__community__", plan.area.path))
            )
            for plan in plans
            if any(p[0] == plan.pk for p in pairs)
        }
    )
    done = (
        Enrollment.objects.filter(
            status=EnrollmentStatus.COMPLETED, course_id__in={c for _p, c in pairs}
        )
        .filter(Q(member__left_on__isnull=True) | Q(member__left_on__gt=today))
        .aggregate(
            **{
                f"p{plan_id}c{course_id}": Count(
                    "member_id",
                    distinct=True,
                    filter=Q(course_id=course_id)
                    & Q(**subtree_filter("member__team__community__", by_pk[plan_id].area.path)),
                )
                for plan_id, course_id in pairs
            }
        )
    )
    return {
        (plan_id, course_id): _percent(done[f"p{plan_id}c{course_id}"], members[f"p{plan_id}"])
        for plan_id, course_id in pairs
    }


def plans_progress(
    plans: list[TrainingPlan], *, today: datetime.date | None = None
) -> dict[int, PlanProgress]:
    """Each plan's items as held, planned (date to come) or overdue (date past, not held).

    A drill or session item is held once the drill or session linked to it was held; a
    course item once the share of the area's active members who completed the course
    reaches its target. Three queries, however many plans.
    """
    today = today or timezone.localdate()
    plans = list(plans)
    items = list(
        TrainingPlanItem.objects.filter(plan__in=[p.pk for p in plans])
        .select_related("drill", "session", "course")
        .order_by("planned_on", "pk")
    )
    shares = _course_shares(plans, items, today)
    result = {plan.pk: PlanProgress(plan) for plan in plans}
    for item in items:
        held_on, percent = None, None
        event = item.drill if item.kind == PlanItemKind.DRILL else None
        if item.kind == PlanItemKind.SESSION:
            event = item.session
        if event is not None and event.status == EventStatus.HELD:
            held_on = _local_date(event.starts_at)
        held = held_on is not None
        if item.kind == PlanItemKind.COURSE and item.course_id:
            percent = shares.get((item.plan_id, item.course_id), 0)
            held = percent >= (item.target_percent or DEFAULT_COURSE_TARGET)
        if held:
            state = ItemState.HELD
        elif item.planned_on >= today:
            state = ItemState.PLANNED
        else:
            state = ItemState.OVERDUE
        result[item.plan_id].items.append(ItemProgress(item, state, held_on, percent))
    return result


def plan_progress(plan: TrainingPlan, *, today: datetime.date | None = None) -> PlanProgress:
    return plans_progress([plan], today=today)[plan.pk]
