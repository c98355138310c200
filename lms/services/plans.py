"""Training plans (培训计划): an area's plan for a year, its items, and what fulfilled them.

A plan is written by the administrators of its area (or of an area above it); the same
people add, change and remove its items, and link the drill or session that was held for
an item. `plan_items_match_event` links a closed drill or session to the nearest open item
of its kind automatically.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import CoursePage
from lms.errors import DomainError
from lms.models import (
    Area,
    Drill,
    EventStatus,
    PlanItemKind,
    Team,
    TrainingPlan,
    TrainingPlanItem,
    TrainingSession,
)
from lms.models.areas import subtree_filter
from lms.scope import scope_for

PLAN_FIELDS = ("title", "responsible_name", "responsible_phone", "notes")
ITEM_FIELDS = ("kind", "title", "planned_on", "course", "target_percent")
# How far from the planned date a held drill or session is matched to an item automatically.
MATCH_WINDOW_DAYS = 45


def administers(by, area: Area) -> bool:
    scope = scope_for(by)
    return scope.is_global or any(area.path.startswith(path) for path in scope.area_paths)


def _check_admin(by, area: Area) -> None:
    if by is None or not by.is_authenticated or not administers(by, area):
        raise DomainError(_("只有该区域（或上级区域）的管理员可以编制其培训计划。"), field="area")


def _full_clean(obj, *, exclude=()) -> None:
    try:
        obj.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        if hasattr(exc, "message_dict"):
            field, messages = next(iter(exc.message_dict.items()))
            field = None if field == "__all__" else field
            raise DomainError(messages[0], field=field) from exc
        raise DomainError(exc.messages[0]) from exc


def _check_year(year: int) -> None:
    this_year = timezone.localdate().year
    if not isinstance(year, int) or not (this_year - 5 <= year <= this_year + 2):
        raise DomainError(_("年度应在近几年之内。"), field="year")


def _check_plan_fields(plan: TrainingPlan) -> None:
    plan.title = (plan.title or "").strip()
    plan.responsible_name = (plan.responsible_name or "").strip()
    plan.responsible_phone = (plan.responsible_phone or "").strip()
    if not plan.title:
        raise DomainError(_("请填写计划名称。"), field="title")
    if not plan.responsible_name:
        raise DomainError(_("请填写负责人。"), field="responsible_name")


@transaction.atomic
def plan_create(
    *,
    by,
    area: Area,
    year: int,
    title: str,
    responsible_name: str,
    responsible_phone: str = "",
    notes: str = "",
) -> TrainingPlan:
    _check_admin(by, area)
    _check_year(year)
    plan = TrainingPlan(
        area=area,
        year=year,
        title=title,
        responsible_name=responsible_name,
        responsible_phone=responsible_phone,
        notes=notes or "",
        created_by=by,
    )
    _check_plan_fields(plan)
    if TrainingPlan.objects.filter(area=area, year=year).exists():
        raise DomainError(_("该区域本年度已有培训计划。"), field="year")
    _full_clean(plan, exclude=["area", "created_by"])
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError as exc:  # created concurrently
        raise DomainError(_("该区域本年度已有培训计划。"), field="year") from exc
    return plan


@transaction.atomic
def plan_update(*, by, plan: TrainingPlan, **fields) -> TrainingPlan:
    """Change a plan's title, responsible person and notes (area and year stay)."""
    _check_admin(by, plan.area)
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise DomainError(_("不能修改这些字段：%(f)s") % {"f": "、".join(sorted(unknown))})
    for name, value in fields.items():
        setattr(plan, name, value if value is not None else "")
    _check_plan_fields(plan)
    _full_clean(plan, exclude=["area", "created_by"])
    plan.save()
    return plan


@transaction.atomic
def plan_delete(*, by, plan: TrainingPlan) -> None:
    _check_admin(by, plan.area)
    plan.delete()


# -- items ---------------------------------------------------------------------------------


def _check_item(item: TrainingPlanItem) -> None:
    item.title = (item.title or "").strip()
    if item.kind not in PlanItemKind.values:
        raise DomainError(_("请选择项目类型。"), field="kind")
    if not item.title:
        raise DomainError(_("请填写项目名称。"), field="title")
    if not isinstance(item.planned_on, datetime.date):
        raise DomainError(_("请填写计划日期。"), field="planned_on")
    if item.planned_on.year != item.plan.year:
        raise DomainError(
            _("计划日期应在计划年度（%(year)s 年）之内。") % {"year": item.plan.year},
            field="planned_on",
        )
    if item.kind == PlanItemKind.COURSE:
        if item.course is None:
            raise DomainError(_("线上课程项目请选择课程。"), field="course")
        if item.target_percent is not None and not 1 <= item.target_percent <= 100:
            raise DomainError(_("目标完成率应在 1 到 100 之间。"), field="target_percent")
    else:
        item.target_percent = None
    _full_clean(item, exclude=["plan", "course", "drill", "session"])


@transaction.atomic
def plan_item_create(
    *,
    by,
    plan: TrainingPlan,
    kind: str,
    title: str,
    planned_on: datetime.date,
    course: CoursePage | None = None,
    target_percent: int | None = None,
) -> TrainingPlanItem:
    _check_admin(by, plan.area)
    item = TrainingPlanItem(
        plan=plan,
        kind=kind,
        title=title,
        planned_on=planned_on,
        course=course if kind == PlanItemKind.COURSE else None,
        target_percent=target_percent,
    )
    _check_item(item)
    item.save()
    return item


