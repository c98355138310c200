"""Inspections (督导检查) in the Wagtail admin, and the construction standard with its yearly
targets (menu group 督导检查).

Who may do what:
- inspections: listed within `scope_for(user).inspections()`; a county's inspection is
  created, filled in and signed off by the administrators of the county's city or of the
  region (they administer the county's parent); the county's own administrators read it;
  anyone else gets a 404. Every write goes through lms.services.inspections.
- the standard and the targets: changed by region administrators only (global scope, or
  administering the region root); other area administrators may read them.
"""

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache

from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, ObjectList
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import AdminDateInput
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

import django_filters

from lms.errors import DomainError
from lms.models import (
    Area,
    AreaLevel,
    ComplianceSnapshot,
    ComplianceStandard,
    CriterionKind,
    DocumentKind,
    Inspection,
    InspectionStatus,
    RetestResult,
    Team,
    YearlyTarget,
)
from lms.models.areas import subtree_filter
from lms.models.compliance import SHARE_KINDS
from lms.scope import Scope, scope_for
from lms.selectors.compliance import area_rollup
from lms.services import inspections as services

from .activity_hooks import ScopedUsageView
from .policies import RegionEditsPolicy, area_admin_users
from .viewsets import (
    AreaSubtreeFilterSet,
    ScopedDeleteView,
    ScopedIndexView,
    ScopedMixin,
    ServiceFormMixin,
    scoped,
    user_label,
)

STEP = Area.steplen


# -- who may do what -------------------------------------------------------------------------


def _administers_path(scope: Scope, area_path: str) -> bool:
    return scope.is_global or any(area_path.startswith(p) for p in scope.area_paths)


def may_edit_inspection(user, inspection: Inspection) -> bool:
    """Whether `user` administers the inspected county's parent (its city, or the region)."""
    return _administers_path(scope_for(user), inspection.county.path[:-STEP])


def creatable_counties(user):
    """Counties the user may open an inspection of: below a city or region they administer."""
    scope = scope_for(user)
    counties = Area.objects.filter(depth=AreaLevel.COUNTY)
    if scope.is_global:
        return counties
    above = [p for p in scope.area_paths if len(p) < AreaLevel.COUNTY * STEP]
    if not above:
        return counties.none()
    q = Q()
    for p in above:
        q |= Q(**subtree_filter("", p))
    return counties.filter(q)


class InspectionPolicy(BasePermissionPolicy):
    """Scope decides: area administrators read; city and region administrators write."""

    def user_has_permission(self, user, action):
        scope = scope_for(user)
        if action == "view":
            return scope.is_area_admin
        if action in ("add", "change"):
            return scope.is_global or any(
                len(p) < AreaLevel.COUNTY * STEP for p in scope.area_paths
            )
        return False  # an inspection is never deleted

    def user_has_permission_for_instance(self, user, action, instance):
        if action == "view":
            return scope_for(user).administers(instance.county)
        if action in ("add", "change"):
            return may_edit_inspection(user, instance)
        return False

    def instances_user_has_any_permission_for(self, user, actions):
        return scope_for(user).inspections()

    def users_with_any_permission(self, actions):
        return area_admin_users()


register_permission_policy(Inspection, InspectionPolicy(Inspection))
for _model in (ComplianceStandard, YearlyTarget):
    register_permission_policy(_model, RegionEditsPolicy(_model))


# -- display helpers ---------------------------------------------------------------------------


def _percent(value) -> str:
    return "—" if value is None else f"{float(value) * 100:.0f}%"


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


def _kind_label(kind: str) -> str:
    return str(CriterionKind(kind).label) if kind in CriterionKind.values else kind


