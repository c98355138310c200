"""Reads that span relations: a member's learning, a team's and an area's progress.

Each selector runs a fixed number of queries whatever the number of members, courses
and lessons, so a page built on one costs the same for a team of five and of fifty.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from wagtail.models import Page

from courses.models import CoursePage, LessonPage
from lms.models import (
    Area,
    AreaLevel,
    Enrollment,
    EnrollmentStatus,
    LessonProgress,
    Member,
    Team,
)
from lms.models.areas import subtree_filter
from lms.scope import Scope

# How many self-enrollment courses the dashboard offers.
OPEN_COURSES_SHOWN = 20


# -- lessons and a member's progress through them -------------------------------------------


@dataclass(frozen=True)
class LessonRef:
    """A live lesson as lists show it."""

    pk: int
    title: str
    minutes: int


def lessons_of(courses: Iterable[CoursePage]) -> dict[int, list[LessonRef]]:
    """The live lessons of each course, in course order: one query for all the courses."""
    courses = list({course.pk: course for course in courses}.values())
    if not courses:
        return {}
    course_by_path = {course.path: course.pk for course in courses}
    # A course's lessons are its children: one level deeper, under its path.
    children = reduce(or_, (Q(path__startswith=c.path, depth=c.depth + 1) for c in courses))
    rows = (
        LessonPage.objects.live()
        .filter(children)
        .order_by("path")
        .values_list("pk", "title", "path", "estimated_minutes")
    )
    lessons: dict[int, list[LessonRef]] = {course.pk: [] for course in courses}
    for pk, title, path, minutes in rows:
        course_pk = course_by_path.get(path[: -Page.steplen])
        if course_pk is not None:
            lessons[course_pk].append(LessonRef(pk, title, minutes))
    return lessons


@dataclass
class _Marks:
    """What one enrollment's progress rows say: lessons opened, and when each was done."""

    opened: set[int] = field(default_factory=set)
    done_at: dict[int, datetime.datetime] = field(default_factory=dict)


def _marks_of(enrollment_ids: Iterable[int]) -> dict[int, _Marks]:
    ids = list(enrollment_ids)
    marks: dict[int, _Marks] = defaultdict(_Marks)
    if not ids:
        return marks
    rows = LessonProgress.objects.filter(enrollment_id__in=ids).values_list(
        "enrollment_id", "lesson_id", "completed_at"
    )
    for enrollment_id, lesson_id, completed_at in rows:
        mark = marks[enrollment_id]
        mark.opened.add(lesson_id)
        if completed_at is not None:
            mark.done_at[lesson_id] = completed_at
    return marks


@dataclass
class CourseProgress:
    """One member on one course: which live lessons are done, what comes next, how late."""

    course: CoursePage
    enrollment: Enrollment | None
    lessons: list[LessonRef]
    marks: _Marks
    today: datetime.date

    @property
    def is_enrolled(self) -> bool:
        return self.enrollment is not None

    @property
    def is_completed(self) -> bool:
        return self.enrollment is not None and self.enrollment.status == EnrollmentStatus.COMPLETED

    @property
    def lessons_total(self) -> int:
        return len(self.lessons)

    @property
    def lessons_done(self) -> int:
        return sum(1 for lesson in self.lessons if lesson.pk in self.marks.done_at)

    @property
    def percent(self) -> int:
        """Share of the live lessons done; a completed course is 100 whatever was added since."""
        if self.is_completed:
            return 100
        if not self.lessons:
            return 0
        return round(100 * self.lessons_done / self.lessons_total)

    @property
    def is_started(self) -> bool:
        return self.is_completed or bool(self.marks.opened)

    @property
    def is_overdue(self) -> bool:
        due_on = self.enrollment.due_on if self.enrollment else None
        return bool(due_on) and not self.is_completed and due_on < self.today

    @property
    def is_behind(self) -> bool:
        """Overdue, or enrolled and not a single lesson opened yet."""
        return (
            self.is_enrolled and not self.is_completed and (self.is_overdue or not self.is_started)
        )

    def status_of(self, lesson_pk: int) -> str:
        if lesson_pk in self.marks.done_at:
            return "done"
        if lesson_pk in self.marks.opened:
            return "opened"
        return "todo"

    @property
    def lesson_rows(self) -> list[tuple[LessonRef, str]]:
        return [(lesson, self.status_of(lesson.pk)) for lesson in self.lessons]

    @property
    def next_lesson(self) -> LessonRef | None:
        """Where "继续学习" leads: the first lesson not yet done after the one most recently
        completed; before any is completed, the lesson last opened (or the first).
        None when every lesson is done."""
        todo = [lesson for lesson in self.lessons if lesson.pk not in self.marks.done_at]
        if not todo:
            return None
        done_at = self.marks.done_at
        positions = {lesson.pk: n for n, lesson in enumerate(self.lessons)}
        finished = [pk for pk in done_at if pk in positions]
        if finished:
            latest = max(finished, key=lambda pk: (done_at[pk], positions[pk]))
            after = [lesson for lesson in todo if positions[lesson.pk] > positions[latest]]
            return after[0] if after else todo[0]
        last_id = self.enrollment.last_lesson_id if self.enrollment else None
        return next((lesson for lesson in todo if lesson.pk == last_id), todo[0])

    def neighbours(self, lesson_pk: int) -> tuple[LessonRef | None, LessonRef | None]:
        """The lessons before and after `lesson_pk` in the course."""
        pks = [lesson.pk for lesson in self.lessons]
        if lesson_pk not in pks:
            return None, None
        n = pks.index(lesson_pk)
        before = self.lessons[n - 1] if n > 0 else None
        after = self.lessons[n + 1] if n + 1 < len(self.lessons) else None
        return before, after

    def position_of(self, lesson_pk: int) -> int:
        """1-based place of the lesson in the course (0 when it is not one of its lessons)."""
        pks = [lesson.pk for lesson in self.lessons]
        return pks.index(lesson_pk) + 1 if lesson_pk in pks else 0


