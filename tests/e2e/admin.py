"""Steps in the Wagtail admin shared by the browser tests."""

import re

from wagtail.models import WorkflowState

from playwright.sync_api import expect

DEMO_PASSWORD = "demo1234"


def sign_in(page, username, password=DEMO_PASSWORD):
    page.goto("/accounts/login/?next=/admin/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("form.stacked-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/$"))


def open_action_menu(page, button):
    """Open the editor footer's dropdown holding `button` (Save draft stays outside it)."""
    menu = page.locator(".w-dropdown-button").filter(has=button)
    menu.locator(".w-dropdown__toggle").click()
    expect(button).to_be_visible()


def workflow_status(page_pk):
    state = WorkflowState.objects.filter(object_id=str(page_pk)).order_by("-pk").first()
    return state.status if state else None
