"""Create every app's groups, workflows and locales: `python manage.py setup_roles` (repeatable)."""

from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "创建各应用的用户组、审核流程和内容语言（可重复运行）。"

    def handle(self, *args, **options):
        # Each app may offer `<app>/roles.py` with `setup()`; cms imports no other app by name.
        for app_config in apps.get_app_configs():
            try:
                module = import_module(f"{app_config.name}.roles")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app_config.name}.roles":
                    raise
                continue
            setup = getattr(module, "setup", None)
            if setup is None:
                continue
            with transaction.atomic():
                setup()
            self.stdout.write(self.style.SUCCESS(f"✓ {app_config.verbose_name}"))
