"""Keep the cached public pages true when a page they show is published or withdrawn.

Wagtail's own purge (cms.signals) reaches a page, its ancestors and its siblings; these
reach the pages that show a team page or story elsewhere, and a contest's routes.
"""

from django.dispatch import receiver

from wagtail.signals import page_published, page_unpublished

from cms.cache import purge_paths

from .models import ContestEntry, ContestPage, StoryPage, TeamPage, TopTenEntry, page_teams
from .selectors.contest import contest_source
from .selectors.topten import top_ten_paths
from .services.contest import contest_public_paths


@receiver(page_published)
@receiver(page_unpublished)
def purge_top_ten_on_team_page_change(sender, instance, **kwargs):
    """The top-ten pages link each ranked team's page and stories."""
    if not isinstance(instance, TeamPage | StoryPage):
        return
    team_ids = [team.pk for team in page_teams(instance)]
    if TopTenEntry.objects.filter(team_id__in=team_ids).exists():
        purge_paths(top_ten_paths())


@receiver(page_published, sender=StoryPage)
@receiver(page_unpublished, sender=StoryPage)
def purge_story_team_pages(sender, instance, **kwargs):
    """A team's page lists its stories (in every language: aliases share the team)."""
    pages = TeamPage.objects.filter(team__in=page_teams(instance))
    paths = [parts[2] for parts in (page.get_url_parts() for page in pages) if parts]
    if paths:
        purge_paths(paths)


@receiver(page_published, sender=ContestPage)
@receiver(page_unpublished, sender=ContestPage)
def purge_contest_routes(sender, instance, **kwargs):
    """Publishing a contest page (new dates, results published…) changes its routes' pages
    too: the entries' pages and the results."""
    source = contest_source(instance)
    purge_paths(
        contest_public_paths(source, ContestEntry.objects.filter(contest=source).approved())
    )
