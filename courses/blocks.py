"""Blocks only lessons use: the inline knowledge check, whose answers stay on the server."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from wagtail import blocks

from cms.blocks import ContentStreamBlock


class KnowledgeCheckBlock(blocks.StructBlock):
    """A one-question check inside a lesson. The template renders the options only:
    which are correct is looked up on the server when the learner answers."""

    question = blocks.CharBlock(label=_("题目"), max_length=300)
    options = blocks.ListBlock(blocks.CharBlock(label=_("选项"), max_length=200), label=_("选项"))
    correct = blocks.ListBlock(
        blocks.IntegerBlock(min_value=1, label=_("正确选项序号")),
        label=_("正确选项（从 1 开始的序号，可多选）"),
    )
    explanation = blocks.TextBlock(label=_("解析"), required=False)

    class Meta:
        icon = "help"
        label = _("随堂小测")
        template = "courses/blocks/knowledge_check.html"

    def clean(self, value):
        value = super().clean(value)
        count = len(value["options"])
        if count < 2:
            raise ValidationError(_("至少需要两个选项。"))
        bad = [n for n in value["correct"] if not 1 <= n <= count]
        if not value["correct"] or bad:
            raise ValidationError(_("正确选项序号必须在 1 到 %(n)d 之间。") % {"n": count})
        return value


class LessonStreamBlock(ContentStreamBlock):
    knowledge_check = KnowledgeCheckBlock()
