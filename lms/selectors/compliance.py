"""Compliance roll-ups: how many of an area's teams meet the standard, against the target.

Computed from the snapshots with grouped queries: an area's figures are one query over
its subtree (an indexed range on the community's path), its children's are one query
grouped by the first characters of that path.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from lms.models import (
    Area,
    Certificate,
    CertificateStatus,
    DrillParticipation,
    EventStatus,
    InsurancePolicy,
    Member,
    ServiceRecord,
    ServiceStatus,
    Team,
)
from lms.models.areas import subtree_filter
from lms.models.compliance import AreaProgress, ComplianceSnapshot, CriterionKind, YearlyTarget

# -- the records a team's figures count (shared by the evaluation and the member table) --


def year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    return datetime.datetime(year, 1, 1, tzinfo=tz), datetime.datetime(year + 1, 1, 1, tzinfo=tz)


def as_of(year: int) -> datetime.date:
    """The day a year's figures describe: today for this year, 31 December for a past one."""
    today = timezone.localdate()
    return today if year >= today.year else datetime.date(year, 12, 31)


def member_active(on: datetime.date) -> Q:
    """On a record pointing at a member: the member was on the roster on `on`."""
    return Q(member__left_on__isnull=True) | Q(member__left_on__gt=on)


def valid_certificates(on: datetime.date, course_ids) -> QuerySet[Certificate]:
    return Certificate.objects.filter(
        member_active(on),
        Q(expires_on__isnull=True) | Q(expires_on__gte=on),
        status=CertificateStatus.VALID,
        course_id__in=course_ids,
    )


def drill_participations(year: int, on: datetime.date) -> QuerySet[DrillParticipation]:
    """Active members' places on the roll of drills held in `year`."""
    start, end = year_bounds(year)
    return DrillParticipation.objects.filter(
        member_active(on),
        drill__status=EventStatus.HELD,
        drill__starts_at__gte=start,
        drill__starts_at__lt=end,
    )


def insured_members(on: datetime.date) -> QuerySet:
    """Links of active members to policies in force on `on`."""
    return InsurancePolicy.members.through.objects.filter(
        member_active(on), insurancepolicy__starts_on__lte=on, insurancepolicy__ends_on__gte=on
    )


def service_records(year: int, on: datetime.date) -> QuerySet[ServiceRecord]:
    return ServiceRecord.objects.filter(member_active(on), date__year=year)


@dataclass
class MemberRow:
    member: Member
    # One flag per required course, in the order of the table's columns.
    certified: list[bool] = field(default_factory=list)
    drilled: bool = False
    insured: bool = False
    hours: Decimal = Decimal(0)

    @property
    def complete(self) -> bool:
        return all(self.certified) and self.drilled and self.insured


def member_rows(team: Team, *, year: int, on: datetime.date, course_ids: list[int]):
    """Each active member with what they bring to the team's figures: five queries."""
    members = list(team.members.active(on).by_pinyin())
    certified = set(
        valid_certificates(on, course_ids)
        .filter(member__team=team)
        .values_list("member_id", "course_id")
    )
    drilled = set(
        drill_participations(year, on).filter(member__team=team).values_list("member_id", flat=True)
    )
    insured = set(insured_members(on).filter(member__team=team).values_list("member_id", flat=True))
    hours = dict(
        service_records(year, on)
        .filter(member__team=team, status=ServiceStatus.VERIFIED)
        .values("member_id")
        .annotate(total=Sum("hours"))
        .values_list("member_id", "total")
    )
    return [
        MemberRow(
            member=m,
            certified=[(m.pk, c) in certified for c in course_ids],
            drilled=m.pk in drilled,
            insured=m.pk in insured,
            hours=hours.get(m.pk) or Decimal(0),
        )
        for m in members
    ]


# -- roll-ups ---------------------------------------------------------------------------


