"""Drills (演练) and in-person training sessions (线下培训), with who attended them."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from simple_history.models import HistoricalRecords

from lms.uploads import validate_photo

from .teams import private_storage


class DrillScenario(models.TextChoices):
    FLOOD_EVACUATION = "flood_evacuation", _("防汛转移避险")
    TYPHOON = "typhoon", _("防台风")
    LANDSLIDE = "landslide", _("地质灾害（山体滑坡）")
    EARTHQUAKE = "earthquake", _("地震疏散")
    FIRE = "fire", _("火灾扑救与疏散")
    FOREST_FIRE = "forest_fire", _("森林火灾")
    FIRST_AID = "first_aid", _("应急救护")
    SEARCH_RESCUE = "search_rescue", _("搜索与救援")
    HAZMAT = "hazmat", _("危化品泄漏")
    OTHER = "other", _("其他")


class EventStatus(models.TextChoices):
    PLANNED = "planned", _("计划中")
    HELD = "held", _("已举行")
    CANCELLED = "cancelled", _("已取消")


class AttendanceMethod(models.TextChoices):
    QR = "qr", _("扫码签到")
    PAPER = "paper", _("纸质签到补录")
    CORRECTION = "correction", _("更正")


class DrillRole(models.TextChoices):
    PARTICIPANT = "participant", _("参演队员")
    COMMANDER = "commander", _("现场指挥")
    SAFETY = "safety", _("安全员")
    EVALUATOR = "evaluator", _("评估员")
    OBSERVER = "observer", _("观摩")


class EventQuerySet(models.QuerySet):
    def upcoming(self, now) -> "EventQuerySet":
        return self.filter(status=EventStatus.PLANNED, ends_at__gte=now)

    def held_in(self, year: int) -> "EventQuerySet":
        return self.filter(status=EventStatus.HELD, starts_at__year=year)


class Drill(models.Model):
    """A drill of one or more teams: planned, then held and evaluated, or cancelled."""

    title = models.CharField(_("演练名称"), max_length=120)
    scenario = models.CharField(_("演练科目"), max_length=20, choices=DrillScenario.choices)
    teams = models.ManyToManyField("lms.Team", verbose_name=_("参演队伍"), related_name="drills")
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    place = models.CharField(_("地点"), max_length=200)
    organiser = models.CharField(_("组织单位"), max_length=100)
    objectives = models.TextField(_("演练目标"), blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=EventStatus.choices, default=EventStatus.PLANNED
    )
    # The evaluation, written when the drill is closed as held.
    score = models.PositiveSmallIntegerField(
        _("评估得分"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    went_well = models.TextField(_("做得好的方面"), blank=True)
    problems = models.TextField(_("发现的问题"), blank=True)
    improvements = models.TextField(_("改进措施"), blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评估人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("评估时间"), null=True, blank=True)

    objects = EventQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[teams])

    class Meta:
        verbose_name = _("演练")
        verbose_name_plural = _("演练")
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["status", "starts_at"], name="drill_status_start")]

    def __str__(self):
        return self.title

    @property
    def minutes(self) -> int:
        return max(0, int((self.ends_at - self.starts_at).total_seconds() // 60))


class DrillPhoto(models.Model):
    """A photo taken at a drill, kept with the drill's records."""

    drill = models.ForeignKey(
        Drill, verbose_name=_("演练"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(
        _("照片"),
        upload_to="drills/photos/%Y/",
        storage=private_storage,
        validators=[validate_photo],
        help_text=_("JPEG、PNG 或 WebP，不超过 10 MB。"),
    )
    caption = models.CharField(_("说明"), max_length=120, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, on_delete=models.SET_NULL
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("演练照片")
        verbose_name_plural = _("演练照片")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.caption or f"{self.drill} · {self.pk}"


class DrillParticipation(models.Model):
    """A member on a drill's roll: checked in by QR code or entered from the paper sheet."""

    drill = models.ForeignKey(
        Drill, verbose_name=_("演练"), on_delete=models.CASCADE, related_name="participations"
    )
    member = models.ForeignKey(
        "lms.Member",
        verbose_name=_("队员"),
        on_delete=models.CASCADE,
        related_name="drill_participations",
    )
    role = models.CharField(
        _("角色"), max_length=12, choices=DrillRole.choices, default=DrillRole.PARTICIPANT
    )
    minutes = models.PositiveIntegerField(_("参演时长（分钟）"), default=0)
    method = models.CharField(_("签到方式"), max_length=10, choices=AttendanceMethod.choices)
    checked_in_at = models.DateTimeField(_("签到时间"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("演练参与")
        verbose_name_plural = _("演练参与")
        ordering = ["drill", "member__name_pinyin"]
        constraints = [
            models.UniqueConstraint(fields=["drill", "member"], name="drill_participation_once")
        ]

    def __str__(self):
        return f"{self.drill} · {self.member}"


class TrainingSession(models.Model):
    """An in-person training session (线下培训) of a course, taught by instructors."""

    title = models.CharField(_("培训名称"), max_length=120)
    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("课程"),
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    area = models.ForeignKey(
        "lms.Area",
        verbose_name=_("组织区域"),
        on_delete=models.PROTECT,
        related_name="training_sessions",
    )
    teams = models.ManyToManyField(
        "lms.Team", verbose_name=_("参训队伍"), related_name="training_sessions"
    )
    instructors = models.ManyToManyField(
        "lms.Instructor", verbose_name=_("授课师资"), related_name="sessions"
    )
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    place = models.CharField(_("地点"), max_length=200)
    credit_hours = models.DecimalField(_("学时"), max_digits=4, decimal_places=1, default=2)
    status = models.CharField(
        _("状态"), max_length=10, choices=EventStatus.choices, default=EventStatus.PLANNED
    )
    notes = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    closed_at = models.DateTimeField(_("结束登记时间"), null=True, blank=True)

    objects = EventQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[teams, instructors])

    class Meta:
        verbose_name = _("线下培训")
        verbose_name_plural = _("线下培训")
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["status", "starts_at"], name="session_status_start")]

    def __str__(self):
        return self.title


class SessionAttendance(models.Model):
    """A member present at a training session."""

    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("线下培训"),
        on_delete=models.CASCADE,
        related_name="attendances",
    )
    member = models.ForeignKey(
        "lms.Member",
        verbose_name=_("队员"),
        on_delete=models.CASCADE,
        related_name="session_attendances",
    )
    method = models.CharField(_("签到方式"), max_length=10, choices=AttendanceMethod.choices)
    checked_in_at = models.DateTimeField(_("签到时间"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("培训签到")
        verbose_name_plural = _("培训签到")
        ordering = ["session", "member__name_pinyin"]
        constraints = [
            models.UniqueConstraint(fields=["session", "member"], name="session_attendance_once")
        ]

    def __str__(self):
        return f"{self.session} · {self.member}"
