from django.core.management.base import BaseCommand

from cms.roles import roles_setup


class Command(BaseCommand):
    help = "创建培训师、审核员用户组和内容审核流程（可重复运行）。"

    def handle(self, *args, **options):
        workflow = roles_setup()
        self.stdout.write(self.style.SUCCESS(f"已就绪：审核流程「{workflow.name}」"))
