"""Inspections (督导检查): each county once a year — a checklist, findings, a random sample
of members to re-test, corrective actions, and the sign-off that freezes the figures.

Who may do what is decided by the admin views (the administrators of the county's city or
region write; the county's own administrators read). Here every refusal is a DomainError
and nothing is half-saved. Once signed off, an inspection does not change, with one
exception: a corrective action may still be marked done, since correcting is what follows.
"""

import datetime
import random
import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lms.errors import DomainError
from lms.models import (
    Area,
    AreaLevel,
    ComplianceStandard,
    CorrectiveAction,
    CriterionKind,
    FreezeReason,
    Inspection,
    InspectionSample,
    InspectionStatus,
    Member,
    RetestResult,
    Team,
)
from lms.models.areas import subtree_filter
from lms.selectors.compliance import area_rollup, as_of
from lms.services.compliance import snapshots_freeze, teams_evaluate

CHECK_PASS = "pass"
CHECK_FAIL = "fail"
CHECK_RESULTS = ("", CHECK_PASS, CHECK_FAIL)

# The default checklist, following the standard: (item, criterion kinds it looks at).
DEFAULT_CHECKLIST = [
    (gettext_lazy("队伍组建与人数"), [CriterionKind.MEMBERS]),
    (gettext_lazy("人员类别"), [CriterionKind.CATEGORY]),
    (gettext_lazy("培训持证"), [CriterionKind.CERTIFICATES]),
    (gettext_lazy("演练开展"), [CriterionKind.DRILLS, CriterionKind.DRILL_PARTICIPATION]),
    (gettext_lazy("制度建设"), [CriterionKind.DOCUMENTS]),
    (gettext_lazy("装备配备"), [CriterionKind.EQUIPMENT]),
    (gettext_lazy("保险办理"), [CriterionKind.INSURANCE]),
    (gettext_lazy("志愿服务记录"), [CriterionKind.SERVICE_HOURS]),
    (gettext_lazy("档案资料"), []),
]
DEFAULT_SAMPLE_SIZE = 10
MAX_SAMPLE_SIZE = 200
NOTE_MAX = 200


def default_checklist(on: datetime.date) -> list[dict]:
    """The checklist items, each naming what the standard in force on `on` asks."""
    standard = ComplianceStandard.in_force(on)
    criteria = list(standard.criteria.select_related("course")) if standard else []
    items = []
    for title, kinds in DEFAULT_CHECKLIST:
        labels = [c.label for c in criteria if c.kind in kinds]
        item = f"{title}（{'；'.join(labels)}）" if labels else str(title)
        items.append({"item": item, "result": "", "note": ""})
    return items


def _locked(inspection: Inspection) -> Inspection:
    """The inspection re-read under a row lock, refused if already signed off."""
    locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if locked.is_signed_off:
        raise DomainError(_("该督导检查已签字确认，不能再修改。"))
    return locked


def _start(inspection: Inspection) -> None:
    if inspection.status == InspectionStatus.PLANNED:
        inspection.status = InspectionStatus.IN_PROGRESS


def _check_year(year) -> None:
    this_year = timezone.localdate().year
    if not isinstance(year, int) or not (2020 <= year <= this_year + 1):
        raise DomainError(
            _("年度应在 2020 年至 %(last)s 年之间。") % {"last": this_year + 1}, field="year"
        )


# -- the inspection -----------------------------------------------------------------------


def inspection_create(
    *, county: Area, year: int, inspector, inspected_on: datetime.date | None = None
) -> Inspection:
    """Plan a county's inspection for a year, with the default checklist."""
    if county is None or county.depth != AreaLevel.COUNTY:
        raise DomainError(_("督导检查的对象应为县（市、区）。"), field="county")
    _check_year(year)
    if inspector is None or not getattr(inspector, "pk", None):
        raise DomainError(_("请指定检查人。"), field="inspector")
    duplicate = _("%(county)s %(year)s 年度的督导检查已经建立，每县每年只检查一次。") % {
        "county": county.name,
        "year": year,
    }
    if Inspection.objects.filter(county=county, year=year).exists():
        raise DomainError(duplicate, field="year")
    inspection = Inspection(
        county=county,
        year=year,
        inspector=inspector,
        inspected_on=inspected_on,
        checklist=default_checklist(inspected_on or timezone.localdate()),
    )
    try:
        inspection.full_clean(exclude=["county", "inspector"], validate_unique=False)
    except ValidationError as exc:
        raise DomainError(exc.messages[0]) from exc
    try:
        with transaction.atomic():
            inspection.save()
    except IntegrityError as exc:  # created at the same moment by someone else
        raise DomainError(duplicate, field="year") from exc
    return inspection


