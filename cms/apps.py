from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("公共网站")

    def ready(self):
        # Connects the page-cache invalidation, and the aliases of newly published pages.
        from . import signals, translation  # noqa: F401
