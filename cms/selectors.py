"""Reads of the public site that span relations.

Page models call these from get_context, so this module refers to them as
`models.X` at call time rather than importing the classes.
"""

from django.db.models import QuerySet

from wagtail.models import Locale, Page

from . import models
from .search import chinese_query


def articles_live() -> QuerySet["models.ArticlePage"]:
    # In the active language only: every article also exists under /en/ and /za/ (an alias
    # until translated), and a listing must show it once.
    articles = models.ArticlePage.objects.live().public().filter(locale=Locale.get_active())
    return articles.order_by("-first_published_at", "-pk")


def articles_for_index(index_page: Page, hazard_type: str = "", tag: str = ""):
    articles = articles_live().child_of(index_page).select_related("hero_image")
    if hazard_type:
        articles = articles.filter(hazard_type=hazard_type)
    if tag:
        articles = articles.filter(tags__name=tag)
    return articles


def related_articles(article: "models.ArticlePage", limit: int = 3) -> list:
    """Articles on the same hazard first, then those sharing a tag; newest first."""
    same_hazard = list(
        articles_live()
        .filter(hazard_type=article.hazard_type)
        .exclude(pk=article.pk)
        .select_related("hero_image")[:limit]
    )
    if len(same_hazard) >= limit:
        return same_hazard
    tag_ids = list(article.tags.values_list("pk", flat=True))
    shared = (
        articles_live()
        .filter(tags__in=tag_ids)
        .exclude(pk__in=[article.pk, *[a.pk for a in same_hazard]])
        .distinct()
        .select_related("hero_image")[: limit - len(same_hazard)]
    )
    return same_hazard + list(shared)


def search_pages(query_string: str):
    """Live public pages matching a query, Chinese words found mid-sentence, best first."""
    query = chinese_query(query_string)
    if query is None:
        return Page.objects.none()
    pages = Page.objects.live().public().filter(locale=Locale.get_active())
    return pages.specific().search(query, operator="and")


def latest_articles(limit: int = 6) -> QuerySet["models.ArticlePage"]:
    return articles_live().select_related("hero_image")[:limit]
