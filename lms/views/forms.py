"""Forms of the leaders' and administrators' learning pages: assigning courses."""

from django import forms
from django.utils.translation import gettext_lazy as _

from courses.models import CoursePage
from lms.models import Member, Team


class DateInput(forms.DateInput):
    input_type = "date"


class _CourseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title}（{obj.code}）"


class _MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class AssignForm(forms.Form):
    """A live course and an optional due date."""

    course = _CourseChoiceField(
        label=_("课程"),
        queryset=CoursePage.objects.none(),
        empty_label=_("请选择课程"),
        error_messages={"invalid_choice": _("请选择一门已发布的课程。")},
    )
    due_on = forms.DateField(
        label=_("截止日期"),
        required=False,
        widget=DateInput,
        help_text=_("可不填；填写后，到期未结业的队员会标记为逾期。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Live courses only: a draft cannot be assigned (the service refuses it too).
        self.fields["course"].queryset = CoursePage.objects.live().order_by("title", "pk")


class TeamAssignForm(AssignForm):
    """A course for the whole team or for the members chosen."""

    WHOLE_TEAM = "team"
    CHOSEN = "chosen"

    who = forms.ChoiceField(
        label=_("安排给"),
        choices=[(WHOLE_TEAM, _("全队在队队员")), (CHOSEN, _("指定队员"))],
        initial=WHOLE_TEAM,
        widget=forms.RadioSelect,
    )
    members = _MemberChoiceField(
        label=_("队员"),
        queryset=Member.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("只能选择本队在队队员。")},
    )

    field_order = ["course", "who", "members", "due_on"]

    def __init__(self, *args, team: Team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = Member.objects.filter(team=team).active().by_pinyin()

    def clean(self):
        data = super().clean()
        if data.get("who") == self.CHOSEN and not data.get("members"):
            self.add_error("members", _("请至少选择一名队员。"))
        return data

    def chosen_members(self) -> list[Member] | None:
        """None for the whole team, else the members ticked."""
        if self.cleaned_data["who"] == self.WHOLE_TEAM:
            return None
        return list(self.cleaned_data["members"])
