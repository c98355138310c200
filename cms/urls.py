from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.static import serve as serve_static

from wagtail import urls as wagtail_urls
from wagtail import views as wagtail_views
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.contrib.sitemaps.views import sitemap
from wagtail.documents import urls as wagtaildocs_urls

from . import views
from .api import api_router
from .cache import cache_public_page
from .feeds import LatestArticlesFeed

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("api/v2/", api_router.urls),
    # The LMS (records, learning, the JSON API at /api/v1/), mounted by name: cms imports no app.
    path("", include("lms.urls")),
    # Leaders' drafts of their team's public page and stories (the publicity app, by name).
    path("learn/", include("publicity.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("sitemap.xml", sitemap, name="sitemap"),
    path("articles/feed/", LatestArticlesFeed(), name="article_feed"),
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="registration/login.html"),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]

if settings.DEBUG or getattr(settings, "SERVE_MEDIA", False):
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve_static, {"document_root": settings.MEDIA_ROOT})
    ]

# Public pages: Chinese at /, English under /en/. Wagtail's page serving comes last.
urlpatterns += i18n_patterns(
    path("search/", views.search, name="search"),
    # Wagtail's own helpers (private-page password form), then its page serving, cached.
    *wagtail_urls.urlpatterns[:-1],
    re_path(
        wagtail_urls.serve_pattern, cache_public_page(wagtail_views.serve), name="wagtail_serve"
    ),
    prefix_default_language=False,
)