def figures_display(figures: dict) -> dict:
    """A roll-up (live or frozen) as the page shows it."""
    failing = sorted((figures.get("failing") or {}).items(), key=lambda kv: (-kv[1], kv[0]))
    return {
        "teams": figures.get("teams", 0),
        "evaluated": figures.get("evaluated", 0),
        "compliant": figures.get("compliant", 0),
        "share": _percent(figures.get("share", 0)),
        "target": _percent(figures.get("target")),
        "target_teams": figures.get("target_teams"),
        "gap": figures.get("gap"),
        "failing": [(_kind_label(kind), n) for kind, n in failing],
    }


def live_figures(inspection: Inspection) -> dict:
    rollup = area_rollup(inspection.county, inspection.year)
    return figures_display(
        {
            "teams": rollup.teams,
            "evaluated": rollup.evaluated,
            "compliant": rollup.compliant,
            "share": rollup.share,
            "target": rollup.target,
            "target_teams": rollup.target_teams,
            "gap": rollup.gap,
            "failing": dict(rollup.failing),
        }
    )


def _county_label(county: Area, cities: dict[str, str]) -> str:
    return f"{cities.get(county.path[:-STEP], '')}{county.name}"


# -- inspection forms -------------------------------------------------------------------------


class CountyChoiceField(forms.ModelChoiceField):
    """Counties labelled with their city (南宁市青秀区), cities read in one query."""

    def label_from_instance(self, obj):
        if not hasattr(self, "_cities"):
            self._cities = dict(
                Area.objects.filter(depth=AreaLevel.CITY).values_list("path", "name")
            )
        return _county_label(obj, self._cities)


class InspectionCreateForm(WagtailAdminModelForm):
    county = CountyChoiceField(
        label=gettext_lazy("县（市、区）"),
        queryset=Area.objects.none(),
        error_messages={"required": gettext_lazy("请选择被检查的县（市、区）。")},
    )

    class Meta:
        model = Inspection
        fields = ["county", "year", "inspected_on"]

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        self.fields["county"].queryset = creatable_counties(for_user)
        if self.initial.get("year") is None:
            self.initial["year"] = timezone.localdate().year
        self.fields["inspected_on"].help_text = _("可先留空，检查时再填写。")

    def _get_validation_exclusions(self):
        # One inspection per county and year: the service says so in words.
        exclude = super()._get_validation_exclusions()
        exclude.add("county")
        return exclude


CHECK_CHOICES = [
    ("", gettext_lazy("未检查")),
    (services.CHECK_PASS, gettext_lazy("符合")),
    (services.CHECK_FAIL, gettext_lazy("不符合")),
]


class ChecklistForm(forms.Form):
    """Each checklist item's result and note, the findings and the date."""

    inspected_on = forms.DateField(
        label=gettext_lazy("检查日期"), required=False, widget=AdminDateInput
    )
    findings = forms.CharField(
        label=gettext_lazy("检查发现"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("检查中发现的主要问题、亮点和意见建议。"),
    )

    def __init__(self, inspection: Inspection, *args, **kwargs):
        self.items = [row["item"] for row in inspection.checklist]
        initial = {"inspected_on": inspection.inspected_on, "findings": inspection.findings}
        for i, row in enumerate(inspection.checklist):
            initial[f"result_{i}"] = row.get("result", "")
            initial[f"note_{i}"] = row.get("note", "")
        super().__init__(*args, initial=initial, **kwargs)
        for i, item in enumerate(self.items):
            self.fields[f"result_{i}"] = forms.ChoiceField(
                label=_("%(item)s：结果") % {"item": item}, choices=CHECK_CHOICES, required=False
            )
            self.fields[f"note_{i}"] = forms.CharField(
                label=_("%(item)s：备注") % {"item": item},
                required=False,
                max_length=services.NOTE_MAX,
                widget=forms.TextInput(attrs={"placeholder": _("备注")}),
            )

    def rows(self):
        return [
            {"item": item, "result": self[f"result_{i}"], "note": self[f"note_{i}"]}
            for i, item in enumerate(self.items)
        ]

    def checklist(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {"item": item, "result": data[f"result_{i}"], "note": data[f"note_{i}"]}
            for i, item in enumerate(self.items)
        ]


class DrawForm(forms.Form):
    size = forms.IntegerField(
        label=gettext_lazy("抽样人数"),
        min_value=1,
        max_value=services.MAX_SAMPLE_SIZE,
        initial=services.DEFAULT_SAMPLE_SIZE,
    )
    replace = forms.BooleanField(required=False, widget=forms.HiddenInput)


class SampleForm(forms.Form):
    result = forms.ChoiceField(label=gettext_lazy("复测结果"), choices=RetestResult.choices)
    note = forms.CharField(
        label=gettext_lazy("备注"),
        required=False,
        max_length=services.NOTE_MAX,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("备注")}),
    )


