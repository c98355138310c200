from django.urls import include, path, reverse_lazy
from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.menu import MenuItem

# Hooks register on import.
from .admin_views import (  # noqa: F401
    activity_hooks,
    certificate_hooks,
    compliance_hooks,
    exam_hooks,
    inspection_hooks,
    privacy_hooks,
    ranking_hooks,
    roster,
)
from .admin_views.viewsets import RecordsGroup


@hooks.register("register_admin_viewset")
def register_records():
    return RecordsGroup()


@hooks.register("register_admin_urls")
def register_roster_urls():
    return [
        path("lms/roster/", include((roster.urlpatterns, "lms_roster"), namespace="lms_roster"))
    ]


class RosterMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("lms.add_member")


@hooks.register("register_admin_menu_item")
def register_roster_menu_item():
    return RosterMenuItem(
        _("花名册导入导出"), reverse_lazy("lms_roster:import"), icon_name="table", order=210
    )
