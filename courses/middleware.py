"""Keeps restricted trainers out of the drafts and history of courses not granted to them.

Wagtail's page permissions let trainers edit anywhere in the catalog and the hooks in
wagtail_hooks.py narrow the editing views; Wagtail has no hook before the views that only
show a page's content (a revision, a comparison, a draft preview, the history), so this
guard applies the same rule to them.
"""

from wagtail.models import Page

from . import permissions
from .wagtail_hooks import refuse

READING_VIEWS = {
    "preview_on_edit",
    "view_draft",
    "usage",
    "revisions_index",
    "revisions_view",
    "revisions_compare",
    "revisions_revert",
    "revisions_unschedule",
    "workflow_history",
    "workflow_history_detail",
    "workflow_preview",
    "history",
    "history_results",
}


class CourseDraftsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if (
            match is None
            or match.namespace != "wagtailadmin_pages"
            or match.url_name not in READING_VIEWS
            or not permissions.is_grant_restricted(request.user)
        ):
            return None
        # Most of these routes name the page `page_id`; the comparison names it `pk`.
        page_id = view_kwargs.get("page_id", view_kwargs.get("pk"))
        page = Page.objects.filter(pk=page_id).first()
        if page is None or permissions.user_may_author(request.user, page):
            return None
        return refuse(request)