class ActionForm(forms.Form):
    description = forms.CharField(
        label=gettext_lazy("整改事项"),
        max_length=300,
        error_messages={"required": gettext_lazy("请填写整改事项。")},
    )
    owner = forms.CharField(
        label=gettext_lazy("责任人"),
        max_length=60,
        error_messages={"required": gettext_lazy("请填写责任人。")},
    )
    due_on = forms.DateField(
        label=gettext_lazy("整改期限"),
        widget=AdminDateInput,
        error_messages={"required": gettext_lazy("请填写整改期限。")},
    )
    team = forms.ModelChoiceField(
        label=gettext_lazy("队伍"),
        queryset=Team.objects.none(),
        required=False,
        help_text=gettext_lazy("涉及某支队伍时选择；全县性的事项留空。"),
    )

    def __init__(self, county: Area, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.within(county).order_by("community__path")


class DoneForm(forms.Form):
    done_on = forms.DateField(
        label=gettext_lazy("完成日期"),
        widget=AdminDateInput,
        error_messages={"required": gettext_lazy("请填写完成日期。")},
    )


# -- inspection views --------------------------------------------------------------------------


class InspectionFilterSet(AreaSubtreeFilterSet):
    area_path_field = "county__path"
    year = django_filters.NumberFilter(label=gettext_lazy("年度"))
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("状态"), choices=InspectionStatus.choices
    )

    class Meta:
        model = Inspection
        fields = ["year", "status"]


class InspectionIndexView(ScopedIndexView):
    scope_method = "inspections"
    list_select_related = ["county", "inspector"]

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .annotate(open_actions=Count("actions", filter=Q(actions__done_on__isnull=True)))
        )

    def get_edit_url(self, instance):
        # One page per inspection, for readers and writers alike.
        return None


class InspectionCreateView(ServiceFormMixin, generic.CreateView):
    page_title = gettext_lazy("新建督导检查")

    def save_instance(self):
        data = self.form.cleaned_data
        return services.inspection_create(
            county=data["county"],
            year=data["year"],
            inspector=self.request.user,
            inspected_on=data.get("inspected_on"),
        )

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("lms_inspection:index"), "label": _("督导检查")},
            {"url": "", "label": self.page_title},
        ]

    def get_success_url(self):
        return reverse("lms_inspection:inspect", args=[self.object.pk])


def _inspection_or_404(request, pk) -> Inspection:
    inspections = scope_for(request.user).inspections()
    return get_object_or_404(
        inspections.select_related("county", "inspector", "signed_off_by"), pk=pk
    )


def _posted_pk(request, name) -> int:
    value = request.POST.get(name, "")
    return int(value) if value.isdigit() else 0


class _InspectionPageMixin:
    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("lms_inspection:index"), "label": _("督导检查")},
            {
                "url": reverse("lms_inspection:inspect", args=[self.inspection.pk]),
                "label": self.title,
            },
            *([{"url": "", "label": self.page_title}] if self.page_title else []),
        ]

    @property
    def title(self) -> str:
        return _("%(county)s %(year)s 年度督导检查") % {
            "county": self.inspection.county.name,
            "year": self.inspection.year,
        }


