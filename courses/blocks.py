"""Blocks only lessons use: the inline knowledge check, whose answers stay on the server."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from wagtail import blocks

from cms.blocks import ContentStreamBlock


class KnowledgeCheckBlock(blocks.StructBlock):
    """A one-question check inside a lesson. The template renders the options only:
    which are correct is looked up on the server when the learner answers.

    Render it with the block's id, which names the form's inputs and the answer the
    learner posts: `{% include_block block with block_id=block.id %}`.
    """

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

    def get_context(self, value, parent_context=None):
        """Only the question and the options reach the template: the answer and the
        explanation are left out of the context, so no template can show them."""
        parent_context = parent_context or {}
        block_id = parent_context.get("block_id", "")
        loop_block = parent_context.get("block")
        if not block_id and getattr(loop_block, "value", None) is value:
            block_id = loop_block.id  # `{% for block in page.body %}{% include_block block %}`
        public = {"question": value["question"], "options": list(value["options"])}
        context = {**parent_context, "self": public, "value": public}
        context.update(
            block_id=block_id or "",
            question=value["question"],
            options=list(value["options"]),
            multiple=len(set(value["correct"])) > 1,
        )
        return context

    def get_searchable_content(self, value):
        # The explanation gives the answer away: keep it out of the search index.
        return [value["question"], *value["options"]]

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
