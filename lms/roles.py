"""The groups that give area administrators and team leaders the Wagtail admin.

A group only opens the admin and its record screens; which areas, teams and members a
person sees there is decided by `lms.scope` (an AreaAdministrator row, a team led).
`lms_roles_setup` is idempotent: seed_demo calls it, and running it again changes nothing.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from wagtail.models import Collection, GroupCollectionPermission

AREA_ADMINISTRATORS = "区域管理员"
TEAM_LEADERS = "队长"

_RECORDS = ["team", "member", "instructor", "insurancepolicy", "teamdocument", "teamequipment"]
_ADD_CHANGE_VIEW = ("add", "change", "view")

# Group name: (app_label, codename) pairs besides access to the Wagtail admin.
GROUP_PERMISSIONS = {
    AREA_ADMINISTRATORS: [
        *(("lms", f"{action}_{model}") for model in _RECORDS for action in _ADD_CHANGE_VIEW),
        ("lms", "view_area"),
        # Drills, sessions and hours are written on /learn/; the admin shows them read-only.
        *(("lms", f"view_{model}") for model in ("drill", "trainingsession", "servicerecord")),
        *(
            ("lms", f"{action}_{model}")
            for model in ("trainingplan", "trainingplanitem")
            for action in (*_ADD_CHANGE_VIEW, "delete")
        ),
        # Certificates: read, revoke ("change"), edit the templates; issued by the services.
        *(
            ("lms", f"{action}_{model}")
            for model in ("certificate", "certificatetemplate", "certificatejob")
            for action in ("change", "view")
        ),
        ("lms", "add_certificatetemplate"),
    ],
    TEAM_LEADERS: [
        *(("lms", f"{action}_member") for action in _ADD_CHANGE_VIEW),
        ("lms", "view_team"),
        *(("lms", f"view_{model}") for model in ("drill", "trainingsession", "servicerecord")),
    ],
}


def _permission(app_label: str, codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@transaction.atomic
def lms_roles_setup() -> dict[str, Group]:
    """Create (or complete) the 区域管理员 and 队长 groups; return them by name."""
    access_admin = _permission("wagtailadmin", "access_admin")
    groups = {}
    for name, permissions in GROUP_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        # add(), not set(): permissions an operator granted by hand on top are kept.
        group.permissions.add(access_admin, *(_permission(*p) for p in permissions))
        groups[name] = group
    # Templates carry seal and background images: administrators choose and upload them.
    root = Collection.get_first_root_node()
    if root is not None:
        for codename in ("choose_image", "add_image"):
            GroupCollectionPermission.objects.get_or_create(
                group=groups[AREA_ADMINISTRATORS],
                collection=root,
                permission=_permission("wagtailimages", codename),
            )
    return groups


# What `manage.py setup_roles` calls.
setup = lms_roles_setup