@method_decorator(never_cache, name="dispatch")
class InspectionDetailView(_InspectionPageMixin, WagtailAdminTemplateMixin, View):
    """The whole inspection on one page; each form posts its `action` back here."""

    header_icon = "clipboard-list"
    template_name = "lms/admin/inspections/detail.html"
    page_title = ""

    def dispatch(self, request, pk):
        self.inspection = _inspection_or_404(request, pk)
        self.may_edit = may_edit_inspection(request.user, self.inspection)
        self.editable = self.may_edit and not self.inspection.is_signed_off
        self.bound = {}
        return super().dispatch(request, pk)

    def get_page_title(self):
        return self.title

    def get_breadcrumbs_items(self):
        items = super().get_breadcrumbs_items()
        items[-1]["url"] = ""
        return items

    def get(self, request, pk):
        return self._page()

    def post(self, request, pk):
        if not self.may_edit:
            raise PermissionDenied
        action = request.POST.get("action")
        if self.inspection.is_signed_off and action != "action_done":
            messages.error(request, _("该督导检查已签字确认，不能再修改。"))
            return redirect(self._url())
        handler = {
            "checklist": self._save_checklist,
            "draw": self._draw,
            "sample": self._record_sample,
            "action_add": self._add_action,
            "action_done": self._action_done,
        }.get(action)
        if handler is None:
            return redirect(self._url())
        return handler(request)

    # -- the actions --------------------------------------------------------------------------
    def _url(self, anchor=""):
        url = reverse("lms_inspection:inspect", args=[self.inspection.pk])
        return f"{url}#{anchor}" if anchor else url

    def _run(self, form, key, call, success, anchor):
        """Call the service with a valid form; its refusal becomes the form's error."""
        problem = _("未能保存，请检查下面标出的内容。")
        if form.is_valid():
            try:
                call(form.cleaned_data)
            except DomainError as error:
                field = error.field if error.field in form.fields else None
                form.add_error(field, error.message)
                if field is None:
                    problem = error.message
            else:
                messages.success(self.request, success)
                return redirect(self._url(anchor))
        self.bound[key] = form
        messages.error(self.request, problem)
        return self._page()

    def _save_checklist(self, request):
        form = ChecklistForm(self.inspection, request.POST, prefix="checklist")
        return self._run(
            form,
            "checklist",
            lambda data: services.inspection_update(
                self.inspection,
                checklist=form.checklist(),
                findings=data["findings"],
                inspected_on=data["inspected_on"],
            ),
            _("检查清单已保存。"),
            "inspection-checklist",
        )

    def _draw(self, request):
        form = DrawForm(request.POST, prefix="draw")
        return self._run(
            form,
            "draw",
            lambda data: services.inspection_draw_sample(
                self.inspection, size=data["size"], replace=data["replace"]
            ),
            _("已由系统随机抽取复测队员。"),
            "inspection-sample",
        )

    def _record_sample(self, request):
        sample = get_object_or_404(self.inspection.samples, pk=_posted_pk(request, "sample"))
        form = SampleForm(request.POST, prefix=f"sample-{sample.pk}")
        return self._run(
            form,
            f"sample-{sample.pk}",
            lambda data: services.sample_record(sample, result=data["result"], note=data["note"]),
            _("已录入 %(name)s 的复测结果。") % {"name": sample.member.name},
            "inspection-sample",
        )

    def _add_action(self, request):
        form = ActionForm(self.inspection.county, request.POST, prefix="action")
        return self._run(
            form,
            "action",
            lambda data: services.corrective_action_add(self.inspection, **data),
            _("整改事项已添加。"),
            "inspection-actions",
        )

    def _action_done(self, request):
        action = get_object_or_404(self.inspection.actions, pk=_posted_pk(request, "done"))
        form = DoneForm(request.POST, prefix=f"done-{action.pk}")
        return self._run(
            form,
            f"done-{action.pk}",
            lambda data: services.corrective_action_done(action, done_on=data["done_on"]),
            _("整改事项“%(d)s”已标记完成。") % {"d": action.description},
            "inspection-actions",
        )

    # -- the page -----------------------------------------------------------------------------
    def _page(self):
        inspection = self.inspection
        today = timezone.localdate()
        bound = self.bound
        samples = list(
            inspection.samples.select_related("member__team").order_by("member__name_pinyin")
        )
        actions = list(inspection.actions.select_related("team"))
        context = {
            "inspection": inspection,
            "county_label": _county_label(
                inspection.county,
                dict(Area.objects.filter(depth=AreaLevel.CITY).values_list("path", "name")),
            ),
            "may_edit": self.may_edit,
            "editable": self.editable,
            "signed_off": inspection.is_signed_off,
            "inspector": user_label(inspection.inspector),
            "signed_off_by": user_label(inspection.signed_off_by),
            "signed_off_at": _local(inspection.signed_off_at),
            "figures": (
                figures_display(inspection.frozen_figures)
                if inspection.is_signed_off
                else live_figures(inspection)
            ),
            "evaluated_on": inspection.frozen_figures.get("evaluated_on", ""),
            "checklist": inspection.checklist,
            "samples": samples,
            "actions": actions,
            "today": today,
            "blockers": [] if inspection.is_signed_off else services.sign_off_blockers(inspection),
            "sign_off_url": reverse("lms_inspection:sign_off", args=[inspection.pk]),
        }
        media = forms.Media()
        if self.editable:
            context["checklist_form"] = bound.get("checklist") or ChecklistForm(
                inspection, prefix="checklist"
            )
            context["draw_form"] = bound.get("draw") or DrawForm(
                prefix="draw", initial={"replace": bool(samples)}
            )
            context["may_redraw"] = bool(samples) and all(
                s.result == RetestResult.PENDING for s in samples
            )
            context["sample_rows"] = [
                (
                    s,
                    bound.get(f"sample-{s.pk}")
                    or SampleForm(
                        prefix=f"sample-{s.pk}", initial={"result": s.result, "note": s.note}
                    ),
                )
                for s in samples
            ]
            context["action_form"] = bound.get("action") or ActionForm(
                inspection.county, prefix="action"
            )
            media += context["checklist_form"].media + context["action_form"].media
        if self.may_edit:
            context["action_rows"] = [
                (
                    a,
                    None
                    if a.done_on
                    else bound.get(f"done-{a.pk}")
                    or DoneForm(prefix=f"done-{a.pk}", initial={"done_on": today}),
                )
                for a in actions
            ]
            media += DoneForm().media
        else:
            context["action_rows"] = [(a, None) for a in actions]
        context["media"] = media
        return self.render_to_response(self.get_context_data(**context))


