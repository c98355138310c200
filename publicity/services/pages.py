"""Writes of teams' public pages and stories: drafts by the team's leaders, sent for approval.

A draft is a Wagtail revision; approval is the page's workflow (the area administrator's
task, publicity.models.workflow), after which Wagtail publishes it. Photos become Wagtail
images, checked the way Wagtail's own image form checks them.
"""

import datetime
import html
import os
import re

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from wagtail.images import get_image_model
from wagtail.images.fields import WagtailImageField
from wagtail.log_actions import log
from wagtail.models import Collection, Locale, Page, WorkflowState

from pypinyin import lazy_pinyin

from cms.translation import page_aliases_create
from cms.uploads import check_image
from lms.models import Member, Team
from lms.scope import scope_for
from publicity.errors import DomainError
from publicity.models import StoryIndexPage, StoryPage, TeamIndexPage, TeamPage

SLUG_MAX_LENGTH = 60
STORY_BODY_MAX_LENGTH = 20_000
# Shorter names (a single character) would match ordinary words.
NAME_MIN_LENGTH = 2


# -- checks shared by both pages -----------------------------------------------------------


def _check_manages(user, team: Team) -> None:
    if not scope_for(user).managed_teams().filter(pk=team.pk).exists():
        raise DomainError(_("您不能管理这支队伍的宣传页面。"))


