"""Keep what the public sees true to the records behind it."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from cms.cache import purge_paths
from cms.signals import page_cache_paths
from courses.models import CoursePage

from .models import (
    Certificate,
    Drill,
    DrillParticipation,
    EventStatus,
    Instructor,
    InsurancePolicy,
    Member,
    ServiceRecord,
    TeamDocument,
    TeamEquipment,
)


@receiver(m2m_changed, sender=Instructor.courses.through)
def purge_course_pages(sender, instance, action, pk_set, **kwargs):
    """A course page lists its instructors: clear its cached copy when that list changes."""
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if isinstance(instance, Instructor):
        courses = CoursePage.objects.filter(pk__in=pk_set) if pk_set else instance.courses.all()
    else:
        courses = [instance]
    for course in courses:
        purge_paths(page_cache_paths(course))


# -- compliance: a change that can move a team's result marks it for re-evaluation ----------


def _stale(*team_ids) -> None:
    from .services.compliance import teams_mark_stale

    teams_mark_stale(team_ids)


@receiver([post_save, post_delete], sender=Member)
@receiver([post_save, post_delete], sender=TeamDocument)
@receiver([post_save, post_delete], sender=TeamEquipment)
@receiver([post_save, post_delete], sender=InsurancePolicy)
def team_record_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        _stale(instance.team_id)


CERTIFICATE_FIELDS = {"status", "expires_on", "member", "course"}


@receiver([post_save, post_delete], sender=Certificate)
@receiver([post_save, post_delete], sender=DrillParticipation)
@receiver([post_save, post_delete], sender=ServiceRecord)
def member_record_changed(sender, instance, raw=False, update_fields=None, **kwargs):
    # A certificate's stored file or reminder dates move no result; its status and dates do.
    if update_fields and sender is Certificate and not (set(update_fields) & CERTIFICATE_FIELDS):
        return
    if raw:
        return
    if sender.member.is_cached(instance):
        _stale(instance.member.team_id)
    else:
        _stale(*Member.objects.filter(pk=instance.member_id).values_list("team_id", flat=True))


@receiver(post_save, sender=Drill)
def drill_changed(sender, instance, raw=False, **kwargs):
    if not raw and instance.status == EventStatus.HELD:
        _stale(*instance.teams.values_list("pk", flat=True))


@receiver(m2m_changed, sender=InsurancePolicy.members.through)
def policy_members_changed(sender, instance, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear") and isinstance(
        instance, InsurancePolicy
    ):
        _stale(instance.team_id)
