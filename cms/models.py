"""The public site: home, preparedness articles (应急科普) and plain pages."""

import math

from django.core.paginator import Paginator
from django.db import models
from django.utils.translation import gettext_lazy as _

from wagtail import blocks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase

from . import selectors
from .blocks import ContentStreamBlock
from .search import SegmentedSearchField

# Chinese is read at roughly 300–500 characters a minute; take the middle.
CHARACTERS_PER_MINUTE = 400
ARTICLES_PER_PAGE = 12
# Wagtail's own page fields, plus the title segmented so Chinese words inside it are found.
PAGE_SEARCH_FIELDS = [*Page.search_fields, SegmentedSearchField("title", boost=3)]


class HazardType(models.TextChoices):
    FLOOD = "flood", _("防汛")
    TYPHOON = "typhoon", _("台风")
    LANDSLIDE = "landslide", _("地质灾害")
    EARTHQUAKE = "earthquake", _("地震")
    HOME_FIRE = "home_fire", _("居家防火")
    FOREST_FIRE = "forest_fire", _("森林防火")
    FIRST_AID = "first_aid", _("急救")
    EVACUATION = "evacuation", _("疏散避险")
    OTHER = "other", _("综合")


class Audience(models.TextChoices):
    PUBLIC = "public", _("社会公众")
    FAMILY = "family", _("家庭")
    ELDERLY = "elderly", _("老年人")
    STUDENTS = "students", _("学生")
    RESPONDERS = "responders", _("响应队员")


class HomePage(Page):
    """The site's front page: a welcome, the latest articles and the hotlines."""

    intro = models.CharField(_("导语"), max_length=255, blank=True)
    body = RichTextField(_("正文"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*PAGE_SEARCH_FIELDS, SegmentedSearchField("intro")]
    subpage_types = [
        "cms.ArticleIndexPage",
        "cms.StandardPage",
        "courses.CourseIndexPage",
        # The public side of the teams (the publicity app), named here as Wagtail names them.
        "publicity.TeamIndexPage",
        "publicity.StoryIndexPage",
        "publicity.TopTenIndexPage",
        "publicity.ContestIndexPage",
    ]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("首页")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["latest"] = selectors.latest_articles()
        context["article_index"] = self.get_children().type(ArticleIndexPage).live().first()
        context["hazard_types"] = HazardType.choices
        return context


class ArticleIndexPage(Page):
    """Lists preparedness articles (应急科普), newest first, filterable by hazard."""

    intro = models.CharField(_("导语"), max_length=255, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = PAGE_SEARCH_FIELDS
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.ArticlePage"]

    class Meta:
        verbose_name = _("科普文章栏目")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        hazard = request.GET.get("hazard", "")
        hazard = hazard if hazard in HazardType.values else ""
        tag = request.GET.get("tag", "")[:100]
        articles = selectors.articles_for_index(self, hazard_type=hazard, tag=tag)
        context.update(
            articles=Paginator(articles, ARTICLES_PER_PAGE).get_page(request.GET.get("page")),
            hazard=hazard,
            tag=tag,
            hazard_types=HazardType.choices,
        )
        return context


class ArticlePageTag(TaggedItemBase):
    content_object = ParentalKey(
        "cms.ArticlePage", related_name="tagged_items", on_delete=models.CASCADE
    )


class ArticlePage(Page):
    """One preparedness article: what to do before, during and after a hazard."""

    hazard_type = models.CharField(
        _("灾种"), max_length=20, choices=HazardType.choices, default=HazardType.OTHER
    )
    audience = models.CharField(
        _("适用人群"), max_length=20, choices=Audience.choices, default=Audience.PUBLIC
    )
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
    tags = ClusterTaggableManager(through=ArticlePageTag, blank=True, verbose_name=_("标签"))

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [FieldPanel("hazard_type"), FieldPanel("audience"), FieldPanel("tags")],
            heading=_("分类"),
        ),
        FieldPanel("summary"),
        FieldPanel("hero_image"),
        FieldPanel("body"),
    ]
    search_fields = [
        *PAGE_SEARCH_FIELDS,
        SegmentedSearchField("summary", boost=2),
        SegmentedSearchField("body"),
        SegmentedSearchField("tag_names"),
        index.FilterField("hazard_type"),
        index.FilterField("audience"),
    ]
    api_fields = [
        APIField("hazard_type"),
        APIField("audience"),
        APIField("summary"),
        APIField("hero_image"),
        APIField("body"),
        APIField("tag_names"),
    ]
    parent_page_types = ["cms.ArticleIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("科普文章")
        verbose_name_plural = _("科普文章")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["related"] = selectors.related_articles(self)
        return context

    def tag_names(self) -> list[str]:
        return [tag.name for tag in self.tags.all()]

    @property
    def reading_minutes(self) -> int:
        text_length = len(self.summary) + sum(
            len(chunk) for chunk in self.body.stream_block.get_searchable_content(self.body)
        )
        return max(1, math.ceil(text_length / CHARACTERS_PER_MINUTE))


class StandardPage(Page):
    """A plain page: about us, contact, privacy."""

    intro = models.CharField(_("导语"), max_length=255, blank=True)
    body = StreamField(ContentStreamBlock(), verbose_name=_("正文"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*PAGE_SEARCH_FIELDS, SegmentedSearchField("body")]
    subpage_types = ["cms.StandardPage"]

    class Meta:
        verbose_name = _("普通页面")


@register_setting(icon="warning")
class SiteSettings(BaseSiteSetting):
    """The issuing organisation and the emergency hotlines shown on every page."""

    organisation = models.CharField(
        _("主办单位"), max_length=120, default="广西壮族自治区应急管理厅"
    )
    organisation_address = models.CharField(_("地址"), max_length=255, blank=True)
    organisation_phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    icp_number = models.CharField(_("ICP备案号"), max_length=60, blank=True)
    hotlines = StreamField(
        [
            (
                "hotline",
                blocks.StructBlock(
                    [
                        ("name", blocks.CharBlock(label=_("名称"))),
                        ("number", blocks.CharBlock(label=_("号码"))),
                    ],
                    label=_("热线"),
                    icon="mail",
                ),
            )
        ],
        verbose_name=_("应急热线"),
        blank=True,
    )

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("organisation"),
                FieldPanel("organisation_address"),
                FieldPanel("organisation_phone"),
                FieldPanel("icp_number"),
            ],
            heading=_("主办单位"),
        ),
        FieldPanel("hotlines"),
    ]

    class Meta:
        verbose_name = _("网站设置")
