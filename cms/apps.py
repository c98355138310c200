from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("公共网站")

    def ready(self):
        from . import signals  # noqa: F401  (connects the page-cache invalidation)
