"""Leaders' forms for their team's public page and stories.

The forms only collect input; the services (publicity.services.pages) check it, photos
included, and their refusals are shown on the field they name.
"""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wagtail.images.utils import get_accept_attributes

from publicity.models import StoryPage, TeamPage

ACTION_DRAFT = "draft"
ACTION_SUBMIT = "submit"


def _image_input() -> forms.FileInput:
    return forms.FileInput(attrs={"accept": get_accept_attributes()})


class TeamPageForm(forms.Form):
    title = forms.CharField(
        label=_("页面标题"),
        max_length=255,
        required=False,
        help_text=_("留空则用队伍名称。"),
    )
    introduction = forms.CharField(
        label=_("队伍简介"),
        max_length=TeamPage._meta.get_field("introduction").max_length,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "介绍队伍的组建、特长和服务。为保护隐私，请不要写队员的姓名、身份证号或手机号。"
        ),
    )
    photo = forms.FileField(
        label=_("队伍照片"),
        required=False,
        widget=_image_input(),
        help_text=_("JPG、PNG、WebP 等图片，不超过 10MB；不选则保留原照片。"),
    )


class StoryForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=255)
    story_date = forms.DateField(
        label=_("事件日期"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    summary = forms.CharField(
        label=_("摘要"),
        max_length=StoryPage._meta.get_field("summary").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    body = forms.CharField(
        label=_("正文"),
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("空一行即为新的一段。为保护隐私，请不要写队员的姓名、身份证号或手机号。"),
    )
    hero_image = forms.FileField(
        label=_("题图"),
        required=False,
        widget=_image_input(),
        help_text=_("可选。JPG、PNG、WebP 等图片，不超过 10MB；不选则保留原图。"),
    )
