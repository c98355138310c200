"""Keep the public page cache true to what is published."""

from django.db.models.signals import post_save, pre_delete
from django.dispatch import receiver

from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from .cache import language_variants, purge_all, purge_paths
from .models import SiteSettings


def page_cache_paths(page: Page) -> list[str]:
    """The page's path, its ancestors' and its siblings', in every language prefix."""
    neighbours = [
        page,
        *page.get_ancestors().filter(depth__gt=1),
        *page.get_siblings(inclusive=False),
    ]
    paths = []
    for each in neighbours:
        parts = each.get_url_parts()
        if not parts:
            continue
        paths.append(parts[2])
        # The same page is served under /en/… (and any later language prefix).
        paths.extend(language_variants(parts[2]))
    return paths


@receiver(page_published)
@receiver(page_unpublished)
def purge_on_publish(sender, instance, **kwargs):
    purge_paths(page_cache_paths(instance))


@receiver(post_page_move)
def purge_on_move(sender, instance, **kwargs):
    # Both the old and the new neighbourhood change; a full purge is the simple true answer.
    purge_all()


@receiver(pre_delete)
def purge_on_delete(sender, instance, **kwargs):
    if isinstance(instance, Page):
        purge_all()


@receiver(post_save, sender=SiteSettings)
def purge_on_settings(sender, instance, created, **kwargs):
    # A row created on first read holds the defaults the cached pages already show.
    if not created:
        purge_all()
