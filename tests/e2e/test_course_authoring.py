"""A trainer revises a lesson of a granted course in the Wagtail admin; a reviewer approves it.

The demo data grants the `trainer` account two courses (courses.demo.TRAINER_GRANTS); the
edit, the submission and the approval all go through the browser.
"""

import re

from wagtail.models import WorkflowState

import pytest
from playwright.sync_api import expect

from courses.demo import TRAINER_GRANTS
from courses.models import CoursePage, LessonPage
from tests.e2e.admin import open_action_menu, sign_in, workflow_status

pytestmark = pytest.mark.e2e

NEW_TITLE = "认识广西的洪涝、台风与地质灾害"


def test_trainer_revises_a_granted_lesson_and_reviewer_approves(demo_site, new_context):
    granted = CoursePage.objects.get(code=TRAINER_GRANTS[0])
    not_granted = CoursePage.objects.exclude(code__in=TRAINER_GRANTS).first()
    lesson = LessonPage.objects.child_of(granted).live().first()
    old_title = lesson.title
    lesson_url = lesson.url
    edit_url = f"/admin/pages/{lesson.pk}/edit/"

    visitor = new_context(phone=True).new_page()
    assert visitor.goto(lesson_url).status == 200
    expect(visitor.locator("article.lesson h1")).to_have_text(old_title)

    # The trainer edits the lesson and submits it to the 内容审核 workflow.
    trainer = new_context().new_page()
    sign_in(trainer, "trainer")
    trainer.goto(edit_url)
    expect(trainer.locator("#id_title")).to_have_value(old_title)
    trainer.locator("#id_title").fill(NEW_TITLE)
    submit = trainer.locator('button[name="action-submit"]')
    open_action_menu(trainer, submit)
    expect(trainer.locator('button[name="action-publish"]')).to_have_count(0)
    submit.click()
    trainer.wait_for_url(re.compile(rf"/admin/pages/{granted.pk}/$"))
    assert workflow_status(lesson.pk) == WorkflowState.STATUS_IN_PROGRESS

    # A course not granted: its edit view is refused, and it is not in the explorer.
    trainer.goto(f"/admin/pages/{not_granted.pk}/edit/")
    trainer.wait_for_url(re.compile(r"/admin/$"))
    expect(trainer.get_by_text("您没有这门课程的编写授权")).to_be_visible()
    trainer.goto(f"/admin/pages/{granted.get_parent().pk}/")
    expect(trainer.get_by_role("link", name=granted.title).first).to_be_visible()
    expect(trainer.get_by_text(not_granted.title)).to_have_count(0)

    # Still the old title for the public.
    visitor.reload()
    expect(visitor.locator("article.lesson h1")).to_have_text(old_title)

    # The reviewer finds it awaiting review and approves it in the editor.
    reviewer = new_context().new_page()
    sign_in(reviewer, "reviewer")
    link = reviewer.locator("#awaiting-review-section").get_by_role("link", name=NEW_TITLE)
    expect(link).to_be_visible()
    link.click()
    reviewer.wait_for_url(re.compile(rf"{edit_url}$"))
    approve = reviewer.locator(
        'button[data-workflow-action-name="approve"]:not([data-workflow-action-modal-url])'
    )
    open_action_menu(reviewer, approve)
    approve.click()
    reviewer.wait_for_url(re.compile(r"/admin/pages/\d+/$"))
    assert workflow_status(lesson.pk) == WorkflowState.STATUS_APPROVED

    # Public now, with the new title, still without the knowledge checks' answers. (A new
    # visitor: the first one's browser may keep the old page for the max-age of a minute.)
    visitor = new_context(phone=True).new_page()
    assert visitor.goto(lesson_url).status == 200
    expect(visitor.locator("article.lesson h1")).to_have_text(NEW_TITLE)
    expect(visitor.locator(".knowledge-check")).to_have_count(0)
    expect(visitor.get_by_role("link", name="登录学习")).to_have_attribute(
        "href", f"/learn/lessons/{lesson.pk}/"
    )
