"""What trainers author in Wagtail: the course catalog, courses and their lessons."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from cms.models import PAGE_SEARCH_FIELDS, HazardType
from cms.search import SegmentedSearchField

from .blocks import LessonStreamBlock


class CourseLevel(models.TextChoices):
    BASIC = "basic", _("基础")
    INTERMEDIATE = "intermediate", _("进阶")
    ADVANCED = "advanced", _("提高")


class CompletionRule(models.TextChoices):
    ALL_LESSONS = "all_lessons", _("学完全部课时")
    LESSONS_AND_EXAM = "lessons_and_exam", _("学完全部课时并通过结业考试")


class CourseIndexPage(Page):
    """The course catalog (/courses/)."""

    intro = models.CharField(_("导语"), max_length=255, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = PAGE_SEARCH_FIELDS
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["courses.CoursePage"]
    max_count = 1

    class Meta:
        verbose_name = _("课程目录")


class CoursePage(Page):
    """A standardized course, written by experts, made of ordered lessons."""

    code = models.CharField(_("课程编号"), max_length=20, unique=True)
    hazard_category = models.CharField(
        _("灾种类别"), max_length=20, choices=HazardType.choices, default=HazardType.OTHER
    )
    level = models.CharField(
        _("级别"), max_length=12, choices=CourseLevel.choices, default=CourseLevel.BASIC
    )
    credit_hours = models.DecimalField(_("学时"), max_digits=4, decimal_places=1, default=1)
    summary = models.TextField(_("简介"), max_length=400)
    objectives = RichTextField(_("学习目标"), features=["ul", "ol", "bold"])
    cover_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("封面图"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    certificate_validity_months = models.PositiveIntegerField(
        _("证书有效期（月）"), default=36, help_text=_("0 表示长期有效")
    )
    counts_toward_compliance = models.BooleanField(_("计入队伍达标"), default=True)
    self_enrollment = models.BooleanField(_("允许自主报名"), default=True)
    completion_rule = models.CharField(
        _("结业条件"),
        max_length=20,
        choices=CompletionRule.choices,
        default=CompletionRule.ALL_LESSONS,
    )

    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("code"), FieldPanel("hazard_category"), FieldPanel("level")]),
        FieldPanel("summary"),
        FieldPanel("objectives"),
        FieldPanel("cover_image"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("credit_hours"), FieldPanel("completion_rule")]),
                FieldRowPanel(
                    [FieldPanel("certificate_validity_months"), FieldPanel("self_enrollment")]
                ),
                FieldPanel("counts_toward_compliance"),
            ],
            heading=_("学时、结业与证书"),
        ),
    ]
    search_fields = [
        *PAGE_SEARCH_FIELDS,
        SegmentedSearchField("summary", boost=2),
        SegmentedSearchField("objectives"),
        index.FilterField("hazard_category"),
        index.FilterField("code"),
    ]
    api_fields = [
        APIField("code"),
        APIField("hazard_category"),
        APIField("level"),
        APIField("credit_hours"),
        APIField("summary"),
        APIField("objectives"),
        APIField("certificate_validity_months"),
    ]
    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.LessonPage"]

    class Meta:
        verbose_name = _("课程")
        verbose_name_plural = _("课程")


class LessonPage(Page):
    """One lesson of a course, a few minutes long, in the course's page order."""

    estimated_minutes = models.PositiveIntegerField(_("预计时长（分钟）"), default=10)
    body = StreamField(LessonStreamBlock(), verbose_name=_("课时内容"))

    content_panels = [*Page.content_panels, FieldPanel("estimated_minutes"), FieldPanel("body")]
    search_fields = [*PAGE_SEARCH_FIELDS, SegmentedSearchField("body")]
    api_fields = [APIField("estimated_minutes")]
    parent_page_types = ["courses.CoursePage"]
    subpage_types = []

    class Meta:
        verbose_name = _("课时")
        verbose_name_plural = _("课时")
