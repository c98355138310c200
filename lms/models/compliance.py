"""The construction standard (建设标准) as data, each team's evaluation against it, the
yearly targets, and what the areas add up to.

A standard is versioned: the one in force on a day is the latest whose `effective_from`
is on or before it. Evaluating a team writes (or refreshes) its snapshot for the year;
a frozen snapshot (year end, an inspection's sign-off) is never written again, so
reported figures stay what they were.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from .areas import AreaLevel
from .jobs import BackgroundJob
from .people import MemberCategory
from .teams import DocumentKind, private_storage


class ComplianceStandard(ClusterableModel):
    """One version of the construction standard, with its criteria."""

    name = models.CharField(_("名称"), max_length=80)
    effective_from = models.DateField(_("生效日期"), unique=True)
    notes = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("建设标准")
        verbose_name_plural = _("建设标准")
        ordering = ["-effective_from"]

    def __str__(self):
        return f"{self.name}（{self.effective_from:%Y-%m-%d} 起）"

    @classmethod
    def in_force(cls, on) -> "ComplianceStandard | None":
        return cls.objects.filter(effective_from__lte=on).order_by("-effective_from").first()


class CriterionKind(models.TextChoices):
    MEMBERS = "members", _("在队人数")
    CATEGORY = "category", _("人员类别")
    CERTIFICATES = "certificates", _("持证比例")
    DRILLS = "drills", _("年度演练次数")
    DRILL_PARTICIPATION = "drill_participation", _("演练参与率")
    DOCUMENTS = "documents", _("制度文件")
    EQUIPMENT = "equipment", _("装备配备")
    INSURANCE = "insurance", _("保险覆盖")
    SERVICE_HOURS = "service_hours", _("人均服务时长")


# Which kinds take a share (0–1) as threshold; the others take a count or hours.
SHARE_KINDS = {
    CriterionKind.CERTIFICATES,
    CriterionKind.DRILL_PARTICIPATION,
    CriterionKind.EQUIPMENT,
    CriterionKind.INSURANCE,
}


class ComplianceCriterion(models.Model):
    """One requirement of a standard: a figure a team's records must reach."""

    standard = ParentalKey(
        ComplianceStandard,
        verbose_name=_("建设标准"),
        on_delete=models.CASCADE,
        related_name="criteria",
    )
    kind = models.CharField(_("类别"), max_length=24, choices=CriterionKind.choices)
    threshold = models.DecimalField(
        _("达标值"),
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("人数、次数、小时，或比例（0–1，如 0.8 表示 80%）"),
    )
    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("课程"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("持证比例：哪门课程的证书"),
    )
    category = models.CharField(
        _("人员类别"),
        max_length=24,
        choices=MemberCategory.choices,
        blank=True,
        help_text=_("人员类别：至少多少名该类人员"),
    )
    document_kinds = models.JSONField(
        _("必备制度文件"),
        default=list,
        blank=True,
        help_text=_("制度文件：必须具备的文件类别"),
    )
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("达标条件")
        verbose_name_plural = _("达标条件")
        ordering = ["sort_order", "pk"]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """What the criterion asks, in words: 持证比例：社区应急救护基础 ≥ 80%."""
        kind = CriterionKind(self.kind)
        if kind == CriterionKind.CERTIFICATES and self.course_id:
            subject = f"{kind.label}：{self.course.title}"
        elif kind == CriterionKind.CATEGORY and self.category:
            subject = f"{kind.label}：{MemberCategory(self.category).label}"
        else:
            subject = str(kind.label)
        return f"{subject} ≥ {format_threshold(self.kind, self.threshold)}"

    @property
    def required_document_kinds(self) -> list[str]:
        return [k for k in self.document_kinds or [] if k in DocumentKind.values] or list(
            DocumentKind.values
        )


def format_threshold(kind: str, value) -> str:
    value = Decimal(value)
    if kind in SHARE_KINDS:
        return f"{(value * 100).normalize():f}%"
    return f"{value.normalize():f}"