def _clean_checklist(checklist) -> list[dict]:
    if not isinstance(checklist, list) or not checklist:
        raise DomainError(_("检查清单不能为空。"), field="checklist")
    cleaned = []
    for row in checklist:
        item = str((row or {}).get("item") or "").strip()
        result = (row or {}).get("result") or ""
        note = str((row or {}).get("note") or "").strip()
        if not item:
            raise DomainError(_("检查清单中有未命名的检查项。"), field="checklist")
        if result not in CHECK_RESULTS:
            raise DomainError(_("检查项“%(item)s”的结果无效。") % {"item": item}, field="checklist")
        if len(note) > NOTE_MAX:
            raise DomainError(
                _("检查项“%(item)s”的备注最多 %(n)s 个字。") % {"item": item, "n": NOTE_MAX},
                field="checklist",
            )
        cleaned.append({"item": item, "result": result, "note": note})
    return cleaned


@transaction.atomic
def inspection_update(
    inspection: Inspection,
    *,
    checklist: list | None = None,
    findings: str | None = None,
    inspected_on: datetime.date | None = None,
) -> Inspection:
    """Record the checklist's results, the findings and the date (before sign-off only)."""
    locked = _locked(inspection)
    if checklist is not None:
        locked.checklist = _clean_checklist(checklist)
    if findings is not None:
        locked.findings = findings.strip()
    if inspected_on is not None:
        locked.inspected_on = inspected_on
    _start(locked)
    locked.save(update_fields=["checklist", "findings", "inspected_on", "status"])
    return locked


# -- the sample to re-test ------------------------------------------------------------------


@transaction.atomic
def inspection_draw_sample(
    inspection: Inspection,
    *,
    size: int = DEFAULT_SAMPLE_SIZE,
    seed: int | None = None,
    replace: bool = False,
) -> list[InspectionSample]:
    """Draw `size` active members of the county's teams at random (all of them if fewer).

    Drawn once; drawn again only with `replace=True` while no result has been recorded.
    """
    locked = _locked(inspection)
    if not isinstance(size, int) or not 1 <= size <= MAX_SAMPLE_SIZE:
        raise DomainError(
            _("抽样人数应在 1 至 %(n)s 人之间。") % {"n": MAX_SAMPLE_SIZE}, field="size"
        )
    existing = locked.samples.all()
    if existing.exists():
        if not replace:
            raise DomainError(_("已经抽取过复测样本；如需重新抽取，请选择“重新抽取”。"))
        if existing.exclude(result=RetestResult.PENDING).exists():
            raise DomainError(_("已有队员录入了复测结果，不能重新抽取。"))
        existing.delete()
    pool = list(
        Member.objects.active()
        .filter(**subtree_filter("team__community__", locked.county.path))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not pool:
        raise DomainError(_("该县（市、区）没有在队队员，无法抽样。"))
    rng = random.Random(seed if seed is not None else secrets.randbits(64))
    chosen = rng.sample(pool, min(size, len(pool)))
    samples = InspectionSample.objects.bulk_create(
        InspectionSample(inspection=locked, member_id=pk) for pk in sorted(chosen)
    )
    _start(locked)
    locked.save(update_fields=["status"])
    return samples


@transaction.atomic
def sample_record(sample: InspectionSample, *, result: str, note: str = "") -> InspectionSample:
    """Record one sampled member's re-test result."""
    _locked(sample.inspection)
    if result not in RetestResult.values:
        raise DomainError(_("请选择复测结果。"), field="result")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise DomainError(_("备注最多 %(n)s 个字。") % {"n": NOTE_MAX}, field="note")
    sample = InspectionSample.objects.select_for_update().get(pk=sample.pk)
    sample.result = result
    sample.note = note
    sample.save(update_fields=["result", "note"])
    return sample


# -- corrective actions ---------------------------------------------------------------------


@transaction.atomic
def corrective_action_add(
    inspection: Inspection,
    *,
    description: str,
    owner: str,
    due_on: datetime.date,
    team: Team | None = None,
) -> CorrectiveAction:
    locked = _locked(inspection)
    description = (description or "").strip()
    owner = (owner or "").strip()
    if not description:
        raise DomainError(_("请填写整改事项。"), field="description")
    if not owner:
        raise DomainError(_("请填写责任人。"), field="owner")
    if due_on is None:
        raise DomainError(_("请填写整改期限。"), field="due_on")
    start = locked.inspected_on or timezone.localdate()
    if due_on < start:
        raise DomainError(
            _("整改期限不能早于检查日期（%(day)s）。") % {"day": start.isoformat()},
            field="due_on",
        )
    if team is not None and not team.community.path.startswith(locked.county.path):
        raise DomainError(
            _("队伍“%(team)s”不在%(county)s。") % {"team": team.name, "county": locked.county.name},
            field="team",
        )
    action = CorrectiveAction(
        inspection=locked, team=team, description=description, owner=owner, due_on=due_on
    )
    try:
        action.full_clean(exclude=["inspection", "team"])
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=None if field == "__all__" else field) from exc
    action.save()
    _start(locked)
    locked.save(update_fields=["status"])
    return action