@dataclass
class Dashboard:
    """What a member sees at /learn/."""

    member: Member
    in_progress: list[CourseProgress]
    completed: list[CourseProgress]
    open_courses: list[CoursePage]


def member_dashboard(member: Member, *, today: datetime.date | None = None) -> Dashboard:
    """A member's current courses (overdue first, then by due date), completed courses, and
    live courses open to self-enrollment they have not joined. Four queries."""
    today = today or timezone.localdate()
    enrollments = list(
        Enrollment.objects.current()
        .filter(member=member, course__live=True)
        .select_related("course")
        .order_by("-enrolled_at", "pk")
    )
    lessons = lessons_of(e.course for e in enrollments)
    marks = _marks_of(e.pk for e in enrollments)
    progress = [
        CourseProgress(e.course, e, lessons.get(e.course_id, []), marks[e.pk], today)
        for e in enrollments
    ]
    in_progress = [p for p in progress if not p.is_completed]
    in_progress.sort(
        key=lambda p: (not p.is_overdue, p.enrollment.due_on is None, p.enrollment.due_on or today)
    )
    completed = [p for p in progress if p.is_completed]
    completed.sort(
        key=lambda p: p.enrollment.completed_at or p.enrollment.enrolled_at, reverse=True
    )
    open_courses = list(
        CoursePage.objects.live()
        .filter(self_enrollment=True)
        .exclude(pk__in=[e.course_id for e in enrollments])
        .order_by("title", "pk")[:OPEN_COURSES_SHOWN]
    )
    return Dashboard(member, in_progress, completed, open_courses)


def course_outline(
    member: Member, course: CoursePage, *, today: datetime.date | None = None
) -> CourseProgress:
    """One course as its member sees it: every live lesson with its status. Three queries."""
    enrollment = Enrollment.objects.current().filter(member=member, course=course).first()
    marks = _marks_of([enrollment.pk] if enrollment else [])
    return CourseProgress(
        course,
        enrollment,
        lessons_of([course])[course.pk],
        marks[enrollment.pk] if enrollment else _Marks(),
        today or timezone.localdate(),
    )


# -- a team's progress ------------------------------------------------------------------


@dataclass
class MemberRow:
    member: Member
    progress: CourseProgress


@dataclass
class CourseMatrix:
    """One course across a team: each active member's progress (enrolled or not)."""

    course: CoursePage
    rows: list[MemberRow]

    @property
    def enrolled(self) -> int:
        return sum(1 for row in self.rows if row.progress.is_enrolled)

    @property
    def completed(self) -> int:
        return sum(1 for row in self.rows if row.progress.is_completed)

    @property
    def behind(self) -> int:
        return sum(1 for row in self.rows if row.progress.is_behind)

    @property
    def completion_percent(self) -> int:
        return round(100 * self.completed / self.enrolled) if self.enrolled else 0


