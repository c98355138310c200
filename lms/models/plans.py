"""Training plans (培训计划) per area and year, and private calendar feeds."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from simple_history.models import HistoricalRecords


class TrainingPlan(models.Model):
    """An area's plan of sessions, drills and courses for one year, with who is responsible."""

    area = models.ForeignKey(
        "lms.Area", verbose_name=_("区域"), on_delete=models.CASCADE, related_name="plans"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("计划名称"), max_length=120)
    responsible_name = models.CharField(_("负责人"), max_length=40)
    responsible_phone = models.CharField(_("负责人电话"), max_length=20, blank=True)
    notes = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("培训计划")
        verbose_name_plural = _("培训计划")
        ordering = ["-year", "area__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "year"],
                name="plan_one_per_area_year",
                violation_error_message=_("该区域本年度已有培训计划。"),
            )
        ]

    def __str__(self):
        return f"{self.area} · {self.year}"


class PlanItemKind(models.TextChoices):
    SESSION = "session", _("线下培训")
    DRILL = "drill", _("演练")
    COURSE = "course", _("线上课程")


class TrainingPlanItem(models.Model):
    """One planned session, drill or course (培训项目), and what fulfilled it once held."""

    plan = models.ForeignKey(
        TrainingPlan, verbose_name=_("培训计划"), on_delete=models.CASCADE, related_name="items"
    )
    kind = models.CharField(_("类型"), max_length=8, choices=PlanItemKind.choices)
    title = models.CharField(_("项目名称"), max_length=120)
    planned_on = models.DateField(_("计划日期"))
    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("课程"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    drill = models.ForeignKey(
        "lms.Drill",
        verbose_name=_("对应演练"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plan_items",
    )
    session = models.ForeignKey(
        "lms.TrainingSession",
        verbose_name=_("对应培训"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="plan_items",
    )
    # For a course: the share of the area's active members who should have completed it.
    target_percent = models.PositiveSmallIntegerField(_("目标完成率（%）"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("培训项目")
        verbose_name_plural = _("培训项目")
        ordering = ["plan", "planned_on", "pk"]

    def __str__(self):
        return self.title


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


class CalendarFeed(models.Model):
    """A person's private iCalendar subscription: whoever holds the URL reads the events."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="calendar_feed",
    )
    token = models.CharField(_("令牌"), max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("日历订阅")
        verbose_name_plural = _("日历订阅")

    def __str__(self):
        return str(self.user)