@transaction.atomic
def corrective_action_done(action: CorrectiveAction, *, done_on: datetime.date) -> CorrectiveAction:
    """Mark a corrective action done (also after sign-off: correcting follows the inspection)."""
    action = (
        CorrectiveAction.objects.select_for_update().select_related("inspection").get(pk=action.pk)
    )
    if action.done_on is not None:
        raise DomainError(_("该整改事项已于 %(day)s 完成。") % {"day": action.done_on.isoformat()})
    if done_on is None:
        raise DomainError(_("请填写完成日期。"), field="done_on")
    if done_on > timezone.localdate():
        raise DomainError(_("完成日期不能晚于今天。"), field="done_on")
    start = action.inspection.inspected_on
    if start and done_on < start:
        raise DomainError(
            _("完成日期不能早于检查日期（%(day)s）。") % {"day": start.isoformat()},
            field="done_on",
        )
    action.done_on = done_on
    action.save(update_fields=["done_on"])
    return action


# -- sign-off -------------------------------------------------------------------------------


def sign_off_blockers(inspection: Inspection) -> list[str]:
    """What still stands in the way of signing off, in words (empty: ready)."""
    reasons = []
    if not inspection.checklist:
        reasons.append(_("检查清单为空。"))
    unanswered = [
        row["item"]
        for row in inspection.checklist
        if row.get("result") not in (CHECK_PASS, CHECK_FAIL)
    ]
    if unanswered:
        reasons.append(
            _("还有 %(n)s 个检查项未填写结果：%(items)s。")
            % {"n": len(unanswered), "items": "、".join(unanswered)}
        )
    pending = inspection.samples.filter(result=RetestResult.PENDING).count()
    if pending:
        reasons.append(_("还有 %(n)s 名抽样队员未录入复测结果。") % {"n": pending})
    elif not inspection.samples.exists() and _county_members(inspection.county).exists():
        reasons.append(_("尚未抽取复测队员。"))
    if inspection.year > timezone.localdate().year:
        reasons.append(_("检查年度尚未开始。"))
    return reasons


def _county_members(county: Area):
    return Member.objects.active().filter(**subtree_filter("team__community__", county.path))


def frozen_figures_of(county: Area, year: int, *, evaluated_on: datetime.date) -> dict:
    rollup = area_rollup(county, year)
    return {
        "teams": rollup.teams,
        "evaluated": rollup.evaluated,
        "compliant": rollup.compliant,
        "share": round(rollup.share, 4),
        "target": float(rollup.target) if rollup.target is not None else None,
        "target_teams": rollup.target_teams,
        "gap": rollup.gap,
        "failing": dict(rollup.failing),
        "evaluated_on": evaluated_on.isoformat(),
    }


@transaction.atomic
def inspection_sign_off(inspection: Inspection, *, by) -> Inspection:
    """Sign the inspection off: re-evaluate the county's teams, freeze their snapshots for
    the year and keep the county's figures, so what was reported never changes."""
    locked = _locked(inspection)
    blockers = sign_off_blockers(locked)
    if blockers:
        raise DomainError(blockers[0], errors=blockers)
    # A past year's inspection is judged as of that year's last day, like the year-end freeze.
    on = as_of(locked.year)
    team_ids = list(
        Team.objects.filter(**subtree_filter("community__", locked.county.path)).values_list(
            "pk", flat=True
        )
    )
    if team_ids:
        teams_evaluate(team_ids, on=on)
        snapshots_freeze(year=locked.year, reason=FreezeReason.INSPECTION, team_ids=team_ids)
    locked.frozen_figures = frozen_figures_of(locked.county, locked.year, evaluated_on=on)
    locked.inspected_on = locked.inspected_on or timezone.localdate()
    locked.status = InspectionStatus.SIGNED_OFF
    locked.signed_off_at = timezone.now()
    locked.signed_off_by = by
    locked.save(
        update_fields=[
            "frozen_figures",
            "inspected_on",
            "status",
            "signed_off_at",
            "signed_off_by",
        ]
    )
    return locked
