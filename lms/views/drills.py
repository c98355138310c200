"""Drill pages (演练), the QR check-in shared with training sessions, and the calendar.

A drill is seen by the members, leaders and administrators of its teams (`scope.drills()`)
and changed by its teams' leaders and administrators (`scope.managed_drills()`); anything
else is a 404. Every write goes through lms.services.drills; a refusal (DomainError) is
shown as its message. The check-in URL inside the QR code is `learn:checkin`.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from lms.calendar import calendar_feed_for, calendar_feed_reset, calendar_ics, upcoming_events
from lms.errors import DomainError
from lms.models import (
    CalendarFeed,
    Drill,
    DrillParticipation,
    DrillPhoto,
    DrillRole,
    EventStatus,
    ServiceRecord,
)
from lms.scope import scope_for
from lms.services.drills import (
    drill_attendance_record,
    drill_cancel,
    drill_close,
    drill_create,
    drill_participation_correct,
    drill_photo_add,
    drill_update,
    eligible_members,
)

from . import sessions
from .checkin_pages import checkin, field_error, history_rows, paginate, qr_state
from .event_forms import CancelForm, CloseDrillForm, CorrectionForm, DrillForm, PhotoForm

# -- drills ---------------------------------------------------------------------------------


def _drill(request: HttpRequest, pk: int) -> Drill:
    return get_object_or_404(scope_for(request.user).drills(), pk=pk)


def _managed_drill(request: HttpRequest, pk: int) -> Drill:
    return get_object_or_404(scope_for(request.user).managed_drills(), pk=pk)


@never_cache
@login_required
def drill_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    show = request.GET.get("show")
    drills = (
        Drill.objects.filter(pk__in=scope.drills().values("pk"))
        .prefetch_related("teams")
        .annotate(roll=Count("participations"))
    )
    if show == "held":
        drills = drills.filter(status=EventStatus.HELD).order_by("-starts_at", "-pk")
    elif show == "all":
        drills = drills.order_by("-starts_at", "-pk")
    else:
        show = "upcoming"
        drills = drills.filter(status=EventStatus.PLANNED).order_by("starts_at", "pk")
    return render(
        request,
        "lms/drills/list.html",
        {
            "page": paginate(request, drills),
            "show": show,
            "may_create": scope.managed_teams().exists(),
            "now": timezone.now(),
        },
    )


@never_cache
@login_required
def drill_new(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not scope.managed_teams().exists():
        raise Http404
    form = DrillForm(request.POST or None, scope=scope)
    if not form.is_bound and len(scope.led_team_ids) == 1:
        form.initial.setdefault("organiser", scope.managed_teams().first().name)
    if request.method == "POST" and form.is_valid():
        try:
            drill = drill_create(by=request.user, **form.cleaned_data)
        except DomainError as error:
            field_error(form, error)
        else:
            messages.success(request, _("演练已登记。演练当天可在此页面打开签到二维码。"))
            return redirect("learn:drill", pk=drill.pk)
    return render(request, "lms/drills/form.html", {"form": form, "drill": None})


@never_cache
@login_required
def drill_edit(request: HttpRequest, pk: int) -> HttpResponse:
    drill = _managed_drill(request, pk)
    if drill.status != EventStatus.PLANNED:
        messages.error(request, _("只有计划中的演练可以修改。"))
        return redirect("learn:drill", pk=drill.pk)
    scope = scope_for(request.user)
    initial = {
        "title": drill.title,
        "scenario": drill.scenario,
        "teams": list(drill.teams.values_list("pk", flat=True)),
        "starts_at": timezone.localtime(drill.starts_at),
        "ends_at": timezone.localtime(drill.ends_at),
        "place": drill.place,
        "organiser": drill.organiser,
        "objectives": drill.objectives,
    }
    form = DrillForm(request.POST or None, initial=initial, scope=scope)
    if request.method == "POST" and form.is_valid():
        changes = dict(form.cleaned_data)
        # Teams the user does not manage cannot be offered; they stay on the drill.
        offered = set(form.fields["teams"].queryset.values_list("pk", flat=True))
        kept = drill.teams.exclude(pk__in=offered)
        changes["teams"] = [*changes["teams"], *kept]
        try:
            drill_update(by=request.user, drill=drill, **changes)
        except DomainError as error:
            field_error(form, error)
        else:
            messages.success(request, _("演练已修改。"))
            return redirect("learn:drill", pk=drill.pk)
    return render(request, "lms/drills/form.html", {"form": form, "drill": drill})


def _hours_by_member(drill: Drill) -> dict[int, ServiceRecord]:
    return {record.member_id: record for record in ServiceRecord.objects.filter(drill=drill)}


@never_cache
@login_required
def drill_detail(request: HttpRequest, pk: int) -> HttpResponse:
    drill = _drill(request, pk)
    scope = scope_for(request.user)
    may_manage = scope.managed_drills().filter(pk=drill.pk).exists()
    participations = list(
        drill.participations.select_related("member", "member__team", "recorded_by")
    )
    hours = _hours_by_member(drill)
    for participation in participations:
        participation.service_record = hours.get(participation.member_id)
    mine = next((p for p in participations if p.member_id == scope.member_id), None)
    context = {
        "drill": drill,
        "teams": list(drill.teams.all()),
        "may_manage": may_manage,
        "roll_count": len(participations),
        "mine": mine,
        "photos": list(drill.photos.all()),
        "photo_form": PhotoForm() if may_manage else None,
        "now": timezone.now(),
    }
    if may_manage:
        context["participations"] = participations
        context["history"] = history_rows(DrillParticipation.history.filter(drill_id=drill.pk))
    return render(request, "lms/drills/detail.html", context)


@never_cache
@login_required
def drill_qr(request: HttpRequest, pk: int) -> HttpResponse:
    drill = _managed_drill(request, pk)
    if drill.status != EventStatus.PLANNED:
        messages.error(request, _("这场演练已结束登记或已取消，不能再签到。"))
        return redirect("learn:drill", pk=drill.pk)
    state = qr_state(request, "drill", drill.pk, drill.participations.count())
    return render(
        request,
        "lms/drills/qr.html",
        {
            "event": drill,
            "kind_label": _("演练"),
            "state": state,
            "token_url": reverse("learn:drill_qr_token", args=[drill.pk]),
            "back_url": reverse("learn:drill", args=[drill.pk]),
            "attendance_url": reverse("learn:drill_attendance", args=[drill.pk]),
        },
    )


@never_cache
@login_required
def drill_qr_token(request: HttpRequest, pk: int) -> JsonResponse:
    drill = _managed_drill(request, pk)
    if drill.status != EventStatus.PLANNED:
        return JsonResponse({"detail": _("这场演练已结束登记或已取消。")}, status=409)
    return JsonResponse(qr_state(request, "drill", drill.pk, drill.participations.count()))


def _posted_entries(request: HttpRequest, members) -> list[dict]:
    return [
        {
            "member": member.pk,
            "role": request.POST.get(f"role-{member.pk}") or DrillRole.PARTICIPANT,
            "minutes": (request.POST.get(f"minutes-{member.pk}") or "").strip() or None,
        }
        for member in members
        if request.POST.get(f"on-{member.pk}")
    ]


@never_cache
@login_required
def drill_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """The paper sign-in sheet, entered in one go: tick who was there, their role, minutes."""
    drill = _managed_drill(request, pk)
    if drill.status == EventStatus.CANCELLED:
        raise Http404
    members = list(eligible_members(drill).order_by("team__community__code", "name_pinyin"))
    on_roll = {p.member_id: p for p in drill.participations.all()}
    errors = []
    if request.method == "POST":
        entries = _posted_entries(request, members)
        try:
            saved = drill_attendance_record(by=request.user, drill=drill, entries=entries)
        except DomainError as error:
            errors = error.errors or [error.message]
        else:
            messages.success(request, _("已登记 %(n)s 名参演队员。") % {"n": len(saved)})
            return redirect("learn:drill", pk=drill.pk)
    rows = []
    for member in members:
        participation = on_roll.get(member.pk)
        if request.method == "POST":
            checked = bool(request.POST.get(f"on-{member.pk}"))
            role = request.POST.get(f"role-{member.pk}") or DrillRole.PARTICIPANT
            minutes = request.POST.get(f"minutes-{member.pk}", "")
        else:
            checked = participation is not None
            role = participation.role if participation else DrillRole.PARTICIPANT
            minutes = participation.minutes if participation and participation.minutes else ""
        rows.append(
            {
                "member": member,
                "participation": participation,
                "checked": checked,
                "role": role,
                "minutes": minutes,
            }
        )
    return render(
        request,
        "lms/drills/attendance.html",
        {
            "drill": drill,
            "rows": rows,
            "roles": DrillRole.choices,
            "errors": errors,
            "multi_team": len({m.team_id for m in members}) > 1,
        },
    )


@never_cache
@login_required
def drill_participation(request: HttpRequest, pk: int, participation_pk: int) -> HttpResponse:
    """Correct one line of the roll; the history keeps what it said before."""
    drill = _managed_drill(request, pk)
    participation = get_object_or_404(
        drill.participations.select_related("member"), pk=participation_pk
    )
    form = CorrectionForm(
        request.POST or None,
        initial={"role": participation.role, "minutes": participation.minutes},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            drill_participation_correct(
                by=request.user,
                participation=participation,
                role=data["role"],
                minutes=data["minutes"],
                remove=data["remove"],
                reason=data["reason"],
            )
        except DomainError as error:
            field_error(form, error)
        else:
            if data["remove"]:
                message = _("已将 %(name)s 从名单中删除。")
            else:
                message = _("已更正 %(name)s 的参演记录。")
            messages.success(request, message % {"name": participation.member.name})
            return redirect("learn:drill", pk=drill.pk)
    return render(
        request,
        "lms/drills/correct.html",
        {"drill": drill, "participation": participation, "form": form},
    )


@never_cache
@login_required
def drill_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    drill = _managed_drill(request, pk)
    if drill.status == EventStatus.CANCELLED:
        raise Http404
    initial = {}
    if drill.status == EventStatus.HELD:
        initial = {
            "score": drill.score,
            "went_well": drill.went_well,
            "problems": drill.problems,
            "improvements": drill.improvements,
        }
    form = CloseDrillForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        was_held = drill.status == EventStatus.HELD
        try:
            drill = drill_close(by=request.user, drill=drill, **form.cleaned_data)
        except DomainError as error:
            field_error(form, error)
        else:
            if was_held:
                messages.success(request, _("演练评估已修改。"))
            else:
                count = ServiceRecord.objects.filter(drill=drill).count()
                messages.success(
                    request,
                    _("演练已结束登记：已为 %(n)s 名参演队员记录服务时长（已核实）。")
                    % {"n": count},
                )
            return redirect("learn:drill", pk=drill.pk)
    return render(
        request,
        "lms/drills/close.html",
        {"drill": drill, "form": form, "roll_count": drill.participations.count()},
    )


@never_cache
@login_required
def drill_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    drill = _managed_drill(request, pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            drill_cancel(by=request.user, drill=drill, reason=form.cleaned_data["reason"])
        except DomainError as error:
            field_error(form, error)
        else:
            messages.success(request, _("演练已取消。"))
            return redirect("learn:drill", pk=drill.pk)
    return render(
        request,
        "lms/drills/cancel.html",
        {"event": drill, "form": form, "back_url": reverse("learn:drill", args=[drill.pk])},
    )


@never_cache
@login_required
def drill_photo_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    drill = _managed_drill(request, pk)
    if request.method != "POST":
        return redirect(reverse("learn:drill", args=[drill.pk]) + "#photos")
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            drill_photo_add(
                by=request.user,
                drill=drill,
                image_file=form.cleaned_data["image"],
                caption=form.cleaned_data["caption"],
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("照片已上传。"))
    elif "image" in form.errors and request.FILES.get("image"):
        # The file was refused (its type, content or size): say why.
        messages.error(request, form.errors["image"][0])
    else:
        messages.error(request, _("请选择要上传的照片。"))
    return redirect(reverse("learn:drill", args=[drill.pk]) + "#photos")


@never_cache
@login_required
def drill_photo(request: HttpRequest, pk: int, photo_pk: int) -> FileResponse:
    """A drill photo from private storage, for those who may see the drill."""
    drill = _drill(request, pk)
    photo = get_object_or_404(DrillPhoto, pk=photo_pk, drill=drill)
    try:
        handle = photo.image.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    name = photo.image.name.rsplit("/", 1)[-1]
    response = FileResponse(handle, filename=name, as_attachment=False)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# -- the calendar ------------------------------------------------------------------------


def _feed_urls(request: HttpRequest, feed: CalendarFeed) -> dict:
    https = request.build_absolute_uri(reverse("calendar_feed", args=[feed.token]))
    return {"https": https, "webcal": "webcal://" + https.split("://", 1)[1]}


@never_cache
@login_required
def calendar_page(request: HttpRequest) -> HttpResponse:
    events = upcoming_events(request.user)
    days = []
    for event in events:
        day = timezone.localdate(event.starts_at)
        if not days or days[-1][0] != day:
            days.append((day, []))
        days[-1][1].append(event)
    feed = calendar_feed_for(request.user)
    return render(
        request,
        "lms/drills/calendar.html",
        {"days": days, "feed": _feed_urls(request, feed), "today": timezone.localdate()},
    )


@never_cache
@login_required
@require_POST
def calendar_reset(request: HttpRequest) -> HttpResponse:
    calendar_feed_reset(user=request.user)
    messages.success(request, _("订阅地址已重置：旧地址立即失效，请在手机日历中用新地址重新订阅。"))
    return redirect("learn:calendar")


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private iCalendar feed: the token in the URL is the only key."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        raise Http404
    body = calendar_ics(feed.user, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="yingji-xianfeng.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    return response


urlpatterns = [
    path("drills/", drill_list, name="drills"),
    path("drills/new/", drill_new, name="drill_create"),
    path("drills/<int:pk>/", drill_detail, name="drill"),
    path("drills/<int:pk>/edit/", drill_edit, name="drill_edit"),
    path("drills/<int:pk>/qr/", drill_qr, name="drill_qr"),
    path("drills/<int:pk>/qr/token.json", drill_qr_token, name="drill_qr_token"),
    path("drills/<int:pk>/attendance/", drill_attendance, name="drill_attendance"),
    path(
        "drills/<int:pk>/roll/<int:participation_pk>/",
        drill_participation,
        name="drill_participation",
    ),
    path("drills/<int:pk>/close/", drill_close_view, name="drill_close"),
    path("drills/<int:pk>/cancel/", drill_cancel_view, name="drill_cancel"),
    path("drills/<int:pk>/photos/", drill_photo_add_view, name="drill_photo_add"),
    path("drills/<int:pk>/photos/<int:photo_pk>/", drill_photo, name="drill_photo"),
    path("checkin/", checkin, name="checkin"),
    path("calendar/", calendar_page, name="calendar"),
    path("calendar/reset/", calendar_reset, name="calendar_reset"),
    *sessions.urlpatterns,
]

# Routes outside /learn/: the private calendar feed.
public_urlpatterns = [
    path("calendar/<str:token>.ics", calendar_feed, name="calendar_feed"),
]
