"""What trainers author in Wagtail: the course catalog, courses and their lessons."""

from django.conf import settings
from django.db import models
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from cms.models import PAGE_SEARCH_FIELDS, HazardType
from cms.search import SegmentedSearchField
from courses import selectors
from courses.blocks import LessonStreamBlock


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

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        hazard = request.GET.get("hazard", "")
        hazard = hazard if hazard in HazardType.values else ""
        context.update(
            courses=selectors.catalog_courses(self, hazard_category=hazard),
            hazard=hazard,
            hazard_types=selectors.catalog_hazards(self),
        )
        return context


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
    certificate_auto_issue = models.BooleanField(
        _("结业自动发证"), default=True, help_text=_("关闭后由区域管理员发放")
    )
    certificate_template = models.ForeignKey(
        "lms.CertificateTemplate",
        verbose_name=_("证书模板"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("留空则使用默认模板"),
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
                FieldRowPanel(
                    [FieldPanel("certificate_auto_issue"), FieldPanel("certificate_template")]
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

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        lessons = list(selectors.lessons_live(self))
        context.update(
            lessons=lessons,
            total_minutes=sum(lesson.estimated_minutes for lesson in lessons),
            # Instructor lives in lms (which imports courses); the reverse relation is enough.
            instructors=self.instructors.filter(active=True),
        )
        return context


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

    def route(self, request, path_components):
        # Wagtail serves a live page under a draft parent; a lesson is public only with its course.
        if not path_components and not self.get_parent().live:
            raise Http404
        return super().route(request, path_components)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # The public page leaves the knowledge checks out entirely: they are answered, and
        # graded on the server, in the learner pages after signing in. An author's preview
        # shows them (question and options only, like the learner pages).
        checks = [b for b in self.body if b.block_type == "knowledge_check"]
        shown = (
            list(self.body)
            if getattr(request, "is_preview", False)
            else [b for b in self.body if b.block_type != "knowledge_check"]
        )
        context.update(
            body_blocks=shown, check_count=len(checks), **selectors.lesson_neighbours(self)
        )
        return context


class CourseGrant(models.Model):
    """A trainer's right to author one course and its lessons."""

    course = models.ForeignKey(
        CoursePage, verbose_name=_("课程"), on_delete=models.CASCADE, related_name="grants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("培训师"),
        on_delete=models.CASCADE,
        related_name="course_grants",
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("授权人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("授权时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("课程编写授权")
        verbose_name_plural = _("课程编写授权")
        ordering = ["-granted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "user"],
                name="courses_grant_one_per_course_user",
                violation_error_message=_("该培训师已有这门课程的编写授权。"),
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.course}"
