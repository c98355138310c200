"""What the leaders' and administrators' pages share: finding a team or an area in scope,
and answering with a spreadsheet."""

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from cms.spreadsheets import xlsx_response
from lms.errors import DomainError
from lms.models import Area, JobStatus, Team
from lms.scope import Scope, scope_for

__all__ = [
    "administered_area",
    "area_trail",
    "field_error",
    "managed_team",
    "wants_xlsx",
    "xlsx_response",
]


def managed_team(request: HttpRequest, team_pk: int) -> Team:
    """A team the user leads or administers; 404 for anyone else (its members included)."""
    teams = scope_for(request.user).managed_teams().select_related("community")
    return get_object_or_404(teams, pk=team_pk)


def administered_area(request: HttpRequest, area_pk: int) -> Area:
    area = Area.objects.filter(pk=area_pk).first()
    if area is None or not scope_for(request.user).administers(area):
        raise Http404
    return area


def area_trail(scope: Scope, area: Area) -> list[Area]:
    """The areas above `area` the user also administers, for links back up."""
    return [a for a in area.get_ancestors() if scope.administers(a)]


def wants_xlsx(request: HttpRequest) -> bool:
    return request.GET.get("format") == "xlsx"


def field_error(form, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def job_state(job, **extra) -> dict:
    """What a background job's page polls (status.json): state, progress, and the job's
    own counters in `extra`."""
    return {
        "status": job.status,
        "status_display": str(JobStatus(job.status).label),
        "percent": job.percent,
        "finished": job.finished,
        **extra,
    }
