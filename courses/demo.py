"""Demo courses: the catalog at /courses/, six standard courses with their lessons, and the
demo trainer's grants. Run by `manage.py seed_demo` after the site's demo data (which creates
the home page and the demo accounts) and before the LMS's.

Idempotent: a course is looked up by its code and a lesson by its slug under the course, so a
second run creates nothing and leaves what an editor changed since alone.
"""

import io
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile

from wagtail.images.models import Image
from wagtail.models import Locale

from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

from cms.models import HazardType, HomePage

from . import demo_questions
from .demo_content import COURSES
from .models import CourseIndexPage, CoursePage, LessonPage
from .services import course_grant_create

CATALOG_SLUG = "courses"
# The demo account `trainer` may author these courses (and no other).
TRAINER_GRANTS = ["GX-YJ-101", "GX-YJ-104"]
CJK_FONT_PATHS = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
]


def seed(stdout) -> None:
    home = HomePage.objects.filter(depth=2, locale=Locale.get_default()).first()
    if home is None:
        stdout.write("  课程：没有首页，跳过（请先载入站点演示数据）")
        return
    catalog = _catalog(home)
    for data in COURSES:
        course = _course(catalog, data)
        for lesson in data["lessons"]:
            _lesson(course, lesson)
    _grants()
    stdout.write(
        f"  课程目录：{catalog.title}，课程 {CoursePage.objects.live().count()} 门，"
        f"课时 {LessonPage.objects.live().count()} 个"
    )
    demo_questions.seed(stdout)


def _catalog(home: HomePage) -> CourseIndexPage:
    catalog = CourseIndexPage.objects.child_of(home).first()
    if catalog:
        return catalog
    catalog = CourseIndexPage(
        title="培训课程",
        slug=CATALOG_SLUG,
        intro="面向社区应急响应队员的标准化课程，由专家编写，手机上随时随地学习。",
        show_in_menus=True,
    )
    home.add_child(instance=catalog)
    catalog.save_revision().publish()
    return catalog


def _course(catalog: CourseIndexPage, data: dict) -> CoursePage:
    existing = CoursePage.objects.filter(code=data["code"]).first()
    if existing:
        return existing
    course = CoursePage(
        title=data["title"],
        slug=data["slug"],
        code=data["code"],
        hazard_category=data["hazard_category"],
        level=data["level"],
        credit_hours=Decimal(data["credit_hours"]),
        summary=data["summary"],
        objectives=data["objectives"],
        cover_image=_cover_image(data),
        certificate_validity_months=data["certificate_validity_months"],
        counts_toward_compliance=data["counts_toward_compliance"],
        completion_rule="all_lessons",
    )
    catalog.add_child(instance=course)
    course.save_revision().publish()
    return course


def _lesson(course: CoursePage, data: dict) -> LessonPage:
    existing = LessonPage.objects.child_of(course).filter(slug=data["slug"]).first()
    if existing:
        return existing
    lesson = LessonPage(
        title=data["title"],
        slug=data["slug"],
        estimated_minutes=data["estimated_minutes"],
        body=data["body"],
    )
    course.add_child(instance=lesson)
    lesson.save_revision().publish()
    return lesson


def _grants() -> None:
    User = get_user_model()
    trainer = User.objects.filter(username="trainer").first()
    if trainer is None:
        return
    granted_by = User.objects.filter(username="admin").first()
    for course in CoursePage.objects.filter(code__in=TRAINER_GRANTS):
        course_grant_create(course=course, user=trainer, granted_by=granted_by)


def _cover_image(data: dict) -> Image:
    title = f"课程封面：{data['title']}"
    image = Image.objects.filter(title=title).first()
    if image:
        return image
    canvas = PILImage.new("RGB", (1200, 675), data["color"])
    draw = ImageDraw.Draw(canvas)
    for x in range(-675, 1200, 90):  # a light diagonal texture, so the cover is not a flat block
        draw.line([(x, 675), (x + 675, 0)], fill=_lighten(data["color"]), width=20)
    font_path = next((p for p in CJK_FONT_PATHS if Path(p).exists()), None)
    if font_path:
        hazard = str(dict(HazardType.choices)[data["hazard_category"]])
        draw.text((80, 90), data["code"], font=ImageFont.truetype(font_path, 48), fill="white")
        draw.text((80, 250), data["title"], font=ImageFont.truetype(font_path, 88), fill="white")
        draw.text(
            (84, 480),
            f"应急先锋学院 · {hazard}",
            font=ImageFont.truetype(font_path, 44),
            fill="white",
        )
    buffer = io.BytesIO()
    canvas.save(buffer, "PNG")
    return Image.objects.create(
        title=title, file=ContentFile(buffer.getvalue(), name=f"course-{data['slug']}.png")
    )


def _lighten(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#{:02x}{:02x}{:02x}".format(*(min(255, c + 24) for c in (r, g, b)))
