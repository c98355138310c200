"""Wagtail admin screens for the records, each limited to the user's scope.

Lists, edit, delete, history and usage pages all look objects up inside
`scope_for(user)`, so a record outside the scope is a 404; saves go through the
services, whose DomainError becomes a form error.
"""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.utils import get_user_display_name
from wagtail.admin.views import generic
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.views.generic.usage import UsageView
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import AdminDateInput
from wagtail.admin.widgets.button import Button

import django_filters

from lms import privacy
from lms.errors import DomainError
from lms.models import (
    Area,
    EquipmentItem,
    Instructor,
    InsurancePolicy,
    Member,
    MemberCategory,
    Team,
    TeamDocument,
    TeamEquipment,
    TeamStatus,
)
from lms.models.areas import subtree_filter
from lms.scope import scope_for
from lms.services import instructors as instructor_services
from lms.services import members as member_services
from lms.services import teams as team_services

from .forms import (
    AreaFilterField,
    MemberForm,
    PolicyForm,
    TeamDocumentForm,
    TeamEquipmentForm,
    TeamForm,
)


def user_label(user) -> str:
    """A user as the admin names them; "—" for nobody."""
    return get_user_display_name(user) if user else "—"


class ScopedMixin:
    """Looks objects up in the scope's queryset (`scope_method` names a Scope method)."""

    scope_method = ""

    def scoped_queryset(self):
        return getattr(scope_for(self.request.user), self.scope_method)()

    def get_scoped_object(self, pk):
        return get_object_or_404(self.scoped_queryset(), pk=pk)


class ScopedIndexView(ScopedMixin, generic.IndexView):
    def get_base_queryset(self):
        queryset = self.scoped_queryset()
        related = getattr(self, "list_select_related", None)
        return queryset.select_related(*related) if related else queryset


class ServiceFormMixin:
    """Turns a DomainError from a service into an error on the form; nothing is saved."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except DomainError as exc:
            field = exc.field if exc.field in form.fields else None
            form.add_error(field, exc.message)
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)


class ScopedCreateView(ServiceFormMixin, ScopedMixin, generic.CreateView):
    pass


class ScopedEditView(ServiceFormMixin, ScopedMixin, generic.EditView):
    def get_object(self, queryset=None):
        return self.get_scoped_object(self.kwargs[self.pk_url_kwarg])


class ScopedDeleteView(ScopedMixin, generic.DeleteView):
    def get_object(self, queryset=None):
        if getattr(self, "object", None):
            return self.object
        return self.get_scoped_object(self.kwargs[self.pk_url_kwarg])


class ScopedUsageView(ScopedMixin, UsageView):
    def get_object(self):
        return self.get_scoped_object(self.kwargs["pk"])


class ScopedLogHistoryView(ScopedMixin, HistoryView):
    """Wagtail's own history (its log entries), for the models without simple-history."""

    def get_object(self):
        return self.get_scoped_object(self.pk)


def scoped(base, scope_method: str, **attrs):
    """A subclass of one of the scoped views above, bound to a Scope method."""
    name = f"{scope_method.title().replace('_', '')}{base.__name__}"
    return type(name, (base,), {"scope_method": scope_method, **attrs})


class ChangesColumn(Column):
    """What changed in one historical record, against the record before it."""

    masked_fields = {"id_number", "id_number_digest"}

    def get_value(self, instance):
        previous = instance.prev_record
        if previous is None:
            return _("创建记录")
        parts = []
        for change in instance.diff_against(previous).changes:
            field = instance.instance_type._meta.get_field(change.field)
            old, new = change.old, change.new
            if change.field in self.masked_fields:
                old, new = "（已隐藏）", "（已隐藏）"
            parts.append(f"{field.verbose_name}：{old or '—'} → {new or '—'}")
        return "；".join(parts) or _("无字段变化")


class ScopedHistoryView(ScopedMixin, HistoryView):
    """Who changed what and when, from django-simple-history."""

    filterset_class = None

    def get_base_object_queryset(self):
        return self.scoped_queryset()

    def get_object(self):
        return self.get_scoped_object(self.pk)

    @property
    def columns(self):
        return [
            DateColumn("history_date", label=_("时间"), width="18%"),
            Column(
                "history_user",
                label=_("操作人"),
                accessor=lambda r: user_label(r.history_user),
                width="15%",
            ),
            Column(
                "history_type",
                label=_("操作"),
                accessor=lambda r: {"+": _("创建"), "~": _("修改"), "-": _("删除")}[r.history_type],
                width="8%",
            ),
            ChangesColumn("changes", label=_("变更内容")),
        ]

    def get_base_queryset(self):
        return self.object.history.select_related("history_user").order_by("-history_date")


