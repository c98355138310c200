"""Template tags of the public site: menu, breadcrumbs, languages, sharing metadata, QR code.

Absolute URLs (canonical, hreflang, og:url, og:image, the QR code) start with SITE_URL, the
site's public address, rather than the request's host: public pages are cached per path, so
what they carry must not depend on which host name a visitor happened to use.
"""

import re
from functools import lru_cache

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.urls import translate_url
from django.utils import translation
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from wagtail.images.models import SourceImageIOError
from wagtail.models import Locale, Page, Site

import segno

register = template.Library()

# hreflang and lang values (BCP 47) of the languages whose Django code differs.
LANGUAGE_TAGS = {"zh-hans": "zh-Hans"}
# og:locale wants language_TERRITORY.
OG_LOCALES = {"zh-hans": "zh_CN", "za": "za_CN", "en": "en_US"}
# Where pages keep what a shared link shows, in order of preference (cms, publicity, courses).
DESCRIPTION_FIELDS = ("search_description", "summary", "intro", "introduction")
IMAGE_FIELDS = ("hero_image", "photo", "cover_image")
DESCRIPTION_CHARS = 160
# 1200×630 is what messaging apps and social sites crop a link preview to; JPEG keeps it light.
SHARE_IMAGE_SPEC = "fill-1200x630|format-jpeg|jpegquality-80"
DEFAULT_SHARE_IMAGE = "cms/share-default.png"
# No QR code where a page is not for the public to open on a phone.
QR_HIDDEN_PREFIXES = ("/admin/", "/learn/")


# --- helpers ---------------------------------------------------------------------------------


def language_tag(code: str) -> str:
    return LANGUAGE_TAGS.get(code, code)


