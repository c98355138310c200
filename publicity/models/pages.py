"""The public pages about teams: the team directory and team pages, stories, the top ten."""

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from modelcluster.fields import ParentalKey, ParentalManyToManyField

from cms.blocks import ContentStreamBlock
from cms.models import PAGE_SEARCH_FIELDS
from cms.search import SegmentedSearchField
from publicity import routes, selectors


class TeamIndexPage(Page):
    """The directory of teams' public pages (/teams/), filterable by city and county."""

    intro = models.CharField(_("导语"), max_length=255, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = PAGE_SEARCH_FIELDS
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["publicity.TeamPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("队伍风采栏目")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(selectors.team_directory(self, request.GET))
        return context


class TeamPage(Page):
    """A team's public page: its introduction and photo, drills this year, certificate coverage.

    Never names or personal data of members: the figures are counts and shares.
    """

    team = models.ForeignKey(
        "lms.Team", verbose_name=_("队伍"), on_delete=models.PROTECT, related_name="public_pages"
    )
    photo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("队伍照片"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    introduction = models.TextField(_("队伍简介"), max_length=1000)

    content_panels = [
        *Page.content_panels,
        FieldPanel("team", read_only=True),
        FieldPanel("photo"),
        FieldPanel("introduction"),
    ]
    search_fields = [*PAGE_SEARCH_FIELDS, SegmentedSearchField("introduction")]
    parent_page_types = ["publicity.TeamIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("队伍风采")
        verbose_name_plural = _("队伍风采")

    def clean(self):
        super().clean()
        # One page per team in each language; translations (and aliases) share the team.
        if self.team_id and self.locale_id:
            clash = TeamPage.objects.filter(team_id=self.team_id, locale_id=self.locale_id)
            if clash.exclude(pk=self.pk).exists():
                raise ValidationError({"team": _("这支队伍已有风采页。")})

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["figures"] = selectors.team_public_figures(self.team)
        context["stories"] = selectors.stories_about(self.team)
        return context


class StoryIndexPage(Page):
    """Lists teams' stories (队伍故事), newest first."""

    intro = models.CharField(_("导语"), max_length=255, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = PAGE_SEARCH_FIELDS
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["publicity.StoryPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("队伍故事栏目")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(selectors.stories_for_index(self, request.GET))
        return context


def _today() -> datetime.date:
    return timezone.localdate()


class StoryPage(Page):
    """A story of teams in rescue or public service, a kind of article, linked to its teams."""

    story_date = models.DateField(_("事件日期"), default=_today)
    summary = models.TextField(_("摘要"), max_length=300)
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("题图"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = StreamField(ContentStreamBlock(), verbose_name=_("正文"))
    teams = ParentalManyToManyField(
        "lms.Team", verbose_name=_("相关队伍"), related_name="stories", blank=True
    )
    written_by = models.ForeignKey(
        "lms.Team",
        verbose_name=_("撰稿队伍"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("由队长在队伍页面起草的故事记下队伍；区域办公室撰写的留空。"),
    )

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel([FieldPanel("story_date"), FieldPanel("teams")], heading=_("事件")),
        FieldPanel("summary"),
        FieldPanel("hero_image"),
        FieldPanel("body"),
    ]
    search_fields = [
        *PAGE_SEARCH_FIELDS,
        SegmentedSearchField("summary", boost=2),
        SegmentedSearchField("body"),
        index.FilterField("story_date"),
    ]
    parent_page_types = ["publicity.StoryIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("队伍故事")
        verbose_name_plural = _("队伍故事")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["team_pages"] = selectors.story_team_pages(self)
        return context


class TopTenIndexPage(RoutablePageMixin, Page):
    """The ten best teams (十佳社区响应队) as announced: this year's at /top-ten/, others below."""

    intro = models.CharField(_("导语"), max_length=255, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = PAGE_SEARCH_FIELDS
    parent_page_types = ["cms.HomePage"]
    subpage_types = []
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("十佳队伍栏目")

    @path("")
    def current(self, request):
        return routes.top_ten(request, self)

    @path("<int:year>/")
    def year(self, request, year):
        return routes.top_ten(request, self, year=year)

    @path("<int:year>/<str:code>/")
    def area(self, request, year, code):
        return routes.top_ten(request, self, year=year, code=code)


class ContestIndexPage(Page):
    """The short-video contests (短视频公益广告大赛) at /contest/: the open one first."""

    intro = models.CharField(_("导语"), max_length=255, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = PAGE_SEARCH_FIELDS
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["publicity.ContestPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("短视频大赛栏目")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["contests"] = selectors.contests(self)
        return context


class ContestPage(RoutablePageMixin, Page):
    """One short-video public-service contest: rules, dates, judging criteria, entries, results."""

    intro = models.CharField(_("导语"), max_length=255, blank=True)
    rules = StreamField(ContentStreamBlock(), verbose_name=_("参赛规则"))
    opens_at = models.DateTimeField(_("开始征集"))
    closes_at = models.DateTimeField(_("截止投稿"))
    votes_enabled = models.BooleanField(_("开放公众投票"), default=True)
    votes_close_at = models.DateTimeField(
        _("投票截止"), null=True, blank=True, help_text=_("留空则与截止投稿时间相同。")
    )
    results_published = models.BooleanField(
        _("公布结果"), default=False, help_text=_("评审完成后勾选并发布，结果页即对公众开放。")
    )
    max_video_mb = models.PositiveSmallIntegerField(
        _("视频大小上限（MB）"),
        default=200,
        validators=[MinValueValidator(1), MaxValueValidator(2048)],
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        MultiFieldPanel(
            [
                FieldPanel("opens_at"),
                FieldPanel("closes_at"),
                FieldPanel("votes_enabled"),
                FieldPanel("votes_close_at"),
                FieldPanel("results_published"),
                FieldPanel("max_video_mb"),
            ],
            heading=_("时间与设置"),
        ),
        FieldPanel("rules"),
        InlinePanel("criteria", heading=_("评审标准"), label=_("评审项"), min_num=1),
    ]
    search_fields = [*PAGE_SEARCH_FIELDS, SegmentedSearchField("rules")]
    parent_page_types = ["publicity.ContestIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("短视频大赛")
        verbose_name_plural = _("短视频大赛")

    def clean(self):
        super().clean()
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("截止投稿时间必须晚于开始征集时间。")})
        if self.votes_close_at and self.opens_at and self.votes_close_at <= self.opens_at:
            raise ValidationError({"votes_close_at": _("投票截止时间必须晚于开始征集时间。")})

    @property
    def source(self) -> "ContestPage":
        """The contest in the default language: entries, scores and votes belong to it."""
        return selectors.contest_source(self)

    @path("")
    def overview(self, request):
        return routes.contest_overview(request, self)

    @path("submit/")
    def submit(self, request):
        return routes.contest_submit(request, self)

    @path("entries/<int:pk>/")
    def entry(self, request, pk):
        return routes.contest_entry(request, self, pk)

    @path("entries/<int:pk>/vote/")
    def vote(self, request, pk):
        return routes.contest_vote(request, self, pk)

    @path("entries/<int:pk>/video/")
    def video(self, request, pk):
        return routes.contest_video(request, self, pk)

    @path("results/")
    def results(self, request):
        return routes.contest_results(request, self)


class ContestCriterion(Orderable):
    """One published judging criterion of a contest, with its weight in the total."""

    contest = ParentalKey(ContestPage, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("评审项"), max_length=60)
    description = models.CharField(_("说明"), max_length=255, blank=True)
    weight = models.PositiveSmallIntegerField(
        _("分值"),
        default=25,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("评委按 0 至该分值打分；各项分值相加为满分。"),
    )

    panels = [FieldPanel("name"), FieldPanel("description"), FieldPanel("weight")]

    class Meta(Orderable.Meta):
        verbose_name = _("评审项")
        verbose_name_plural = _("评审标准")

    def __str__(self):
        return self.name
