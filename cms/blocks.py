"""StreamField blocks shared by articles, stories and lessons."""

from django.utils.translation import gettext_lazy as _

from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock

RICH_FEATURES = ["bold", "italic", "link", "ol", "ul", "h3", "h4", "document-link"]


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("标题"), max_length=120)
    level = blocks.ChoiceBlock(
        choices=[("h2", _("二级标题")), ("h3", _("三级标题"))], default="h2", label=_("级别")
    )

    class Meta:
        icon = "title"
        label = _("小标题")
        template = "cms/blocks/heading.html"


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("图片"))
    caption = blocks.CharBlock(required=False, label=_("图注"))

    class Meta:
        icon = "image"
        label = _("图片")
        template = "cms/blocks/image.html"


class VideoBlock(blocks.StructBlock):
    """A video file kept in the document library, played by the browser itself (no third party)."""

    video = DocumentChooserBlock(label=_("视频文件（mp4/webm）"))
    caption = blocks.CharBlock(required=False, label=_("说明"))

    class Meta:
        icon = "media"
        label = _("本地视频")
        template = "cms/blocks/video.html"


class KeyStepsBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("标题"), default=_("关键步骤"))
    steps = blocks.ListBlock(blocks.CharBlock(label=_("步骤")), label=_("步骤"))

    class Meta:
        icon = "list-ol"
        label = _("关键步骤")
        template = "cms/blocks/key_steps.html"


class DoDontBlock(blocks.StructBlock):
    do = blocks.ListBlock(blocks.CharBlock(label=_("应该")), label=_("应该做"))
    dont = blocks.ListBlock(blocks.CharBlock(label=_("不要")), label=_("不要做"))

    class Meta:
        icon = "tasks"
        label = _("该做/不该做")
        template = "cms/blocks/do_dont.html"


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        choices=[("info", _("提示")), ("warning", _("警告")), ("danger", _("危险"))],
        default="info",
        label=_("类型"),
    )
    title = blocks.CharBlock(required=False, label=_("标题"))
    text = blocks.RichTextBlock(features=RICH_FEATURES, label=_("内容"))

    class Meta:
        icon = "warning"
        label = _("提示框")
        template = "cms/blocks/callout.html"


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("文件"))
    title = blocks.CharBlock(required=False, label=_("显示名称"))

    class Meta:
        icon = "doc-full"
        label = _("下载文件")
        template = "cms/blocks/document.html"


class ContentStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(features=RICH_FEATURES, label=_("正文"), icon="pilcrow")
    image = ImageBlock()
    embed = EmbedBlock(label=_("视频嵌入（链接）"), icon="media")
    video = VideoBlock()
    key_steps = KeyStepsBlock()
    do_dont = DoDontBlock()
    callout = CalloutBlock()
    document = DocumentBlock()
