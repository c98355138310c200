"""Reads for the exam results pages: a team's members on each final exam, an area's teams.

Everything is aggregated in the database (grouped by member and exam, or by branch and
exam), so each selector runs a fixed number of queries whatever the size of the team or
the area.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Max, Q
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone

from courses.models import Exam, ExamKind
from lms.models import Area, AreaLevel, Attempt, AttemptStatus, Enrollment, Member, Team
from lms.models.areas import subtree_filter

from .learning import branches_of

_GRADED = ~Q(status=AttemptStatus.OPEN)


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


# -- a team -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExamCell:
    """One member on one exam: attempts used, best percentage, passed, when last sat."""

    attempts_used: int = 0
    graded: int = 0
    best_percent: Decimal | None = None
    best_score: Decimal | None = None
    passed: bool = False
    last_at: datetime.datetime | None = None

    @property
    def status(self) -> str:
        if self.passed:
            return "passed"
        if self.graded:
            return "failed"
        if self.attempts_used:
            return "open"  # sitting it now
        return "none"


@dataclass
class MemberResult:
    member: Member
    cell: ExamCell


@dataclass
class ExamResults:
    """One final exam across a team: every active member's best result."""

    exam: Exam
    rows: list[MemberResult]

    @property
    def members(self) -> int:
        return len(self.rows)

    @property
    def attempted(self) -> int:
        return sum(1 for row in self.rows if row.cell.graded)

    @property
    def passed(self) -> int:
        return sum(1 for row in self.rows if row.cell.passed)

    @property
    def attempt_rate(self) -> int:
        return _percent(self.attempted, self.members)

    @property
    def pass_rate(self) -> int:
        """Passed among those who sat the exam."""
        return _percent(self.passed, self.attempted)


def _member_exam_cells(member_ids: list[int]) -> dict[tuple[int, int], ExamCell]:
    rows = (
        Attempt.objects.filter(member_id__in=member_ids, exam__kind=ExamKind.FINAL)
        .values("member_id", "exam_id")
        .annotate(
            used=Count("pk"),
            graded=Count("pk", filter=_GRADED),
            best_percent=Max("percent", filter=_GRADED),
            best_score=Max("score", filter=_GRADED),
            passes=Count("pk", filter=Q(passed=True)),
            last_at=Max(Coalesce("submitted_at", "started_at")),
        )
        .order_by()
    )
    return {
        (row["member_id"], row["exam_id"]): ExamCell(
            attempts_used=row["used"],
            graded=row["graded"],
            best_percent=row["best_percent"],
            best_score=row["best_score"],
            passed=row["passes"] > 0,
            last_at=row["last_at"],
        )
        for row in rows
    }


def team_results(team: Team, *, today: datetime.date | None = None) -> list[ExamResults]:
    """Per final exam, each active member's best result. Four queries.

    The exams are those the members have sat, and the active final exams of the courses
    they are enrolled in (so a leader also sees who has not sat one yet).
    """
    today = today or timezone.localdate()
    members = list(Member.objects.filter(team=team).active(today).by_pinyin())
    member_ids = [m.pk for m in members]
    cells = _member_exam_cells(member_ids)
    course_ids = set(
        Enrollment.objects.current()
        .filter(member_id__in=member_ids)
        .values_list("course_id", flat=True)
        .distinct()
    )
    exams = (
        Exam.objects.filter(kind=ExamKind.FINAL)
        .filter(
            Q(pk__in={exam_id for _m, exam_id in cells}) | Q(course_id__in=course_ids, active=True)
        )
        .select_related("course")
        .order_by("course__title", "pk")
    )
    return [
        ExamResults(
            exam,
            [
                MemberResult(member, cells.get((member.pk, exam.pk), ExamCell()))
                for member in members
            ],
        )
        for exam in exams
    ]


# -- an area ----------------------------------------------------------------------------


