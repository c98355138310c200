"""Wagtail admin screens for drills, training sessions, service hours and training plans,
in the menu group 演练与培训, each limited to the user's scope.

Drills, sessions and service hours are written on the /learn/ pages (the leader's phone at
the drill, the verification queue), through their services: here they are read-only, with
an inspect page and their history. Training plans and their items are written here too,
through lms.services.plans. Wagtail's InlinePanel needs a ParentalKey, which the item model
does not have, so the items have their own screen and are listed on the plan's page.
"""

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import AdminDateInput
from wagtail.permission_policies.base import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

import django_filters

from courses.models import CoursePage
from lms.models import (
    Area,
    AreaLevel,
    Drill,
    DrillScenario,
    EventStatus,
    PlanItemKind,
    ServiceActivity,
    ServiceRecord,
    ServiceStatus,
    TrainingPlan,
    TrainingPlanItem,
    TrainingSession,
)
from lms.scope import scope_for
from lms.selectors.activities import plan_progress
from lms.services import plans as plan_services

from .viewsets import (
    AreaSubtreeFilterSet,
    ScopedCreateView,
    ScopedDeleteView,
    ScopedEditView,
    ScopedHistoryView,
    ScopedIndexView,
    ScopedMixin,
    ScopedUsageView,
    scoped,
)


class ReadOnlyPolicy(ModelPermissionPolicy):
    """View only: the records are written elsewhere, through their services."""

    def user_has_permission(self, user, action):
        if action in ("add", "change", "delete"):
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)


for _model in (Drill, TrainingSession, ServiceRecord):
    register_permission_policy(_model, ReadOnlyPolicy(_model))


class ScopedInspectView(ScopedMixin, generic.InspectView):
    def get_object(self, queryset=None):
        return self.get_scoped_object(self.pk)


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "—"


# -- filters --------------------------------------------------------------------------------


class DrillFilterSet(AreaSubtreeFilterSet):
    area_path_field = "teams__community__path"
    status = django_filters.ChoiceFilter(label=_("状态"), choices=EventStatus.choices)
    scenario = django_filters.ChoiceFilter(label=_("演练科目"), choices=DrillScenario.choices)

    class Meta:
        model = Drill
        fields = ["status", "scenario"]


class SessionFilterSet(AreaSubtreeFilterSet):
    area_path_field = "area__path"
    status = django_filters.ChoiceFilter(label=_("状态"), choices=EventStatus.choices)

    class Meta:
        model = TrainingSession
        fields = ["status"]


class ServiceRecordFilterSet(AreaSubtreeFilterSet):
    area_path_field = "member__team__community__path"
    status = django_filters.ChoiceFilter(label=_("状态"), choices=ServiceStatus.choices)
    activity = django_filters.ChoiceFilter(label=_("活动类型"), choices=ServiceActivity.choices)

    class Meta:
        model = ServiceRecord
        fields = ["status", "activity"]


class PlanFilterSet(AreaSubtreeFilterSet):
    area_path_field = "area__path"
    year = django_filters.NumberFilter(label=_("年度"))

    class Meta:
        model = TrainingPlan
        fields = ["year"]


# -- drills and sessions (read-only) ---------------------------------------------------------


class DrillInspectView(ScopedInspectView):
    scope_method = "drills"

    def get_teams_display_value(self):
        return "、".join(t.name for t in self.object.teams.all()) or "—"

    def get_starts_at_display_value(self):
        return _local(self.object.starts_at)

    def get_ends_at_display_value(self):
        return _local(self.object.ends_at)

    def get_participants_display_value(self):
        rows = self.object.participations.select_related("member").order_by("member__name_pinyin")
        if not rows:
            return "—"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{}（{}，{} 分钟，{}）</li>",
                (
                    (p.member.name, p.get_role_display(), p.minutes, p.get_method_display())
                    for p in rows
                ),
            ),
        )

    def get_field_label(self, field_name, field):
        if field_name == "participants":
            return _("参演人员")
        return super().get_field_label(field_name, field)


