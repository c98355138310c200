"""Drafting a team's page and its stories: what is saved, what is refused and why."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from wagtail.images import get_image_model
from wagtail.models import Locale, Revision, WorkflowState

import pytest

from publicity.errors import DomainError
from publicity.models import StoryPage, TeamPage
from publicity.selectors.teams import page_state, story_body_text
from publicity.services.pages import story_save, team_page_save
from tests.factories import MemberFactory, UserFactory

from .conftest import INTRO, approve, png_upload

pytestmark = pytest.mark.django_db

Image = get_image_model()


def _story(world, **overrides):
    fields = {
        "team": world["qingxiu_team"],
        "user": world["leader_user"],
        "title": "社区防汛演练",
        "summary": "一次全员参加的防汛演练。",
        "story_date": datetime.date(2025, 6, 1),
        "body": "第一段。\n第一段第二行 <b>不是标签</b>\n\n\n第二段。",
    }
    fields.update(overrides)
    return story_save(**fields)


def _revisions(page) -> int:
    return Revision.objects.filter(object_id=str(page.pk)).count()


def test_first_save_creates_a_draft_under_the_directory(sections, world):
    team = world["qingxiu_team"]
    page = team_page_save(team=team, user=world["leader_user"], introduction=INTRO)

    assert page.get_parent().pk == sections["teams"].pk
    assert not page.live
    assert page.title == team.name
    assert page.introduction == INTRO
    assert page.slug == "xin-zhu-she-qu"
    assert page.owner == world["leader_user"]
    assert _revisions(page) == 1
    assert page_state(page).code == "draft"
    # Not sent for approval unless asked.
    assert not WorkflowState.objects.filter(object_id=str(page.pk)).exists()
    # Its counterparts in Zhuang and English (aliases until translated), not live either.
    others = TeamPage.objects.filter(team=team).exclude(pk=page.pk)
    assert {p.locale.language_code for p in others} == {"za", "en"}
    assert all(p.alias_of_id == page.pk and not p.live for p in others)


def test_saving_again_adds_a_revision_of_the_same_page(sections, world):
    team = world["qingxiu_team"]
    first = team_page_save(team=team, user=world["leader_user"], introduction=INTRO)
    second = team_page_save(
        team=team, user=world["leader_user"], introduction="新的简介。", title="新竹尖兵"
    )
    assert second.pk == first.pk
    assert _revisions(first) == 2
    assert TeamPage.objects.filter(team=team, locale=Locale.get_default()).count() == 1
    first.refresh_from_db()
    # Not live yet: the page row follows the draft, as in Wagtail's editor.
    assert (first.title, first.introduction) == ("新竹尖兵", "新的简介。")


def test_a_live_page_keeps_its_public_text_until_the_new_draft_is_approved(published, world):
    page = published["page"]
    team_page_save(team=world["qingxiu_team"], user=world["leader_user"], introduction="改过的简介")
    page.refresh_from_db()
    assert page.live
    assert page.introduction == TeamPage.objects.get(pk=page.pk).introduction != "改过的简介"
    assert page.has_unpublished_changes
    state = page_state(page)
    assert (state.code, state.has_draft) == ("live", True)


def test_submit_starts_the_area_approval_and_refuses_a_second_submission(sections, world):
    team = world["qingxiu_team"]
    page = team_page_save(team=team, user=world["leader_user"], introduction=INTRO, submit=True)
    state = WorkflowState.objects.get(object_id=str(page.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.workflow.pk == sections["workflow"].pk
    assert state.requested_by == world["leader_user"]
    assert page_state(page).code == "moderation"

    for submit in (True, False):
        with pytest.raises(DomainError, match="审核中"):
            team_page_save(team=team, user=world["leader_user"], introduction="再改", submit=submit)
    assert _revisions(page) == 1


def test_resubmitting_after_changes_were_asked_resumes_the_workflow(drafted, world):
    page = drafted["page"]
    state = WorkflowState.objects.get(object_id=str(page.pk))
    task_state = state.current_task_state
    task_state.task.specific.on_action(
        task_state.specific, world["qingxiu_admin"], "reject", comment="请补充队伍特长"
    )
    found = page_state(page)
    assert (found.code, found.comment) == ("changes", "请补充队伍特长")

    team_page_save(
        team=world["qingxiu_team"],
        user=world["leader_user"],
        introduction=INTRO + "\n\n特长：水上救援。",
        submit=True,
    )
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert page_state(page).code == "moderation"


def test_a_photo_becomes_an_image_whose_name_tells_nothing(sections, world):
    page = team_page_save(
        team=world["qingxiu_team"],
        user=world["leader_user"],
        introduction=INTRO,
        photo=png_upload("蒙队长和陆队员.png"),
    )
    image = page.photo
    assert image is not None
    assert (image.width, image.height) == (64, 48)
    assert image.file_size and image.file_hash
    assert "蒙队长" not in image.file.name and "蒙队长" not in image.title
    assert world["qingxiu_team"].name in image.title


@pytest.mark.parametrize(
    ("upload", "reason"),
    [
        (SimpleUploadedFile("photo.png", b"%PDF-1.4 not an image"), "不是图片"),
        (png_upload("photo.jpg"), "扩展名与文件格式不匹配"),
        (png_upload("photo.pdf"), "不支持的图片格式"),
    ],
)
def test_a_wrong_photo_is_refused_with_the_reason_and_nothing_is_saved(
    sections, world, upload, reason
):
    revisions = Revision.objects.count()
    with pytest.raises(DomainError) as refused:
        team_page_save(
            team=world["qingxiu_team"], user=world["leader_user"], introduction=INTRO, photo=upload
        )
    assert refused.value.field == "photo"
    assert refused.value.message.startswith("图片无法使用：")
    assert reason in refused.value.message
    assert not TeamPage.objects.exists()
    assert not Image.objects.exists()
    assert Revision.objects.count() == revisions


@override_settings(WAGTAILIMAGES_MAX_UPLOAD_SIZE=100)
def test_a_photo_over_the_size_limit_is_refused(sections, world):
    with pytest.raises(DomainError, match="文件过大") as refused:
        team_page_save(
            team=world["qingxiu_team"],
            user=world["leader_user"],
            introduction=INTRO,
            photo=png_upload(size=(400, 400)),
        )
    assert refused.value.field == "photo"
    assert not TeamPage.objects.exists()
    assert not Image.objects.exists()


def test_a_failure_after_the_photo_was_stored_removes_it(sections, world, monkeypatch):
    stored = []
    original = Image.save

    def remember(self, *args, **kwargs):
        original(self, *args, **kwargs)
        stored.append(self.file.name)

    monkeypatch.setattr(Image, "save", remember)
    monkeypatch.setattr("publicity.services.pages.page_aliases_create", _fail)
    with pytest.raises(RuntimeError):
        team_page_save(
            team=world["qingxiu_team"],
            user=world["leader_user"],
            introduction=INTRO,
            photo=png_upload(),
        )
    assert stored
    assert not Image.objects.exists()
    assert not TeamPage.objects.exists()
    assert not Image._meta.get_field("file").storage.exists(stored[0])


def _fail(page):
    raise RuntimeError("boom")


@pytest.mark.parametrize(
    ("field", "text", "found"),
    [
        ("introduction", "队长蒙队长带领队员训练。", "蒙队长"),
        ("title", "陆队员的队伍", "陆队员"),
        ("introduction", "联系电话 {phone}", "手机号"),
        ("introduction", "证件 {id_number}", "身份证号"),
    ],
)
def test_member_names_and_numbers_are_refused_on_public_text(sections, world, field, text, found):
    member = world["member"]
    text = text.format(phone=member.phone, id_number=member.id_number)
    fields = {"introduction": INTRO, field: text}
    with pytest.raises(DomainError, match=found) as refused:
        team_page_save(team=world["qingxiu_team"], user=world["leader_user"], **fields)
    assert refused.value.field == field
    assert not TeamPage.objects.exists()


def test_a_former_members_name_is_refused_too(sections, world):
    MemberFactory(team=world["qingxiu_team"], name="黄离队", left_on=datetime.date(2025, 1, 1))
    with pytest.raises(DomainError, match="黄离队"):
        team_page_save(
            team=world["qingxiu_team"], user=world["leader_user"], introduction="感谢黄离队。"
        )


def test_only_those_managing_the_team_may_write_its_page(sections, world):
    for user in (world["liuzhou_admin"], world["member_user"], UserFactory()):
        with pytest.raises(DomainError, match="不能管理"):
            team_page_save(team=world["qingxiu_team"], user=user, introduction=INTRO)
    # The county administrator over the team may.
    page = team_page_save(
        team=world["qingxiu_team"], user=world["qingxiu_admin"], introduction=INTRO
    )
    assert page.pk


def test_an_introduction_is_required_and_limited(sections, world):
    with pytest.raises(DomainError, match="请填写队伍简介") as refused:
        team_page_save(team=world["qingxiu_team"], user=world["leader_user"], introduction="  ")
    assert refused.value.field == "introduction"
    with pytest.raises(DomainError, match="不能超过 1000 个字"):
        team_page_save(
            team=world["qingxiu_team"], user=world["leader_user"], introduction="队" * 1001
        )


# -- stories --------------------------------------------------------------------------------


def test_a_story_is_drafted_under_the_stories_about_its_team(sections, world):
    story = _story(world)
    team = world["qingxiu_team"]
    assert story.get_parent().pk == sections["stories"].pk
    assert not story.live
    assert story.written_by == team
    assert list(story.teams.all()) == [team]
    assert [block.block_type for block in story.body] == ["paragraph", "paragraph"]
    assert story.body[0].value.source == (
        "<p>第一段。<br/>第一段第二行 &lt;b&gt;不是标签&lt;/b&gt;</p>"
    )
    assert story_body_text(story) == (
        "第一段。\n第一段第二行 <b>不是标签</b>\n\n第二段。",
        True,
    )
    assert StoryPage.objects.filter(translation_key=story.translation_key).count() == 3


def test_editing_a_story_adds_a_revision(sections, world):
    story = _story(world)
    again = _story(world, story=story, title="防汛演练（修订）", body="只有一段。")
    assert again.pk == story.pk
    assert _revisions(story) == 2
    story.refresh_from_db()
    assert story.title == "防汛演练（修订）"
    assert story_body_text(story)[0] == "只有一段。"


def test_a_leader_edits_only_their_own_teams_stories(sections, world):
    liuzhou_leader = UserFactory(username="liuzhou-leader")
    leader = MemberFactory(team=world["liuzhou_team"], name="柳队长", user=liuzhou_leader)
    world["liuzhou_team"].leader = leader
    world["liuzhou_team"].save()
    story = _story(world)

    # Editing it as their own team's story: refused, the story is not theirs.
    with pytest.raises(DomainError, match="只能修改本队撰写的故事"):
        _story(world, team=world["liuzhou_team"], user=liuzhou_leader, story=story)
    # Naming the right team does not help: they do not manage it.
    with pytest.raises(DomainError, match="不能管理"):
        _story(world, user=liuzhou_leader, story=story, title="改掉")
    story.refresh_from_db()
    assert story.title == "社区防汛演练"
    assert _revisions(story) == 1


def test_a_story_cannot_be_dated_in_the_future(sections, world):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(DomainError, match="不能晚于今天") as refused:
        _story(world, story_date=tomorrow)
    assert refused.value.field == "story_date"
    assert not StoryPage.objects.exists()


def test_a_story_naming_a_member_is_refused(sections, world):
    with pytest.raises(DomainError, match="陆队员") as refused:
        _story(world, body="当晚陆队员第一个赶到。")
    assert refused.value.field == "body"
    assert not StoryPage.objects.exists()


def test_a_wrong_hero_image_is_refused_and_nothing_saved(sections, world):
    with pytest.raises(DomainError, match="图片无法使用") as refused:
        _story(world, hero_image=SimpleUploadedFile("hero.gif", b"GIF89a broken"))
    assert refused.value.field == "hero_image"
    assert not StoryPage.objects.exists()
    assert not Image.objects.exists()


def test_a_story_being_reviewed_cannot_be_changed(drafted, world):
    with pytest.raises(DomainError, match="审核中"):
        _story(world, story=drafted["story"], title="改掉")


def test_a_story_changed_in_the_admin_with_other_blocks_is_left_to_the_admin(sections, world):
    story = _story(world)
    story.body = [*story_body_blocks(story), ("key_steps", {"title": "步骤", "steps": ["一"]})]
    story.save_revision()
    with pytest.raises(DomainError, match="请联系区域管理员在后台修改"):
        _story(world, story=story, body="覆盖掉")


def story_body_blocks(story):
    return [(block.block_type, block.value) for block in story.body]


def test_approval_publishes_the_story(drafted, world):
    story = approve(drafted["story"], world["qingxiu_admin"])
    assert story.live
    assert page_state(story).code == "live"