def absolute_url(path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return f"{settings.SITE_URL}{path}"


def _context_page(context) -> Page | None:
    page = context.get("page")
    return page if isinstance(page, Page) and page.pk else None


def _page_path(page: Page, request=None) -> str | None:
    parts = page.get_url_parts(request=request)
    return parts[2] if parts and parts[2] else None


def _route_suffix(page: Page, request) -> str:
    """What a routable page's sub-route adds to its path (/top-ten/2025/ → "2025/")."""
    path = _page_path(page, request)
    if request is None or not path or not request.path.startswith(path):
        return ""
    return request.path[len(path) :]


def _alias_source(page: Page) -> Page:
    seen = set()
    while page.alias_of_id and page.pk not in seen:
        seen.add(page.pk)
        page = page.alias_of
    return page


def _translations(page: Page, request) -> dict[str, Page]:
    """The live versions of `page` in every locale (itself included), by language code;
    asked once per request."""
    memo = getattr(request, "_cms_translations", None)
    if memo is not None and memo[0] == page.pk:
        return memo[1]
    pages = Page.objects.filter(translation_key=page.translation_key).live()
    found = {p.locale.language_code: p for p in pages.select_related("locale")}
    if request is not None:
        request._cms_translations = (page.pk, found)
    return found


def _home_path(code: str) -> str:
    """The home page in a language: Wagtail serves the site root's version in that language
    at the language prefix (Site.root_page.localized), so no lookup is needed."""
    return "/" if code == settings.LANGUAGE_CODE else f"/{code}/"


def _clean_text(value) -> str:
    text = re.sub(r"\s+", " ", strip_tags(str(value))).strip()
    return Truncator(text).chars(DESCRIPTION_CHARS)


# --- menu and breadcrumbs --------------------------------------------------------------------


@register.simple_tag(takes_context=True)
def main_menu(context):
    """The live children of the site's home page that are marked 'show in menus', each in the
    active language where it has a live version there (course pages stay in Chinese)."""
    request = context.get("request")
    site = Site.find_for_request(request) if request else None
    if site is None:
        return Page.objects.none()
    items = list(site.root_page.get_children().live().in_menu())
    locale = Locale.get_active()
    if locale.pk == site.root_page.locale_id:
        return items
    localized = {
        p.translation_key: p
        for p in Page.objects.filter(
            translation_key__in=[item.translation_key for item in items], locale=locale
        ).live()
    }
    return [localized.get(item.translation_key, item) for item in items]


@register.simple_tag
def breadcrumbs(page):
    if page is None or not getattr(page, "pk", None):
        return []
    return page.get_ancestors().filter(depth__gt=1)


@register.simple_tag
def home_url():
    """The home page in the active language."""
    return _home_path(translation.get_language())


# --- languages -------------------------------------------------------------------------------


@register.simple_tag(takes_context=True)
def language_links(context):
    """Links to the current page in each language: plain links, so cached pages carry no form.

    On a Wagtail page each language links to the page's version there (a translation or an
    alias), else to that language's home page; elsewhere to the same path in that language,
    or to that language's home page where the path has no language prefix (/accounts/…)."""
    request = context.get("request")
    page = _context_page(context)
    current = translation.get_language()
    if page is not None:
        suffix = _route_suffix(page, request)
        versions = _translations(page, request)
    links = []
    for code, name in settings.LANGUAGES:
        if page is not None:
            version = versions.get(code)
            path = _page_path(version, request) if version is not None else None
            url = path + suffix if path else _home_path(code)
        else:
            full_path = request.get_full_path() if request else "/"
            url = translate_url(full_path, code)
            if code != current and url == full_path:
                url = _home_path(code)
        links.append(
            {
                "code": code,
                "tag": language_tag(code),
                "name": name,
                "url": url,
                "current": code == current,
            }
        )
    return links


@register.simple_tag(takes_context=True)
def content_language(context):
    """The language of an alias page's content (its source's), when it differs from the
    interface's: Chinese shown under /en/ is marked as Chinese."""
    page = _context_page(context)
    if page is None or not page.alias_of_id:
        return ""
    code = _alias_source(page).locale.language_code
    return language_tag(code) if code != translation.get_language() else ""


# --- sharing ---------------------------------------------------------------------------------


@register.simple_tag
def page_description(page) -> str:
    """What a page says about itself: its search description, else its summary or intro."""
    if not isinstance(page, Page):
        return ""
    for field in DESCRIPTION_FIELDS:
        value = getattr(page, field, "")
        if value and isinstance(value, str):
            text = _clean_text(value)
            if text:
                return text
    return ""


def share_image(page: Page | None) -> dict:
    """A 1200×630 rendition of the page's own picture (smaller pictures are cropped to the same
    shape, not enlarged), else the site's default share image: URL, width and height."""
    for field in IMAGE_FIELDS if page is not None else ():
        image = getattr(page, field, None)
        if image is None or not hasattr(image, "get_rendition"):
            continue
        try:
            rendition = image.get_rendition(SHARE_IMAGE_SPEC)
        except SourceImageIOError:  # the file is gone: share the default rather than fail
            continue
        return {
            "url": absolute_url(rendition.url),
            "width": rendition.width,
            "height": rendition.height,
            "alt": image.default_alt_text or image.title,
        }
    return {"url": absolute_url(static(DEFAULT_SHARE_IMAGE)), "width": 1200, "height": 630}


@register.inclusion_tag("includes/sharing_meta.html", takes_context=True)
def sharing_meta(context, title="", description=""):
    """Canonical and hreflang links, Open Graph and Twitter card tags for <head>.

    `title` and `description` are what the template put in its title and description blocks.
    A real translation lists itself and the other real translations as alternates (x-default:
    the Chinese page); an alias lists none and names its source as canonical."""
    request = context.get("request")
    page = _context_page(context)
    current = translation.get_language()
    url = absolute_url(request.path) if request is not None else ""
    meta = {
        "title": title,
        "description": description,
        "url": url,
        "type": "website",
        "site_name": str(settings.SITE_NAME),
        "og_locale": OG_LOCALES.get(current, current),
        "locale_alternates": [],
        "alternates": [],
        "canonical": "",
        "published": None,
        "image": share_image(page),
    }
    if page is None:
        return meta
    if page.depth == 2:
        # The home page's title block says "首页"; a shared link should name the site.
        meta["title"] = page.seo_title or page.title
    meta["title"] = meta["title"] or page.seo_title or page.title
    meta["description"] = meta["description"] or page_description(page)
    source = _alias_source(page)
    if hasattr(page, "summary") and hasattr(page, "hero_image"):  # articles and stories
        meta["type"] = "article"
        meta["published"] = source.first_published_at
    suffix = _route_suffix(page, request)
    if page.alias_of_id:
        source_path = _page_path(source, request)
        meta["canonical"] = absolute_url(source_path + suffix) if source_path else url
        meta["og_locale"] = OG_LOCALES.get(source.locale.language_code, meta["og_locale"])
        return meta
    meta["canonical"] = url
    versions = {
        code: version
        for code, version in _translations(page, request).items()
        if not version.alias_of_id
    }
    for code, _name in settings.LANGUAGES:
        version = versions.get(code)
        path = _page_path(version, request) if version is not None else None
        if not path:
            continue
        href = absolute_url(path + suffix)
        meta["alternates"].append({"hreflang": language_tag(code), "href": href})
        if code == settings.LANGUAGE_CODE:
            meta["alternates"].append({"hreflang": "x-default", "href": href})
        if version.pk != page.pk:
            meta["locale_alternates"].append(OG_LOCALES.get(code, code))
    meta["og_locale"] = OG_LOCALES.get(page.locale.language_code, meta["og_locale"])
    return meta


# --- QR code ---------------------------------------------------------------------------------


@lru_cache(maxsize=2048)
def qr_svg(url: str) -> str:
    """An inline SVG QR code of `url`: one path, about 2 KB, 3 px a module, 4 modules quiet
    zone (what phone cameras need around it), black on white even on the dark footer."""
    svg = segno.make(url, error="m", micro=False).svg_inline(
        scale=3, border=4, dark="#000", light="#fff", svgclass="qr-code"
    )
    # The text beside it says what it is; screen readers read the URL there instead.
    return svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1)


@register.inclusion_tag("includes/page_qr.html", takes_context=True)
def page_qr(context):
    """A QR code of the page's address, to open it on a phone (public Wagtail pages only)."""
    request = context.get("request")
    page = _context_page(context)
    if page is None or request is None or request.path.startswith(QR_HIDDEN_PREFIXES):
        return {"show": False}
    url = absolute_url(request.path)
    return {"show": True, "url": url, "svg": mark_safe(qr_svg(url))}


# --- capturing a block -----------------------------------------------------------------------


class CaptureNode(template.Node):
    # Listed so that {% extends %} finds (and lets child templates override) blocks inside.
    child_nodelists = ("nodelist",)

    def __init__(self, nodelist, name):
        self.nodelist = nodelist
        self.name = name

    def render(self, context):
        # The rendered text is template output, already escaped: keep it from being escaped twice.
        context[self.name] = mark_safe(self.nodelist.render(context).strip())
        return ""


@register.tag
def capture(parser, token):
    """{% capture as name %}…{% endcapture %}: render the content once into a variable, so a
    block (the title) can feed both <title> and og:title."""
    bits = token.split_contents()
    if len(bits) != 3 or bits[1] != "as":
        raise template.TemplateSyntaxError("usage: {% capture as name %}…{% endcapture %}")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, bits[2])
