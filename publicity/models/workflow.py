"""Approval of team pages and stories by the administrator of the teams' area."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from wagtail.models import AbstractGroupApprovalTask, Page, TaskState, WorkflowState
from wagtail.signals import workflow_approved

from lms.models import Team
from lms.scope import scope_for

from .pages import StoryPage, TeamPage


def page_teams(page: Page) -> list[Team]:
    """The teams a page is about: a team page's own team, a story's teams and its writer.

    For a story with a draft, the draft's teams count too: approving publishes the draft.
    """
    page = page.specific
    if isinstance(page, TeamPage):
        return [page.team]
    if isinstance(page, StoryPage):
        versions = [page]
        if page.has_unpublished_changes and page.latest_revision_id:
            versions.append(page.get_latest_revision_as_object())
        teams = {}
        for version in versions:
            teams.update({team.pk: team for team in version.teams.all()})
            if version.written_by_id:
                teams.setdefault(version.written_by_id, version.written_by)
        return list(teams.values())
    return []


def _text_ids(pages: QuerySet) -> QuerySet:
    return pages.order_by().annotate(text_id=Cast("pk", CharField())).values("text_id")


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

    @transaction.atomic
    def on_action(self, task_state, user, action_name, **kwargs):
        if action_name not in ("approve", "reject"):
            return super().on_action(task_state, user, action_name, **kwargs)
        workflow_state = task_state.workflow_state
        if not self._may_approve(workflow_state.content_object, user):
            raise PermissionDenied
        if action_name == "reject":
            return super().on_action(task_state, user, action_name, **kwargs)
        task_state.approve(user=user, update=False, **kwargs)
        if workflow_state.get_next_task() is not None:
            workflow_state.update(user=user)
            return None
        # The last task: publish, as Wagtail's WorkflowState.finish would, but without its
        # check of the approver's page permission to publish. Area administrators hold none:
        # their right to publish these pages is this task.
        workflow_state.status = WorkflowState.STATUS_APPROVED
        workflow_state.save()
        revision = workflow_state.content_object.get_latest_revision()
        revision.publish(user=user, skip_permission_checks=True)
        workflow_approved.send(sender=WorkflowState, instance=workflow_state, user=user)
        return None

    def get_task_states_user_can_moderate(self, user, **kwargs) -> QuerySet[TaskState]:
        in_progress = self.task_states.filter(status=TaskState.STATUS_IN_PROGRESS)
        if user.is_superuser or self._user_in_groups(user):
            return in_progress
        scope = scope_for(user)
        if not scope.is_area_admin:
            return TaskState.objects.none()
        teams = scope.administered_teams()
        outside = Team.objects.exclude(pk__in=teams.values("pk"))
        team_pages = TeamPage.objects.filter(team__in=teams)
        stories = (
            StoryPage.objects.filter(Q(teams__in=teams) | Q(written_by__in=teams))
            .exclude(teams__in=outside)
            .exclude(written_by__in=outside)
        )
        # Workflow states name their page by a text id: compare as text, in the database.
        candidates = in_progress.filter(
            Q(workflow_state__object_id__in=_text_ids(team_pages))
            | Q(workflow_state__object_id__in=_text_ids(stories))
        ).select_related("workflow_state")
        # Then as the approval itself decides (a story's draft may name other teams); the
        # pages waiting for one county's review are few.
        allowed = [
            state.pk
            for state in candidates
            if self._administers(state.workflow_state.content_object, user)
        ]
        return in_progress.filter(pk__in=allowed)

    @classmethod
    def get_description(cls):
        return _("页面所涉队伍所在区域的管理员，或所选用户组的成员，可以批准")

    class Meta:
        verbose_name = _("区域管理员审批")
        verbose_name_plural = _("区域管理员审批")