class DrillViewSet(ModelViewSet):
    name = "lms_drill"
    url_prefix = "lms/drill"
    model = Drill
    icon = "warning"
    menu_label = _("演练")
    add_to_admin_menu = False
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = scoped(ScopedIndexView, "drills")
    inspect_view_class = DrillInspectView
    history_view_class = scoped(ScopedHistoryView, "drills")
    usage_view_class = scoped(ScopedUsageView, "drills")
    edit_view_class = scoped(ScopedEditView, "managed_drills")
    delete_view_class = scoped(ScopedDeleteView, "managed_drills")
    form_fields = ["title"]
    inspect_view_fields = [
        "title",
        "scenario",
        "teams",
        "starts_at",
        "ends_at",
        "place",
        "organiser",
        "objectives",
        "status",
        "score",
        "went_well",
        "problems",
        "improvements",
        "cancel_reason",
        "participants",
    ]
    list_display = [
        TitleColumn("title", label=_("演练名称"), url_name="lms_drill:inspect"),
        Column("scenario", label=_("演练科目"), accessor="get_scenario_display"),
        DateColumn("starts_at", label=_("开始时间")),
        Column("status", label=_("状态"), accessor="get_status_display"),
        Column("score", label=_("评估得分")),
    ]
    filterset_class = DrillFilterSet
    search_fields = ["title", "place", "organiser"]
    search_backend_name = None
    ordering = ["-starts_at"]


class SessionInspectView(ScopedInspectView):
    scope_method = "sessions"

    def get_teams_display_value(self):
        return "、".join(t.name for t in self.object.teams.all()) or "—"

    def get_instructors_display_value(self):
        return "、".join(i.name for i in self.object.instructors.all()) or "—"

    def get_starts_at_display_value(self):
        return _local(self.object.starts_at)

    def get_ends_at_display_value(self):
        return _local(self.object.ends_at)

    def get_attendance_display_value(self):
        names = self.object.attendances.select_related("member").order_by("member__name_pinyin")
        return "、".join(a.member.name for a in names) or "—"

    def get_field_label(self, field_name, field):
        if field_name == "attendance":
            return _("签到人员")
        return super().get_field_label(field_name, field)


class SessionViewSet(ModelViewSet):
    name = "lms_session"
    url_prefix = "lms/session"
    model = TrainingSession
    icon = "user"
    menu_label = _("线下培训")
    add_to_admin_menu = False
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = scoped(ScopedIndexView, "sessions", list_select_related=["course", "area"])
    inspect_view_class = SessionInspectView
    history_view_class = scoped(ScopedHistoryView, "sessions")
    usage_view_class = scoped(ScopedUsageView, "sessions")
    edit_view_class = scoped(ScopedEditView, "managed_sessions")
    delete_view_class = scoped(ScopedDeleteView, "managed_sessions")
    form_fields = ["title"]
    inspect_view_fields = [
        "title",
        "course",
        "area",
        "teams",
        "instructors",
        "starts_at",
        "ends_at",
        "place",
        "credit_hours",
        "status",
        "notes",
        "attendance",
    ]
    list_display = [
        TitleColumn("title", label=_("培训名称"), url_name="lms_session:inspect"),
        Column("course", label=_("课程")),
        Column("area", label=_("组织区域")),
        DateColumn("starts_at", label=_("开始时间")),
        Column("status", label=_("状态"), accessor="get_status_display"),
    ]
    filterset_class = SessionFilterSet
    search_fields = ["title", "place"]
    search_backend_name = None
    ordering = ["-starts_at"]


# -- service hours (read-only; verified on /learn/hours/verify/) -------------------------


class ServiceRecordInspectView(ScopedInspectView):
    scope_method = "service_records"

    def get_verified_at_display_value(self):
        return _local(self.object.verified_at)

    def get_entered_at_display_value(self):
        return _local(self.object.entered_at)


class ServiceRecordViewSet(ModelViewSet):
    name = "lms_service_record"
    url_prefix = "lms/service-record"
    model = ServiceRecord
    icon = "time"
    menu_label = _("服务时长")
    add_to_admin_menu = False
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = scoped(
        ScopedIndexView,
        "service_records",
        list_select_related=["member", "member__team", "entered_by", "verified_by"],
    )
    inspect_view_class = ServiceRecordInspectView
    history_view_class = scoped(ScopedHistoryView, "service_records")
    usage_view_class = scoped(ScopedUsageView, "service_records")
    edit_view_class = scoped(ScopedEditView, "service_records")
    delete_view_class = scoped(ScopedDeleteView, "service_records")
    form_fields = ["description"]
    inspect_view_fields = [
        "member",
        "activity",
        "date",
        "hours",
        "description",
        "status",
        "drill",
        "session",
        "entered_by",
        "entered_at",
        "verified_by",
        "verified_at",
        "reject_reason",
    ]
    list_display = [
        TitleColumn(
            "member",
            label=_("队员"),
            accessor=lambda r: r.member.name,
            url_name="lms_service_record:inspect",
        ),
        Column("team", label=_("队伍"), accessor="member.team.name"),
        DateColumn("date", label=_("日期")),
        Column("activity", label=_("活动类型"), accessor="get_activity_display"),
        Column("hours", label=_("时长（小时）")),
        Column("status", label=_("状态"), accessor="get_status_display"),
    ]
    filterset_class = ServiceRecordFilterSet
    search_fields = ["member__name", "description"]
    search_backend_name = None
    ordering = ["-date"]


