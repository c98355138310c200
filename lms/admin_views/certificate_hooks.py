"""Certificates in the Wagtail admin (menu group 证书): certificates with their history and
revocation, bulk issuance jobs, and certificate templates.

Who may do what:
- certificates: read by whoever has lms.view_certificate, within `scope_for(user).certificates()`
  (another county's certificate is a 404); never added, edited or deleted here, since issuance
  goes through the services. Revoking needs lms.change_certificate and the certificate in
  `managed_certificates()`, and goes through `certificate_revoke` with a reason;
- bulk jobs: read-only, within `certificate_jobs()`;
- templates: region-wide, edited with the model permissions on CertificateTemplate.
"""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import models
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache

from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn, TitleColumn
from wagtail.admin.utils import get_user_display_name
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import Button
from wagtail.permissions import register_permission_policy

import django_filters

from courses.models import CoursePage
from lms.errors import DomainError
from lms.models import (
    Certificate,
    CertificateJob,
    CertificateStatus,
    CertificateTemplate,
    JobStatus,
)
from lms.scope import scope_for
from lms.services.certificates import certificate_revoke

from .activity_hooks import ReadOnlyPolicy, ScopedInspectView, ScopedUsageView
from .policies import RegionEditsPolicy
from .viewsets import (
    AreaSubtreeFilterSet,
    ScopedDeleteView,
    ScopedHistoryView,
    ScopedIndexView,
    ScopedMixin,
    scoped,
    user_label,
)

REVOKE_PERMISSION = "lms.change_certificate"
REVOCABLE = (CertificateStatus.VALID, CertificateStatus.EXPIRED)

# Read-only in the admin: certificates are issued by the services and jobs by their task.
for _model in (Certificate, CertificateJob):
    register_permission_policy(_model, ReadOnlyPolicy(_model))
# The templates are the region's (every county's certificates use them): the region edits.
register_permission_policy(CertificateTemplate, RegionEditsPolicy(CertificateTemplate))


def may_revoke(user, certificate: Certificate) -> bool:
    """Whether `user` may revoke `certificate` (its member's team and community loaded)."""
    return (
        certificate.status in REVOCABLE
        and user.has_perm(REVOKE_PERMISSION)
        and scope_for(user).administers(certificate.member.team.community)
    )


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


def _expiry(certificate: Certificate) -> str:
    return certificate.expires_on.isoformat() if certificate.expires_on else _("长期有效")


# -- history ----------------------------------------------------------------------------------

# Not worth a line of their own in the history: shown by the status, or noise.
_QUIET_FIELDS = {"status", "status_changed_at", "created_at"}
_STATUS_ACTIONS = {
    CertificateStatus.REVOKED: gettext_lazy("撤销"),
    CertificateStatus.EXPIRED: gettext_lazy("到期失效"),
    CertificateStatus.SUPERSEDED: gettext_lazy("被新证书取代"),
    CertificateStatus.VALID: gettext_lazy("恢复有效"),
}


def _display(field, value) -> str:
    if value in (None, ""):
        return "—"
    if field.is_relation:
        related = field.related_model._default_manager.filter(pk=value).first()
        if related is None:
            return str(value)
        if isinstance(related, get_user_model()):
            return get_user_display_name(related)
        return str(related)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, datetime.datetime):
        return _local(value)
    if isinstance(field, models.BooleanField):
        return _("是") if value else _("否")
    return str(value)


def certificate_history(certificate: Certificate) -> list[dict]:
    """Every recorded change of `certificate`, newest first: when, what, status, who, why."""
    records = list(
        certificate.history.select_related("history_user").order_by("history_date", "history_id")
    )
    rows, previous = [], None
    for record in records:
        changes = []
        if previous is None:
            action = _("发证（%(source)s）") % {"source": record.get_source_display()}
            by = record.history_user or record.issued_by
            reason = record.history_change_reason or ""
        else:
            status_changed = record.status != previous.status
            action = _STATUS_ACTIONS[record.status] if status_changed else _("记录更新")
            by = record.history_user
            if by is None and record.status == CertificateStatus.REVOKED and status_changed:
                by = record.revoked_by
            reason = record.history_change_reason or (
                record.revoked_reason
                if status_changed and record.status == CertificateStatus.REVOKED
                else ""
            )
            for change in record.diff_against(previous).changes:
                if change.field in _QUIET_FIELDS:
                    continue
                field = Certificate._meta.get_field(change.field)
                changes.append(
                    f"{field.verbose_name}：{_display(field, change.old)} → "
                    f"{_display(field, change.new)}"
                )
        rows.append(
            {
                "date": record.history_date,
                "action": action,
                "status": record.get_status_display(),
                "user": get_user_display_name(by) if by else _("系统"),
                "reason": reason,
                "changes": "；".join(changes),
            }
        )
        previous = record
    rows.reverse()
    return rows