@transaction.atomic
def plan_item_update(*, by, item: TrainingPlanItem, **fields) -> TrainingPlanItem:
    _check_admin(by, item.plan.area)
    unknown = set(fields) - set(ITEM_FIELDS)
    if unknown:
        raise DomainError(_("不能修改这些字段：%(f)s") % {"f": "、".join(sorted(unknown))})
    for name, value in fields.items():
        setattr(item, name, value)
    if item.kind != PlanItemKind.COURSE:
        item.course = None
    # A held drill or session no longer fulfils an item of another kind.
    if item.kind != PlanItemKind.DRILL:
        item.drill = None
    if item.kind != PlanItemKind.SESSION:
        item.session = None
    _check_item(item)
    item.save()
    return item


@transaction.atomic
def plan_item_delete(*, by, item: TrainingPlanItem) -> None:
    _check_admin(by, item.plan.area)
    item.delete()


# -- what fulfilled an item -------------------------------------------------------------


def _teams_within(area: Area):
    return Team.objects.filter(**subtree_filter("community__", area.path))


def linkable_drills(plan: TrainingPlan):
    """Held drills of the plan's year in which a team of the plan's area took part."""
    return (
        Drill.objects.held_in(plan.year)
        .filter(teams__in=_teams_within(plan.area))
        .distinct()
        .order_by("-starts_at")
    )


def linkable_sessions(plan: TrainingPlan):
    """Held sessions of the plan's year organised in the plan's area or for its teams."""
    return (
        TrainingSession.objects.held_in(plan.year)
        .filter(
            Q(**subtree_filter("area__", plan.area.path)) | Q(teams__in=_teams_within(plan.area))
        )
        .distinct()
        .order_by("-starts_at")
    )


@transaction.atomic
def plan_item_link(
    *,
    by,
    item: TrainingPlanItem,
    drill: Drill | None = None,
    session: TrainingSession | None = None,
) -> TrainingPlanItem:
    """Record which held drill or session fulfilled the item (both None: unlink)."""
    plan = item.plan
    _check_admin(by, plan.area)
    if drill is not None and session is not None:
        raise DomainError(_("一个项目只能对应一次演练或一次培训。"))
    if drill is not None:
        if item.kind != PlanItemKind.DRILL:
            raise DomainError(_("只有演练项目可以对应演练。"), field="drill")
        if not linkable_drills(plan).filter(pk=drill.pk).exists():
            raise DomainError(_("只能对应本区域队伍参加、本年度已举行的演练。"), field="drill")
    if session is not None:
        if item.kind != PlanItemKind.SESSION:
            raise DomainError(_("只有线下培训项目可以对应培训。"), field="session")
        if not linkable_sessions(plan).filter(pk=session.pk).exists():
            raise DomainError(
                _("只能对应本区域组织或参加、本年度已举行的线下培训。"), field="session"
            )
    if item.kind == PlanItemKind.COURSE and (drill or session):
        raise DomainError(_("线上课程项目按课程完成率统计，无需对应。"))
    item.drill = drill
    item.session = session
    item.save(update_fields=["drill", "session"])
    return item


def _event_areas_paths(drill: Drill | None, session: TrainingSession | None) -> list[str]:
    if drill is not None:
        return list(drill.teams.values_list("community__path", flat=True))
    paths = list(session.teams.values_list("community__path", flat=True))
    return [*paths, session.area.path]


@transaction.atomic
def plan_items_match_event(
    *, drill: Drill | None = None, session: TrainingSession | None = None
) -> list[TrainingPlanItem]:
    """Link a held drill or session to the open item nearest its date in every plan that
    covers it (one item per plan, within MATCH_WINDOW_DAYS). Safe to run twice: an event
    already linked to an item of a plan is not linked again in that plan."""
    event = drill or session
    if event is None or event.status != EventStatus.HELD:
        return []
    kind = PlanItemKind.DRILL if drill is not None else PlanItemKind.SESSION
    day = timezone.localtime(event.starts_at).date()
    paths = _event_areas_paths(drill, session)
    # Every ancestor (and the area itself) of the places the event concerns.
    prefixes = {p[:n] for p in paths for n in range(Area.steplen, len(p) + 1, Area.steplen)}
    plans = TrainingPlan.objects.filter(area__path__in=prefixes, year=day.year)
    link = {"drill": drill} if drill is not None else {"session": session}
    linked = []
    for plan in plans.select_for_update():
        if plan.items.filter(**link).exists():
            continue
        window = datetime.timedelta(days=MATCH_WINDOW_DAYS)
        candidates = list(
            plan.items.filter(
                kind=kind,
                drill__isnull=True,
                session__isnull=True,
                planned_on__range=(day - window, day + window),
            )
        )
        if not candidates:
            continue
        item = min(candidates, key=lambda i: (abs((i.planned_on - day).days), i.pk))
        setattr(item, kind, event)
        item.save(update_fields=[kind])
        linked.append(item)
    return linked