class YearlyTarget(models.Model):
    """The share of teams that must meet the standard by the end of a year."""

    year = models.PositiveSmallIntegerField(_("年度"))
    level = models.PositiveSmallIntegerField(
        _("区域层级"),
        choices=AreaLevel.choices,
        null=True,
        blank=True,
        help_text=_("留空表示适用于所有层级"),
    )
    share = models.DecimalField(
        _("达标队伍比例"),
        max_digits=4,
        decimal_places=3,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
    )

    class Meta:
        verbose_name = _("年度目标")
        verbose_name_plural = _("年度目标")
        ordering = ["year", "level"]
        constraints = [
            models.UniqueConstraint(fields=["year", "level"], name="one_target_per_year_level"),
            models.UniqueConstraint(
                fields=["year"], condition=models.Q(level__isnull=True), name="one_default_target"
            ),
        ]

    def __str__(self):
        return f"{self.year}：{self.share:.0%}"

    @classmethod
    def for_area(cls, year: int, level: int) -> Decimal | None:
        """The target share for an area of `level` in `year` (a level's own, else the year's)."""
        rows = dict(cls.objects.filter(year=year).values_list("level", "share"))
        return rows.get(level, rows.get(None))


class FreezeReason(models.TextChoices):
    YEAR_END = "year_end", _("年终冻结")
    INSPECTION = "inspection", _("督导检查签字确认")


