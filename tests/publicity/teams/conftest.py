"""Team pages and stories: uploads, and pages drafted, submitted and approved as people would."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile

from wagtail.models import WorkflowState

import pytest
from PIL import Image

from publicity.services.pages import story_save, team_page_save

INTRO = "我们是社区应急响应队，擅长防汛转移和应急救护。\n\n欢迎居民加入。"


def png_upload(name="photo.png", size=(64, 48)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (180, 35, 24)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def approve(page, user):
    """The current task of the page's workflow, approved by `user` (the Wagtail API)."""
    state = WorkflowState.objects.get(object_id=str(page.pk), status="in_progress")
    task_state = state.current_task_state
    task_state.task.specific.on_action(task_state.specific, user, "approve")
    page.refresh_from_db()
    return page


@pytest.fixture
def drafted(sections, world):
    """The Qingxiu team's page and a story, drafted and submitted by its leader."""
    team = world["qingxiu_team"]
    page = team_page_save(team=team, user=world["leader_user"], introduction=INTRO, submit=True)
    story = story_save(
        team=team,
        user=world["leader_user"],
        title="暴雨夜转移群众",
        summary="队员连夜转移低洼住户。",
        story_date=team.founded_on,
        body="深夜接到预警。\n\n队伍二十分钟内集结。",
        submit=True,
    )
    return {"page": page, "story": story}


@pytest.fixture
def published(drafted, world):
    """The drafted page and story, approved by the Qingxiu county administrator."""
    return {
        "page": approve(drafted["page"], world["qingxiu_admin"]),
        "story": approve(drafted["story"], world["qingxiu_admin"]),
    }