@dataclass
class Rollup:
    area: Area
    year: int
    teams: int = 0
    evaluated: int = 0
    compliant: int = 0
    target: Decimal | None = None
    # Failing criterion kind → number of teams failing it, most common first.
    failing: list[tuple[str, int]] = field(default_factory=list)

    @property
    def share(self) -> float:
        return self.compliant / self.teams if self.teams else 0.0

    @property
    def target_teams(self) -> int | None:
        """Compliant teams needed to meet the target (rounded up)."""
        if self.target is None:
            return None
        needed = self.target * self.teams
        return int(needed) + (1 if needed % 1 else 0)

    @property
    def gap(self) -> int | None:
        """Teams still to bring up to the standard to meet the target (0 when met)."""
        return None if self.target is None else max(0, self.target_teams - self.compliant)

    @property
    def failing_labels(self) -> list[tuple[str, int]]:
        return [(str(CriterionKind(kind).label), n) for kind, n in self.failing]


def failing_counts() -> dict:
    """Aggregates counting the failing teams per criterion kind (one LIKE each)."""
    return {
        f"fail_{kind}": Count("pk", filter=Q(failed_text__contains=f",{kind},"))
        for kind in CriterionKind.values
    }


def failing_of(row: dict) -> list[tuple[str, int]]:
    counts = [(kind, row.get(f"fail_{kind}") or 0) for kind in CriterionKind.values]
    return sorted(((k, n) for k, n in counts if n), key=lambda item: -item[1])


def _figures() -> dict:
    return {
        "evaluated": Count("pk"),
        "compliant": Count("pk", filter=Q(passed=True)),
        **failing_counts(),
    }


def area_rollup(area: Area, year: int) -> Rollup:
    """The area's own figures (its whole subtree): two queries."""
    teams = Team.objects.filter(**subtree_filter("community__", area.path)).count()
    totals = ComplianceSnapshot.objects.filter(
        year=year, **subtree_filter("team__community__", area.path)
    ).aggregate(**_figures())
    return Rollup(
        area=area,
        year=year,
        teams=teams,
        evaluated=totals["evaluated"],
        compliant=totals["compliant"],
        target=YearlyTarget.for_area(year, area.depth),
        failing=failing_of(totals),
    )


def child_rollups(area: Area, year: int) -> list[Rollup]:
    """One roll-up per child area, in code order: two grouped queries for all of them."""
    children = list(area.get_children())
    if not children:
        return []
    length = len(area.path) + Area.steplen
    teams = dict(
        Team.objects.filter(**subtree_filter("community__", area.path))
        .annotate(prefix=Substr("community__path", 1, length))
        .values("prefix")
        .annotate(n=Count("pk"))
        .values_list("prefix", "n")
    )
    rows = (
        ComplianceSnapshot.objects.filter(
            year=year, **subtree_filter("team__community__", area.path)
        )
        .annotate(prefix=Substr("team__community__path", 1, length))
        .values("prefix")
        .annotate(**_figures())
    )
    by_prefix = {r["prefix"]: r for r in rows}
    target = YearlyTarget.for_area(year, area.depth + 1)
    return [
        Rollup(
            area=child,
            year=year,
            teams=teams.get(child.path, 0),
            evaluated=by_prefix.get(child.path, {}).get("evaluated", 0),
            compliant=by_prefix.get(child.path, {}).get("compliant", 0),
            target=target,
            failing=failing_of(by_prefix.get(child.path, {})),
        )
        for child in children
    ]


def area_history(area: Area, year: int) -> list[AreaProgress]:
    """The area's recorded progress through the year (one row a day), for the chart."""
    return list(AreaProgress.objects.filter(area=area, year=year).order_by("date"))


def team_snapshots(area: Area, year: int):
    """The snapshots of the teams in an area, for the team level of the drill-down."""
    return (
        ComplianceSnapshot.objects.filter(
            year=year, **subtree_filter("team__community__", area.path)
        )
        .select_related("team", "team__community")
        .order_by("passed", "-score", "team__name")
    )


def area_overview(area: Area, year: int) -> tuple[Rollup, list[Rollup]]:
    """The area's roll-up and its children's, for a dashboard: the area's figures are the
    sums of its children's (every team sits in a community, a leaf), so no second pass
    over the subtree is needed."""
    children = child_rollups(area, year)
    if not children:
        return area_rollup(area, year), []
    failing = Counter()
    for child in children:
        failing.update(dict(child.failing))
    rollup = Rollup(
        area=area,
        year=year,
        teams=sum(c.teams for c in children),
        evaluated=sum(c.evaluated for c in children),
        compliant=sum(c.compliant for c in children),
        target=YearlyTarget.for_area(year, area.depth),
        failing=failing.most_common(),
    )
    return rollup, children
