from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = _("学习与认证")

    def ready(self):
        # Register the Celery tasks in every process (web too), so services can queue them
        # by name and eager mode runs them in-process; connect the signal receivers; register
        # the system checks.
        from . import checks, signals, tasks  # noqa: F401
