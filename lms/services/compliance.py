"""Evaluating teams against the construction standard, and keeping the results current.

Figures are gathered for many teams at once: one grouped query per kind of record
(members, certificates, drills, participation, documents, equipment, insurance, hours),
never a query per team, so the whole region (16,197 teams) is evaluated in one pass.
One team is the same code with a one-team filter.

The ranking score (0–100, published on the top-ten page):
    base = 0.45 × certificate coverage + 0.30 × drill participation
           + 0.25 × min(1, verified hours per member ÷ the standard's hours threshold)
    improvement = min(1, max(0, (base − last year's base) ÷ 0.2))   (0 without last year)
    score = 100 × (0.85 × base + 0.15 × improvement)
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from cms.celery import enqueue
from courses.models import CoursePage
from lms.models import (
    Area,
    Drill,
    EquipmentItem,
    EventStatus,
    Member,
    ServiceStatus,
    Team,
    TeamDocument,
    TeamEquipment,
)
from lms.models.compliance import (
    AreaProgress,
    ComplianceCriterion,
    ComplianceSnapshot,
    ComplianceStandard,
    CriterionKind,
    FreezeReason,
    YearlyTarget,
    format_threshold,
)
from lms.selectors.compliance import (
    drill_participations,
    failing_counts,
    failing_of,
    insured_members,
    service_records,
    valid_certificates,
    year_bounds,
)

WEIGHTS = {"coverage": 0.45, "participation": 0.30, "hours": 0.25}
IMPROVEMENT_WEIGHT = 0.15
IMPROVEMENT_FULL = 0.2  # a rise of the base by 0.2 in a year earns the whole improvement part
DEFAULT_HOURS = 4.0
BATCH = 1000
EVALUATE_CHUNK = 2000  # teams per re-evaluation task


def required_courses(standard: ComplianceStandard) -> list[int]:
    """Courses whose certificates the standard counts: named ones, else every live course
    marked 计入队伍达标."""
    named = [
        c.course_id for c in standard.criteria.all() if c.kind == "certificates" and c.course_id
    ]
    general = any(
        c.kind == CriterionKind.CERTIFICATES and not c.course_id for c in standard.criteria.all()
    )
    if general:
        named += list(
            CoursePage.objects.live()
            .filter(counts_toward_compliance=True)
            .values_list("pk", flat=True)
        )
    return sorted(set(named))


def team_figures(team_ids, *, year: int, on: datetime.date, course_ids: list[int]) -> dict:
    """Raw figures per team id. `team_ids` None means every team (no IN list)."""

    def teams(qs, field="team_id"):
        return qs if team_ids is None else qs.filter(**{f"{field}__in": team_ids})

    start, end = year_bounds(year)
    active = Q(left_on__isnull=True) | Q(left_on__gt=on)
    figures: dict[int, dict] = defaultdict(
        lambda: {
            "members": 0,
            "categories": {},
            "certified": {},
            "drills": 0,
            "drill_members": 0,
            "documents": [],
            "equipment_complete": 0,
            "insured": 0,
            "hours": 0.0,
            "pending_hours": 0,
        }
    )
    ids = teams(Team.objects.all(), "pk").values_list("pk", flat=True)
    for pk in ids:
        figures[pk]  # every team gets a row, even an empty one
    for row in (
        teams(Member.objects.filter(active)).values("team_id", "category").annotate(n=Count("pk"))
    ):
        f = figures[row["team_id"]]
        f["members"] += row["n"]
        f["categories"][row["category"]] = row["n"]
    if course_ids:
        certificates = teams(valid_certificates(on, course_ids), "member__team_id")
        for row in certificates.values("member__team_id", "course_id").annotate(
            n=Count("member_id", distinct=True)
        ):
            figures[row["member__team_id"]]["certified"][str(row["course_id"])] = row["n"]
    held = Drill.objects.filter(status=EventStatus.HELD, starts_at__gte=start, starts_at__lt=end)
    for row in (
        teams(held, "teams").values("teams").annotate(n=Count("pk", distinct=True)).order_by()
    ):
        figures[row["teams"]]["drills"] = row["n"]
    for row in (
        teams(drill_participations(year, on), "member__team_id")
        .values("member__team_id")
        .annotate(n=Count("member_id", distinct=True))
        .order_by()
    ):
        figures[row["member__team_id"]]["drill_members"] = row["n"]
    for team_id, kind in (
        teams(TeamDocument.objects.all()).values_list("team_id", "kind").distinct()
    ):
        figures[team_id]["documents"].append(kind)
    complete = TeamEquipment.objects.filter(quantity__gte=F("item__required_quantity"))
    for row in teams(complete).values("team_id").annotate(n=Count("item_id", distinct=True)):
        figures[row["team_id"]]["equipment_complete"] = row["n"]
    for row in (
        teams(insured_members(on), "member__team_id")
        .values("member__team_id")
        .annotate(n=Count("member_id", distinct=True))
        .order_by()
    ):
        figures[row["member__team_id"]]["insured"] = row["n"]
    records = teams(service_records(year, on), "member__team_id")
    for row in records.values("member__team_id").annotate(
        hours=Sum("hours", filter=Q(status=ServiceStatus.VERIFIED)),
        pending=Count("pk", filter=Q(status=ServiceStatus.PENDING)),
    ):
        f = figures[row["member__team_id"]]
        f["hours"] = float(row["hours"] or 0)
        f["pending_hours"] = row["pending"]
    return figures


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def judge(criterion: ComplianceCriterion, f: dict, *, equipment_items: int, course_ids) -> dict:
    """One criterion's result for one team's figures."""
    kind = criterion.kind
    threshold = float(criterion.threshold)
    members = f["members"]
    detail: dict = {}
    if kind == CriterionKind.MEMBERS:
        value = members
    elif kind == CriterionKind.CATEGORY:
        value = f["categories"].get(criterion.category, 0)
    elif kind == CriterionKind.CERTIFICATES:
        courses = [criterion.course_id] if criterion.course_id else list(course_ids)
        shares = {str(c): _share(f["certified"].get(str(c), 0), members) for c in courses}
        detail = {"courses": shares}
        value = min(shares.values()) if shares else 0.0
    elif kind == CriterionKind.DRILLS:
        value = f["drills"]
    elif kind == CriterionKind.DRILL_PARTICIPATION:
        value = _share(f["drill_members"], members)
        detail = {"took_part": f["drill_members"]}
    elif kind == CriterionKind.DOCUMENTS:
        missing = [k for k in criterion.required_document_kinds if k not in f["documents"]]
        detail = {"missing": missing}
        value = len(criterion.required_document_kinds) - len(missing)
        threshold = float(len(criterion.required_document_kinds))
    elif kind == CriterionKind.EQUIPMENT:
        value = _share(f["equipment_complete"], equipment_items) if equipment_items else 1.0
        detail = {"complete": f["equipment_complete"], "items": equipment_items}
    elif kind == CriterionKind.INSURANCE:
        value = _share(f["insured"], members)
        detail = {"insured": f["insured"]}
    elif kind == CriterionKind.SERVICE_HOURS:
        value = round(f["hours"] / members, 2) if members else 0.0
        detail = {"hours": f["hours"]}
    else:  # pragma: no cover - a kind added to the choices without a rule here
        raise ValueError(kind)
    passed = members > 0 and value >= threshold - 1e-9
    return {
        "criterion": criterion.pk,
        "kind": kind,
        "label": criterion.label,
        "passed": passed,
        "value": value,
        "threshold": threshold,
        "threshold_display": format_threshold(kind, Decimal(str(threshold))),
        "detail": detail,
    }


def ranking_figures(f: dict, results: list[dict], *, hours_threshold: float) -> dict:
    members = f["members"]
    coverages = [
        share
        for r in results
        if r["kind"] == "certificates"
        for share in r["detail"]["courses"].values()
    ]
    coverage = sum(coverages) / len(coverages) if coverages else 0.0
    participation = _share(f["drill_members"], members)
    hours_per_member = f["hours"] / members if members else 0.0
    hours = min(1.0, hours_per_member / hours_threshold) if hours_threshold else 0.0
    base = (
        WEIGHTS["coverage"] * coverage
        + WEIGHTS["participation"] * participation
        + WEIGHTS["hours"] * hours
    )
    return {
        "members": members,
        "coverage": round(coverage, 4),
        "participation": participation,
        "hours_per_member": round(hours_per_member, 2),
        "base": round(base, 4),
    }


def score_of(figures: dict, last_base: float | None) -> float:
    improvement = 0.0
    if last_base is not None:
        improvement = min(1.0, max(0.0, (figures["base"] - last_base) / IMPROVEMENT_FULL))
    figures["improvement"] = round(improvement, 4)
    return round(
        100 * ((1 - IMPROVEMENT_WEIGHT) * figures["base"] + IMPROVEMENT_WEIGHT * improvement), 2
    )


def teams_evaluate(team_ids=None, *, on: datetime.date | None = None) -> int:
    """Evaluate teams (None: all) as of `on` (today) for that year; frozen snapshots are
    left alone. Returns the number of snapshots written."""
    on = on or timezone.localdate()
    year = on.year
    standard = ComplianceStandard.in_force(on)
    if standard is None:
        return 0
    criteria = list(standard.criteria.select_related("course"))
    course_ids = required_courses(standard)
    equipment_items = EquipmentItem.objects.count()
    hours_threshold = next(
        (float(c.threshold) for c in criteria if c.kind == CriterionKind.SERVICE_HOURS),
        DEFAULT_HOURS,
    )
    figures = team_figures(team_ids, year=year, on=on, course_ids=course_ids)
    current = ComplianceSnapshot.objects.filter(year=year)
    last_year = ComplianceSnapshot.objects.filter(year=year - 1)
    if team_ids is not None:
        current = current.filter(team_id__in=team_ids)
        last_year = last_year.filter(team_id__in=team_ids)
    frozen = set(current.filter(frozen_at__isnull=False).values_list("team_id", flat=True))
    last_bases = {
        team_id: (f or {}).get("base") for team_id, f in last_year.values_list("team_id", "figures")
    }
    now = timezone.now()
    snapshots = []
    for team_id, f in figures.items():
        if team_id in frozen:
            continue
        results = [
            judge(c, f, equipment_items=equipment_items, course_ids=course_ids) for c in criteria
        ]
        failed = sorted({r["kind"] for r in results if not r["passed"]})
        ranking = ranking_figures(f, results, hours_threshold=hours_threshold)
        snapshots.append(
            ComplianceSnapshot(
                team_id=team_id,
                year=year,
                standard_id=standard.pk,
                evaluated_at=now,
                passed=not failed and bool(results),
                score=Decimal(str(score_of(ranking, last_bases.get(team_id)))),
                failed_kinds=failed,
                failed_text=failed_text(failed),
                results=results,
                figures=ranking,
                unverified=f["pending_hours"] > 0,
            )
        )
    # Replace rather than update: one DELETE and batched INSERTs are several times faster
    # than a CASE-per-row UPDATE of 16,000 JSON rows. Frozen snapshots are never deleted,
    # and one frozen meanwhile (a sign-off racing this run) keeps its row: the insert of
    # its replacement is ignored on the (team, year) constraint.
    with transaction.atomic():
        current.filter(frozen_at__isnull=True).delete()
        ComplianceSnapshot.objects.bulk_create(snapshots, batch_size=BATCH, ignore_conflicts=True)
    return len(snapshots)


def failed_text(kinds: list[str]) -> str:
    return f",{','.join(kinds)}," if kinds else ""


def team_evaluate(team: Team, *, on: datetime.date | None = None) -> ComplianceSnapshot | None:
    on = on or timezone.localdate()
    teams_evaluate([team.pk], on=on)
    return ComplianceSnapshot.objects.filter(team=team, year=on.year).first()


def teams_mark_stale(team_ids) -> None:
    """Something that can move these teams' results changed: flag their snapshots and
    re-evaluate them after commit (one task per transaction, however many changes)."""
    team_ids = {pk for pk in team_ids if pk}
    if not team_ids:
        return
    ComplianceSnapshot.objects.filter(
        team_id__in=team_ids, year=timezone.localdate().year, frozen_at__isnull=True
    ).update(stale=True)
    _pending_for_connection().update(team_ids)
    # Every change registers a flush; the first to run takes the whole set, the rest find
    # it empty. A rolled-back change leaves ids behind: the next flush evaluates them too.
    transaction.on_commit(_flush_pending)


_PENDING_ATTR = "_compliance_pending_teams"


def _pending_for_connection() -> set:
    conn = transaction.get_connection()
    if getattr(conn, _PENDING_ATTR, None) is None:
        setattr(conn, _PENDING_ATTR, set())
    return getattr(conn, _PENDING_ATTR)


def _flush_pending() -> None:
    pending = _pending_for_connection()
    if not pending:
        return
    team_ids = sorted(pending)
    pending.clear()
    _enqueue(team_ids)


def _enqueue(team_ids: list[int]) -> None:
    for start in range(0, len(team_ids), EVALUATE_CHUNK):
        chunk = team_ids[start : start + EVALUATE_CHUNK]
        # Unsent chunks are not lost: their snapshots are stale and the nightly run
        # evaluates them.
        enqueue("lms.tasks.compliance_evaluate_teams", chunk)


def teams_evaluate_later(team_ids) -> None:
    """Re-evaluate these teams in the background (in chunks), once the transaction commits."""
    team_ids = sorted(set(team_ids))
    transaction.on_commit(lambda: _enqueue(team_ids))


def snapshots_freeze(*, year: int, reason: str, team_ids=None) -> int:
    """Freeze the year's snapshots (evaluated first if stale), so reports never change."""
    snapshots = ComplianceSnapshot.objects.filter(year=year, frozen_at__isnull=True)
    if team_ids is not None:
        snapshots = snapshots.filter(team_id__in=team_ids)
    return snapshots.update(frozen_at=timezone.now(), frozen_reason=reason, stale=False)


