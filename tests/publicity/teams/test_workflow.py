"""Approval through Wagtail's own screens: the county administrator over the team approves;
another county's administrator neither sees the page awaiting review nor may approve it."""

from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from wagtail.models import GroupPagePermission, Page, WorkflowState

import pytest

from cms.roles import REVIEWERS, roles_setup
from publicity.models import StoryPage, TeamPage
from publicity.roles import publicity_setup
from publicity.services.pages import story_save
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _task_state(page):
    state = WorkflowState.objects.get(object_id=str(page.pk), status="in_progress")
    return state.current_task_state


def _action_url(page, action="approve"):
    return reverse(
        "wagtailadmin_pages:workflow_action", args=(page.pk, action, _task_state(page).pk)
    )


def _assert_refused(response):
    """Wagtail's admin answers a refused action by sending the user back to its dashboard
    (an approval goes on to the page's editor)."""
    assert response.status_code == 302
    assert response.url == reverse("wagtailadmin_home")


def _awaiting_review(client) -> str:
    html = client.get("/admin/").content.decode()
    start = html.find('id="awaiting-review-section"')
    return html[start : html.find("</section>", start)] if start >= 0 else ""


def test_the_county_administrator_sees_and_approves_both(client, drafted, world):
    page, story = drafted["page"], drafted["story"]
    admin = world["qingxiu_admin"]
    # Nothing in Wagtail's page permissions lets them publish: the task does.
    assert not page.permissions_for_user(admin).can_publish()
    assert client.get(page.url).status_code == 404

    client.force_login(admin)
    panel = _awaiting_review(client)
    assert page.title in panel
    assert story.title in panel

    for each in (page, story):
        response = client.post(_action_url(each), {})
        assert response.status_code == 302
        each.refresh_from_db()
        assert each.live
        assert not each.has_unpublished_changes
        assert WorkflowState.objects.get(object_id=str(each.pk)).status == "approved"
    assert _awaiting_review(client).count("<tr") <= 1  # nothing left but the header, if any

    client.logout()
    response = client.get(page.url)
    assert response.status_code == 200
    assert "欢迎居民加入" in response.content.decode()
    response = client.get(story.url)
    assert response.status_code == 200
    assert "队伍二十分钟内集结" in response.content.decode()
    # The Zhuang and English counterparts went live with it.
    assert client.get("/en" + page.url).status_code == 200
    assert client.get("/za" + story.url).status_code == 200


def test_another_countys_administrator_neither_sees_nor_approves(client, drafted, world):
    page, story = drafted["page"], drafted["story"]
    client.force_login(world["liuzhou_admin"])
    panel = _awaiting_review(client)
    assert page.title not in panel
    assert story.title not in panel

    for each in (page, story):
        _assert_refused(client.post(_action_url(each), {}))
        each.refresh_from_db()
        assert not each.live
        assert WorkflowState.objects.get(object_id=str(each.pk)).status == "in_progress"
        # Nor may they open the page in the editor through the task.
        assert client.get(f"/admin/pages/{each.pk}/edit/").status_code != 200


def test_the_leader_cannot_approve_their_own_page(client, drafted, world):
    client.force_login(world["leader_user"])
    _assert_refused(client.post(_action_url(drafted["page"]), {}))
    drafted["page"].refresh_from_db()
    assert not drafted["page"].live


def test_a_reviewer_may_approve_any(client, drafted, world):
    roles_setup()
    publicity_setup()  # adds the reviewers' group to the task, now that it exists
    reviewer = UserFactory(username="reviewer", groups=[Group.objects.get(name=REVIEWERS)])
    client.force_login(reviewer)
    assert drafted["page"].title in _awaiting_review(client)
    assert client.post(_action_url(drafted["page"]), {}).status_code == 302
    drafted["page"].refresh_from_db()
    assert drafted["page"].live


