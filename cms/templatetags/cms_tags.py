from django import template
from django.conf import settings
from django.utils import translation

from wagtail.models import Page, Site

register = template.Library()


@register.simple_tag(takes_context=True)
def main_menu(context):
    """The live children of the site's home page that are marked 'show in menus'."""
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    if site is None:
        return Page.objects.none()
    return site.root_page.localized.get_children().live().in_menu()


@register.simple_tag
def breadcrumbs(page):
    if page is None or not getattr(page, "pk", None):
        return []
    return page.get_ancestors().filter(depth__gt=1)


@register.simple_tag(takes_context=True)
def language_links(context):
    """Links to the current page in each language: plain links, so cached pages carry no form."""
    request = context.get("request")
    path = request.path if request else "/"
    current = translation.get_language()
    bare = path
    for code, _name in settings.LANGUAGES:
        if path == f"/{code}" or path.startswith(f"/{code}/"):
            bare = path[len(code) + 1 :] or "/"
    links = []
    for code, name in settings.LANGUAGES:
        url = bare if code == settings.LANGUAGE_CODE else f"/{code}{bare}"
        links.append({"code": code, "name": name, "url": url, "current": code == current})
    return links
