"""factory_boy factories shared by the whole suite."""

from django.contrib.auth import get_user_model

from wagtail.models import Page

import factory

from cms.models import ArticleIndexPage, ArticlePage, HomePage

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
