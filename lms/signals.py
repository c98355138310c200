"""Keep what the public sees true to the records behind it."""

from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from cms.cache import purge_paths
from cms.signals import page_cache_paths
from courses.models import CoursePage

from .models import Instructor


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
