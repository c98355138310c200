"""What members do with courses: enrollments, lesson progress, and bulk assignments."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from simple_history.models import HistoricalRecords

from .jobs import BackgroundJob


class EnrollmentSource(models.TextChoices):
    SELF = "self", _("自主报名")
    LEADER = "leader", _("队长指派")
    AREA = "area", _("区域统一安排")


class EnrollmentStatus(models.TextChoices):
    ACTIVE = "active", _("学习中")
    COMPLETED = "completed", _("已结业")
    WITHDRAWN = "withdrawn", _("已退出")


class EnrollmentQuerySet(models.QuerySet):
    def current(self) -> "EnrollmentQuerySet":
        return self.exclude(status=EnrollmentStatus.WITHDRAWN)


class Enrollment(models.Model):
    """A member's place on a course, however they came to it."""

    member = models.ForeignKey(
        "lms.Member", verbose_name=_("队员"), on_delete=models.CASCADE, related_name="enrollments"
    )
    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("课程"),
        on_delete=models.PROTECT,
        related_name="enrollments",
    )
    source = models.CharField(_("来源"), max_length=10, choices=EnrollmentSource.choices)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=EnrollmentStatus.choices,
        default=EnrollmentStatus.ACTIVE,
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("指派人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_on = models.DateField(_("截止日期"), null=True, blank=True)
    enrolled_at = models.DateTimeField(_("报名时间"), auto_now_add=True)
    completed_at = models.DateTimeField(_("结业时间"), null=True, blank=True)
    last_lesson = models.ForeignKey(
        "courses.LessonPage",
        verbose_name=_("最近学习的课时"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = EnrollmentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("选课记录")
        verbose_name_plural = _("选课记录")
        constraints = [
            models.UniqueConstraint(fields=["member", "course"], name="one_enrollment_per_course")
        ]
        indexes = [models.Index(fields=["course", "status"], name="enrollment_course_status")]

    def __str__(self):
        return f"{self.member} · {self.course}"


class LessonProgress(models.Model):
    """How far a member got with one lesson: opened, time spent, done."""

    enrollment = models.ForeignKey(
        Enrollment, verbose_name=_("选课"), on_delete=models.CASCADE, related_name="progress"
    )
    lesson = models.ForeignKey(
        "courses.LessonPage", verbose_name=_("课时"), on_delete=models.CASCADE, related_name="+"
    )
    started_at = models.DateTimeField(_("开始学习"), auto_now_add=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    seconds_spent = models.PositiveIntegerField(_("学习时长（秒）"), default=0)
    passed_check = models.BooleanField(_("通过随堂小测"), default=False)
    # Ids of the lesson's knowledge-check blocks answered correctly.
    checks_passed = models.JSONField(_("已答对的小测"), default=list, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("课时进度")
        verbose_name_plural = _("课时进度")
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "lesson"], name="one_progress_per_lesson")
        ]

    def __str__(self):
        return f"{self.enrollment} · {self.lesson_id}"


class AssignmentJob(BackgroundJob):
    """An area administrator's assignment of a course to every team in a subtree."""

    area = models.ForeignKey("lms.Area", verbose_name=_("区域"), on_delete=models.CASCADE)
    course = models.ForeignKey(
        "courses.CoursePage", verbose_name=_("课程"), on_delete=models.CASCADE, related_name="+"
    )
    due_on = models.DateField(_("截止日期"), null=True, blank=True)
    teams_total = models.PositiveIntegerField(_("队伍总数"), default=0)
    teams_done = models.PositiveIntegerField(_("已处理队伍"), default=0)
    enrollments_created = models.PositiveIntegerField(_("新增选课"), default=0)
    # The last team finished, so a restarted task continues after it (teams go in id order).
    last_team_id = models.PositiveBigIntegerField(default=0, editable=False)

    progress_fields = ("teams_done", "teams_total")

    class Meta(BackgroundJob.Meta):
        verbose_name = _("统一安排学习任务")
        verbose_name_plural = _("统一安排学习任务")

    def __str__(self):
        return f"{self.area} · {self.course}"