class AreaSubtreeFilterSet(WagtailFilterSet):
    """Filter by an area: the records anywhere in its subtree."""

    area_path_field = ""

    area = django_filters.ModelChoiceFilter(
        label=_("区域"), queryset=Area.objects.none(), method="filter_area"
    )

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        areas = scope_for(request.user).areas().filter(depth__lte=4) if request else Area.objects
        self.filters["area"].queryset = areas
        self.filters["area"].field_class = AreaFilterField

    def filter_area(self, queryset, name, value):
        return queryset.filter(**subtree_filter(self.area_path_field[: -len("path")], value.path))


class MemberFilterSet(AreaSubtreeFilterSet):
    area_path_field = "team__community__path"
    category = django_filters.ChoiceFilter(label=_("人员类别"), choices=MemberCategory.choices)
    active = django_filters.BooleanFilter(label=_("在队"), method="filter_active")

    class Meta:
        model = Member
        fields = ["category"]

    def filter_active(self, queryset, name, value):
        return queryset.active() if value else queryset.exclude(pk__in=queryset.active())


class TeamFilterSet(AreaSubtreeFilterSet):
    area_path_field = "community__path"
    status = django_filters.ChoiceFilter(label=_("状态"), choices=TeamStatus.choices)

    class Meta:
        model = Team
        fields = ["status"]


# -- Members -----------------------------------------------------------------------------


class MemberIndexView(ScopedIndexView):
    scope_method = "members"
    list_select_related = ["team"]


class MemberCreateView(ScopedCreateView):
    scope_method = "members"

    def save_instance(self):
        data = {k: v for k, v in self.form.cleaned_data.items() if k != "left_on"}
        return member_services.member_create(**data)


class MemberEditView(ScopedEditView):
    scope_method = "members"

    def save_instance(self):
        return member_services.member_update(member=self.object, **self.form.cleaned_data)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The form carries the full ID number only for people allowed to read it: log it.
        if "id_number" in context["form"].fields:
            privacy.id_numbers_shown(self.request, self.object)
        return context

    @cached_property
    def header_more_buttons(self):
        buttons = super().header_more_buttons
        scope = scope_for(self.request.user)
        if (
            scope.is_area_admin
            and scope.administered_teams().filter(pk=self.object.team_id).exists()
        ):
            buttons.append(
                Button(
                    _("导出个人数据"),
                    url=reverse("lms_privacy:export", args=[self.object.pk]),
                    icon_name="download",
                )
            )
            if not self.object.is_active and not self.object.is_erased:
                buttons.append(
                    Button(
                        _("删除个人信息"),
                        url=reverse("lms_privacy:erase", args=[self.object.pk]),
                        icon_name="bin",
                    )
                )
        return buttons


class MemberViewSet(ModelViewSet):
    name = "lms_member"
    url_prefix = "lms/member"
    model = Member
    icon = "user"
    menu_label = _("队员")
    add_to_admin_menu = False
    index_view_class = MemberIndexView
    add_view_class = MemberCreateView
    edit_view_class = MemberEditView
    delete_view_class = scoped(ScopedDeleteView, "members")
    history_view_class = scoped(ScopedHistoryView, "members")
    usage_view_class = scoped(ScopedUsageView, "members")
    copy_view_enabled = False
    list_display = [
        TitleColumn("name", label=_("姓名"), url_name="lms_member:edit"),
        Column("team", label=_("队伍")),
        Column("category", label=_("人员类别"), accessor="get_category_display"),
        Column("phone", label=_("手机号")),
        Column("id_number_masked", label=_("身份证号")),
        DateColumn("joined_on", label=_("入队日期")),
    ]
    filterset_class = MemberFilterSet
    search_fields = ["name", "phone", "name_pinyin"]
    search_backend_name = None
    ordering = ["name_pinyin"]
    edit_handler = ObjectList(
        [
            FieldPanel("team"),
            FieldRowPanel([FieldPanel("name"), FieldPanel("gender")]),
            FieldRowPanel([FieldPanel("birth_date", widget=AdminDateInput), FieldPanel("phone")]),
            FieldPanel("id_number"),
            FieldPanel("category"),
            FieldRowPanel(
                [
                    FieldPanel("joined_on", widget=AdminDateInput),
                    FieldPanel("left_on", widget=AdminDateInput),
                ]
            ),
            FieldPanel("skills"),
            FieldPanel("user"),
        ],
        base_form_class=MemberForm,
    )


