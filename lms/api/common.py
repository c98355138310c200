"""What every endpoint shares: the caller's scope, lookups within it, pagination."""

from typing import TypeVar

from django.db.models import Model, QuerySet
from django.http import HttpRequest

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination, paginate

from lms.models import Area
from lms.scope import Scope, scope_for

from .errors import NotFound

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# Far beyond any list here, and far below an OFFSET that overflows the database's integers.
MAX_PAGE = 1_000_000
# Ids are 64-bit integers. A larger number names no row, and SQLite refuses even to compare
# one (OverflowError) where Django does not check first (page and foreign-key lookups).
MAX_ID = 2**63 - 1

M = TypeVar("M", bound=Model)


class Pages(PageNumberPagination):
    """ninja's page numbers, with a last page: a page past it is a 422, not a database error."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1)


paginated = paginate(Pages, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)


def is_id(value: int) -> bool:
    """Whether `value` could be a row's id at all."""
    return 0 < value <= MAX_ID


def request_scope(request: HttpRequest) -> Scope:
    return scope_for(request.auth or request.user)


def get_within(queryset: QuerySet[M], pk: int, message: str) -> M:
    """The object `pk` if the scope's queryset holds it; else 404, whether it exists or not."""
    obj = queryset.filter(pk=pk).first() if is_id(pk) else None
    if obj is None:
        raise NotFound(message)
    return obj


def area_path(area_id: int) -> str | None:
    """The tree path of a filter's area.

    Filters only narrow a list that is already scoped, so the area itself is looked up in
    the whole (public) tree: a leader may filter by their county and still see their team.
    """
    return Area.objects.filter(pk=area_id).values_list("path", flat=True).first()