# -- training plans and their items ---------------------------------------------------------


def _plan_areas(user):
    scope = scope_for(user)
    if not scope.is_area_admin:
        return Area.objects.none()
    return scope.areas().filter(depth__lte=AreaLevel.TOWNSHIP)


class PlanForm(WagtailAdminModelForm):
    class Meta:
        model = TrainingPlan
        fields = ["area", "year", "title", "responsible_name", "responsible_phone", "notes"]

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if self.instance.pk:
            # A plan stays with its area and year; create another plan for another year.
            for name in ("area", "year"):
                self.fields.pop(name, None)
        else:
            self.fields["area"].queryset = _plan_areas(for_user).order_by("path")
            self.fields["year"].initial = timezone.localdate().year

    def validate_unique(self):
        # The service says it in words (该区域本年度已有培训计划).
        pass


class PlanCreateView(ScopedCreateView):
    scope_method = "plans"

    def save_instance(self):
        return plan_services.plan_create(by=self.request.user, **self.form.cleaned_data)


class PlanEditView(ScopedEditView):
    scope_method = "plans"

    def save_instance(self):
        return plan_services.plan_update(
            by=self.request.user, plan=self.object, **self.form.cleaned_data
        )


class PlanDeleteView(ScopedDeleteView):
    scope_method = "plans"

    def delete_action(self):
        plan_services.plan_delete(by=self.request.user, plan=self.object)


class PlanInspectView(ScopedInspectView):
    scope_method = "plans"

    def get_field_label(self, field_name, field):
        labels = {"items": _("培训项目"), "progress": _("进度")}
        if field_name in labels:
            return labels[field_name]
        return super().get_field_label(field_name, field)

    def _progress(self):
        if not hasattr(self, "_plan_progress"):
            self._plan_progress = plan_progress(self.object)
        return self._plan_progress

    def get_progress_display_value(self):
        p = self._progress()
        return _("共 %(total)s 项：已完成 %(held)s，计划中 %(planned)s，已逾期 %(overdue)s") % {
            "total": p.total,
            "held": p.held,
            "planned": p.planned,
            "overdue": p.overdue,
        }

    def get_items_display_value(self):
        entries = self._progress().items
        add_url = reverse("lms_plan_item:add") + f"?plan={self.object.pk}"
        rows = format_html_join(
            "",
            '<li>{} · {} · <a href="{}">{}</a> — <strong>{}</strong></li>',
            (
                (
                    e.item.planned_on.isoformat(),
                    e.item.get_kind_display(),
                    reverse("lms_plan_item:edit", args=[e.item.pk]),
                    e.item.title,
                    e.state_label,
                )
                for e in entries
            ),
        )
        return format_html(
            '<ul>{}</ul><p><a href="{}">{}</a></p>', rows, add_url, _("添加培训项目")
        )


class PlanViewSet(ModelViewSet):
    name = "lms_plan"
    url_prefix = "lms/plan"
    model = TrainingPlan
    icon = "date"
    menu_label = _("培训计划")
    add_to_admin_menu = False
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = scoped(ScopedIndexView, "plans", list_select_related=["area"])
    add_view_class = PlanCreateView
    edit_view_class = PlanEditView
    delete_view_class = PlanDeleteView
    inspect_view_class = PlanInspectView
    history_view_class = scoped(ScopedHistoryView, "plans")
    usage_view_class = scoped(ScopedUsageView, "plans")
    inspect_view_fields = [
        "area",
        "year",
        "title",
        "responsible_name",
        "responsible_phone",
        "notes",
        "progress",
        "items",
    ]
    list_display = [
        TitleColumn("title", label=_("计划名称"), url_name="lms_plan:inspect"),
        Column("area", label=_("区域")),
        Column("year", label=_("年度")),
        Column("responsible_name", label=_("负责人")),
    ]
    filterset_class = PlanFilterSet
    search_fields = ["title", "responsible_name"]
    search_backend_name = None
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("area"), FieldPanel("year")]),
            FieldPanel("title"),
            FieldRowPanel([FieldPanel("responsible_name"), FieldPanel("responsible_phone")]),
            FieldPanel("notes"),
        ],
        base_form_class=PlanForm,
    )