@dataclass
class ResultCounts:
    """Active members of a place, how many sat an exam and how many passed it."""

    members: int = 0
    attempted: int = 0
    passed: int = 0

    @property
    def attempt_rate(self) -> int:
        return _percent(self.attempted, self.members)

    @property
    def pass_rate(self) -> int:
        return _percent(self.passed, self.attempted)

    def add(self, other: "ResultCounts") -> None:
        self.members += other.members
        self.attempted += other.attempted
        self.passed += other.passed


@dataclass
class BranchResult:
    """A child area (or, for a community, its team) with its counts on one exam."""

    area: Area
    team: Team | None
    counts: ResultCounts


@dataclass
class AreaExam:
    exam: Exam
    total: ResultCounts
    branches: list[BranchResult] = field(default_factory=list)


def _active_members(today):
    return Q(member__left_on__isnull=True) | Q(member__left_on__gt=today)


def _exam_counts(area: Area, key, today) -> dict[int, dict]:
    """{exam id: {key: (attempted, passed)}} over the subtree, members counted once."""
    rows = (
        Attempt.objects.filter(exam__kind=ExamKind.FINAL)
        .filter(_GRADED)
        .filter(**subtree_filter("member__team__community__", area.path))
        .filter(_active_members(today))
        .annotate(key=key)
        .values("exam_id", "key")
        .annotate(
            attempted=Count("member_id", distinct=True),
            passed=Count("member_id", distinct=True, filter=Q(passed=True)),
        )
        .order_by()
    )
    counts: dict[int, dict] = defaultdict(dict)
    for row in rows:
        counts[row["exam_id"]][row["key"]] = (row["attempted"], row["passed"])
    return counts


def _member_counts(area: Area, key, today) -> dict:
    rows = (
        Member.objects.within(area)
        .active(today)
        .annotate(key=key)
        .values("key")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["key"]: row["n"] for row in rows}


def area_results(area: Area, *, today: datetime.date | None = None) -> list[AreaExam]:
    """Per final exam sat in the area, per child area (or team): members, sat, passed.

    Four queries: the branches, the members per branch, the attempts per exam and branch
    (grouped by the child's path prefix, as area_progress does), and the exams.
    """
    today = today or timezone.localdate()
    branches = branches_of(area)
    key_length = len(area.path) + (Area.steplen if area.depth < AreaLevel.COMMUNITY else 0)
    members = _member_counts(area, Substr("team__community__path", 1, key_length), today)
    counts = _exam_counts(area, Substr("member__team__community__path", 1, key_length), today)
    if not counts:
        return []
    exams = Exam.objects.filter(pk__in=list(counts)).select_related("course")
    result = []
    for exam in exams.order_by("course__title", "pk"):
        total = ResultCounts()
        rows = []
        for branch in branches:
            attempted, passed = counts[exam.pk].get(branch.path, (0, 0))
            branch_counts = ResultCounts(members.get(branch.path, 0), attempted, passed)
            total.add(branch_counts)
            rows.append(BranchResult(branch, getattr(branch, "team", None), branch_counts))
        result.append(AreaExam(exam, total, rows))
    return result


@dataclass
class TeamRow:
    team: Team
    counts: ResultCounts


def area_team_results(
    area: Area, *, today: datetime.date | None = None
) -> list[tuple[Exam, list[TeamRow]]]:
    """Per final exam sat in the area, every team of the subtree (for the .xlsx). Four queries."""
    today = today or timezone.localdate()
    counts = _exam_counts(area, F("member__team_id"), today)
    if not counts:
        return []
    members = _member_counts(area, F("team_id"), today)
    teams = list(Team.objects.within(area).select_related("community").order_by("community__code"))
    exams = Exam.objects.filter(pk__in=list(counts)).select_related("course")
    return [
        (
            exam,
            [
                TeamRow(
                    team,
                    ResultCounts(members.get(team.pk, 0), *counts[exam.pk].get(team.pk, (0, 0))),
                )
                for team in teams
            ],
        )
        for exam in exams.order_by("course__title", "pk")
    ]
