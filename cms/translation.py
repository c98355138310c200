"""Keeping the public page tree in step across languages (Wagtail's synchronised trees).

Each public page has a counterpart in every content language: an alias of the Chinese
page until a translator makes it a translation (simple_translation's "翻译" action, or
"转换为普通页面" on the alias). So /en/… and /za/… resolve for every public page, showing
Chinese where nothing is translated yet.

Course pages are left out: learners' records point at a course page by id, so a course
lives in one tree only.
"""

from wagtail.models import Locale, Page

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
