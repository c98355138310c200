from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "publicity"
    verbose_name = _("宣传展示")

    def ready(self):
        # Connects the purges of the pages that show team pages, stories and contests.
        from . import signals  # noqa: F401
