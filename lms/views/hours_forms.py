"""Forms of the service-hours and training-plan pages. They only parse input; the rules
(3 months back, 24 h a day, who may do what) are the services'."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.models import CoursePage
from lms.models import Area, Member, PlanItemKind, ServiceActivity
from lms.services.hours import DESCRIPTION_MAX, earliest_date

from .forms import DateInput


class _MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.team.name}）"


class ServiceRecordForm(forms.Form):
    """Hours on one day: for oneself, or (a leader) for a member of the team."""

    member = _MemberChoiceField(
        label=_("队员"),
        queryset=Member.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": _("只能为本人或所管理队伍的在队队员登记。")},
    )
    activity = forms.ChoiceField(label=_("活动类型"), choices=ServiceActivity.choices)
    date = forms.DateField(label=_("日期"), widget=DateInput)
    hours = forms.DecimalField(
        label=_("时长（小时）"),
        max_digits=4,
        decimal_places=1,
        widget=forms.NumberInput(
            attrs={"step": "0.5", "min": "0.5", "max": "24", "inputmode": "decimal"}
        ),
        help_text=_("以 0.5 小时为单位；同一天合计不超过 24 小时。"),
    )
    description = forms.CharField(
        label=_("服务内容"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members if members is not None else Member.objects.none()
        today = timezone.localdate()
        self.fields["date"].widget.attrs.update(
            {"max": today.isoformat(), "min": earliest_date(today).isoformat()}
        )
        self.fields["date"].help_text = _("只能登记最近 3 个月内的服务时长。")
        if not self.is_bound:
            self.initial.setdefault("date", today)

    @property
    def chooses_member(self) -> bool:
        return self.fields["member"].queryset.count() > 1


class ServiceRecordEditForm(ServiceRecordForm):
    """Correcting a pending record: the member stays."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["member"]

    @property
    def chooses_member(self) -> bool:
        return False


class PlanForm(forms.Form):
    area = forms.ModelChoiceField(
        label=_("区域"),
        queryset=Area.objects.none(),
        empty_label=_("请选择区域"),
        error_messages={"invalid_choice": _("只能为您管理的区域编制计划。")},
    )
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("计划名称"), max_length=120)
    responsible_name = forms.CharField(label=_("负责人"), max_length=40)
    responsible_phone = forms.CharField(label=_("负责人电话"), max_length=20, required=False)
    notes = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, areas=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["area"]
            del self.fields["year"]
        else:
            self.fields["area"].queryset = areas if areas is not None else Area.objects.none()
            self.initial.setdefault("year", timezone.localdate().year)


class _CourseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title}（{obj.code}）"


class PlanItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=PlanItemKind.choices)
    title = forms.CharField(label=_("项目名称"), max_length=120)
    planned_on = forms.DateField(label=_("计划日期"), widget=DateInput)
    course = _CourseChoiceField(
        label=_("课程（线上课程项目）"),
        queryset=CoursePage.objects.none(),
        required=False,
        empty_label=_("（不适用）"),
    )
    target_percent = forms.IntegerField(
        label=_("目标完成率（%）"),
        required=False,
        min_value=1,
        max_value=100,
        help_text=_("线上课程项目：区域在队队员中应结业的比例；不填按 100% 计。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = CoursePage.objects.live().order_by("title", "pk")


class _EventChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{timezone.localtime(obj.starts_at):%Y-%m-%d} {obj.title}"


class PlanItemLinkForm(forms.Form):
    """Which held drill or session fulfilled the item (empty: none)."""

    event = _EventChoiceField(
        label=_("对应的已举行活动"),
        queryset=None,
        required=False,
        empty_label=_("（未对应）"),
    )

    def __init__(self, *args, events, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event"].queryset = events
