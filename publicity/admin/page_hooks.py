"""Admin: team pages and stories (edit limits by area) and keeping the language trees in step."""

from django.http import Http404

from wagtail import hooks

from cms.roles import REVIEWERS
from cms.translation import page_aliases_create
from lms.scope import scope_for

from ..models import StoryPage, TeamPage, page_teams


@hooks.register("after_create_page")
def create_aliases(request, page):
    """A page made in the admin gets its counterpart (an alias) in every other language,
    as the services do for pages made elsewhere."""
    page_aliases_create(page)


def _outside_scope(request, page) -> bool:
    """An area administrator (not a superuser or reviewer) reaching a team page or story
    about a team outside their areas."""
    if not issubclass(page.specific_class or type(page), (TeamPage, StoryPage)):
        return False
    user = request.user
    if user.is_superuser or user.groups.filter(name=REVIEWERS).exists():
        return False
    scope = scope_for(user)
    if not scope.is_area_admin:
        return False
    return not all(scope.administers(team.community) for team in page_teams(page))


@hooks.register("before_edit_page")
def guard_edit(request, page):
    if _outside_scope(request, page):
        raise Http404


@hooks.register("before_delete_page")
def guard_delete(request, page):
    if _outside_scope(request, page):
        raise Http404