@method_decorator(never_cache, name="dispatch")
class InspectionSignOffView(_InspectionPageMixin, WagtailAdminTemplateMixin, View):
    """Confirm, then sign off: the county's figures for the year are frozen."""

    header_icon = "clipboard-list"
    page_title = gettext_lazy("签字确认")
    template_name = "lms/admin/inspections/sign_off.html"

    def dispatch(self, request, pk):
        self.inspection = _inspection_or_404(request, pk)
        if not may_edit_inspection(request.user, self.inspection):
            raise PermissionDenied
        if self.inspection.is_signed_off:
            messages.info(request, _("该督导检查已签字确认。"))
            return redirect("lms_inspection:inspect", self.inspection.pk)
        return super().dispatch(request, pk)

    def get_page_subtitle(self):
        return self.title

    def get(self, request, pk):
        return self._page(services.sign_off_blockers(self.inspection))

    def post(self, request, pk):
        try:
            services.inspection_sign_off(self.inspection, by=request.user)
        except DomainError as error:
            return self._page(error.errors or [error.message])
        messages.success(
            request,
            _("%(title)s已签字确认，该县本年度的达标数据已冻结。") % {"title": self.title},
        )
        return redirect("lms_inspection:inspect", self.inspection.pk)

    def _page(self, blockers):
        return self.render_to_response(
            self.get_context_data(
                inspection=self.inspection,
                title=self.title,
                blockers=blockers,
                figures=live_figures(self.inspection),
                samples=self.inspection.samples.count(),
                open_actions=self.inspection.actions.filter(done_on__isnull=True).count(),
                inspect_url=reverse("lms_inspection:inspect", args=[self.inspection.pk]),
            )
        )


