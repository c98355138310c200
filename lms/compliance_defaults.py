"""The default construction standard (from the action plan) and the plan years' targets.

Used by migration 0007 on a new database and by `ensure_default_standard` where a test or
the demo starts from an emptied one. Region administrators edit both in the admin; later
standards get a later effective date, so past evaluations keep theirs.
"""

import datetime
from decimal import Decimal

# (kind, threshold, extra fields)
CRITERIA = [
    ("members", Decimal("20"), {}),
    ("category", Decimal("1"), {"category": "medical"}),
    ("certificates", Decimal("0.6"), {}),
    ("drills", Decimal("2"), {}),
    ("drill_participation", Decimal("0.6"), {}),
    (
        "documents",
        Decimal("4"),
        {"document_kinds": ["charter", "member_code", "training_plan", "assessment_rules"]},
    ),
    ("equipment", Decimal("1"), {}),
    ("insurance", Decimal("1"), {}),
    ("service_hours", Decimal("4"), {}),
]
TARGETS = [(2026, Decimal("0.5")), (2027, Decimal("0.8")), (2028, Decimal("1"))]


def create_defaults(Standard, Criterion, Target) -> None:
    """Create the default standard if there is none, and any missing plan-year target."""
    if not Standard.objects.exists():
        standard = Standard.objects.create(
            name="社区应急响应队建设标准",
            effective_from=datetime.date(2026, 1, 1),
            notes="依据《八桂应急先锋社区响应队建设行动方案》：队员不少于 20 人，配备医疗人员，"
            "队员经培训持证，每年至少开展 2 次演练，制度健全，装备齐全，全员投保，参加志愿服务。",
        )
        for order, (kind, threshold, extra) in enumerate(CRITERIA):
            Criterion.objects.create(
                standard=standard, kind=kind, threshold=threshold, sort_order=order, **extra
            )
    for year, share in TARGETS:
        Target.objects.get_or_create(year=year, level=None, defaults={"share": share})


def ensure_default_standard() -> None:
    from lms.models import ComplianceCriterion, ComplianceStandard, YearlyTarget

    create_defaults(ComplianceStandard, ComplianceCriterion, YearlyTarget)
