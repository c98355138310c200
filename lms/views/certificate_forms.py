"""Forms of the certificate pages. They only parse input; who may issue or revoke what,
and when, is for the scope and lms.services.certificates."""

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from courses.models import CoursePage
from lms.models import CertificateStatus, Member, Team

REVOKE_REASON_MAX = 200

# The short labels of badges, filters and exports (the model's are longer, for the admin).
STATUS_LABELS = {
    CertificateStatus.VALID: _("有效"),
    CertificateStatus.EXPIRED: _("已过期"),
    CertificateStatus.REVOKED: _("已撤销"),
    CertificateStatus.SUPERSEDED: _("已被取代"),
}


class _CourseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title}（{obj.code}）" if obj.code else obj.title


class _MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


def _live_courses() -> QuerySet[CoursePage]:
    return CoursePage.objects.live().order_by("title", "pk")


class CertificateFilterForm(forms.Form):
    """The list's filters (GET). A value that does not parse is ignored, not an error page."""

    ALL = ""

    course = _CourseChoiceField(
        label=_("课程"),
        queryset=CoursePage.objects.none(),
        required=False,
        empty_label=_("全部课程"),
    )
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[(ALL, _("全部状态")), *STATUS_LABELS.items()],
    )

    def __init__(self, *args, courses: QuerySet[CoursePage], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = courses

    def filters(self) -> dict:
        """Lookups for the valid fields only."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        lookups = {}
        if data.get("course"):
            lookups["course"] = data["course"]
        if data.get("status"):
            lookups["status"] = data["status"]
        return lookups


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("撤销原因"),
        max_length=REVOKE_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("请填写撤销原因。"),
            "max_length": _("撤销原因不能超过 %(limit_value)d 个字。"),
        },
        help_text=_("撤销后公开验证页面将显示“已撤销”及撤销日期，且不能恢复。"),
    )


class BulkIssueForm(forms.Form):
    """Every member of a team or area who completed the course, in a background job."""

    course = _CourseChoiceField(
        label=_("课程"),
        queryset=CoursePage.objects.none(),
        empty_label=_("请选择课程"),
        error_messages={
            "required": _("请选择课程。"),
            "invalid_choice": _("请选择一门已发布的课程。"),
        },
    )
    reissue = forms.BooleanField(
        label=_("重新发证"),
        required=False,
        help_text=_("已持有效证书的队员也发新证，旧证标记为已被取代。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = _live_courses()


class IssueForm(BulkIssueForm):
    """One member of the team, one course."""

    member = _MemberChoiceField(
        label=_("队员"),
        queryset=Member.objects.none(),
        empty_label=_("请选择队员"),
        error_messages={
            "required": _("请选择队员。"),
            "invalid_choice": _("只能为本队在队队员发证。"),
        },
    )

    field_order = ["member", "course", "reissue"]

    def __init__(self, *args, team: Team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = Member.objects.filter(team=team).active().by_pinyin()
        self.fields["reissue"].help_text = _("该队员已持有效证书时，发新证并将旧证标记为已被取代。")