# -- Teams -------------------------------------------------------------------------------


class TeamCreateView(ScopedCreateView):
    scope_method = "managed_teams"

    def save_instance(self):
        data = {k: v for k, v in self.form.cleaned_data.items() if k not in ("leader", "deputy")}
        return team_services.team_create(**data)


class TeamEditView(ScopedEditView):
    scope_method = "managed_teams"

    def save_instance(self):
        data = {k: v for k, v in self.form.cleaned_data.items() if k != "community"}
        return team_services.team_update(team=self.object, **data)


class TeamViewSet(ModelViewSet):
    name = "lms_team"
    url_prefix = "lms/team"
    model = Team
    icon = "group"
    menu_label = _("响应队")
    add_to_admin_menu = False
    index_view_class = scoped(ScopedIndexView, "teams", list_select_related=["community", "leader"])
    add_view_class = TeamCreateView
    edit_view_class = TeamEditView
    delete_view_class = scoped(ScopedDeleteView, "managed_teams")
    history_view_class = scoped(ScopedHistoryView, "teams")
    usage_view_class = scoped(ScopedUsageView, "teams")
    copy_view_enabled = False
    list_display = [
        TitleColumn("name", label=_("队伍名称"), url_name="lms_team:edit"),
        Column("community", label=_("社区（村）"), accessor="community.full_name"),
        Column("status", label=_("状态"), accessor="get_status_display"),
        Column("leader", label=_("队长")),
        Column("phone", label=_("联系电话")),
    ]
    filterset_class = TeamFilterSet
    search_fields = ["name", "registration_number"]
    search_backend_name = None
    edit_handler = ObjectList(
        [
            FieldPanel("community"),
            FieldPanel("name"),
            FieldRowPanel([FieldPanel("leader"), FieldPanel("deputy")]),
            FieldRowPanel([FieldPanel("phone"), FieldPanel("status")]),
            MultiFieldPanel(
                [
                    FieldPanel("founded_on", widget=AdminDateInput),
                    FieldPanel("registration_number"),
                    FieldPanel("registered_on", widget=AdminDateInput),
                ],
                heading=_("成立与登记"),
            ),
        ],
        base_form_class=TeamForm,
    )


# -- Instructors, policies, equipment ---------------------------------------------------


def _save_instructor(view):
    data = dict(view.form.cleaned_data)
    areas = list(data.pop("areas"))
    return instructor_services.instructor_update(instructor=view.object, areas=areas, **data)


def _create_instructor(view):
    return instructor_services.instructor_create(**view.form.cleaned_data)


class InstructorViewSet(ModelViewSet):
    name = "lms_instructor"
    url_prefix = "lms/instructor"
    model = Instructor
    icon = "user"
    menu_label = _("师资")
    add_to_admin_menu = False
    index_view_class = scoped(ScopedIndexView, "instructors")
    edit_view_class = scoped(ScopedEditView, "instructors", save_instance=_save_instructor)
    delete_view_class = scoped(ScopedDeleteView, "instructors")
    history_view_class = scoped(ScopedHistoryView, "instructors")
    usage_view_class = scoped(ScopedUsageView, "instructors")
    copy_view_enabled = False
    list_display = [
        TitleColumn("name", label=_("姓名"), url_name="lms_instructor:edit"),
        Column(
            "qualification_level", label=_("资质等级"), accessor="get_qualification_level_display"
        ),
        Column("organisation", label=_("工作单位")),
        Column("taught_hours", label=_("累计授课学时")),
    ]
    search_fields = ["name", "organisation"]
    search_backend_name = None
    list_filter = ["qualification_level", "active"]
    add_view_class = scoped(ScopedCreateView, "instructors", save_instance=_create_instructor)
    form_fields = [
        "name",
        "phone",
        "organisation",
        "qualification_level",
        "specialties",
        "areas",
        "active",
        "user",
    ]


