"""A trainer submits an article for review in the Wagtail admin; a reviewer approves it.

The draft is made with the ORM; the submission and the approval go through the browser.
"""

import re

from wagtail.models import WorkflowState

from playwright.sync_api import expect

from cms.models import ArticlePage
from tests.e2e.admin import open_action_menu, sign_in, workflow_status
from tests.factories import ArticlePageFactory

NEW_TITLE = "台风过境后的安全检查清单"
NEW_SUMMARY = "台风过后，先检查房屋结构、电线和燃气，再清理积水，确认安全后才回家。"


def test_trainer_submits_and_reviewer_approves(demo_site, new_context):
    draft = ArticlePageFactory(
        parent=demo_site["index"],
        title="台风过后（草稿）",
        slug="after-the-typhoon",
        hazard_type="typhoon",
        summary="草稿摘要。",
        live=False,
    )
    draft_url = "/articles/after-the-typhoon/"
    edit_url = f"/admin/pages/{draft.pk}/edit/"

    # The trainer edits the draft and submits it to the 内容审核 workflow.
    trainer = new_context().new_page()
    sign_in(trainer, "trainer")
    trainer.goto(edit_url)
    trainer.locator("#id_title").fill(NEW_TITLE)
    trainer.locator("#id_summary").fill(NEW_SUMMARY)
    submit = trainer.locator('button[name="action-submit"]')
    open_action_menu(trainer, submit)
    # Trainers may not publish: the menu offers no publish action.
    expect(trainer.locator('button[name="action-publish"]')).to_have_count(0)
    submit.click()
    trainer.wait_for_url(re.compile(rf"/admin/pages/{demo_site['index'].pk}/$"))
    assert workflow_status(draft.pk) == WorkflowState.STATUS_IN_PROGRESS
    assert not ArticlePage.objects.get(pk=draft.pk).live

    # Not public yet.
    visitor = new_context().new_page()
    assert visitor.goto(draft_url).status == 404

    # The reviewer finds it awaiting review on the dashboard and approves it in the editor.
    reviewer = new_context().new_page()
    sign_in(reviewer, "reviewer")
    awaiting = reviewer.locator("#awaiting-review-section")
    link = awaiting.get_by_role("link", name=NEW_TITLE)
    expect(link).to_be_visible()
    link.click()
    reviewer.wait_for_url(re.compile(rf"{edit_url}$"))
    expect(reviewer.locator("#id_title")).to_have_value(NEW_TITLE)
    approve = reviewer.locator(
        'button[data-workflow-action-name="approve"]:not([data-workflow-action-modal-url])'
    )
    open_action_menu(reviewer, approve)
    approve.click()
    reviewer.wait_for_url(re.compile(r"/admin/pages/\d+/$"))
    assert workflow_status(draft.pk) == WorkflowState.STATUS_APPROVED
    assert ArticlePage.objects.get(pk=draft.pk).live

    # Public now, with the new content.
    response = visitor.goto(draft_url)
    assert response.status == 200
    expect(visitor.locator("article.article h1")).to_have_text(NEW_TITLE)
    expect(visitor.locator("article.article .lead")).to_have_text(NEW_SUMMARY)
