"""Forms of the drill and training-session pages. The services check every rule again;
these only turn the posted text into values and keep the choices within the user's scope."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from courses.models import CoursePage
from lms.models import Area, DrillRole, DrillScenario, Instructor, Team
from lms.scope import Scope
from lms.uploads import validate_photo

# Phones pick several teams comfortably from checkboxes up to this many; beyond it, a list.
CHECKBOXES_UP_TO = 30


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class _NamedChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class _CourseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title}（{obj.code}）"


def _set_teams(field: forms.ModelMultipleChoiceField, queryset) -> None:
    # The widget first: setting the queryset hands its choices to the widget in place.
    if queryset.count() <= CHECKBOXES_UP_TO:
        field.widget = forms.CheckboxSelectMultiple()
    else:
        field.widget = forms.SelectMultiple(attrs={"size": 8})
    field.queryset = queryset


class _EventTimes(forms.Form):
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=DateTimeLocalInput())
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=DateTimeLocalInput())

    def clean(self):
        cleaned = super().clean()
        starts_at, ends_at = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("结束时间应晚于开始时间。"))
        return cleaned


class DrillForm(_EventTimes):
    title = forms.CharField(label=_("演练名称"), max_length=120)
    scenario = forms.ChoiceField(label=_("演练科目"), choices=DrillScenario.choices)
    teams = _NamedChoices(
        label=_("参演队伍"),
        queryset=Team.objects.none(),
        error_messages={"required": _("请至少选择一支参演队伍。")},
    )
    place = forms.CharField(label=_("地点"), max_length=200)
    organiser = forms.CharField(label=_("组织单位"), max_length=100)
    objectives = forms.CharField(
        label=_("演练目标"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    field_order = ["title", "scenario", "teams", "starts_at", "ends_at", "place", "organiser"]

    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        teams = scope.managed_teams().order_by("community__code")
        _set_teams(self.fields["teams"], teams)
        if scope.led_team_ids and len(scope.led_team_ids) == 1 and not self.is_bound:
            self.initial.setdefault("teams", list(scope.led_team_ids))


class SessionForm(_EventTimes):
    title = forms.CharField(label=_("培训名称"), max_length=120)
    course = _CourseChoiceField(
        label=_("课程"), queryset=CoursePage.objects.none(), empty_label=_("请选择课程")
    )
    area = forms.ModelChoiceField(
        label=_("组织区域"), queryset=Area.objects.none(), empty_label=_("请选择区域")
    )
    teams = _NamedChoices(
        label=_("参训队伍"),
        queryset=Team.objects.none(),
        error_messages={"required": _("请至少选择一支参训队伍。")},
    )
    instructors = _NamedChoices(
        label=_("授课师资"),
        queryset=Instructor.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一名授课师资。")},
    )
    place = forms.CharField(label=_("地点"), max_length=200)
    credit_hours = forms.DecimalField(
        label=_("学时"), min_value=0.5, max_value=24, decimal_places=1, initial=2
    )
    notes = forms.CharField(
        label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    field_order = [
        "title",
        "course",
        "area",
        "teams",
        "instructors",
        "starts_at",
        "ends_at",
        "place",
        "credit_hours",
        "notes",
    ]

    def __init__(self, *args, scope: Scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = CoursePage.objects.live().order_by("title", "pk")
        # Sessions are organised by a region, city, county or township, not a community.
        if scope.is_area_admin:
            areas = scope.areas()
            teams = scope.managed_teams()
        else:
            # An instructor organises in the areas they serve and below them.
            served = Area.objects.filter(instructors__pk=scope.instructor_id)
            paths = Q(pk__in=[])
            for path in served.values_list("path", flat=True):
                paths |= Q(path__startswith=path)
            areas = Area.objects.filter(paths)
            teams = Team.objects.filter(community__in=areas)
        self.fields["area"].queryset = areas.filter(depth__lte=4).order_by("path")
        _set_teams(self.fields["teams"], teams.distinct().order_by("community__code"))
        self.fields["instructors"].queryset = scope.instructors().filter(active=True)
        if scope.instructor_id and not self.is_bound:
            self.initial.setdefault("instructors", [scope.instructor_id])


class CloseDrillForm(forms.Form):
    score = forms.IntegerField(label=_("评估得分（0–100）"), min_value=0, max_value=100)
    went_well = forms.CharField(label=_("做得好的方面"), widget=forms.Textarea(attrs={"rows": 3}))
    problems = forms.CharField(
        label=_("发现的问题"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    improvements = forms.CharField(
        label=_("改进措施"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("取消原因"), max_length=255)


class CorrectionForm(forms.Form):
    role = forms.ChoiceField(label=_("角色"), choices=DrillRole.choices)
    minutes = forms.IntegerField(
        label=_("参演时长（分钟）"),
        min_value=0,
        max_value=24 * 60,
        help_text=_("填 0 表示结束演练时按演练时长计。"),
    )
    remove = forms.BooleanField(label=_("从名单中删除（登记错了人）"), required=False)
    reason = forms.CharField(label=_("更正原因"), max_length=100, help_text=_("会记入更正记录。"))


class RemoveAttendanceForm(forms.Form):
    reason = forms.CharField(label=_("更正原因"), max_length=100)


class PhotoForm(forms.Form):
    image = forms.FileField(
        label=_("照片"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_("JPG、PNG 或 WebP，不超过 10 MB。"),
        validators=[validate_photo],
    )
    caption = forms.CharField(label=_("说明"), max_length=120, required=False)
