"""Community response teams (社区响应队) and what each must hold: rules, equipment, insurance."""

from django.core.files.storage import storages
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from simple_history.models import HistoricalRecords

from lms.uploads import validate_document, validate_policy_document

from .areas import subtree_filter


def private_storage():
    """Where team files live: never under MEDIA_URL; served by scope-checked views only."""
    return storages["private"]


class TeamStatus(models.TextChoices):
    PREPARING = "preparing", _("筹建中")
    ACTIVE = "active", _("正常运行")
    SUSPENDED = "suspended", _("暂停")
    DISSOLVED = "dissolved", pgettext_lazy("team", "已撤销")


class TeamQuerySet(models.QuerySet):
    def within(self, area) -> "TeamQuerySet":
        return self.filter(**subtree_filter("community__", area.path))


class Team(models.Model):
    """The response team of one community."""

    community = models.OneToOneField(
        "lms.Area",
        verbose_name=_("所在社区（村）"),
        on_delete=models.PROTECT,
        related_name="team",
        limit_choices_to={"depth": 5},
    )
    name = models.CharField(_("队伍名称"), max_length=100)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    leader = models.ForeignKey(
        "lms.Member",
        verbose_name=_("队长"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    deputy = models.ForeignKey(
        "lms.Member",
        verbose_name=_("副队长"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=TeamStatus.choices, default=TeamStatus.PREPARING
    )
    registration_number = models.CharField(_("登记编号"), max_length=40, blank=True)
    registered_on = models.DateField(_("登记日期"), null=True, blank=True)

    objects = TeamQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("社区响应队")
        verbose_name_plural = _("社区响应队")
        ordering = ["community__code"]

    def __str__(self):
        return self.name


class DocumentKind(models.TextChoices):
    CHARTER = "charter", _("组织章程")
    MEMBER_CODE = "member_code", _("队员守则")
    TRAINING_PLAN = "training_plan", _("培训演练计划")
    ASSESSMENT_RULES = "assessment_rules", _("考勤考评制度")


class TeamDocument(models.Model):
    """A governance document a team keeps: charter, member code, plans, assessment rules."""

    team = models.ForeignKey(
        Team, verbose_name=_("队伍"), on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(_("类别"), max_length=20, choices=DocumentKind.choices)
    title = models.CharField(_("标题"), max_length=120)
    file = models.FileField(
        _("文件"),
        upload_to="teams/documents/%Y/",
        storage=private_storage,
        validators=[validate_document],
        help_text=_("PDF、Word 或照片，不超过 20 MB。"),
    )
    effective_on = models.DateField(_("生效日期"), default=timezone.localdate)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("制度文件")
        verbose_name_plural = _("制度文件")
        ordering = ["kind", "-effective_on"]

    def __str__(self):
        return self.title


class EquipmentItem(models.Model):
    """One entry of the standard list of basic rescue equipment (基本救援装备)."""

    name = models.CharField(_("装备名称"), max_length=60, unique=True)
    category = models.CharField(_("类别"), max_length=30, blank=True)
    required_quantity = models.PositiveIntegerField(_("标准配备数量"), default=1)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("标准装备")
        verbose_name_plural = _("标准装备清单")
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class TeamEquipment(models.Model):
    """How many of a standard item a team holds, as last checked."""

    team = models.ForeignKey(
        Team, verbose_name=_("队伍"), on_delete=models.CASCADE, related_name="equipment"
    )
    item = models.ForeignKey(EquipmentItem, verbose_name=_("装备"), on_delete=models.PROTECT)
    quantity = models.PositiveIntegerField(_("现有数量"), default=0)
    checked_on = models.DateField(_("检查日期"), default=timezone.localdate)
    notes = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("队伍装备")
        verbose_name_plural = _("队伍装备")
        constraints = [
            models.UniqueConstraint(fields=["team", "item"], name="unique_equipment_item_per_team")
        ]

    def __str__(self):
        return f"{self.item} × {self.quantity}"

    @property
    def is_complete(self) -> bool:
        return self.quantity >= self.item.required_quantity


class InsurancePolicy(models.Model):
    """An accident insurance policy (意外伤害保险) covering some of a team's members."""

    team = models.ForeignKey(
        Team, verbose_name=_("队伍"), on_delete=models.CASCADE, related_name="policies"
    )
    insurer = models.CharField(_("保险公司"), max_length=100)
    policy_number = models.CharField(_("保单号"), max_length=60)
    starts_on = models.DateField(_("起保日期"))
    ends_on = models.DateField(_("终止日期"))
    members = models.ManyToManyField(
        "lms.Member", verbose_name=_("被保险队员"), related_name="policies", blank=True
    )
    document = models.FileField(
        _("保单文件"),
        upload_to="teams/policies/%Y/",
        storage=private_storage,
        blank=True,
        validators=[validate_policy_document],
        help_text=_("PDF 或照片，不超过 20 MB。"),
    )

    history = HistoricalRecords(m2m_fields=[members])

    class Meta:
        verbose_name = _("意外伤害保险")
        verbose_name_plural = _("意外伤害保险")
        ordering = ["-ends_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["insurer", "policy_number"], name="unique_policy_number_per_insurer"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="policy_ends_after_it_starts",
            ),
        ]

    def __str__(self):
        return f"{self.insurer} {self.policy_number}"

    def is_in_force(self, on=None) -> bool:
        on = on or timezone.localdate()
        return self.starts_on <= on <= self.ends_on
