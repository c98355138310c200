"""Keeping the public page tree in step across languages (Wagtail's synchronised trees).

Each public page has a counterpart in every content language: an alias of the Chinese
page until a translator makes it a translation (simple_translation's "翻译" action, or
"转换为普通页面" on the alias). So /en/… and /za/… resolve for every public page, showing
Chinese where nothing is translated yet.

An alias follows its source without any code here: publishing the source copies its content
into the alias and publishes it (Page.update_aliases), unpublishing the source unpublishes the
alias (UnpublishPageAction), and an alias of a draft is created as a draft. Pages published
after the demo seed get their aliases when first published (`aliases_on_publish`).

Course pages are left out: learners' records point at a course page by id, so a course
lives in one tree only.
"""

from django.dispatch import receiver

from wagtail.actions.convert_alias import ConvertAliasPageAction
from wagtail.models import Locale, Page
from wagtail.signals import page_published

UNSYNCED_APPS = {"courses"}


def page_syncs(page: Page) -> bool:
    return page.specific_class._meta.app_label not in UNSYNCED_APPS and page.depth > 1


def page_aliases_create(page: Page) -> list[Page]:
    """Aliases of `page` in every other locale that lacks one (parents too, if missing)."""
    if not page_syncs(page):
        return []
    created = []
    for locale in Locale.objects.exclude(pk=page.locale_id):
        if not page.has_translation(locale):
            created.append(page.copy_for_translation(locale, copy_parents=True, alias=True))
    return created


def tree_aliases_create(root: Page) -> int:
    """Aliases, in every other locale, of `root` and every page below it; returns how many."""
    count = 0
    for page in root.get_descendants(inclusive=True).filter(locale_id=root.locale_id):
        count += len(page_aliases_create(page))
    return count


def page_translation_create(source: Page, locale: Locale) -> Page:
    """A real (non-alias) translation of `source` in `locale`, in draft, for a translator to
    fill in and publish: the alias there is converted, or a copy is made (parents aliased).

    An existing real translation is returned unchanged, so callers can run twice."""
    existing = source.get_translation_or_none(locale)
    if existing is None:
        return source.copy_for_translation(locale, copy_parents=True).specific
    if existing.alias_of_id:
        # Converting keeps the page's id, path and live state; the alias's content becomes
        # the translation's first revision.
        return ConvertAliasPageAction(existing.specific).execute(skip_permission_checks=True)
    return existing.specific


@receiver(page_published)
def aliases_on_publish(sender, instance, alias=False, **kwargs):
    """A published page of the default language has its aliases (a no-op once it has them)."""
    if alias or instance.alias_of_id:
        return
    if instance.locale_id != Locale.get_default().pk:
        return
    page_aliases_create(instance)
