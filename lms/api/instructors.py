"""Instructors (师资) serving the caller's areas."""

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from ninja import Query, Router

from lms.models import Instructor

from .common import get_within, paginated, request_scope
from .schemas import Error, InstructorFilters, InstructorOut

router = Router(tags=["师资"])


def _for_output(instructors: QuerySet[Instructor]) -> QuerySet[Instructor]:
    return instructors.prefetch_related("areas")


@router.get("/instructors", response=list[InstructorOut], summary="师资列表")
@paginated
def instructor_list(request: HttpRequest, filters: Query[InstructorFilters]):
    instructors = request_scope(request).instructors()
    if filters.qualification_level:
        instructors = instructors.filter(qualification_level=filters.qualification_level)
    if filters.active is not None:
        instructors = instructors.filter(active=filters.active)
    q = (filters.q or "").strip()
    if q:
        instructors = instructors.filter(Q(name__icontains=q) | Q(organisation__icontains=q))
    return _for_output(instructors).order_by("name_pinyin", "pk")


@router.get(
    "/instructors/{instructor_id}", response={200: InstructorOut, 404: Error}, summary="师资详情"
)
def instructor_detail(request: HttpRequest, instructor_id: int):
    instructors = _for_output(request_scope(request).instructors())
    return get_within(instructors, instructor_id, _("未找到该师资。"))