def team_progress(team: Team, *, today: datetime.date | None = None) -> list[CourseMatrix]:
    """Per course any active member is on, every active member's progress. Four queries.

    Members who are not enrolled are listed too (last), so a leader sees whom to assign.
    """
    today = today or timezone.localdate()
    members = list(Member.objects.filter(team=team).active(today).by_pinyin())
    enrollments = list(
        Enrollment.objects.current()
        .filter(member__in=[m.pk for m in members])
        .select_related("course")
    )
    courses = {e.course_id: e.course for e in enrollments}
    lessons = lessons_of(courses.values())
    marks = _marks_of(e.pk for e in enrollments)
    by_pair = {(e.course_id, e.member_id): e for e in enrollments}
    matrices = []
    for course in sorted(courses.values(), key=lambda c: (c.title, c.pk)):
        enrolled_rows, other_rows = [], []
        for member in members:
            enrollment = by_pair.get((course.pk, member.pk))
            progress = CourseProgress(
                course,
                enrollment,
                lessons[course.pk],
                marks[enrollment.pk] if enrollment else _Marks(),
                today,
            )
            (enrolled_rows if enrollment else other_rows).append(MemberRow(member, progress))
        matrices.append(CourseMatrix(course, enrolled_rows + other_rows))
    return matrices


# -- an area's progress -----------------------------------------------------------------


@dataclass
class Counts:
    """Enrollments of active members in one place: how many, finished, late."""

    enrolled: int = 0
    completed: int = 0
    overdue: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.completed / self.enrolled) if self.enrolled else 0

    def add(self, other: "Counts") -> None:
        self.enrolled += other.enrolled
        self.completed += other.completed
        self.overdue += other.overdue


@dataclass
class BranchRow:
    """A child area (or, for a community, its team) with its counts for one course."""

    area: Area
    team: Team | None
    counts: Counts


@dataclass
class AreaCourse:
    course: CoursePage
    total: Counts
    branches: list[BranchRow]


def branches_of(area: Area) -> list[Area]:
    """The areas one level down (a community stands for itself), each with its team loaded."""
    if area.depth >= AreaLevel.COMMUNITY:
        return list(Area.objects.filter(pk=area.pk).select_related("team"))
    return list(
        Area.objects.filter(depth=area.depth + 1, **subtree_filter("", area.path))
        .select_related("team")
        .order_by("code")
    )


def area_progress(area: Area, *, today: datetime.date | None = None) -> list[AreaCourse]:
    """Per course, per child area: enrollments of active members, completed, overdue.

    The counting is one grouped query over the subtree (by the child's path prefix), so the
    cost does not grow with the number of areas; three queries in all.
    """
    today = today or timezone.localdate()
    branches = branches_of(area)
    key_length = len(area.path) + (Area.steplen if area.depth < AreaLevel.COMMUNITY else 0)
    grouped = (
        Enrollment.objects.current()
        .filter(**subtree_filter("member__team__community__", area.path))
        .filter(Q(member__left_on__isnull=True) | Q(member__left_on__gt=today))
        .annotate(branch=Substr("member__team__community__path", 1, key_length))
        .values("course_id", "branch")
        .annotate(
            enrolled=Count("pk"),
            completed=Count("pk", filter=Q(status=EnrollmentStatus.COMPLETED)),
            overdue=Count("pk", filter=Q(status=EnrollmentStatus.ACTIVE, due_on__lt=today)),
        )
        .order_by()
    )
    counts: dict[int, dict[str, Counts]] = defaultdict(dict)
    for row in grouped:
        counts[row["course_id"]][row["branch"]] = Counts(
            row["enrolled"], row["completed"], row["overdue"]
        )
    if not counts:
        return []
    courses = CoursePage.objects.filter(pk__in=list(counts)).order_by("title", "pk")
    result = []
    for course in courses:
        total = Counts()
        rows = []
        for branch in branches:
            branch_counts = counts[course.pk].get(branch.path, Counts())
            total.add(branch_counts)
            rows.append(BranchRow(branch, getattr(branch, "team", None), branch_counts))
        result.append(AreaCourse(course, total, rows))
    return result


# -- where a manager goes from /learn/ ---------------------------------------------------


@dataclass
class ManagedPlaces:
    teams: list[Team]
    areas: list[Area]

    def __bool__(self) -> bool:
        return bool(self.teams or self.areas)


def managed_places(scope: Scope) -> ManagedPlaces:
    """The teams a user leads and the areas they administer (top of each subtree)."""
    teams: QuerySet[Team] = Team.objects.none()
    if scope.led_team_ids:
        teams = Team.objects.filter(pk__in=scope.led_team_ids).order_by("community__code")
    if scope.is_global:
        areas = Area.objects.filter(depth=AreaLevel.REGION)
    elif scope.area_paths:
        areas = Area.objects.filter(path__in=scope.area_paths)
    else:
        areas = Area.objects.none()
    return ManagedPlaces(list(teams), list(areas))
