"""The people who write and approve content, and the workflow between them.

Both groups also manage the question bank and the exams (model permissions on the
courses app). `roles_setup` is idempotent: seed_demo and deployments (`manage.py setup_roles`)
call it, and running it again changes nothing.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

TRAINERS = "培训师"
REVIEWERS = "审核员"
WORKFLOW_NAME = "内容审核"
REVIEW_TASK_NAME = "审核员审批"

# Trainers draft and submit; reviewers may also publish. Neither may delete published work.
PAGE_PERMISSIONS = {
    TRAINERS: ["add_page", "change_page"],
    REVIEWERS: ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"],
}
# The question bank and exams (courses app, referred to by label: cms imports no other app).
# Trainers write and correct questions and exams; reviewers may also delete unused ones.
_BANK_MODELS = ["question", "questioncategory", "exam"]
MODEL_PERMISSIONS = {
    TRAINERS: [("courses", f"{a}_{m}") for m in _BANK_MODELS for a in ("add", "change", "view")],
    REVIEWERS: [
        ("courses", f"{a}_{m}") for m in _BANK_MODELS for a in ("add", "change", "delete", "view")
    ],
}
MEDIA_PERMISSIONS = [
    ("wagtailimages", "add_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "choose_document"),
]


def _permission(app_label: str, codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@transaction.atomic
def roles_setup() -> Workflow:
    """Create the trainer and reviewer groups and the review workflow on the whole site."""
    root = Page.get_first_root_node()
    collection = Collection.get_first_root_node()
    access_admin = _permission("wagtailadmin", "access_admin")
    groups = {}
    for name, page_codenames in PAGE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(access_admin)
        # add(), not set(): permissions an operator granted by hand on top are kept.
        group.permissions.add(*(_permission(*pair) for pair in MODEL_PERMISSIONS[name]))
        for codename in page_codenames:
            GroupPagePermission.objects.get_or_create(
                group=group, page=root, permission=_permission("wagtailcore", codename)
            )
        for app_label, codename in MEDIA_PERMISSIONS:
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=collection, permission=_permission(app_label, codename)
            )
        groups[name] = group

    task = GroupApprovalTask.objects.filter(name=REVIEW_TASK_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=REVIEW_TASK_NAME)
    task.groups.set([groups[REVIEWERS]])

    workflow, _created = Workflow.objects.get_or_create(name=WORKFLOW_NAME)
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    # One workflow for the whole tree: articles now, courses later.
    WorkflowPage.objects.update_or_create(page=root, defaults={"workflow": workflow})
    return workflow


# What `manage.py setup_roles` calls.
setup = roles_setup
