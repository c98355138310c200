"""Leaders' and administrators' pages: a team's and an area's progress, assigning courses,
and following an area-wide assignment as it runs.

A team page is for its leaders and the administrators over it; an area page is for the
administrators over it; a job is for its creator and the administrators over its area.
Anyone else gets 404, as for every object outside a scope.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from lms import selectors
from lms.errors import DomainError
from lms.models import AssignmentJob, Team
from lms.scope import scope_for
from lms.services.enrollments import assignment_job_create, enrollment_assign_team

from . import exports
from .common import (
    administered_area,
    area_trail,
    field_error,
    job_state,
    managed_team,
    wants_xlsx,
    xlsx_response,
)
from .forms import AssignForm, TeamAssignForm


@never_cache
@login_required
def team_progress(request: HttpRequest, team_pk: int) -> HttpResponse:
    team = managed_team(request, team_pk)
    matrices = selectors.team_progress(team)
    if wants_xlsx(request):
        today = timezone.localdate()
        return xlsx_response(
            exports.team_progress_workbook(team, matrices),
            f"{team.name}-学习进度-{today:%Y%m%d}.xlsx",
        )
    return render(
        request,
        "lms/learn/team_progress.html",
        {"team": team, "matrices": matrices, "today": timezone.localdate()},
    )


@never_cache
@login_required
def team_assign(request: HttpRequest, team_pk: int) -> HttpResponse:
    team = managed_team(request, team_pk)
    form = TeamAssignForm(request.POST or None, team=team)
    if request.method == "POST" and form.is_valid():
        try:
            created = enrollment_assign_team(
                team=team,
                course=form.cleaned_data["course"],
                actor=request.user,
                members=form.chosen_members(),
                due_on=form.cleaned_data["due_on"],
            )
        except DomainError as error:
            field_error(form, error)
        else:
            messages.success(
                request,
                _("已安排课程《%(course)s》：新增 %(count)s 人（已报名的队员不重复安排）。")
                % {"course": form.cleaned_data["course"].title, "count": created},
            )
            return redirect("learn:team_progress", team_pk=team.pk)
    return render(request, "lms/learn/team_assign.html", {"team": team, "form": form})


@never_cache
@login_required
def area_progress(request: HttpRequest, area_pk: int) -> HttpResponse:
    area = administered_area(request, area_pk)
    courses = selectors.area_progress(area)
    if wants_xlsx(request):
        today = timezone.localdate()
        return xlsx_response(
            exports.area_progress_workbook(area, courses),
            f"{area.name}-学习进度-{today:%Y%m%d}.xlsx",
        )
    return render(
        request,
        "lms/learn/area_progress.html",
        {
            "area": area,
            "courses": courses,
            "trail": area_trail(scope_for(request.user), area),
        },
    )


@never_cache
@login_required
def area_assign(request: HttpRequest, area_pk: int) -> HttpResponse:
    area = administered_area(request, area_pk)
    form = AssignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = assignment_job_create(
                area=area,
                course=form.cleaned_data["course"],
                actor=request.user,
                due_on=form.cleaned_data["due_on"],
            )
        except DomainError as error:
            field_error(form, error)
        else:
            return redirect("learn:job", job_pk=job.pk)
    teams_total = Team.objects.within(area).count()
    return render(
        request,
        "lms/learn/area_assign.html",
        {"area": area, "form": form, "teams_total": teams_total},
    )


def _visible_job(request: HttpRequest, job_pk: int) -> AssignmentJob:
    job = AssignmentJob.objects.select_related("area", "course").filter(pk=job_pk).first()
    if job is None:
        raise Http404
    if job.created_by_id != request.user.pk and not scope_for(request.user).administers(job.area):
        raise Http404
    return job


def _job_state(job: AssignmentJob) -> dict:
    return job_state(
        job,
        teams_done=job.teams_done,
        teams_total=job.teams_total,
        enrollments_created=job.enrollments_created,
    )


@never_cache
@login_required
def job_detail(request: HttpRequest, job_pk: int) -> HttpResponse:
    job = _visible_job(request, job_pk)
    return render(
        request,
        "lms/learn/job.html",
        {
            "job": job,
            "state": _job_state(job),
            "status_url": reverse("learn:job_status", args=[job.pk]),
        },
    )


@never_cache
@login_required
def job_status(request: HttpRequest, job_pk: int) -> JsonResponse:
    return JsonResponse(_job_state(_visible_job(request, job_pk)))
