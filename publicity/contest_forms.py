"""Forms of the contest: the public entry form, and the admin's filters, review and scores.

They only turn posted text into values; publicity.services.contest checks every rule again.
"""

from django import forms
from django.apps import apps
from django.utils.translation import gettext_lazy as _

from wagtail.models import Locale

from lms.models import Team, TeamStatus
from publicity.models.contest import EntryStatus

VIDEO_ACCEPT = ".mp4,.webm,.mov,video/mp4,video/webm,video/quicktime"


class ContestEntryForm(forms.Form):
    title = forms.CharField(
        label=_("作品名称"),
        max_length=60,
        error_messages={"required": _("请填写作品名称。")},
    )
    description = forms.CharField(
        label=_("作品简介"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("作品想说明的应急知识或技能，500 字以内。"),
        error_messages={"required": _("请填写作品简介。")},
    )
    team_name = forms.CharField(
        label=_("展现的队伍（选填）"),
        max_length=100,
        required=False,
        help_text=_("作品展现的社区响应队的全称，如“新竹社区应急响应队”；重名时请填写登记编号。"),
    )
    video = forms.FileField(
        label=_("视频文件"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": VIDEO_ACCEPT}),
    )
    embed_url = forms.CharField(
        label=_("或视频链接"),
        max_length=200,
        required=False,
        widget=forms.URLInput(attrs={"inputmode": "url", "placeholder": "https://"}),
        help_text=_(
            "已发布在腾讯视频、哔哩哔哩、抖音、西瓜视频、优酷、快手或微信视频号的作品，"
            "可直接填写分享链接。"
        ),
    )
    author_name = forms.CharField(
        label=_("作者姓名"),
        max_length=40,
        help_text=_("仅供大赛组委会联系，不会公开。"),
        error_messages={"required": _("请填写作者姓名。")},
    )
    author_phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("仅供大赛组委会联系，不会公开。"),
        error_messages={"required": _("请填写联系电话。")},
    )

    def __init__(self, *args, max_video_mb: int = 200, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["video"].help_text = _("MP4、WebM 或 MOV 格式，不超过 %(limit)s MB。") % {
            "limit": max_video_mb
        }

    def clean_team_name(self) -> Team | None:
        name = self.cleaned_data["team_name"].strip()
        if not name:
            return None
        teams = Team.objects.exclude(status=TeamStatus.DISSOLVED)
        found = list(teams.filter(name=name)[:2]) or list(
            teams.filter(registration_number=name)[:2]
        )
        if not found:
            raise forms.ValidationError(
                _("未找到这支队伍：请填写队伍全称或登记编号，不展现特定队伍可留空。")
            )
        if len(found) > 1:
            raise forms.ValidationError(_("有多支队伍同名：请改填这支队伍的登记编号。"))
        return found[0]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("video") and not (cleaned.get("embed_url") or "").strip():
            self.add_error("video", _("请上传视频文件，或填写视频链接。"))
        return cleaned


# -- admin ------------------------------------------------------------------------------------


class _ContestChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.title


def source_contests():
    """The contests in the default language (those that own entries), newest first."""
    ContestPage = apps.get_model("publicity", "ContestPage")
    return ContestPage.objects.filter(locale=Locale.get_default()).order_by("-opens_at")


class EntryFilterForm(forms.Form):
    contest = _ContestChoiceField(
        label=_("大赛"), queryset=None, required=False, empty_label=_("全部大赛")
    )
    status = forms.ChoiceField(
        label=_("审核状态"), choices=[("", _("全部状态")), *EntryStatus.choices], required=False
    )
    q = forms.CharField(label=_("搜索"), required=False, max_length=60)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contest"].queryset = source_contests()


class ContestChoiceForm(forms.Form):
    contest = _ContestChoiceField(label=_("大赛"), queryset=None, empty_label=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contest"].queryset = source_contests()


class EntryReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审核结论"),
        choices=[("approve", _("通过，公开展示")), ("reject", _("不通过"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择审核结论。")},
    )
    note = forms.CharField(
        label=_("审核意见"),
        max_length=255,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("不通过时必填，说明原因。"),
    )


class JudgeScoreForm(forms.Form):
    """One score field per published criterion, each 0..weight, one decimal place."""

    def __init__(self, *args, criteria=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            self.fields[f"criterion_{criterion.pk}"] = forms.DecimalField(
                label=_("%(name)s（0–%(weight)s 分）")
                % {"name": criterion.name, "weight": criterion.weight},
                help_text=criterion.description,
                min_value=0,
                max_value=criterion.weight,
                decimal_places=1,
                max_digits=5,
                widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
                error_messages={"required": _("请为这一项打分。")},
            )

    def scores(self) -> dict[int, object]:
        return {c.pk: self.cleaned_data[f"criterion_{c.pk}"] for c in self.criteria}
