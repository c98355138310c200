"""Quiz and exam definitions: which questions, drawn how, timed how, passed how."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable

from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel

from .questions import Difficulty


class ExamKind(models.TextChoices):
    QUIZ = "quiz", _("课时练习")
    FINAL = "final", _("结业考试")


class SelectionMode(models.TextChoices):
    FIXED = "fixed", _("固定题目")
    RANDOM = "random", _("按分类和难度随机抽题")


class ReviewPolicy(models.TextChoices):
    AFTER_SUBMIT = "after_submit", _("交卷后可查看答案")
    AFTER_CLOSE = "after_close", _("考试关闭后可查看答案")
    NEVER = "never", _("不公布答案")


class Exam(ClusterableModel):
    """A lesson's practice quiz or a course's final exam, as the trainer defined it."""

    title = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=8, choices=ExamKind.choices)
    course = models.ForeignKey(
        "courses.CoursePage", verbose_name=_("课程"), on_delete=models.CASCADE, related_name="exams"
    )
    lesson = models.ForeignKey(
        "courses.LessonPage",
        verbose_name=_("课时"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="quizzes",
        help_text=_("课时练习须选择课时；结业考试留空"),
    )
    instructions = models.TextField(_("考试说明"), blank=True)
    selection = models.CharField(
        _("组卷方式"), max_length=8, choices=SelectionMode.choices, default=SelectionMode.FIXED
    )
    shuffle_questions = models.BooleanField(_("题目乱序"), default=True)
    shuffle_options = models.BooleanField(_("选项乱序"), default=True)
    pass_mark = models.PositiveSmallIntegerField(
        _("及格线（百分制）"), default=60, help_text=_("得分率达到该值即为通过")
    )
    time_limit_minutes = models.PositiveSmallIntegerField(
        _("限时（分钟）"), default=0, help_text=_("0 表示不限时")
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("最多作答次数"), default=0, help_text=_("0 表示不限次数；课时练习总是不限次数")
    )
    review_policy = models.CharField(
        _("查看答案"),
        max_length=12,
        choices=ReviewPolicy.choices,
        default=ReviewPolicy.AFTER_SUBMIT,
    )
    opens_at = models.DateTimeField(_("开放时间"), null=True, blank=True)
    closes_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    panels = [
        FieldRowPanel([FieldPanel("title"), FieldPanel("kind")]),
        FieldRowPanel([FieldPanel("course"), FieldPanel("lesson")]),
        FieldPanel("instructions"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("pass_mark"), FieldPanel("time_limit_minutes")]),
                FieldRowPanel([FieldPanel("max_attempts"), FieldPanel("review_policy")]),
                FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")]),
                FieldRowPanel([FieldPanel("shuffle_questions"), FieldPanel("shuffle_options")]),
                FieldPanel("active"),
            ],
            heading=_("规则"),
        ),
        FieldPanel("selection"),
        InlinePanel("fixed_questions", heading=_("固定题目"), label=_("题目")),
        InlinePanel("draw_rules", heading=_("随机抽题规则"), label=_("规则")),
    ]

    class Meta:
        verbose_name = _("练习与考试")
        verbose_name_plural = _("练习与考试")
        ordering = ["course", "kind", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["course"],
                condition=Q(kind="final"),
                name="exam_one_final_per_course",
                violation_error_message=_("这门课程已有结业考试。"),
            ),
            models.UniqueConstraint(
                fields=["lesson"],
                condition=Q(kind="quiz"),
                name="exam_one_quiz_per_lesson",
                violation_error_message=_("这个课时已有练习。"),
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_final(self) -> bool:
        return self.kind == ExamKind.FINAL

    def clean(self):
        errors = {}
        if self.kind == ExamKind.QUIZ:
            if self.lesson_id is None:
                errors["lesson"] = _("课时练习须选择所属课时。")
            elif self.course_id and not self.lesson.path.startswith(self.course.path):
                errors["lesson"] = _("所选课时不属于这门课程。")
            self.max_attempts = 0
        elif self.lesson_id is not None:
            errors["lesson"] = _("结业考试不属于某个课时，请留空。")
        if not 1 <= self.pass_mark <= 100:
            errors["pass_mark"] = _("及格线须在 1 到 100 之间。")
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            errors["closes_at"] = _("关闭时间须晚于开放时间。")
        if errors:
            raise ValidationError(errors)


class ExamQuestion(Orderable):
    """A question fixed on an exam, with its points."""

    exam = ParentalKey(Exam, on_delete=models.CASCADE, related_name="fixed_questions")
    question = models.ForeignKey(
        "courses.Question", verbose_name=_("题目"), on_delete=models.PROTECT, related_name="+"
    )
    points = models.DecimalField(_("分值"), max_digits=5, decimal_places=1, default=1)

    panels = [FieldRowPanel([FieldPanel("question"), FieldPanel("points")])]

    class Meta(Orderable.Meta):
        verbose_name = _("固定题目")
        constraints = [
            models.UniqueConstraint(fields=["exam", "question"], name="exam_question_once")
        ]


class ExamDrawRule(Orderable):
    """Draw this many questions of a category (and difficulty) for each attempt."""

    exam = ParentalKey(Exam, on_delete=models.CASCADE, related_name="draw_rules")
    category = models.ForeignKey(
        "courses.QuestionCategory", verbose_name=_("分类"), on_delete=models.PROTECT
    )
    difficulty = models.PositiveSmallIntegerField(
        _("难度"), choices=Difficulty.choices, null=True, blank=True, help_text=_("留空表示不限")
    )
    count = models.PositiveSmallIntegerField(_("抽题数量"), default=5)
    points = models.DecimalField(_("每题分值"), max_digits=5, decimal_places=1, default=1)

    panels = [
        FieldRowPanel(
            [
                FieldPanel("category"),
                FieldPanel("difficulty"),
                FieldPanel("count"),
                FieldPanel("points"),
            ]
        )
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("抽题规则")
