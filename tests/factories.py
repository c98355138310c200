"""factory_boy factories shared by the whole suite."""

import datetime
import itertools

from django.contrib.auth import get_user_model

from wagtail.models import Page

import factory

from cms.models import ArticleIndexPage, ArticlePage, HomePage
from courses.models import CourseIndexPage, CoursePage, LessonPage
from lms import idcard, pinyin
from lms.models import Area, Member, MemberCategory, Team, TeamStatus
from lms.services.areas import area_create

PASSWORD = "pass-1234"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.cn")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*extracted)
        if create:
            self.save()


class PageFactory(factory.django.DjangoModelFactory):
    """Creates a page under `parent` (a Wagtail tree insert) and publishes it unless live=False."""

    class Meta:
        abstract = True

    title = factory.Sequence(lambda n: f"页面{n}")
    slug = factory.Sequence(lambda n: f"page-{n}")

    @classmethod
    def _create(cls, model_class, *args, parent=None, live=True, **kwargs):
        page = model_class(*args, **kwargs)
        parent = parent or Page.get_first_root_node()
        parent.add_child(instance=page)
        revision = page.save_revision()
        if live:
            revision.publish()
        else:
            page.live = False
            page.save(update_fields=["live"])
        page.refresh_from_db()
        return page


class HomePageFactory(PageFactory):
    class Meta:
        model = HomePage

    title = "应急先锋学院"
    slug = "home"
    intro = "八桂应急先锋社区响应队"


class ArticleIndexPageFactory(PageFactory):
    class Meta:
        model = ArticleIndexPage

    title = "应急科普"
    slug = "articles"
    show_in_menus = True


class ArticlePageFactory(PageFactory):
    class Meta:
        model = ArticlePage

    title = factory.Sequence(lambda n: f"科普文章{n}")
    slug = factory.Sequence(lambda n: f"article-{n}")
    hazard_type = "flood"
    audience = "public"
    summary = "汛期到来，请做好防范。"
    body = factory.LazyFunction(
        lambda: [("paragraph", "<p>暴雨来临前，请检查门窗并准备应急包。</p>")]
    )


# -- LMS records -------------------------------------------------------------------------


def valid_id_number(birth: datetime.date, serial: int, area_code: str = "450103") -> str:
    """A well-formed resident ID number (correct check character) for tests."""
    first17 = f"{area_code}{birth:%Y%m%d}{serial % 1000:03d}"
    return first17 + idcard.check_char(first17)


class AreaFactory:
    """Builds areas through the tree API (not factory_boy: treebeard inserts need a parent)."""

    @staticmethod
    def region(name="广西壮族自治区", code="450000") -> Area:
        return area_create(name=name, code=code)

    @staticmethod
    def child(parent: Area, name: str, code: str) -> Area:
        return area_create(parent=parent, name=name, code=code)


def area_tree() -> dict[str, Area]:
    """Region → two cities → a county each → a township each → two communities each."""
    region = AreaFactory.region()
    nanning = AreaFactory.child(region, "南宁市", "450100")
    qingxiu = AreaFactory.child(nanning, "青秀区", "450103")
    xinzhu = AreaFactory.child(qingxiu, "新竹街道", "450103001")
    liuzhou = AreaFactory.child(region, "柳州市", "450200")
    chengzhong = AreaFactory.child(liuzhou, "城中区", "450202")
    chengzhong_st = AreaFactory.child(chengzhong, "城中街道", "450202001")
    return {
        "region": region,
        "nanning": nanning,
        "qingxiu": qingxiu,
        "xinzhu": xinzhu,
        "xinzhu_1": AreaFactory.child(xinzhu, "新竹社区", "450103001001"),
        "xinzhu_2": AreaFactory.child(xinzhu, "桂雅路社区", "450103001002"),
        "liuzhou": liuzhou,
        "chengzhong": chengzhong,
        "chengzhong_st": chengzhong_st,
        "chengzhong_1": AreaFactory.child(chengzhong_st, "公园社区", "450202001001"),
    }


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.LazyAttribute(lambda t: f"{t.community.name}应急响应队")
    status = TeamStatus.ACTIVE
    founded_on = datetime.date(2024, 3, 1)


_serial = itertools.count(1)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    team = None
    name = factory.Iterator(["张三", "李四", "王五", "赵六", "陈七", "黄八", "覃九", "韦十"])
    name_pinyin = factory.LazyAttribute(lambda m: pinyin.sort_key(m.name))
    gender = "M"
    birth_date = datetime.date(1985, 6, 15)
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    id_number = factory.LazyAttribute(lambda m: valid_id_number(m.birth_date, next(_serial)))
    category = MemberCategory.VOLUNTEER
    joined_on = datetime.date(2024, 3, 1)


# -- Courses -----------------------------------------------------------------------------


class CourseIndexPageFactory(PageFactory):
    class Meta:
        model = CourseIndexPage

    title = "培训课程"
    slug = "courses"
    show_in_menus = True


def course_with_lessons(parent, *, code="C-001", lessons=3, live=True, **fields):
    """A course page with `lessons` live lesson pages under it (the catalog page is `parent`)."""
    course = PageFactory._create(
        CoursePage,
        parent=parent,
        live=live,
        title=fields.pop("title", f"课程{code}"),
        slug=code.lower(),
        code=code,
        summary=fields.pop("summary", "课程简介"),
        objectives="<ul><li>掌握要点</li></ul>",
        **fields,
    )
    for n in range(1, lessons + 1):
        PageFactory._create(
            LessonPage,
            parent=course,
            title=f"第{n}课",
            slug=f"lesson-{n}",
            estimated_minutes=5,
            body=[("paragraph", f"<p>第{n}课的内容。</p>")],
        )
    return course
