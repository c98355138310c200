"""The approval workflow of team pages and stories, the contest judges, the content locales.

`publicity_setup` is idempotent: seed_demo and `manage.py setup_roles` call it.
"""

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from wagtail.models import Locale, Workflow, WorkflowPage, WorkflowTask

from cms.roles import REVIEWERS

from .models import AreaApprovalTask, StoryIndexPage, TeamIndexPage

JUDGES = "短视频评委"
WORKFLOW_NAME = "队伍宣传审核"
TASK_NAME = "区域管理员审批"
# Judges open the admin and see the contest entries; scoring is their own screen.
JUDGE_PERMISSIONS = [("wagtailadmin", "access_admin"), ("publicity", "view_contestentry")]


def _permission(app_label: str, codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def locales_setup() -> None:
    """A Wagtail locale for every content language (Chinese, Zhuang, English)."""
    for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES:
        Locale.objects.get_or_create(language_code=code)


@transaction.atomic
def publicity_setup() -> Workflow:
    """The judges' group, the content locales, and the area approval workflow on the
    team directory and the stories (in every language)."""
    locales_setup()
    judges, _created = Group.objects.get_or_create(name=JUDGES)
    judges.permissions.add(*(_permission(*pair) for pair in JUDGE_PERMISSIONS))

    task = AreaApprovalTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = AreaApprovalTask.objects.create(name=TASK_NAME)
    reviewers = Group.objects.filter(name=REVIEWERS).first()
    if reviewers is not None:
        task.groups.add(reviewers)
    workflow, _created = Workflow.objects.get_or_create(name=WORKFLOW_NAME)
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    for index in [*TeamIndexPage.objects.all(), *StoryIndexPage.objects.all()]:
        WorkflowPage.objects.update_or_create(page=index, defaults={"workflow": workflow})
    return workflow


# What `manage.py setup_roles` calls.
setup = publicity_setup
