"""Demo data of the public site: the page tree, articles, site settings and demo accounts."""

import io
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.template.loader import render_to_string

from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.models import Locale, Page, Site

from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont
from weasyprint import HTML

from cms.models import (
    ArticleIndexPage,
    ArticlePage,
    HazardType,
    HomePage,
    SiteSettings,
    StandardPage,
)
from cms.roles import REVIEWERS, TRAINERS, roles_setup

from . import translations
from .articles import ARTICLES

DEMO_PASSWORD = "demo1234"
# username: (full name, is superuser, groups)
DEMO_USERS = {
    "admin": ("系统管理员", True, []),
    "reviewer": ("韦审核", False, [REVIEWERS]),
    "trainer": ("覃培训", False, [TRAINERS]),
    "county": ("黄县级", False, []),
    "leader": ("蒙队长", False, []),
    "member": ("陆队员", False, []),
}
HOTLINES = [
    ("火警", "119"),
    ("医疗急救", "120"),
    ("报警", "110"),
    ("交通事故", "122"),
    ("预警信息", "12379"),
    ("政务服务便民热线", "12345"),
]
CJK_FONT_PATHS = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
]


def seed(stdout) -> None:
    roles_setup()
    Locale.objects.get_or_create(language_code="en")
    home = _home_page()
    _site_settings(home)
    index = _child(
        home,
        ArticleIndexPage,
        slug="articles",
        title="应急科普",
        intro="防汛、台风、地质灾害、地震、火灾与急救：人人都该掌握的应急知识。",
    )
    _child(
        home,
        StandardPage,
        slug="about",
        title="关于我们",
        intro="八桂应急先锋社区响应队培训与认证平台。",
        body=[
            (
                "paragraph",
                "<p>应急先锋学院服务于全区社区（村）应急响应队建设，为队员提供标准化课程、"
                "在线学习与考试、证书认证，为各级应急管理部门提供达标情况统计与督导检查支持。</p>",
            ),
            (
                "paragraph",
                "<p>社会公众可以在本站阅读应急科普文章，查验队员证书真伪。</p>",
            ),
        ],
    )
    checklist = _checklist_document()
    for data in ARTICLES:
        _article(index, data, checklist)
    _users()
    live_articles = ArticlePage.objects.live().filter(locale=home.locale).count()
    stdout.write(f"  站点：{home.title}，科普文章 {live_articles} 篇")
    translations.seed(stdout)


def _home_page() -> HomePage:
    root = Page.get_first_root_node()
    # The Chinese home: its translations (/en/, /za/) are HomePages at depth 2 as well.
    home = HomePage.objects.filter(depth=2, locale=Locale.get_default()).first()
    if home is None:
        home = HomePage(
            title="应急先锋学院",
            slug="home-zh",
            intro="八桂应急先锋社区响应队 · 培训、演练与认证",
            body="<p>学应急知识，练救援本领，做社区守护者。</p>",
        )
        root.add_child(instance=home)
        home.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost",
            port=80,
            root_page=home,
            is_default_site=True,
            site_name="应急先锋学院",
        )
    elif site.root_page_id != home.pk:
        old_root = site.root_page
        site.root_page = home
        site.site_name = "应急先锋学院"
        site.save()
        # Wagtail's "Welcome to your new Wagtail site!" placeholder.
        if old_root.specific_class is Page and not old_root.get_children().exists():
            old_root.delete()
    return home


def _site_settings(home: HomePage) -> None:
    site = Site.objects.get(root_page=home)
    settings = SiteSettings.for_site(site)
    if settings.hotlines:
        return
    settings.organisation = "广西壮族自治区应急管理厅"
    settings.organisation_address = "广西南宁市"
    settings.hotlines = [("hotline", {"name": name, "number": number}) for name, number in HOTLINES]
    settings.save()


def _child(parent: Page, page_class, *, slug: str, **fields) -> Page:
    existing = page_class.objects.child_of(parent).filter(slug=slug).first()
    if existing:
        return existing
    page = page_class(slug=slug, show_in_menus=True, **fields)
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def _article(index: ArticleIndexPage, data: dict, checklist: Document) -> ArticlePage:
    existing = ArticlePage.objects.child_of(index).filter(slug=data["slug"]).first()
    if existing:
        return existing
    body = list(data["body"])
    if data["hazard_type"] == HazardType.EVACUATION:
        body.append(("document", {"document": checklist, "title": "下载：家庭应急物资清单（PDF）"}))
    page = ArticlePage(
        slug=data["slug"],
        title=data["title"],
        hazard_type=data["hazard_type"],
        audience=data["audience"],
        summary=data["summary"],
        hero_image=_hero_image(data),
        body=body,
    )
    index.add_child(instance=page)
    page.tags.add(*data["tags"])
    page.save_revision().publish()
    return page


def _hero_image(data: dict) -> Image:
    title = f"题图：{data['title']}"
    image = Image.objects.filter(title=title).first()
    if image:
        return image
    canvas = PILImage.new("RGB", (1200, 630), data["color"])
    draw = ImageDraw.Draw(canvas)
    for i in range(0, 1200, 60):  # a light diagonal texture, so the banner is not a flat block
        draw.line([(i, 630), (i + 300, 0)], fill=_lighten(data["color"]), width=12)
    font_path = next((p for p in CJK_FONT_PATHS if Path(p).exists()), None)
    if font_path:
        label = dict(HazardType.choices)[data["hazard_type"]]
        draw.text((80, 220), str(label), font=ImageFont.truetype(font_path, 140), fill="white")
        draw.text(
            (84, 420),
            "应急先锋学院 · 应急科普",
            font=ImageFont.truetype(font_path, 44),
            fill="white",
        )
    buffer = io.BytesIO()
    canvas.save(buffer, "PNG")
    return Image.objects.create(
        title=title, file=ContentFile(buffer.getvalue(), name=f"{data['slug']}.png")
    )


def _lighten(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#{:02x}{:02x}{:02x}".format(*(min(255, c + 24) for c in (r, g, b)))


def _checklist_document() -> Document:
    title = "家庭应急物资清单"
    document = Document.objects.filter(title=title).first()
    if document:
        return document
    pdf = HTML(string=render_to_string("cms/demo/checklist.html")).write_pdf()
    return Document.objects.create(title=title, file=ContentFile(pdf, name="family-kit.pdf"))


def _users() -> None:
    User = get_user_model()
    for username, (full_name, is_superuser, group_names) in DEMO_USERS.items():
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": full_name[1:],
                "last_name": full_name[0],
                "email": f"{username}@demo.yjxf.cn",
                "is_staff": is_superuser,
                "is_superuser": is_superuser,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if group_names:
            user.groups.add(*Group.objects.filter(name__in=group_names))
