"""Trainers submit articles; only reviewers publish them."""

from django.contrib.auth.models import Group

from wagtail.models import WorkflowState

import pytest

from cms.models import ArticlePage
from cms.roles import REVIEWERS, TRAINERS, roles_setup
from tests.factories import ArticlePageFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(site_tree):
    roles_setup()
    return {
        "trainer": UserFactory(username="t1", groups=[Group.objects.get(name=TRAINERS)]),
        "reviewer": UserFactory(username="r1", groups=[Group.objects.get(name=REVIEWERS)]),
    }


def _edit_form(page, **overrides):
    data = {
        "title": page.title,
        "slug": page.slug,
        "hazard_type": page.hazard_type,
        "audience": page.audience,
        "summary": page.summary,
        "tags": "",
        "body-count": "1",
        "body-0-type": "paragraph",
        "body-0-value": '{"blocks":[{"key":"a","text":"新的正文","type":"unstyled","depth":0,'
        '"inlineStyleRanges":[],"entityRanges":[]}],"entityMap":{}}',
        "body-0-deleted": "",
        "body-0-order": "0",
        "body-0-id": "",
        "comments-TOTAL_FORMS": "0",
        "comments-INITIAL_FORMS": "0",
        "comments-MIN_NUM_FORMS": "0",
        "comments-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_roles_setup_is_idempotent():
    first = roles_setup()
    second = roles_setup()
    assert first.pk == second.pk
    assert Group.objects.filter(name__in=[TRAINERS, REVIEWERS]).count() == 2


def test_trainer_submits_and_reviewer_publishes(client, site_tree, people):
    draft = ArticlePageFactory(
        parent=site_tree["index"], title="待审文章", slug="pending", live=False
    )

    client.force_login(people["trainer"])
    response = client.post(
        f"/admin/pages/{draft.pk}/edit/", _edit_form(draft, **{"action-submit": "1"})
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    state = WorkflowState.objects.get(object_id=str(draft.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert client.get("/articles/pending/").status_code == 404  # not public yet

    # A trainer's attempt to publish directly is refused: the page stays unpublished.
    client.post(f"/admin/pages/{draft.pk}/edit/", _edit_form(draft, **{"action-publish": "1"}))
    assert not ArticlePage.objects.get(pk=draft.pk).live

    client.force_login(people["reviewer"])
    task_state = state.current_task_state
    response = client.post(
        f"/admin/pages/workflow/action/{draft.pk}/approve/{task_state.pk}/", {"comment": ""}
    )
    assert response.status_code in (200, 302)
    assert ArticlePage.objects.get(pk=draft.pk).live
    client.logout()
    assert "新的正文" in client.get("/articles/pending/").content.decode()
