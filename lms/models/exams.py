"""What members do with quizzes and exams: attempts, their answers, and regrades."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from simple_history.models import HistoricalRecords


class AttemptStatus(models.TextChoices):
    OPEN = "open", _("作答中")
    SUBMITTED = "submitted", _("已交卷")
    TIMED_OUT = "timed_out", _("超时自动交卷")


class AttemptQuerySet(models.QuerySet):
    def open(self) -> "AttemptQuerySet":
        return self.filter(status=AttemptStatus.OPEN)

    def graded(self) -> "AttemptQuerySet":
        return self.exclude(status=AttemptStatus.OPEN)


class Attempt(models.Model):
    """One sitting of a quiz or exam by a member: its questions and deadline fixed at start."""

    member = models.ForeignKey(
        "lms.Member", verbose_name=_("队员"), on_delete=models.CASCADE, related_name="attempts"
    )
    exam = models.ForeignKey(
        "courses.Exam", verbose_name=_("考试"), on_delete=models.PROTECT, related_name="attempts"
    )
    enrollment = models.ForeignKey(
        "lms.Enrollment",
        verbose_name=_("选课"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attempts",
    )
    number = models.PositiveSmallIntegerField(_("第几次作答"))
    status = models.CharField(
        _("状态"), max_length=10, choices=AttemptStatus.choices, default=AttemptStatus.OPEN
    )
    started_at = models.DateTimeField(_("开始时间"))
    # Fixed on the server when the attempt starts; None when the exam has no time limit.
    deadline = models.DateTimeField(_("截止时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("交卷时间"), null=True, blank=True)
    max_score = models.DecimalField(_("满分"), max_digits=6, decimal_places=1, default=0)
    score = models.DecimalField(_("得分"), max_digits=6, decimal_places=1, null=True, blank=True)
    percent = models.DecimalField(
        _("得分率"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    passed = models.BooleanField(_("通过"), null=True, blank=True)
    regraded_at = models.DateTimeField(_("重新评分时间"), null=True, blank=True)

    objects = AttemptQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("作答记录")
        verbose_name_plural = _("作答记录")
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "exam", "number"], name="attempt_number_once"
            ),
            # At most one open attempt per member and exam, whatever races start one.
            models.UniqueConstraint(
                fields=["member", "exam"],
                condition=Q(status="open"),
                name="attempt_one_open",
            ),
        ]
        indexes = [models.Index(fields=["exam", "status"], name="attempt_exam_status")]

    def __str__(self):
        return f"{self.member} · {self.exam} · #{self.number}"

    @property
    def is_open(self) -> bool:
        return self.status == AttemptStatus.OPEN


class AttemptAnswer(models.Model):
    """One question of an attempt: the options in the order shown, the answer saved, its grade.

    Answers hold option indexes as authored (A = 0), so the shown order reveals nothing.
    """

    attempt = models.ForeignKey(
        Attempt, verbose_name=_("作答"), on_delete=models.CASCADE, related_name="answers"
    )
    position = models.PositiveSmallIntegerField(_("题号"))
    question = models.ForeignKey(
        "courses.Question", verbose_name=_("题目"), on_delete=models.PROTECT, related_name="+"
    )
    option_order = models.JSONField(_("选项顺序"), default=list)
    points = models.DecimalField(_("分值"), max_digits=5, decimal_places=1, default=1)
    response = models.JSONField(_("作答"), null=True, blank=True)
    saved_at = models.DateTimeField(_("保存时间"), null=True, blank=True)
    is_correct = models.BooleanField(_("正确"), null=True, blank=True)
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=1, null=True, blank=True)

    # Autosaves write with QuerySet.update() and leave no history; grades and regrades do.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("作答明细")
        verbose_name_plural = _("作答明细")
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="answer_position_once")
        ]
        indexes = [models.Index(fields=["question"], name="answer_question")]

    def __str__(self):
        return f"{self.attempt} · {self.position}"


class QuestionRegrade(models.Model):
    """A correction of a question's key applied to the attempts that used it, and by whom."""

    question = models.ForeignKey(
        "courses.Question", verbose_name=_("题目"), on_delete=models.CASCADE, related_name="+"
    )
    regraded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT
    )
    regraded_at = models.DateTimeField(_("时间"), auto_now_add=True)
    reason = models.CharField(_("原因"), max_length=255)
    old_answer = models.CharField(_("原答案"), max_length=6)
    new_answer = models.CharField(_("新答案"), max_length=6)
    attempts_total = models.PositiveIntegerField(_("涉及作答"), default=0)
    attempts_changed = models.PositiveIntegerField(_("成绩变化的作答"), default=0)

    class Meta:
        verbose_name = _("重新评分记录")
        verbose_name_plural = _("重新评分记录")
        ordering = ["-regraded_at"]

    def __str__(self):
        return f"{self.question} · {self.regraded_at:%Y-%m-%d}"