class PlanItemForm(WagtailAdminModelForm):
    class Meta:
        model = TrainingPlanItem
        fields = [
            "plan",
            "kind",
            "title",
            "planned_on",
            "course",
            "target_percent",
            "drill",
            "session",
        ]

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        scope = scope_for(for_user)
        self.fields["plan"].queryset = scope.plans().select_related("area")
        self.fields["course"].queryset = CoursePage.objects.live().order_by("title")
        self.fields["drill"].queryset = scope.drills().filter(status=EventStatus.HELD)
        self.fields["session"].queryset = scope.sessions().filter(status=EventStatus.HELD)
        self.fields["drill"].help_text = _("演练项目：选择已举行的演练后计为已完成。")
        self.fields["session"].help_text = _("线下培训项目：选择已举行的培训后计为已完成。")
        if self.instance.pk:
            self.fields.pop("plan")


class _ItemMixin:
    def scoped_queryset(self):
        return TrainingPlanItem.objects.filter(
            plan__in=scope_for(self.request.user).plans()
        ).select_related("plan", "plan__area")


def _link(view, item):
    data = view.form.cleaned_data
    drill = data.get("drill") if item.kind == PlanItemKind.DRILL else None
    session = data.get("session") if item.kind == PlanItemKind.SESSION else None
    if (drill, session) != (item.drill, item.session):
        plan_services.plan_item_link(by=view.request.user, item=item, drill=drill, session=session)
    return item


class PlanItemCreateView(_ItemMixin, ScopedCreateView):
    def get_initial(self):
        initial = super().get_initial()
        plan_id = self.request.GET.get("plan")
        if plan_id and plan_id.isdigit():
            initial["plan"] = plan_id
        return initial

    def save_instance(self):
        data = self.form.cleaned_data
        item = plan_services.plan_item_create(
            by=self.request.user,
            plan=data["plan"],
            kind=data["kind"],
            title=data["title"],
            planned_on=data["planned_on"],
            course=data.get("course"),
            target_percent=data.get("target_percent"),
        )
        return _link(self, item)


class PlanItemEditView(_ItemMixin, ScopedEditView):
    def save_instance(self):
        data = self.form.cleaned_data
        # The form wrote its values on the instance; the service checks and saves them.
        item = TrainingPlanItem.objects.select_related("plan", "plan__area").get(pk=self.object.pk)
        item = plan_services.plan_item_update(
            by=self.request.user,
            item=item,
            **{name: data.get(name) for name in plan_services.ITEM_FIELDS},
        )
        return _link(self, item)


class PlanItemDeleteView(_ItemMixin, ScopedDeleteView):
    def delete_action(self):
        plan_services.plan_item_delete(by=self.request.user, item=self.object)


class PlanItemFilterSet(AreaSubtreeFilterSet):
    area_path_field = "plan__area__path"
    kind = django_filters.ChoiceFilter(label=_("类型"), choices=PlanItemKind.choices)
    year = django_filters.NumberFilter(label=_("年度"), field_name="plan__year")

    class Meta:
        model = TrainingPlanItem
        fields = ["kind"]


class PlanItemViewSet(ModelViewSet):
    name = "lms_plan_item"
    url_prefix = "lms/plan-item"
    model = TrainingPlanItem
    icon = "list-ul"
    menu_label = _("培训项目")
    add_to_admin_menu = False
    copy_view_enabled = False
    index_view_class = type(
        "PlanItemIndexView", (_ItemMixin, ScopedIndexView), {"list_select_related": ["plan"]}
    )
    add_view_class = PlanItemCreateView
    edit_view_class = PlanItemEditView
    delete_view_class = PlanItemDeleteView
    history_view_class = type("PlanItemHistoryView", (_ItemMixin, ScopedHistoryView), {})
    usage_view_class = type("PlanItemUsageView", (_ItemMixin, ScopedUsageView), {})
    list_display = [
        TitleColumn("title", label=_("项目名称"), url_name="lms_plan_item:edit"),
        Column("plan", label=_("培训计划")),
        Column("kind", label=_("类型"), accessor="get_kind_display"),
        DateColumn("planned_on", label=_("计划日期")),
    ]
    filterset_class = PlanItemFilterSet
    search_fields = ["title"]
    search_backend_name = None
    ordering = ["planned_on"]
    edit_handler = ObjectList(
        [
            FieldPanel("plan"),
            FieldRowPanel([FieldPanel("kind"), FieldPanel("planned_on", widget=AdminDateInput)]),
            FieldPanel("title"),
            FieldRowPanel([FieldPanel("course"), FieldPanel("target_percent")]),
            FieldRowPanel([FieldPanel("drill"), FieldPanel("session")]),
        ],
        base_form_class=PlanItemForm,
    )


class ActivitiesGroup(ViewSetGroup):
    menu_label = _("演练与培训")
    menu_icon = "warning"
    menu_order = 220
    items = (
        DrillViewSet,
        SessionViewSet,
        ServiceRecordViewSet,
        PlanViewSet,
        PlanItemViewSet,
    )


@hooks.register("register_admin_viewset")
def register_activities():
    return ActivitiesGroup()
