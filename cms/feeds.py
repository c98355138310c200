"""RSS feed of the newest preparedness articles."""

from django.contrib.syndication.views import Feed
from django.utils.translation import gettext_lazy as _

from .selectors import latest_articles


class LatestArticlesFeed(Feed):
    title = _("应急先锋学院 · 应急科普")
    link = "/articles/"
    description = _("防汛、台风、地质灾害、火灾与急救等应急科普文章。")

    def items(self):
        return latest_articles(limit=20)

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_link(self, item):
        return item.get_full_url()

    def item_pubdate(self, item):
        return item.first_published_at

    def item_categories(self, item):
        return [item.get_hazard_type_display(), *item.tag_names()]