# -- certificates ---------------------------------------------------------------------------


class CertificateFilterSet(AreaSubtreeFilterSet):
    area_path_field = "member__team__community__path"
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("状态"), choices=CertificateStatus.choices
    )
    course = django_filters.ModelChoiceFilter(
        label=gettext_lazy("课程"), queryset=CoursePage.objects.order_by("title")
    )

    class Meta:
        model = Certificate
        fields = ["status", "course"]


class CertificateIndexView(ScopedIndexView):
    scope_method = "certificates"
    list_select_related = ["member__team__community", "course"]

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if may_revoke(self.request.user, instance):
            buttons.append(
                Button(
                    _("撤销证书"),
                    url=reverse("lms_certificate:revoke", args=[instance.pk]),
                    icon_name="circle-xmark",
                    priority=40,
                )
            )
        return buttons


class CertificateInspectView(ScopedInspectView):
    scope_method = "certificates"
    template_name = "lms/admin/certificates/inspect.html"
    _labels = {"team": gettext_lazy("队伍")}

    def get_scoped_object(self, pk):
        return get_object_or_404(
            self.scoped_queryset().select_related("member__team__community"), pk=pk
        )

    def get_field_label(self, field_name, field):
        if field_name in self._labels:
            return self._labels[field_name]
        return super().get_field_label(field_name, field)

    def get_team_display_value(self):
        return self.object.member.team.name

    def get_issued_by_display_value(self):
        return user_label(self.object.issued_by)

    def get_revoked_by_display_value(self):
        return user_label(self.object.revoked_by)

    def get_superseded_by_display_value(self):
        return self.object.superseded_by.serial if self.object.superseded_by_id else "—"

    def get_template_display_value(self):
        return str(self.object.template) if self.object.template_id else "—"

    def get_pdf_signed_display_value(self):
        return _("是") if self.object.pdf_signed else _("否")

    def get_expires_on_display_value(self):
        return _expiry(self.object)

    def get_issued_on_display_value(self):
        return self.object.issued_on.isoformat()

    def get_completed_on_display_value(self):
        return self.object.completed_on.isoformat() if self.object.completed_on else "—"

    def get_revoked_reason_display_value(self):
        return self.object.revoked_reason or "—"

    def get_pdf_sha256_display_value(self):
        return self.object.pdf_sha256 or _("尚未生成")

    def get_status_changed_at_display_value(self):
        return _local(self.object.status_changed_at)

    def get_rendered_at_display_value(self):
        return _local(self.object.rendered_at)

    def get_reminded_90_at_display_value(self):
        return _local(self.object.reminded_90_at)

    def get_reminded_30_at_display_value(self):
        return _local(self.object.reminded_30_at)

    @property
    def can_revoke(self) -> bool:
        return may_revoke(self.request.user, self.object)

    def get_header_more_buttons(self):
        buttons = list(super().get_header_more_buttons())
        if self.can_revoke:
            buttons.append(
                Button(
                    _("撤销证书"),
                    url=reverse("lms_certificate:revoke", args=[self.object.pk]),
                    icon_name="circle-xmark",
                    priority=30,
                )
            )
        return sorted(buttons)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["history"] = certificate_history(self.object)
        context["can_revoke"] = self.can_revoke
        if self.can_revoke:
            context["revoke_url"] = reverse("lms_certificate:revoke", args=[self.object.pk])
        return context


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("撤销原因"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("会显示在证书的变更历史中，并记入撤销记录。"),
        error_messages={
            "required": gettext_lazy("请填写撤销原因。"),
            "max_length": gettext_lazy("撤销原因最多 200 个字。"),
        },
    )