def year_end_freeze(*, today: datetime.date | None = None) -> int:
    """In January, evaluate last year's snapshots as of 31 December and freeze them."""
    today = today or timezone.localdate()
    last = today.year - 1
    if not ComplianceSnapshot.objects.filter(year=last, frozen_at__isnull=True).exists():
        return 0
    teams_evaluate(on=datetime.date(last, 12, 31))
    return snapshots_freeze(year=last, reason=FreezeReason.YEAR_END)


def area_progress_record(*, on: datetime.date | None = None) -> int:
    """Write every area's roll-up for the day (the dashboards' chart): per tree level,
    one grouped query over the teams and one over the snapshots."""
    on = on or timezone.localdate()
    year = on.year
    targets = dict(YearlyTarget.objects.filter(year=year).values_list("level", "share"))
    areas = dict(Area.objects.values_list("path", "pk"))
    depths = sorted({len(path) // Area.steplen for path in areas})
    rows = []
    for depth in depths:
        length = depth * Area.steplen
        teams = dict(
            Team.objects.annotate(prefix=Substr("community__path", 1, length))
            .values("prefix")
            .annotate(n=Count("pk"))
            .values_list("prefix", "n")
        )
        figures = {
            row["prefix"]: row
            for row in ComplianceSnapshot.objects.filter(year=year)
            .annotate(prefix=Substr("team__community__path", 1, length))
            .values("prefix")
            .annotate(compliant=Count("pk", filter=Q(passed=True)), **failing_counts())
        }
        for path, pk in areas.items():
            if len(path) != length:
                continue
            rows.append(
                AreaProgress(
                    area_id=pk,
                    date=on,
                    year=year,
                    teams=teams.get(path, 0),
                    compliant=figures.get(path, {}).get("compliant", 0),
                    target=targets.get(depth, targets.get(None)),
                    failing=dict(failing_of(figures.get(path, {}))),
                )
            )
    AreaProgress.objects.bulk_create(
        rows,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["area", "date"],
        update_fields=["year", "teams", "compliant", "target", "failing"],
    )
    return len(rows)


def compliance_nightly(*, today: datetime.date | None = None) -> dict:
    """The nightly run: freeze last year in January, evaluate every team, record progress."""
    today = today or timezone.localdate()
    frozen = year_end_freeze(today=today) if today.month == 1 else 0
    evaluated = teams_evaluate(on=today)
    areas = area_progress_record(on=today)
    return {"frozen": frozen, "evaluated": evaluated, "areas": areas}
