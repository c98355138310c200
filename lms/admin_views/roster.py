"""Roster spreadsheets in the admin: template download, import (dry run first), exports.

Wagtail's admin URL wrapper requires a signed-in user with admin access; the scope is
enforced here: every team and area is looked up within `scope_for(request.user)`, so one
outside it is a 404.
"""

import base64
import logging
import secrets

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache

from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from cms.spreadsheets import xlsx_response
from cms.uploads import validate_spreadsheet
from lms import privacy, spreadsheets
from lms.errors import DomainError
from lms.models import AccessAction, Area, Team
from lms.scope import Scope, scope_for
from lms.services.roster_import import MAX_FILE_BYTES, roster_import

logger = logging.getLogger(__name__)

# The file of a successful dry run, kept server-side until it is imported for real.
PENDING_SESSION_KEY = "lms_roster_pending_import"


def _managing_scope(request) -> Scope:
    scope = scope_for(request.user)
    if not scope.manages_records:
        raise Http404
    return scope


def _lookup(queryset, pk):
    """The object with primary key `pk` within `queryset`, or 404 (also for a malformed id)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    return get_object_or_404(queryset, pk=pk)


def _stamp() -> str:
    return f"{timezone.localdate():%Y%m%d}"


class RosterImportForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.none(), label=gettext_lazy("队伍"))
    file = forms.FileField(
        label=gettext_lazy("花名册文件"),
        validators=[validate_spreadsheet],
        help_text=gettext_lazy("Excel .xlsx 文件，不超过 5 MB、2000 行；请使用下载的模板填写。"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("仅预览（不导入）"),
        required=False,
        initial=True,
        help_text=gettext_lazy("先检查每一行并列出将新增、更新的队员；确认无误后再正式导入。"),
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("文件超过 5 MB：请只保留花名册数据，或拆成几个文件分别导入。")
            )
        return file


@method_decorator(never_cache, name="dispatch")
class RosterImportView(WagtailAdminTemplateMixin, View):
    page_title = gettext_lazy("导入队员花名册")
    header_icon = "table"
    template_name = "lms/admin/roster_import.html"
    result_template_name = "lms/admin/roster_import_result.html"

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("lms_roster:import"), "label": self.page_title},
        ]

    def dispatch(self, request, *args, **kwargs):
        self.scope = _managing_scope(request)
        self.teams = self.scope.managed_teams().select_related("community")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        initial = {}
        if "team" in request.GET:
            initial["team"] = _lookup(self.teams, request.GET["team"])
        elif len(only := self.teams[:2]) == 1:  # a team leader: their team
            initial["team"] = only[0]
        return self._form_page(RosterImportForm(teams=self.teams, initial=initial))

    def post(self, request):
        if "pending" in request.POST:
            return self._import_pending(request)
        if request.POST.get("team"):
            # A team outside the scope is "not found", never "invalid choice".
            _lookup(self.teams, request.POST["team"])
        form = RosterImportForm(request.POST, request.FILES, teams=self.teams)
        if not form.is_valid():
            return self._form_page(form)
        team = form.cleaned_data["team"]
        upload = form.cleaned_data["file"]
        data = upload.read()
        dry_run = form.cleaned_data["dry_run"]
        try:
            report = roster_import(team=team, file=data, actor=request.user, dry_run=dry_run)
        except DomainError as exc:
            if not exc.errors:  # the file as a whole: say so next to the file field
                form.add_error("file" if exc.field == "file" else None, exc.message)
                return self._form_page(form)
            return self._result_page(team=team, filename=upload.name, error=exc, dry_run=dry_run)
        pending = None
        if dry_run:
            pending = self._keep_pending(team, upload.name, data)
        else:
            self._clear_pending()
            messages.success(request, self._done_message(report))
        return self._result_page(team=team, filename=upload.name, report=report, pending=pending)

    # -- the import confirmed after a dry run -------------------------------------------
    def _keep_pending(self, team, filename, data: bytes) -> str:
        token = secrets.token_urlsafe(16)
        self.request.session[PENDING_SESSION_KEY] = {
            "token": token,
            "team": team.pk,
            "filename": filename,
            "data": base64.b64encode(data).decode("ascii"),
        }
        return token

    def _clear_pending(self):
        self.request.session.pop(PENDING_SESSION_KEY, None)

    def _import_pending(self, request):
        pending = request.session.get(PENDING_SESSION_KEY)
        given = request.POST["pending"].encode()
        if not pending or not secrets.compare_digest(pending["token"].encode(), given):
            messages.error(request, _("预览已过期或已导入，请重新上传文件。"))
            return self._form_page(RosterImportForm(teams=self.teams))
        team = _lookup(self.teams, pending["team"])
        data = base64.b64decode(pending["data"])
        try:
            report = roster_import(team=team, file=data, actor=request.user, dry_run=False)
        except DomainError as exc:
            # The team changed since the preview (someone else edited it): show why.
            self._clear_pending()
            return self._result_page(
                team=team, filename=pending["filename"], error=exc, dry_run=False
            )
        self._clear_pending()
        messages.success(request, self._done_message(report))
        return self._result_page(team=team, filename=pending["filename"], report=report)

    # -- pages --------------------------------------------------------------------------
    def _done_message(self, report) -> str:
        return _(
            "已导入「%(team)s」的花名册：新增 %(created)s 人，更新 %(updated)s 人，"
            "%(unchanged)s 人无变化。"
        ) % {
            "team": report.team.name,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
        }

    def _form_page(self, form):
        context = self.get_context_data(
            form=form,
            template_url=reverse("lms_roster:template"),
            export_members_url=reverse("lms_roster:export_members"),
            export_teams_url=reverse("lms_roster:export_teams"),
            can_view_id_numbers=self.scope.can_view_id_numbers,
            max_rows=spreadsheets.MAX_DATA_ROWS,
        )
        return self.render_to_response(context)

    def _result_page(self, *, team, filename, report=None, error=None, pending=None, dry_run=None):
        if report is not None:
            dry_run = report.dry_run
        if error is not None:
            subtitle = _("未导入")
        elif dry_run:
            subtitle = _("预览")
        else:
            subtitle = _("导入结果")
        self.page_subtitle = subtitle
        self.template_name = self.result_template_name
        context = self.get_context_data(
            team=team,
            filename=filename,
            report=report,
            error=error,
            pending=pending,
            dry_run=dry_run,
            import_url=f"{reverse('lms_roster:import')}?team={team.pk}",
            export_team_url=f"{reverse('lms_roster:export_members')}?team={team.pk}",
        )
        return self.render_to_response(context)


@never_cache
def template_download(request):
    """The blank roster template (no personal data: anyone with admin access may have it)."""
    return xlsx_response(spreadsheets.roster_template(), _("队员花名册模板.xlsx"))


@never_cache
def export_members(request):
    scope = _managing_scope(request)
    members = scope.members()
    if request.GET.get("team"):
        team = _lookup(scope.teams(), request.GET["team"])
        members, label = members.filter(team=team), team.name
    elif request.GET.get("area"):
        area = _lookup(scope.areas(), request.GET["area"])
        members, label = members.within(area), area.name
    else:
        label = _("全部")
    # Full ID numbers only where the role grants them, member by member.
    show = request.GET.get("id_numbers") == "1" and scope.can_view_id_numbers
    if show:
        logger.info("roster export with full ID numbers by user %s (%s)", request.user.pk, label)
        privacy.record(request, AccessAction.ROSTER_EXPORT, count=members.count(), detail=label)
    data = spreadsheets.members_workbook(
        members, show_id_numbers=scope.may_view_id_number if show else False
    )
    return xlsx_response(data, _("队员花名册-%(scope)s-%(date)s.xlsx") % _names(label))


@never_cache
def export_teams(request):
    scope = _managing_scope(request)
    teams = scope.teams()
    label = _("全部")
    if request.GET.get("area"):
        area: Area = _lookup(scope.areas(), request.GET["area"])
        teams, label = teams.within(area), area.name
    data = spreadsheets.teams_workbook(teams)
    return xlsx_response(data, _("社区响应队名单-%(scope)s-%(date)s.xlsx") % _names(label))


def _names(label: str) -> dict:
    return {"scope": label, "date": _stamp()}


urlpatterns = [
    path("template/", template_download, name="template"),
    path("import/", RosterImportView.as_view(), name="import"),
    path("export/members/", export_members, name="export_members"),
    path("export/teams/", export_teams, name="export_teams"),
]
