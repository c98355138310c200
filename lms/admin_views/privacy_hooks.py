"""Personal data in the Wagtail admin: a member's export, erasure after leaving, the audit log.

Export and erasure belong to area administrators over the member's area (and superusers);
anyone else, a team leader included, gets 404 for any member. The audit log (个人信息访问
记录) is read by region administrators and superusers only, and never edited.
"""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import include, path, reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache

from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import AdminDateInput

from lms import privacy
from lms.errors import DomainError
from lms.models import AccessAction, Member, PersonalDataAccess
from lms.ratelimit import client_ip
from lms.scope import scope_for
from lms.services.privacy import erasure_refusal, member_erase, member_export

from .policies import is_region_admin


def may_read_access_log(user) -> bool:
    return user.is_authenticated and user.is_active and is_region_admin(user)


def personal_data_member(request, pk) -> Member:
    """The member `pk` if the user administers their area; 404 for everyone else."""
    scope = scope_for(request.user)
    if not scope.is_area_admin:
        raise Http404
    members = scope.members().filter(team__in=scope.administered_teams())
    return get_object_or_404(members.select_related("team__community", "user"), pk=pk)


def export_url(member: Member) -> str:
    return reverse("lms_privacy:export", args=[member.pk])


def erase_url(member: Member) -> str:
    return reverse("lms_privacy:erase", args=[member.pk])


# -- export ----------------------------------------------------------------------------------


@never_cache
def export_member(request, pk):
    member = personal_data_member(request, pk)
    scope = scope_for(request.user)
    export = member_export(member=member, full_id_number=scope.may_view_id_number(member))
    privacy.record(request, AccessAction.EXPORT, member=member)
    response = HttpResponse(export.content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


# -- erasure ---------------------------------------------------------------------------------


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy("我已导出需要留存的资料，确认删除该队员的个人信息"),
        error_messages={"required": gettext_lazy("请勾选确认。")},
    )


@method_decorator(never_cache, name="dispatch")
class EraseMemberView(WagtailAdminTemplateMixin, View):
    page_title = gettext_lazy("删除队员个人信息")
    header_icon = "bin"
    template_name = "lms/admin/privacy/erase.html"

    def dispatch(self, request, pk):
        self.member = personal_data_member(request, pk)
        return super().dispatch(request, pk)

    def get_page_subtitle(self):
        return str(self.member)

    def get(self, request, pk):
        return self._page(EraseForm())

    def post(self, request, pk):
        form = EraseForm(request.POST)
        if form.is_valid():
            try:
                member_erase(
                    member=self.member,
                    by=request.user,
                    ip=client_ip(request),
                    path=request.get_full_path(),
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("已删除该队员的个人信息，训练与考核记录保留。"))
                return redirect("lms_member:edit", self.member.pk)
        return self._page(form, status=400)

    def _page(self, form, status=200):
        context = self.get_context_data(
            member=self.member,
            form=form,
            refusal=erasure_refusal(self.member),
            certificates=self.member.certificates.count(),
            export_url=export_url(self.member),
            edit_url=reverse("lms_member:edit", args=[self.member.pk]),
        )
        return self.render_to_response(context, status=status)


urlpatterns = [
    path("member/<int:pk>/export/", export_member, name="export"),
    path("member/<int:pk>/erase/", EraseMemberView.as_view(), name="erase"),
]


@hooks.register("register_admin_urls")
def register_privacy_urls():
    return [path("lms/privacy/", include((urlpatterns, "lms_privacy"), namespace="lms_privacy"))]


# -- the audit log ---------------------------------------------------------------------------


class AccessFilterForm(forms.Form):
    member = forms.IntegerField(label=gettext_lazy("队员编号"), required=False, min_value=1)
    username = forms.CharField(label=gettext_lazy("账号"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=gettext_lazy("操作"),
        required=False,
        choices=[("", gettext_lazy("全部")), *AccessAction.choices],
    )
    start = forms.DateField(label=gettext_lazy("起始日期"), required=False, widget=AdminDateInput)
    end = forms.DateField(label=gettext_lazy("截止日期"), required=False, widget=AdminDateInput)

    def filter(self, rows):
        data = self.cleaned_data
        if data.get("member"):
            rows = rows.filter(member_id=data["member"])
        if data.get("username"):
            rows = rows.filter(username__icontains=data["username"])
        if data.get("action"):
            rows = rows.filter(action=data["action"])
        if data.get("start"):
            rows = rows.filter(at__date__gte=data["start"])
        if data.get("end"):
            rows = rows.filter(at__date__lte=data["end"])
        return rows


@method_decorator(never_cache, name="dispatch")
class AccessLogView(WagtailAdminTemplateMixin, View):
    """Read-only: who saw full ID numbers, exported or erased a member, and when."""

    page_title = gettext_lazy("个人信息访问记录")
    header_icon = "view"
    template_name = "lms/admin/privacy/access_log.html"
    per_page = 50

    def dispatch(self, request):
        # Outsiders learn nothing, not even that the log exists.
        if not may_read_access_log(request.user):
            raise Http404
        return super().dispatch(request)

    def get(self, request):
        form = AccessFilterForm(request.GET or None)
        rows = PersonalDataAccess.objects.select_related("member")
        if form.is_valid():
            rows = form.filter(rows)
        page = Paginator(rows, self.per_page).get_page(request.GET.get("p"))
        query = request.GET.copy()
        query.pop("p", None)
        context = self.get_context_data(form=form, page=page, query=query.urlencode())
        return self.render_to_response(context)


log_urlpatterns = [path("", AccessLogView.as_view(), name="index")]


@hooks.register("register_admin_urls")
def register_access_log_urls():
    return [
        path(
            "lms/personal-data-access/",
            include(
                (log_urlpatterns, "lms_personal_data_access"), namespace="lms_personal_data_access"
            ),
        )
    ]


class AccessLogMenuItem(MenuItem):
    def is_shown(self, request):
        return may_read_access_log(request.user)


@hooks.register("register_settings_menu_item")
def register_access_log_menu_item():
    return AccessLogMenuItem(
        gettext_lazy("个人信息访问记录"),
        reverse_lazy("lms_personal_data_access:index"),
        icon_name="view",
        order=910,
    )
