"""Approval of team pages and stories by the administrator of the teams' area."""

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from wagtail.models import AbstractGroupApprovalTask, Page, TaskState

from lms.models import Team
from lms.scope import scope_for

from .pages import StoryPage, TeamPage


def page_teams(page: Page) -> list[Team]:
    """The teams a page is about: a team page's own team, a story's teams and its writer."""
    page = page.specific
    if isinstance(page, TeamPage):
        return [page.team]
    if isinstance(page, StoryPage):
        teams = {team.pk: team for team in page.teams.all()}
        if page.written_by_id:
            teams.setdefault(page.written_by_id, page.written_by)
        return list(teams.values())
    return []


class AreaApprovalTask(AbstractGroupApprovalTask):
    """Approved by an administrator of the area holding every team the page is about.

    The chosen groups (the reviewers) may approve any page, as in a group approval task;
    a page about no team (the area office's own story) is theirs alone.
    """

    def _administers(self, obj, user) -> bool:
        if not user.is_authenticated:
            return False
        teams = page_teams(obj)
        scope = scope_for(user)
        return bool(teams) and all(scope.administers(team.community) for team in teams)

    def _may_approve(self, obj, user) -> bool:
        return user.is_superuser or self._user_in_groups(user) or self._administers(obj, user)

    def user_can_access_editor(self, obj, user):
        return self._may_approve(obj, user)

    def locked_for_user(self, obj, user):
        return not self._may_approve(obj, user)

    def user_can_lock(self, obj, user):
        return self._may_approve(obj, user)

    def get_actions(self, obj, user):
        if self._may_approve(obj, user):
            return [
                ("reject", _("退回修改"), True),
                ("approve", _("批准发布"), False),
                ("approve", _("批准并留言"), True),
            ]
        return []

    def get_task_states_user_can_moderate(self, user, **kwargs) -> QuerySet[TaskState]:
        in_progress = self.task_states.filter(status=TaskState.STATUS_IN_PROGRESS)
        if user.is_superuser or self._user_in_groups(user):
            return in_progress
        scope = scope_for(user)
        if not scope.is_area_admin:
            return TaskState.objects.none()
        teams = scope.administered_teams()
        outside = Team.objects.exclude(pk__in=teams.values("pk"))
        team_pages = TeamPage.objects.filter(team__in=teams).values("pk")
        stories = (
            StoryPage.objects.filter(teams__in=teams).exclude(teams__in=outside).values("pk")
        )
        ids = [str(pk) for pk in team_pages.union(stories).values_list("pk", flat=True)]
        return in_progress.filter(workflow_state__object_id__in=ids)

    @classmethod
    def get_description(cls):
        return _("页面所涉队伍所在区域的管理员，或所选用户组的成员，可以批准")

    class Meta:
        verbose_name = _("区域管理员审批")
        verbose_name_plural = _("区域管理员审批")
