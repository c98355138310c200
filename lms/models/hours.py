"""Service hours (服务时长): what members did, for how long, and who confirmed it."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from simple_history.models import HistoricalRecords


class ServiceActivity(models.TextChoices):
    RESCUE = "rescue", _("抢险救援")
    DRILL = "drill", _("演练")
    TRAINING = "training", _("培训")
    PATROL = "patrol", _("巡查")
    PUBLICITY = "publicity", _("宣传")
    OTHER = "other", _("其他")


class ServiceStatus(models.TextChoices):
    PENDING = "pending", _("待核实")
    VERIFIED = "verified", _("已核实")
    REJECTED = "rejected", _("未通过")


class ServiceRecordQuerySet(models.QuerySet):
    def verified(self) -> "ServiceRecordQuerySet":
        return self.filter(status=ServiceStatus.VERIFIED)

    def pending(self) -> "ServiceRecordQuerySet":
        return self.filter(status=ServiceStatus.PENDING)


class ServiceRecord(models.Model):
    """Hours a member served on one day; they count once a second person verified them."""

    member = models.ForeignKey(
        "lms.Member",
        verbose_name=_("队员"),
        on_delete=models.CASCADE,
        related_name="service_records",
    )
    activity = models.CharField(_("活动类型"), max_length=10, choices=ServiceActivity.choices)
    date = models.DateField(_("日期"))
    hours = models.DecimalField(
        _("时长（小时）"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(24)],
    )
    description = models.CharField(_("内容"), max_length=300)
    status = models.CharField(
        _("状态"), max_length=10, choices=ServiceStatus.choices, default=ServiceStatus.PENDING
    )
    # Records made by a closed drill or session point at it (at most one per member).
    drill = models.ForeignKey(
        "lms.Drill",
        verbose_name=_("演练"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="service_records",
    )
    session = models.ForeignKey(
        "lms.TrainingSession",
        verbose_name=_("线下培训"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="service_records",
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核实人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    reject_reason = models.CharField(_("未通过原因"), max_length=255, blank=True)

    objects = ServiceRecordQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("服务时长")
        verbose_name_plural = _("服务时长")
        ordering = ["-date", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "drill"],
                condition=Q(drill__isnull=False),
                name="service_once_per_drill",
            ),
            models.UniqueConstraint(
                fields=["member", "session"],
                condition=Q(session__isnull=False),
                name="service_once_per_session",
            ),
            models.CheckConstraint(
                condition=Q(hours__gt=0, hours__lte=24), name="service_hours_in_day"
            ),
        ]
        indexes = [models.Index(fields=["member", "date"], name="service_member_date")]

    def __str__(self):
        return f"{self.member} · {self.date} · {self.hours}"