@method_decorator(never_cache, name="dispatch")
class CertificateRevokeView(WagtailAdminTemplateMixin, View):
    """Revoke one certificate with a reason, through `certificate_revoke`."""

    page_title = gettext_lazy("撤销证书")
    header_icon = "circle-xmark"
    template_name = "lms/admin/certificates/revoke.html"

    def dispatch(self, request, pk):
        if not request.user.has_perm(REVOKE_PERMISSION):
            raise PermissionDenied
        certificates = scope_for(request.user).managed_certificates()
        self.certificate = get_object_or_404(certificates.select_related("member__team"), pk=pk)
        return super().dispatch(request, pk)

    def get_page_subtitle(self):
        return str(self.certificate)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("lms_certificate:index"), "label": _("证书")},
            {
                "url": reverse("lms_certificate:inspect", args=[self.certificate.pk]),
                "label": str(self.certificate),
            },
            {"url": "", "label": self.page_title},
        ]

    def get(self, request, pk):
        return self._page(RevokeForm())

    def post(self, request, pk):
        form = RevokeForm(request.POST)
        if form.is_valid():
            try:
                certificate_revoke(
                    certificate=self.certificate,
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as error:
                form.add_error("reason" if error.field == "reason" else None, error.message)
            else:
                messages.success(
                    request, _("证书 %(serial)s 已撤销。") % {"serial": self.certificate.serial}
                )
                return redirect("lms_certificate:inspect", self.certificate.pk)
        return self._page(form)

    def _page(self, form):
        return self.render_to_response(
            self.get_context_data(
                form=form,
                certificate=self.certificate,
                revocable=self.certificate.status in REVOCABLE,
                inspect_url=reverse("lms_certificate:inspect", args=[self.certificate.pk]),
            )
        )


class CertificateHistoryView(ScopedHistoryView):
    """The history is on the certificate's page, with statuses and reasons in words."""

    scope_method = "certificates"
    any_permission_required = ["view"]

    def get(self, request, *args, **kwargs):
        url = reverse("lms_certificate:inspect", args=[self.object.pk])
        return redirect(f"{url}#certificate-history")


class CertificateViewSet(ModelViewSet):
    name = "lms_certificate"
    url_prefix = "lms/certificate"
    model = Certificate
    icon = "doc-full-inverse"
    menu_label = gettext_lazy("证书")
    add_to_admin_menu = False
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = CertificateIndexView
    inspect_view_class = CertificateInspectView
    history_view_class = CertificateHistoryView
    usage_view_class = scoped(ScopedUsageView, "certificates")
    # Refused to everyone by the policy; scoped so that it tells no outsider what exists.
    delete_view_class = scoped(ScopedDeleteView, "managed_certificates")
    form_fields = []  # never edited by hand (the policy allows only "view")
    inspect_view_fields = [
        "serial",
        "holder_name",
        "team",
        "course_title",
        "credit_hours",
        "status",
        "source",
        "issued_on",
        "expires_on",
        "completed_on",
        "issuing_organisation",
        "template",
        "issued_by",
        "status_changed_at",
        "revoked_reason",
        "revoked_by",
        "superseded_by",
        "rendered_at",
        "pdf_sha256",
        "pdf_signed",
        "reminded_90_at",
        "reminded_30_at",
    ]
    list_display = [
        TitleColumn("serial", label=gettext_lazy("证书编号"), url_name="lms_certificate:inspect"),
        Column("holder_name", label=gettext_lazy("持证人")),
        Column("team", label=gettext_lazy("队伍"), accessor="member.team.name"),
        Column("course_title", label=gettext_lazy("课程")),
        Column("status", label=gettext_lazy("状态"), accessor="get_status_display"),
        Column(
            "issued_on", label=gettext_lazy("发证日期"), accessor=lambda c: c.issued_on.isoformat()
        ),
        Column("expires_on", label=gettext_lazy("有效期至"), accessor=_expiry),
    ]
    filterset_class = CertificateFilterSet
    search_fields = ["serial", "holder_name", "member__name_pinyin"]
    search_backend_name = None
    ordering = ["-issued_on", "-pk"]

    @property
    def revoke_view(self):
        return CertificateRevokeView.as_view()

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("revoke/<int:pk>/", self.revoke_view, name="revoke"),
        ]


# -- bulk issuance jobs (read-only) -------------------------------------------------------------


class CertificateJobFilterSet(AreaSubtreeFilterSet):
    area_path_field = "team__community__path"
    status = django_filters.ChoiceFilter(label=gettext_lazy("状态"), choices=JobStatus.choices)

    class Meta:
        model = CertificateJob
        fields = ["status"]


def _job_target(job: CertificateJob) -> str:
    return job.team.name if job.team_id else job.area.name


def _job_progress(job: CertificateJob) -> str:
    return f"{job.done} / {job.total}（{job.percent}%）"


class CertificateJobInspectView(ScopedInspectView):
    scope_method = "certificate_jobs"
    _labels = {"target": gettext_lazy("发证范围"), "progress": gettext_lazy("进度")}

    def get_field_label(self, field_name, field):
        if field_name in self._labels:
            return self._labels[field_name]
        return super().get_field_label(field_name, field)

    def get_target_display_value(self):
        return _job_target(self.object)

    def get_progress_display_value(self):
        return _job_progress(self.object)

    def get_reissue_display_value(self):
        return _("是") if self.object.reissue else _("否")

    def get_created_by_display_value(self):
        return user_label(self.object.created_by)

    def get_created_at_display_value(self):
        return _local(self.object.created_at)

    def get_finished_at_display_value(self):
        return _local(self.object.finished_at)

    def get_error_display_value(self):
        return self.object.error or "—"