def _required(value: str | None, *, field: str, label: str, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(_("请填写%(label)s。") % {"label": label}, field=field)
    if len(value) > max_length:
        raise DomainError(
            _("%(label)s不能超过 %(n)s 个字（现有 %(m)s 个）。")
            % {"label": label, "n": max_length, "m": len(value)},
            field=field,
        )
    return value


def _check_private(teams: list[Team], texts: dict[str, str]) -> None:
    """Public pages never carry a member's name, ID number or mobile number: refuse text
    that contains one of the teams' members' (those who left included)."""
    people = list(Member.objects.filter(team__in=teams).values_list("name", "id_number", "phone"))
    for field, text in texts.items():
        digits = re.sub(r"[\s\-]", "", text).upper()
        found = []
        for name, id_number, phone in people:
            if len(name) >= NAME_MIN_LENGTH and name in text:
                found.append(name)
            if id_number and id_number.upper() in digits:
                found.append(_("身份证号"))
            if phone and len(phone) >= 7 and phone in digits:
                found.append(_("手机号"))
        if found:
            raise DomainError(
                _(
                    "为保护队员隐私，公开页面不能出现队员的姓名、身份证号或手机号"
                    "（发现：%(found)s）。请改写后再保存。"
                )
                % {"found": "、".join(dict.fromkeys(found))},
                field=field,
            )


def _checked_image(upload: UploadedFile, *, field: str) -> UploadedFile:
    """The upload if it is an image Wagtail accepts (type, extension matching the content,
    size and pixel limits), else the reason."""
    try:
        upload = WagtailImageField(required=True).clean(upload)
        # Wagtail reads only the header: decode the image too (cms.uploads).
        check_image(upload)
        return upload
    except ValidationError as exc:
        raise DomainError(
            _("图片无法使用：%(reason)s") % {"reason": " ".join(exc.messages)}, field=field
        ) from exc
    except Exception as exc:
        # A file whose first bytes look like an image but which the image library cannot
        # read (Wagtail's form lets this one through as a server error).
        raise DomainError(_("图片无法使用：文件不是图片或者已经损坏。"), field=field) from exc


def _image_create(upload: UploadedFile, *, title: str, stem: str, user):
    """A Wagtail image from a checked upload. The file is renamed: an uploaded file's name
    (often a person's name) would otherwise show in the public image addresses."""
    extension = os.path.splitext(upload.name)[1].lower()
    upload.name = f"{stem}{extension}"
    image = get_image_model()(
        title=title,
        file=upload,
        collection=Collection.get_first_root_node(),
        uploaded_by_user=user,
    )
    image._set_image_file_metadata()
    image.save()
    return image


def _slug(text: str, fallback: str) -> str:
    slug = slugify("-".join(lazy_pinyin(text)))[:SLUG_MAX_LENGTH].strip("-")
    return slug or fallback


def _unique_slug(parent: Page, base: str) -> str:
    taken = set(parent.get_children().values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug = f"{base}-{n}"
        n += 1
    return slug


def _index(model, label: str) -> Page:
    index = model.objects.filter(locale=Locale.get_default()).first()
    if index is None:
        raise DomainError(_("网站还没有“%(label)s”栏目，请联系管理员。") % {"label": label})
    return index


def _check_not_in_moderation(page: Page | None) -> None:
    if page is not None and page.workflow_in_progress:
        raise DomainError(_("页面正在审核中，审核结束前不能修改或重复提交。"))


def _as_domain_error(exc: ValidationError) -> DomainError:
    if hasattr(exc, "error_dict"):
        field, messages = next(iter(exc.message_dict.items()))
        return DomainError(messages[0], field=None if field == "__all__" else field)
    return DomainError(exc.messages[0])


def _save(page: Page, *, parent: Page | None, user) -> Page:
    """A new revision of `page` (created under `parent` first if new), as Wagtail's editor
    saves one: a page not yet live keeps its row in step with the draft."""
    try:
        if parent is not None:
            parent.add_child(instance=page)
            log(instance=page, action="wagtail.create", user=user)
        elif not page.live:
            page.save()
        page.save_revision(user=user, log_action=True)
    except ValidationError as exc:
        raise _as_domain_error(exc) from exc
    if parent is not None:
        page_aliases_create(page)
    return page


def _submit(page: Page, user) -> None:
    """Start the page's approval workflow (or resume it, after the reviewer asked for
    changes), as Wagtail's "submit for moderation" does."""
    workflow = page.get_workflow()
    if workflow is None:
        raise DomainError(_("网站尚未设置审核流程，暂时不能提交，请联系管理员。"))
    state = page.current_workflow_state
    if state is not None and state.status == WorkflowState.STATUS_NEEDS_CHANGES:
        state.resume(user)
    else:
        workflow.start(page, user)


def _write(build, uploads: list[tuple], user):
    """Run `build(images)` after checking every upload; if anything fails, remove the files
    already stored (the database rows go with the transaction)."""
    checked = [(_checked_image(upload, field=field), rest) for upload, field, rest in uploads]
    images = []
    try:
        images = [_image_create(upload, user=user, **rest) for upload, rest in checked]
        return build(images)
    except BaseException:
        for image in images:
            image.file.delete(save=False)
        raise


# -- the team's page -----------------------------------------------------------------------


@transaction.atomic
def team_page_save(
    *,
    team: Team,
    user,
    introduction: str,
    title: str | None = None,
    photo: UploadedFile | None = None,
    submit: bool = False,
) -> TeamPage:
    """Create the team's public page as a draft, or save a new draft of it; with `submit`,
    send it to the area administrator for approval."""
    _check_manages(user, team)
    title = _required(
        title or team.name,
        field="title",
        label=_("页面标题"),
        max_length=TeamPage._meta.get_field("title").max_length,
    )
    introduction = _required(
        introduction,
        field="introduction",
        label=_("队伍简介"),
        max_length=TeamPage._meta.get_field("introduction").max_length,
    )
    _check_private([team], {"title": title, "introduction": introduction})
    # One page per team: two leaders saving at once wait for each other here.
    Team.objects.select_for_update().filter(pk=team.pk).first()
    page = TeamPage.objects.filter(team=team, locale=Locale.get_default()).first()
    _check_not_in_moderation(page)
    parent = _index(TeamIndexPage, _("队伍风采")) if page is None else None

    def build(images):
        photo_image = images[0] if images else None
        if page is None:
            draft = TeamPage(
                title=title,
                slug=_unique_slug(parent, _slug(team.community.name, f"team-{team.pk}")),
                team=team,
                introduction=introduction,
                photo=photo_image,
                live=False,
                owner=user,
            )
        else:
            draft = page.get_latest_revision_as_object()
            draft.title = title
            draft.introduction = introduction
            if photo_image is not None:
                draft.photo = photo_image
        _save(draft, parent=parent, user=user)
        if submit:
            _submit(draft, user)
        return draft

    uploads = []
    if photo is not None:
        rest = {"title": _("%(team)s · 队伍照片") % {"team": team.name}, "stem": f"team-{team.pk}"}
        uploads.append((photo, "photo", rest))
    return _write(build, uploads, user)


# -- stories -------------------------------------------------------------------------------


def story_paragraphs(text: str) -> list[tuple[str, str]]:
    """Plain text to rich-text paragraph blocks: a blank line starts a paragraph, a line break
    inside one is kept."""
    blocks = []
    for paragraph in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()):
        lines = [html.escape(line.strip()) for line in paragraph.split("\n") if line.strip()]
        if lines:
            blocks.append(("paragraph", "<p>" + "<br/>".join(lines) + "</p>"))
    return blocks


def _only_paragraphs(story: StoryPage) -> bool:
    return all(block.block_type == "paragraph" for block in story.body)


@transaction.atomic
def story_save(
    *,
    team: Team,
    user,
    title: str,
    summary: str,
    story_date: datetime.date,
    body: str,
    hero_image: UploadedFile | None = None,
    story: StoryPage | None = None,
    submit: bool = False,
) -> StoryPage:
    """Write a story about the team as a draft (or a new draft of one of its stories); with
    `submit`, send it for approval."""
    _check_manages(user, team)
    if story is not None and (
        story.written_by_id != team.pk or story.locale_id != Locale.get_default().pk
    ):
        raise DomainError(_("只能修改本队撰写的故事。"))
    title = _required(
        title,
        field="title",
        label=_("标题"),
        max_length=StoryPage._meta.get_field("title").max_length,
    )
    summary = _required(
        summary,
        field="summary",
        label=_("摘要"),
        max_length=StoryPage._meta.get_field("summary").max_length,
    )
    body = _required(body, field="body", label=_("正文"), max_length=STORY_BODY_MAX_LENGTH)
    if story_date is None:
        raise DomainError(_("请填写事件日期。"), field="story_date")
    if story_date > timezone.localdate():
        raise DomainError(_("事件日期不能晚于今天。"), field="story_date")
    _check_private([team], {"title": title, "summary": summary, "body": body})
    _check_not_in_moderation(story)
    parent = _index(StoryIndexPage, _("队伍故事")) if story is None else None
    draft_before = story.get_latest_revision_as_object() if story is not None else None
    if draft_before is not None and not _only_paragraphs(draft_before):
        raise DomainError(_("这篇故事已在后台加入图片等内容，请联系区域管理员在后台修改。"))

    def build(images):
        image = images[0] if images else None
        if story is None:
            draft = StoryPage(
                title=title,
                slug=_unique_slug(parent, _slug(title, f"story-{team.pk}")),
                written_by=team,
                live=False,
                owner=user,
            )
        else:
            draft = draft_before
            draft.title = title
        draft.summary = summary
        draft.story_date = story_date
        draft.body = story_paragraphs(body)
        draft.teams = [team]
        if image is not None:
            draft.hero_image = image
        _save(draft, parent=parent, user=user)
        if submit:
            _submit(draft, user)
        return draft

    uploads = []
    if hero_image is not None:
        rest = {"title": _("%(title)s · 题图") % {"title": title}, "stem": f"story-{team.pk}"}
        uploads.append((hero_image, "hero_image", rest))
    return _write(build, uploads, user)
