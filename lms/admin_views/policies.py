"""Permission policies shared by the admin screens of region-wide records."""

from django.contrib.auth import get_user_model
from django.db.models import Q

from wagtail.permission_policies.base import BasePermissionPolicy

from lms.models import Area
from lms.scope import scope_for


def is_region_admin(user) -> bool:
    """Whether `user` administers the whole region (global scope, or the region root)."""
    scope = scope_for(user)
    return scope.is_global or any(len(p) == Area.steplen for p in scope.area_paths)


def area_admin_users():
    User = get_user_model()
    return User.objects.filter(
        Q(is_superuser=True) | Q(area_roles__isnull=False), is_active=True
    ).distinct()


class RegionEditsPolicy(BasePermissionPolicy):
    """Region administrators change; other area administrators read. For what the whole
    region shares: the construction standard, the yearly targets, the certificate templates."""

    def user_has_permission(self, user, action):
        if action == "view":
            return scope_for(user).is_area_admin
        return is_region_admin(user)

    def users_with_any_permission(self, actions):
        return area_admin_users()
