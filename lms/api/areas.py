"""Areas of the administrative tree the caller may see."""

from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import Length, Substr
from django.http import HttpRequest
from django.utils.translation import gettext as _

from ninja import Query, Router

from lms.models import Area
from lms.models.areas import subtree_filter

from .common import get_within, paginated, request_scope
from .schemas import AreaFilters, AreaOut, Error

router = Router(tags=["区域"])


def _with_parent(areas: QuerySet[Area]) -> QuerySet[Area]:
    # A materialized path's parent is the path less one step: one subquery, not one per row.
    parent = Area.objects.filter(
        path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Area.steplen)
    ).values("pk")[:1]
    return areas.annotate(parent_pk=Subquery(parent))


@router.get("/areas", response=list[AreaOut], summary="区域列表")
@paginated
def area_list(request: HttpRequest, filters: Query[AreaFilters]):
    areas = request_scope(request).areas()
    if filters.level is not None:
        areas = areas.filter(depth=filters.level)
    if filters.parent is not None:
        parent = Area.objects.filter(pk=filters.parent).values("path", "depth").first()
        if parent is None:
            return areas.none()
        areas = areas.filter(**subtree_filter("", parent["path"]), depth=parent["depth"] + 1)
    return _with_parent(areas).order_by("path")


@router.get("/areas/{area_id}", response={200: AreaOut, 404: Error}, summary="区域详情")
def area_detail(request: HttpRequest, area_id: int):
    return get_within(_with_parent(request_scope(request).areas()), area_id, _("未找到该区域。"))