class ComplianceSnapshot(models.Model):
    """A team's evaluation for a year: each criterion's result and the figures behind it.

    `results` is a list of {"criterion": id, "kind", "label", "passed", "value",
    "threshold", "detail": {...}} in the standard's order. `figures` holds the inputs of
    the ranking (coverage, participation, hours per member, members) and `score` the
    ranking score (0–100).
    """

    team = models.ForeignKey(
        "lms.Team",
        verbose_name=_("队伍"),
        on_delete=models.CASCADE,
        related_name="compliance_snapshots",
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    standard = models.ForeignKey(
        ComplianceStandard, verbose_name=_("建设标准"), on_delete=models.PROTECT, related_name="+"
    )
    evaluated_at = models.DateTimeField(_("评估时间"))
    passed = models.BooleanField(_("达标"), default=False)
    score = models.DecimalField(_("综合得分"), max_digits=5, decimal_places=2, default=0)
    failed_kinds = models.JSONField(_("未达标条件"), default=list)
    # The same kinds as ",members,insurance,": roll-ups count each kind with a plain
    # `LIKE` in one aggregate query, on every database.
    failed_text = models.CharField(max_length=200, blank=True, editable=False)
    results = models.JSONField(_("各项结果"), default=list)
    figures = models.JSONField(_("排名数据"), default=dict)
    # Data the ranking must not trust yet (hours waiting for verification).
    unverified = models.BooleanField(_("有待核实数据"), default=False)
    # Set when something that can move the result changed; the task re-evaluates it.
    stale = models.BooleanField(_("待重新评估"), default=False)
    frozen_at = models.DateTimeField(_("冻结时间"), null=True, blank=True)
    frozen_reason = models.CharField(
        _("冻结原因"), max_length=12, choices=FreezeReason.choices, blank=True
    )

    class Meta:
        verbose_name = _("达标评估")
        verbose_name_plural = _("达标评估")
        ordering = ["-year", "team"]
        constraints = [
            models.UniqueConstraint(fields=["team", "year"], name="one_snapshot_per_team_year")
        ]
        indexes = [
            models.Index(fields=["year", "passed"], name="snapshot_year_passed"),
            models.Index(fields=["year", "-score"], name="snapshot_year_score"),
        ]

    def __str__(self):
        return f"{self.team} · {self.year}"

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None

    @property
    def failed_results(self) -> list[dict]:
        return [r for r in self.results if not r.get("passed")]


class AreaProgress(models.Model):
    """An area's roll-up on a day: compliant teams against the year's target.

    Written for every area by the nightly evaluation (one row per area and day), so the
    dashboards chart progress over time; the current figures come from the snapshots.
    """

    area = models.ForeignKey(
        "lms.Area", verbose_name=_("区域"), on_delete=models.CASCADE, related_name="progress"
    )
    date = models.DateField(_("日期"))
    year = models.PositiveSmallIntegerField(_("年度"))
    teams = models.PositiveIntegerField(_("队伍数"), default=0)
    compliant = models.PositiveIntegerField(_("达标队伍数"), default=0)
    target = models.DecimalField(
        _("目标比例"), max_digits=4, decimal_places=3, null=True, blank=True
    )
    failing = models.JSONField(_("各条件未达标队伍数"), default=dict)
    frozen = models.BooleanField(_("已冻结"), default=False)

    class Meta:
        verbose_name = _("区域达标进度")
        verbose_name_plural = _("区域达标进度")
        ordering = ["area", "date"]
        constraints = [
            models.UniqueConstraint(fields=["area", "date"], name="one_progress_per_area_day")
        ]

    def __str__(self):
        return f"{self.area} · {self.date}"

    @property
    def share(self) -> Decimal:
        return Decimal(self.compliant) / self.teams if self.teams else Decimal(0)


# -- inspections (督导检查) -----------------------------------------------------------


class InspectionStatus(models.TextChoices):
    PLANNED = "planned", _("计划中")
    IN_PROGRESS = "in_progress", _("检查中")
    SIGNED_OFF = "signed_off", _("已签字确认")


class Inspection(models.Model):
    """The yearly inspection of one county: checklist, findings, re-tests, corrections."""

    county = models.ForeignKey(
        "lms.Area", verbose_name=_("县（市、区）"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("检查人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    inspected_on = models.DateField(_("检查日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=InspectionStatus.choices,
        default=InspectionStatus.PLANNED,
    )
    # [{"item": "…", "result": "pass" | "fail" | "", "note": "…"}]
    checklist = models.JSONField(_("检查清单"), default=list, blank=True)
    findings = models.TextField(_("检查发现"), blank=True)
    signed_off_at = models.DateTimeField(_("签字确认时间"), null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签字确认人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The county's figures at sign-off: {"teams", "compliant", "share", "target", "failing"}.
    frozen_figures = models.JSONField(_("确认时数据"), default=dict, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("督导检查")
        verbose_name_plural = _("督导检查")
        ordering = ["-year", "county"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "year"], name="one_inspection_per_county_year"
            )
        ]

    def __str__(self):
        return f"{self.county} · {self.year}"

    @property
    def is_signed_off(self) -> bool:
        return self.status == InspectionStatus.SIGNED_OFF


class RetestResult(models.TextChoices):
    PENDING = "pending", _("待复测")
    PASSED = "passed", _("复测合格")
    FAILED = "failed", _("复测不合格")
    ABSENT = "absent", _("缺席")


class InspectionSample(models.Model):
    """A member drawn at random by the system to be re-tested during the inspection."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("督导检查"), on_delete=models.CASCADE, related_name="samples"
    )
    member = models.ForeignKey(
        "lms.Member", verbose_name=_("队员"), on_delete=models.PROTECT, related_name="+"
    )
    result = models.CharField(
        _("复测结果"), max_length=10, choices=RetestResult.choices, default=RetestResult.PENDING
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("抽样复测")
        verbose_name_plural = _("抽样复测")
        ordering = ["inspection", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "member"], name="one_sample_per_member")
        ]

    def __str__(self):
        return f"{self.inspection} · {self.member}"


class CorrectiveAction(models.Model):
    """Something the inspection found that someone must put right by a date."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("督导检查"), on_delete=models.CASCADE, related_name="actions"
    )
    team = models.ForeignKey(
        "lms.Team",
        verbose_name=_("队伍"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    description = models.CharField(_("整改事项"), max_length=300)
    owner = models.CharField(_("责任人"), max_length=60)
    due_on = models.DateField(_("整改期限"))
    done_on = models.DateField(_("完成日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("整改事项")
        verbose_name_plural = _("整改事项")
        ordering = ["due_on", "pk"]

    def __str__(self):
        return self.description


# -- the yearly summary ----------------------------------------------------------------


class YearlyReport(BackgroundJob):
    """A county's, city's or the region's yearly summary: a PDF and an .xlsx workbook."""

    area = models.ForeignKey(
        "lms.Area", verbose_name=_("区域"), on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    total = models.PositiveIntegerField(_("步骤总数"), default=0)
    done = models.PositiveIntegerField(_("已完成步骤"), default=0)
    pdf = models.FileField(
        _("报告 PDF"), upload_to="reports/%Y/", storage=private_storage, blank=True
    )
    xlsx = models.FileField(
        _("数据表"), upload_to="reports/%Y/", storage=private_storage, blank=True
    )

    class Meta(BackgroundJob.Meta):
        verbose_name = _("年度总结报告")
        verbose_name_plural = _("年度总结报告")

    def __str__(self):
        return f"{self.area} · {self.year}"