class CertificateJobHistoryView(ScopedMixin, HistoryView):
    """Wagtail's log of a job, looked up within the scope."""

    scope_method = "certificate_jobs"
    any_permission_required = ["view"]

    def get_object(self):
        return self.get_scoped_object(self.pk)


class CertificateJobViewSet(ModelViewSet):
    name = "lms_certificate_job"
    url_prefix = "lms/certificate-job"
    model = CertificateJob
    icon = "tasks"
    menu_label = gettext_lazy("批量发证任务")
    add_to_admin_menu = False
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = scoped(
        ScopedIndexView,
        "certificate_jobs",
        list_select_related=["course", "team", "area", "created_by"],
    )
    inspect_view_class = CertificateJobInspectView
    history_view_class = CertificateJobHistoryView
    usage_view_class = scoped(ScopedUsageView, "certificate_jobs")
    delete_view_class = scoped(ScopedDeleteView, "certificate_jobs")
    form_fields = []  # written by the issuing service and its task only
    inspect_view_fields = [
        "course",
        "target",
        "reissue",
        "status",
        "progress",
        "issued",
        "created_by",
        "created_at",
        "finished_at",
        "error",
    ]
    list_display = [
        TitleColumn(
            "course",
            label=gettext_lazy("课程"),
            accessor="course.title",
            url_name="lms_certificate_job:inspect",
        ),
        Column("target", label=gettext_lazy("发证范围"), accessor=_job_target),
        Column("status", label=gettext_lazy("状态"), accessor="get_status_display"),
        Column("progress", label=gettext_lazy("进度"), accessor=_job_progress),
        Column("issued", label=gettext_lazy("新发证书")),
        Column(
            "created_by", label=gettext_lazy("发起人"), accessor=lambda j: user_label(j.created_by)
        ),
        DateColumn("created_at", label=gettext_lazy("发起时间")),
    ]
    filterset_class = CertificateJobFilterSet
    search_fields = ["course__title", "team__name", "area__name"]
    search_backend_name = None
    ordering = ["-created_at"]


# -- certificate templates --------------------------------------------------------------------


class CertificateTemplateForm(WagtailAdminModelForm):
    def _get_validation_exclusions(self):
        # Only one template is the default: saving one as default takes it from the other
        # (see save_instance), so the "one default" constraint is not an error here.
        exclude = super()._get_validation_exclusions()
        exclude.add("is_default")
        return exclude


class _DefaultTemplateMixin:
    def save_instance(self):
        # Runs inside the view's transaction, so two defaults never exist at once.
        if self.form.cleaned_data.get("is_default"):
            others = CertificateTemplate.objects.filter(is_default=True)
            if self.form.instance.pk:
                others = others.exclude(pk=self.form.instance.pk)
            others.update(is_default=False)
        return super().save_instance()


class CertificateTemplateCreateView(_DefaultTemplateMixin, generic.CreateView):
    pass


class CertificateTemplateEditView(_DefaultTemplateMixin, generic.EditView):
    pass


class CertificateTemplateViewSet(ModelViewSet):
    name = "lms_certificate_template"
    url_prefix = "lms/certificate-template"
    model = CertificateTemplate
    icon = "form"
    menu_label = gettext_lazy("证书模板")
    add_to_admin_menu = False
    copy_view_enabled = True
    add_view_class = CertificateTemplateCreateView
    edit_view_class = CertificateTemplateEditView
    list_display = [
        TitleColumn(
            "name", label=gettext_lazy("模板名称"), url_name="lms_certificate_template:edit"
        ),
        Column("layout", label=gettext_lazy("版式"), accessor="get_layout_display"),
        Column("title", label=gettext_lazy("证书标题")),
        Column("issuing_organisation", label=gettext_lazy("发证机构")),
        BooleanColumn("is_default", label=gettext_lazy("默认模板")),
        DateColumn("updated_at", label=gettext_lazy("更新时间")),
    ]
    search_fields = ["name", "issuing_organisation"]
    search_backend_name = None
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("name"), FieldPanel("layout")]),
            FieldRowPanel([FieldPanel("title"), FieldPanel("issuing_organisation")]),
            FieldPanel("body"),
            MultiFieldPanel(
                [FieldRowPanel([FieldPanel("background"), FieldPanel("seal")])],
                heading=gettext_lazy("图片"),
            ),
            FieldPanel("signatories"),
            FieldPanel("is_default"),
        ],
        base_form_class=CertificateTemplateForm,
    )


class CertificatesGroup(ViewSetGroup):
    menu_label = gettext_lazy("证书")
    menu_icon = "doc-full-inverse"
    menu_order = 230
    items = (CertificateViewSet, CertificateJobViewSet, CertificateTemplateViewSet)


@hooks.register("register_admin_viewset")
def register_certificates():
    return CertificatesGroup()