def test_changes_asked_for_reach_the_leader_with_the_comment(client, drafted, world):
    page = drafted["page"]
    client.force_login(world["qingxiu_admin"])
    response = client.post(_action_url(page, "reject"), {"comment": "请补充队伍照片"})
    assert response.status_code == 302
    assert WorkflowState.objects.get(object_id=str(page.pk)).status == "needs_changes"

    client.force_login(world["leader_user"])
    html = client.get(
        reverse("publicity:team_page", args=[world["qingxiu_team"].pk])
    ).content.decode()
    assert "退回修改" in html
    assert "请补充队伍照片" in html


def test_the_county_administrator_approves_from_the_editor(client, drafted, world):
    page = drafted["page"]
    client.force_login(world["qingxiu_admin"])
    assert client.get(f"/admin/pages/{page.pk}/edit/").status_code == 200


def test_approval_clears_the_cached_public_pages(client, drafted, world):
    page, story = drafted["page"], drafted["story"]
    # Anonymous visits cache the directory and the stories while the drafts wait.
    assert page.title not in client.get("/teams/").content.decode()
    assert story.title not in client.get("/stories/").content.decode()
    assert client.get("/teams/")["X-Page-Cache"] == "hit"

    admin = world["qingxiu_admin"]
    _approve_as(admin, page)
    assert page.title in client.get("/teams/").content.decode()
    # The team page, now cached without the story...
    assert story.title not in client.get(page.url).content.decode()
    assert client.get(page.url)["X-Page-Cache"] == "hit"
    _approve_as(admin, story)
    # ...lists it as soon as the story is approved, in every language.
    assert story.title in client.get(page.url).content.decode()
    assert story.title in client.get("/en" + page.url).content.decode()
    assert story.title in client.get("/stories/").content.decode()


def _approve_as(user, page):
    task_state = _task_state(page)
    task_state.task.specific.on_action(task_state.specific, user, "approve")


def test_a_story_about_a_team_outside_the_area_is_not_the_county_administrators(
    client, sections, world
):
    """A story naming a team of another county is approved by a reviewer (or an
    administrator over both), not by either county alone."""
    story = story_save(
        team=world["qingxiu_team"],
        user=world["leader_user"],
        title="两地联合演练",
        summary="两支队伍联合演练。",
        story_date=world["qingxiu_team"].founded_on,
        body="联合演练。",
    )
    # The area office adds the other team in the admin, then the story is submitted.
    draft = story.get_latest_revision_as_object()
    draft.teams = [world["qingxiu_team"], world["liuzhou_team"]]
    draft.save_revision()
    draft.get_workflow().start(draft, world["leader_user"])

    client.force_login(world["qingxiu_admin"])
    assert story.title not in _awaiting_review(client)
    _assert_refused(client.post(_action_url(story), {}))
    assert not StoryPage.objects.get(pk=story.pk).live


def test_an_area_administrator_with_page_permissions_edits_only_pages_in_scope(
    client, published, world
):
    """Page permissions granted to the administrators' group do not reach other counties'
    teams: the admin answers 404 for the editor and the delete screen."""
    group = world["qingxiu_admin"].groups.get()
    for codename in ("change_page", "publish_page"):
        GroupPagePermission.objects.create(
            group=group, page=Page.get_first_root_node(), permission_id=_perm(codename)
        )
    page, story = published["page"], published["story"]

    client.force_login(world["liuzhou_admin"])
    for each in (page, story):
        assert client.get(f"/admin/pages/{each.pk}/edit/").status_code == 404
        assert client.get(f"/admin/pages/{each.pk}/delete/").status_code == 404
        assert client.post(f"/admin/pages/{each.pk}/delete/").status_code == 404
    assert TeamPage.objects.filter(pk=page.pk, live=True).exists()

    client.force_login(world["qingxiu_admin"])
    assert client.get(f"/admin/pages/{page.pk}/edit/").status_code == 200
    assert client.get(f"/admin/pages/{story.pk}/edit/").status_code == 200


def _perm(codename):
    return Permission.objects.get(content_type__app_label="wagtailcore", codename=codename).pk