class InspectionHistoryView(ScopedMixin, HistoryView):
    """Wagtail's log of the inspection, looked up within the scope."""

    scope_method = "inspections"
    any_permission_required = ["view"]

    def get_object(self):
        return self.get_scoped_object(self.pk)


def _to_detail(request, pk):
    return redirect("lms_inspection:inspect", pk)


class InspectionViewSet(ModelViewSet):
    name = "lms_inspection"
    url_prefix = "lms/inspection"
    model = Inspection
    icon = "clipboard-list"
    menu_label = gettext_lazy("督导检查")
    add_to_admin_menu = False
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = InspectionIndexView
    add_view_class = InspectionCreateView
    history_view_class = InspectionHistoryView
    usage_view_class = scoped(ScopedUsageView, "inspections")
    # Refused to everyone by the policy; scoped so that it tells no outsider what exists.
    delete_view_class = scoped(ScopedDeleteView, "inspections")
    edit_handler = ObjectList(
        [
            FieldPanel("county"),
            FieldRowPanel([FieldPanel("year"), FieldPanel("inspected_on")]),
        ],
        base_form_class=InspectionCreateForm,
    )
    list_display = [
        TitleColumn(
            "county",
            label=gettext_lazy("县（市、区）"),
            accessor="county.name",
            url_name="lms_inspection:inspect",
        ),
        Column("year", label=gettext_lazy("年度")),
        Column("status", label=gettext_lazy("状态"), accessor="get_status_display"),
        Column(
            "inspected_on",
            label=gettext_lazy("检查日期"),
            accessor=lambda i: i.inspected_on.isoformat() if i.inspected_on else "—",
        ),
        Column(
            "inspector", label=gettext_lazy("检查人"), accessor=lambda i: user_label(i.inspector)
        ),
        Column("open_actions", label=gettext_lazy("未完成整改")),
        DateColumn("signed_off_at", label=gettext_lazy("签字确认时间")),
    ]
    filterset_class = InspectionFilterSet
    search_fields = ["county__name", "county__code"]
    search_backend_name = None
    ordering = ["-year", "county__path"]

    @property
    def inspect_view(self):
        return InspectionDetailView.as_view()

    @property
    def edit_view(self):
        return _to_detail

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("sign-off/<int:pk>/", InspectionSignOffView.as_view(), name="sign_off"),
        ]


# -- the standard and the targets ----------------------------------------------------------------


class DocumentKindsWidget(forms.CheckboxSelectMultiple):
    """Checkboxes of DocumentKind for a JSON list (the form field reads and writes JSON)."""

    def __init__(self, attrs=None):
        super().__init__(attrs, choices=DocumentKind.choices)

    def format_value(self, value):
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                value = []
        return super().format_value(value if isinstance(value, list) else [])

    def value_from_datadict(self, data, files, name):
        return json.dumps(super().value_from_datadict(data, files, name))

    def value_omitted_from_data(self, data, files, name):
        return False


class StandardForm(WagtailAdminModelForm):
    def is_valid(self):
        valid = super().is_valid()
        formset = self.formsets.get("criteria")
        for form in formset.forms if formset is not None else []:
            data = getattr(form, "cleaned_data", None)
            if not data or formset._should_delete_form(form):
                continue
            kind, threshold = data.get("kind"), data.get("threshold")
            if kind in SHARE_KINDS and threshold is not None and threshold > 1:
                form.add_error("threshold", _("比例应填写 0 到 1 之间的小数，如 0.8 表示 80%。"))
                valid = False
            if kind == CriterionKind.CATEGORY and not data.get("category"):
                form.add_error("category", _("“人员类别”条件须选择人员类别。"))
                valid = False
        return valid