class PolicyViewSet(ModelViewSet):
    name = "lms_policy"
    url_prefix = "lms/policy"
    model = InsurancePolicy
    icon = "doc-full"
    menu_label = _("意外伤害保险")
    add_to_admin_menu = False
    copy_view_enabled = False
    edit_handler = ObjectList(
        [
            FieldPanel("team"),
            FieldRowPanel([FieldPanel("insurer"), FieldPanel("policy_number")]),
            FieldRowPanel(
                [
                    FieldPanel("starts_on", widget=AdminDateInput),
                    FieldPanel("ends_on", widget=AdminDateInput),
                ]
            ),
            FieldPanel("members"),
            FieldPanel("document"),
        ],
        base_form_class=PolicyForm,
    )
    list_display = ["policy_number", "insurer", "team", "starts_on", "ends_on"]
    index_view_class = scoped(ScopedIndexView, "policies", list_select_related=["team"])
    edit_view_class = scoped(ScopedEditView, "policies")
    delete_view_class = scoped(ScopedDeleteView, "policies")
    history_view_class = scoped(ScopedHistoryView, "policies")
    usage_view_class = scoped(ScopedUsageView, "policies")


class TeamDocumentViewSet(ModelViewSet):
    name = "lms_document"
    url_prefix = "lms/document"
    model = TeamDocument
    icon = "doc-full"
    menu_label = _("制度文件")
    add_to_admin_menu = False
    copy_view_enabled = False
    edit_handler = ObjectList(
        [
            FieldPanel("team"),
            FieldRowPanel([FieldPanel("kind"), FieldPanel("title")]),
            FieldPanel("file"),
            FieldPanel("effective_on", widget=AdminDateInput),
        ],
        base_form_class=TeamDocumentForm,
    )
    list_display = [
        TitleColumn("title", label=_("标题"), url_name="lms_document:edit"),
        Column("team", label=_("队伍")),
        Column("kind", label=_("类别"), accessor="get_kind_display"),
        DateColumn("effective_on", label=_("生效日期")),
        TitleColumn(
            "download",
            label=_("下载"),
            accessor=lambda d: _("下载"),
            url_name="team_document_download",
        ),
    ]
    list_filter = ["kind"]
    index_view_class = scoped(ScopedIndexView, "managed_documents", list_select_related=["team"])
    edit_view_class = scoped(ScopedEditView, "managed_documents")
    delete_view_class = scoped(ScopedDeleteView, "managed_documents")
    history_view_class = scoped(ScopedLogHistoryView, "managed_documents")
    usage_view_class = scoped(ScopedUsageView, "managed_documents")


class TeamEquipmentViewSet(ModelViewSet):
    name = "lms_team_equipment"
    url_prefix = "lms/team-equipment"
    model = TeamEquipment
    icon = "tasks"
    menu_label = _("队伍装备")
    add_to_admin_menu = False
    copy_view_enabled = False
    edit_handler = ObjectList(
        [
            FieldPanel("team"),
            FieldRowPanel([FieldPanel("item"), FieldPanel("quantity")]),
            FieldPanel("checked_on", widget=AdminDateInput),
            FieldPanel("notes"),
        ],
        base_form_class=TeamEquipmentForm,
    )
    list_display = [
        TitleColumn("item", label=_("装备"), url_name="lms_team_equipment:edit"),
        Column("team", label=_("队伍")),
        Column("quantity", label=_("现有数量")),
        Column("required", label=_("标准数量"), accessor="item.required_quantity"),
        DateColumn("checked_on", label=_("检查日期")),
    ]
    index_view_class = scoped(ScopedIndexView, "equipment", list_select_related=["team", "item"])
    edit_view_class = scoped(ScopedEditView, "equipment")
    delete_view_class = scoped(ScopedDeleteView, "equipment")
    history_view_class = scoped(ScopedLogHistoryView, "equipment")
    usage_view_class = scoped(ScopedUsageView, "equipment")


class EquipmentItemViewSet(ModelViewSet):
    name = "lms_equipment"
    url_prefix = "lms/equipment"
    model = EquipmentItem
    icon = "list-ul"
    menu_label = _("标准装备清单")
    add_to_admin_menu = False
    copy_view_enabled = False
    form_fields = ["name", "category", "required_quantity", "sort_order"]
    list_display = ["name", "category", "required_quantity"]


class RecordsGroup(ViewSetGroup):
    menu_label = _("队伍与队员")
    menu_icon = "group"
    menu_order = 200
    items = (
        TeamViewSet,
        MemberViewSet,
        InstructorViewSet,
        PolicyViewSet,
        TeamDocumentViewSet,
        TeamEquipmentViewSet,
        EquipmentItemViewSet,
    )
