"""The question bank: questions in categories, authored in Wagtail as snippets with revisions."""

import string

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.models import RevisionMixin
from wagtail.search import index

from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from taggit.models import TaggedItemBase

from cms.search import SegmentedSearchField

# Chinese question banks number options A to F.
OPTION_LETTERS = string.ascii_uppercase[:6]
TRUE_FALSE_OPTIONS = ("正确", "错误")


class QuestionType(models.TextChoices):
    SINGLE = "single", _("单选题")
    MULTIPLE = "multiple", _("多选题")
    TRUE_FALSE = "true_false", _("判断题")


class Difficulty(models.IntegerChoices):
    EASY = 1, _("易")
    MEDIUM = 2, _("中")
    HARD = 3, _("难")


class QuestionCategory(models.Model):
    """A heading of the question bank (e.g. 心肺复苏, 防汛避险) that exams draw from."""

    name = models.CharField(_("名称"), max_length=60, unique=True)
    description = models.CharField(_("说明"), max_length=255, blank=True)

    panels = [FieldPanel("name"), FieldPanel("description")]

    class Meta:
        verbose_name = _("题目分类")
        verbose_name_plural = _("题目分类")
        ordering = ["name"]

    def __str__(self):
        return self.name


class QuestionTag(TaggedItemBase):
    content_object = ParentalKey(
        "courses.Question", on_delete=models.CASCADE, related_name="tagged_items"
    )


class QuestionQuerySet(models.QuerySet):
    def active(self) -> "QuestionQuerySet":
        return self.filter(active=True)


class Question(RevisionMixin, index.Indexed, ClusterableModel):
    """One question of the bank: its stem, up to six options, the key and the explanation."""

    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("所属课程"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="questions",
        help_text=_("留空表示通用题目"),
    )
    category = models.ForeignKey(
        QuestionCategory,
        verbose_name=_("分类"),
        on_delete=models.PROTECT,
        related_name="questions",
    )
    type = models.CharField(_("题型"), max_length=12, choices=QuestionType.choices)
    difficulty = models.PositiveSmallIntegerField(
        _("难度"), choices=Difficulty.choices, default=Difficulty.MEDIUM
    )
    stem = models.TextField(_("题干"), max_length=1000)
    option_a = models.CharField(_("选项A"), max_length=300, blank=True)
    option_b = models.CharField(_("选项B"), max_length=300, blank=True)
    option_c = models.CharField(_("选项C"), max_length=300, blank=True)
    option_d = models.CharField(_("选项D"), max_length=300, blank=True)
    option_e = models.CharField(_("选项E"), max_length=300, blank=True)
    option_f = models.CharField(_("选项F"), max_length=300, blank=True)
    # The key as option letters in order, e.g. "B" or "ACD"; for true/false, A is 正确.
    answer = models.CharField(_("答案"), max_length=6)
    explanation = models.TextField(_("解析"), blank=True)
    tags = ClusterTaggableManager(verbose_name=_("标签"), through=QuestionTag, blank=True)
    active = models.BooleanField(
        _("启用"), default=True, help_text=_("停用的题目不再被抽取，已作答的记录不受影响")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    objects = QuestionQuerySet.as_manager()

    panels = [
        FieldRowPanel([FieldPanel("type"), FieldPanel("difficulty"), FieldPanel("category")]),
        FieldPanel("course"),
        FieldPanel("stem"),
        MultiFieldPanel(
            [
                FieldPanel("option_a"),
                FieldPanel("option_b"),
                FieldPanel("option_c"),
                FieldPanel("option_d"),
                FieldPanel("option_e"),
                FieldPanel("option_f"),
            ],
            heading=_("选项（判断题无需填写）"),
        ),
        FieldPanel("answer"),
        FieldPanel("explanation"),
        FieldRowPanel([FieldPanel("tags"), FieldPanel("active")]),
    ]
    search_fields = [
        SegmentedSearchField("stem", boost=2),
        SegmentedSearchField("explanation"),
        index.FilterField("type"),
        index.FilterField("difficulty"),
        index.FilterField("category"),
        index.FilterField("course"),
        index.FilterField("active"),
    ]

    class Meta:
        verbose_name = _("题目")
        verbose_name_plural = _("题库")
        ordering = ["category__name", "pk"]
        indexes = [models.Index(fields=["category", "difficulty", "active"], name="question_draw")]

    def __str__(self):
        stem = self.stem.replace("\n", " ")
        return stem if len(stem) <= 40 else stem[:39] + "…"

    @property
    def options(self) -> list[str]:
        """The options in their authored order (A first); fixed 正确/错误 for true/false."""
        if self.type == QuestionType.TRUE_FALSE:
            return list(TRUE_FALSE_OPTIONS)
        values = [getattr(self, f"option_{letter.lower()}") for letter in OPTION_LETTERS]
        while values and not values[-1]:
            values.pop()
        return values

    @property
    def correct_indexes(self) -> list[int]:
        """The key as 0-based indexes into `options`."""
        return sorted(OPTION_LETTERS.index(letter) for letter in self.answer)

    def clean(self):
        errors = {}
        self.answer = "".join(sorted(set(self.answer.strip().upper().replace(",", ""))))
        if self.type == QuestionType.TRUE_FALSE:
            for letter in OPTION_LETTERS:
                setattr(self, f"option_{letter.lower()}", "")
        options = self.options
        if self.type != QuestionType.TRUE_FALSE:
            if len(options) < 2:
                errors["option_b"] = _("至少需要两个选项（A、B）。")
            elif any(not text.strip() for text in options):
                errors["option_a"] = _("选项须从 A 起连续填写，中间不能留空。")
        if not self.answer or any(c not in OPTION_LETTERS[: len(options)] for c in self.answer):
            errors["answer"] = _("答案须是已填写选项的字母，例如 B 或 ACD。")
        elif self.type in (QuestionType.SINGLE, QuestionType.TRUE_FALSE) and len(self.answer) != 1:
            errors["answer"] = _("单选题和判断题只能有一个正确答案。")
        elif self.type == QuestionType.MULTIPLE and len(self.answer) < 2:
            errors["answer"] = _("多选题至少有两个正确答案。")
        if errors:
            raise ValidationError(errors)
