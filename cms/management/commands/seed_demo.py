"""Load the demo data of every app: `python manage.py seed_demo` (safe to run twice)."""

from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = "载入演示数据（站点、科普文章、演示账号等）；重复运行不会产生重复数据。"

    def handle(self, *args, **options):
        if not settings.ALLOW_DEMO_DATA:
            raise CommandError("生产环境设置下禁止载入演示数据（演示账号使用公开的密码）。")
        # Each app may offer `<app>/demo.py` with `seed(stdout)`; run them in INSTALLED_APPS order
        # so that later apps can build on earlier ones (courses on the site, lms on both).
        for app_config in apps.get_app_configs():
            try:
                module = import_module(f"{app_config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app_config.name}.demo":
                    raise
                continue
            seed = getattr(module, "seed", None)
            if seed is None:
                continue
            with transaction.atomic():
                seed(self.stdout)
            self.stdout.write(self.style.SUCCESS(f"✓ {app_config.verbose_name}"))
