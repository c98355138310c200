"""Training session pages (线下培训): the list, planning, the instructor's QR code, the
paper sign-in sheet, corrections, closing and cancelling.

A session is seen by its area's administrators, its teams and its instructors
(`scope.sessions()`) and run by its area's administrators and its instructors
(`scope.managed_sessions()`); anything else is a 404. Every write goes through
lms.services.sessions.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from lms.errors import DomainError
from lms.models import EventStatus, ServiceRecord, SessionAttendance, TrainingSession
from lms.scope import Scope, scope_for
from lms.services.sessions import (
    eligible_members,
    session_attendance_record,
    session_attendance_remove,
    session_cancel,
    session_close,
    session_create,
    session_update,
)

from .checkin_pages import field_error, history_rows, paginate, qr_state
from .event_forms import CancelForm, RemoveAttendanceForm, SessionForm


def _may_create(scope: Scope) -> bool:
    return scope.is_area_admin or scope.instructor_id is not None


def _session(request: HttpRequest, pk: int) -> TrainingSession:
    return get_object_or_404(scope_for(request.user).sessions(), pk=pk)


def _managed_session(request: HttpRequest, pk: int) -> TrainingSession:
    return get_object_or_404(scope_for(request.user).managed_sessions(), pk=pk)


@never_cache
@login_required
def session_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    show = request.GET.get("show")
    sessions = (
        TrainingSession.objects.filter(pk__in=scope.sessions().values("pk"))
        .select_related("course", "area")
        .annotate(attendance=Count("attendances"))
    )
    if show == "held":
        sessions = sessions.filter(status=EventStatus.HELD).order_by("-starts_at", "-pk")
    elif show == "all":
        sessions = sessions.order_by("-starts_at", "-pk")
    else:
        show = "upcoming"
        sessions = sessions.filter(status=EventStatus.PLANNED).order_by("starts_at", "pk")
    return render(
        request,
        "lms/sessions/list.html",
        {
            "page": paginate(request, sessions),
            "show": show,
            "may_create": _may_create(scope),
            "now": timezone.now(),
        },
    )


@never_cache
@login_required
def session_new(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not _may_create(scope):
        raise Http404
    form = SessionForm(request.POST or None, scope=scope)
    if request.method == "POST" and form.is_valid():
        try:
            session = session_create(by=request.user, **form.cleaned_data)
        except DomainError as error:
            field_error(form, error)
        else:
            messages.success(request, _("培训已登记。培训当天可在此页面打开签到二维码。"))
            return redirect("learn:session", pk=session.pk)
    return render(request, "lms/sessions/form.html", {"form": form, "session": None})


@never_cache
@login_required
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = _managed_session(request, pk)
    if session.status != EventStatus.PLANNED:
        messages.error(request, _("只有计划中的培训可以修改。"))
        return redirect("learn:session", pk=session.pk)
    initial = {
        "title": session.title,
        "course": session.course_id,
        "area": session.area_id,
        "teams": list(session.teams.values_list("pk", flat=True)),
        "instructors": list(session.instructors.values_list("pk", flat=True)),
        "starts_at": timezone.localtime(session.starts_at),
        "ends_at": timezone.localtime(session.ends_at),
        "place": session.place,
        "credit_hours": session.credit_hours,
        "notes": session.notes,
    }
    form = SessionForm(request.POST or None, initial=initial, scope=scope_for(request.user))
    if request.method == "POST" and form.is_valid():
        changes = dict(form.cleaned_data)
        if changes.pop("area").pk != session.area_id:
            form.add_error("area", _("组织区域不能修改；如需更换，请取消后重新登记。"))
        else:
            try:
                session_update(by=request.user, session=session, **changes)
            except DomainError as error:
                field_error(form, error)
            else:
                messages.success(request, _("培训已修改。"))
                return redirect("learn:session", pk=session.pk)
    return render(request, "lms/sessions/form.html", {"form": form, "session": session})


@never_cache
@login_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    scope = scope_for(request.user)
    may_manage = scope.managed_sessions().filter(pk=session.pk).exists()
    attendances = list(session.attendances.select_related("member", "member__team"))
    hours = {r.member_id: r for r in ServiceRecord.objects.filter(session=session)}
    for attendance in attendances:
        attendance.service_record = hours.get(attendance.member_id)
    context = {
        "session": session,
        "teams": list(session.teams.all()),
        "instructors": list(session.instructors.all()),
        "may_manage": may_manage,
        "attendance_count": len(attendances),
        "mine": next((a for a in attendances if a.member_id == scope.member_id), None),
        "now": timezone.now(),
    }
    if may_manage:
        context["attendances"] = attendances
        context["history"] = history_rows(SessionAttendance.history.filter(session_id=session.pk))
    return render(request, "lms/sessions/detail.html", context)


@never_cache
@login_required
def session_qr(request: HttpRequest, pk: int) -> HttpResponse:
    session = _managed_session(request, pk)
    if session.status != EventStatus.PLANNED:
        messages.error(request, _("这场培训已结束登记或已取消，不能再签到。"))
        return redirect("learn:session", pk=session.pk)
    state = qr_state(request, "session", session.pk, session.attendances.count())
    return render(
        request,
        "lms/drills/qr.html",
        {
            "event": session,
            "kind_label": _("线下培训"),
            "state": state,
            "token_url": reverse("learn:session_qr_token", args=[session.pk]),
            "back_url": reverse("learn:session", args=[session.pk]),
            "attendance_url": reverse("learn:session_attendance", args=[session.pk]),
        },
    )


@never_cache
@login_required
def session_qr_token(request: HttpRequest, pk: int) -> JsonResponse:
    session = _managed_session(request, pk)
    if session.status != EventStatus.PLANNED:
        return JsonResponse({"detail": _("这场培训已结束登记或已取消。")}, status=409)
    return JsonResponse(qr_state(request, "session", session.pk, session.attendances.count()))


@never_cache
@login_required
def session_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """The paper sign-in sheet: tick who was there, all saved at once or none."""
    session = _managed_session(request, pk)
    if session.status == EventStatus.CANCELLED:
        raise Http404
    members = list(eligible_members(session).order_by("team__community__code", "name_pinyin"))
    present = set(session.attendances.values_list("member_id", flat=True))
    errors = []
    if request.method == "POST":
        chosen = [m.pk for m in members if request.POST.get(f"on-{m.pk}") and m.pk not in present]
        try:
            saved = session_attendance_record(by=request.user, session=session, members=chosen)
        except DomainError as error:
            errors = error.errors or [error.message]
        else:
            messages.success(request, _("已补录 %(n)s 人的签到。") % {"n": len(saved)})
            return redirect("learn:session", pk=session.pk)
    rows = [
        {
            "member": m,
            "present": m.pk in present,
            "checked": m.pk in present or bool(request.POST.get(f"on-{m.pk}")),
        }
        for m in members
    ]
    return render(
        request,
        "lms/sessions/attendance.html",
        {"session": session, "rows": rows, "errors": errors},
    )


@never_cache
@login_required
def session_attendance_remove_view(request: HttpRequest, pk: int, attendance_pk: int):
    session = _managed_session(request, pk)
    attendance = get_object_or_404(session.attendances.select_related("member"), pk=attendance_pk)
    form = RemoveAttendanceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session_attendance_remove(
                by=request.user, attendance=attendance, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            field_error(form, error)
        else:
            messages.success(
                request, _("已将 %(name)s 从签到名单中删除。") % {"name": attendance.member.name}
            )
            return redirect("learn:session", pk=session.pk)
    return render(
        request,
        "lms/sessions/remove.html",
        {"session": session, "attendance": attendance, "form": form},
    )


@never_cache
@login_required
def session_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    session = _managed_session(request, pk)
    if session.status != EventStatus.PLANNED:
        messages.info(request, _("这场培训已结束登记或已取消。"))
        return redirect("learn:session", pk=session.pk)
    error = None
    if request.method == "POST":
        try:
            session_close(by=request.user, session=session)
        except DomainError as refused:
            error = refused.message
        else:
            count = ServiceRecord.objects.filter(session=session).count()
            messages.success(
                request,
                _("培训已结束登记：授课学时已计入师资记录，已为 %(n)s 名学员记录服务时长。")
                % {"n": count},
            )
            return redirect("learn:session", pk=session.pk)
    return render(
        request,
        "lms/sessions/close.html",
        {
            "session": session,
            "error": error,
            "attendance_count": session.attendances.count(),
            "instructors": list(session.instructors.all()),
        },
    )


@never_cache
@login_required
def session_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    session = _managed_session(request, pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session_cancel(by=request.user, session=session, reason=form.cleaned_data["reason"])
        except DomainError as error:
            field_error(form, error)
        else:
            messages.success(request, _("培训已取消。"))
            return redirect("learn:session", pk=session.pk)
    return render(
        request,
        "lms/drills/cancel.html",
        {
            "event": session,
            "form": form,
            "back_url": reverse("learn:session", args=[session.pk]),
        },
    )


urlpatterns = [
    path("sessions/", session_list, name="sessions"),
    path("sessions/new/", session_new, name="session_create"),
    path("sessions/<int:pk>/", session_detail, name="session"),
    path("sessions/<int:pk>/edit/", session_edit, name="session_edit"),
    path("sessions/<int:pk>/qr/", session_qr, name="session_qr"),
    path("sessions/<int:pk>/qr/token.json", session_qr_token, name="session_qr_token"),
    path("sessions/<int:pk>/attendance/", session_attendance, name="session_attendance"),
    path(
        "sessions/<int:pk>/attendance/<int:attendance_pk>/remove/",
        session_attendance_remove_view,
        name="session_attendance_remove",
    ),
    path("sessions/<int:pk>/close/", session_close_view, name="session_close"),
    path("sessions/<int:pk>/cancel/", session_cancel_view, name="session_cancel"),
]