class StandardDeleteView(generic.DeleteView):
    """A standard that teams were evaluated against stays, so past results keep their basis."""

    def dispatch(self, request, *args, **kwargs):
        if not self.user_has_permission("delete"):
            raise PermissionDenied
        if ComplianceSnapshot.objects.filter(standard=self.object).exists():
            messages.error(
                request,
                _("该标准已用于达标评估，不能删除；如需调整，请新增一个生效日期更晚的标准。"),
            )
            return redirect("lms_compliance_standard:edit", self.object.pk)
        return super().dispatch(request, *args, **kwargs)


class StandardInspectView(generic.InspectView):
    def get_criteria_display_value(self):
        rows = self.object.criteria.select_related("course")
        return format_html(
            "<ol>{}</ol>", format_html_join("", "<li>{}</li>", ((c.label,) for c in rows))
        )

    def get_field_label(self, field_name, field):
        if field_name == "criteria":
            return _("达标条件")
        return super().get_field_label(field_name, field)


class ComplianceStandardViewSet(ModelViewSet):
    name = "lms_compliance_standard"
    url_prefix = "lms/compliance-standard"
    model = ComplianceStandard
    icon = "list-ol"
    menu_label = gettext_lazy("建设标准")
    add_to_admin_menu = False
    copy_view_enabled = False
    inspect_view_enabled = True
    inspect_view_class = StandardInspectView
    inspect_view_fields = ["name", "effective_from", "notes", "criteria"]
    delete_view_class = StandardDeleteView
    list_display = [
        "name",  # to the edit page for region administrators, else the read-only page
        DateColumn("effective_from", label=gettext_lazy("生效日期")),
        Column("criteria", label=gettext_lazy("条件数"), accessor=lambda s: s.criteria.count()),
    ]
    search_fields = ["name"]
    search_backend_name = None
    ordering = ["-effective_from"]
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("name"), FieldPanel("effective_from")]),
            FieldPanel(
                "notes",
                help_text=gettext_lazy(
                    "新版本请新增一个生效日期更晚的标准：此前的评估结果仍按旧标准保留。"
                ),
            ),
            InlinePanel(
                "criteria",
                label=gettext_lazy("达标条件"),
                min_num=1,
                panels=[
                    FieldRowPanel([FieldPanel("kind"), FieldPanel("threshold")]),
                    FieldRowPanel([FieldPanel("course"), FieldPanel("category")]),
                    FieldPanel("document_kinds", widget=DocumentKindsWidget),
                    FieldPanel("sort_order"),
                ],
            ),
        ],
        base_form_class=StandardForm,
    )


class YearlyTargetViewSet(ModelViewSet):
    name = "lms_yearly_target"
    url_prefix = "lms/yearly-target"
    model = YearlyTarget
    icon = "calendar-check"
    menu_label = gettext_lazy("年度目标")
    add_to_admin_menu = False
    copy_view_enabled = False
    inspect_view_enabled = True
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("year"), FieldPanel("level")]),
            FieldPanel(
                "share",
                help_text=gettext_lazy("填写 0 到 1 之间的小数，如 0.8 表示 80% 的队伍达标。"),
            ),
        ]
    )
    list_display = [
        "year",
        Column(
            "level",
            label=gettext_lazy("区域层级"),
            accessor=lambda t: t.get_level_display() if t.level else _("所有层级"),
        ),
        Column("share", label=gettext_lazy("达标队伍比例"), accessor=lambda t: _percent(t.share)),
    ]
    ordering = ["year", "level"]


class InspectionsGroup(ViewSetGroup):
    menu_label = gettext_lazy("督导检查")
    menu_icon = "clipboard-list"
    menu_order = 240
    items = (InspectionViewSet, ComplianceStandardViewSet, YearlyTargetViewSet)


@hooks.register("register_admin_viewset")
def register_inspections():
    return InspectionsGroup()
