"""Service hours, activity reports and training plans.

- My hours (a member): history of drills, sessions and service records, and a form to
  record hours (a leader may record for a member of the team).
- Verifying hours (leaders and administrators): the pending records in scope that the user
  neither entered nor is the member of.
- A team's attendance (its leaders and the administrators over it), an area's drills per
  team (the administrators over it), training plans (the administrators of the area and of
  the levels above).

Every object is looked up within the user's scope, so anything outside it is a 404; every
write is a service (lms.services.hours, lms.services.plans) whose refusal is shown as is.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from lms.errors import DomainError
from lms.models import (
    Area,
    AreaLevel,
    Member,
    PlanItemKind,
    ServiceRecord,
    ServiceStatus,
    TrainingPlan,
    TrainingPlanItem,
)
from lms.scope import scope_for
from lms.selectors import activities
from lms.services import hours as hour_services
from lms.services import plans as plan_services

from . import activity_exports as exports
from .common import administered_area, area_trail, field_error, wants_xlsx, xlsx_response
from .hours_forms import (
    PlanForm,
    PlanItemForm,
    PlanItemLinkForm,
    ServiceRecordEditForm,
    ServiceRecordForm,
)

# Years offered in the year switch of the reports: this one and a few before.
YEARS_BACK = 4


def _own_member(request: HttpRequest) -> Member | None:
    return Member.objects.select_related("team").filter(user=request.user).first()


def _year(request: HttpRequest) -> int:
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year", this_year))
    except (TypeError, ValueError):
        return this_year
    return year if this_year - YEARS_BACK <= year <= this_year + 1 else this_year


def _years() -> list[int]:
    this_year = timezone.localdate().year
    return list(range(this_year, this_year - YEARS_BACK - 1, -1))


def _stamp() -> str:
    return f"{timezone.localdate():%Y%m%d}"


# -- my hours -------------------------------------------------------------------------------


def _recordable_members(request: HttpRequest, member: Member | None):
    """Whom the form offers: oneself, then the active members of the teams one leads."""
    scope = scope_for(request.user)
    q = Q(pk=member.pk) if member else Q(pk__in=[])
    if scope.led_team_ids:
        q |= Q(team_id__in=scope.led_team_ids) & (
            Q(left_on__isnull=True) | Q(left_on__gt=timezone.localdate())
        )
    return Member.objects.filter(q).select_related("team").order_by("team_id", "name_pinyin")


@never_cache
@login_required
def my_hours(request: HttpRequest) -> HttpResponse:
    member = _own_member(request)
    scope = scope_for(request.user)
    members = _recordable_members(request, member)
    form = ServiceRecordForm(
        request.POST or None, members=members, initial={"member": member.pk if member else None}
    )
    if request.method == "POST":
        if not members.exists():
            raise Http404
        if form.is_valid():
            data = form.cleaned_data
            try:
                record = hour_services.service_record_create(
                    by=request.user,
                    member=data["member"],
                    activity=data["activity"],
                    date=data["date"],
                    hours=data["hours"],
                    description=data["description"],
                )
            except DomainError as error:
                field_error(form, error)
            else:
                messages.success(
                    request,
                    _("已登记 %(name)s %(date)s 的 %(hours)s 小时服务时长，待队长或管理员核实。")
                    % {"name": record.member.name, "date": record.date, "hours": record.hours},
                )
                return redirect("learn:hours")
    activity = activities.member_activity(member) if member else None
    if wants_xlsx(request):
        if member is None:
            raise Http404
        records = (
            ServiceRecord.objects.filter(member=member)
            .select_related("member__team", "entered_by", "verified_by")
            .order_by("-date", "-pk")
        )
        return xlsx_response(
            exports.service_records_workbook(records), f"{member.name}-服务时长-{_stamp()}.xlsx"
        )
    return render(
        request,
        "lms/hours/my_hours.html",
        {
            "member": member,
            "activity": activity,
            "form": form if members.exists() else None,
            "pending_to_verify": activities.pending_count(scope),
            "user_id": request.user.pk,
        },
    )


def _own_pending(request: HttpRequest, record_pk: int) -> ServiceRecord:
    """A pending record in scope that the user entered: else 404."""
    records = (
        scope_for(request.user)
        .service_records()
        .filter(entered_by=request.user, status=ServiceStatus.PENDING)
        .select_related("member", "member__team")
    )
    return get_object_or_404(records, pk=record_pk)


@never_cache
@login_required
def hours_edit(request: HttpRequest, record_pk: int) -> HttpResponse:
    record = _own_pending(request, record_pk)
    initial = {
        "activity": record.activity,
        "date": record.date,
        "hours": record.hours,
        "description": record.description,
    }
    form = ServiceRecordEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            hour_services.service_record_update(by=request.user, record=record, **form.cleaned_data)
        except DomainError as error:
            field_error(form, error)
        else:
            messages.success(request, _("已修改。"))
            return redirect("learn:hours")
    return render(request, "lms/hours/record_edit.html", {"record": record, "form": form})


@never_cache
@login_required
@require_POST
def hours_delete(request: HttpRequest, record_pk: int) -> HttpResponse:
    record = _own_pending(request, record_pk)
    try:
        hour_services.service_record_delete(by=request.user, record=record)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已删除这条待核实的记录。"))
    return redirect("learn:hours")


# -- verifying ----------------------------------------------------------------------------


def _manager_scope(request: HttpRequest):
    scope = scope_for(request.user)
    if not scope.manages_records:
        raise Http404
    return scope


@never_cache
@login_required
def hours_verify(request: HttpRequest) -> HttpResponse:
    """The queue; POST verifies the ticked records (all or none)."""
    scope = _manager_scope(request)
    queue = activities.pending_to_verify(scope)
    if request.method == "POST":
        ids = [int(i) for i in request.POST.getlist("records") if i.isdigit()]
        records = list(queue.filter(pk__in=ids))
        if len(records) != len(set(ids)):
            messages.error(request, _("所选记录中有已处理或不属于您核实范围的记录，请刷新后重试。"))
        else:
            try:
                count = hour_services.service_records_verify(by=request.user, records=records)
            except DomainError as error:
                messages.error(request, "；".join([error.message, *error.errors]))
            else:
                messages.success(request, _("已核实 %(n)s 条记录。") % {"n": count})
        return redirect("learn:hours_verify")
    if wants_xlsx(request):
        year = _year(request)
        records = (
            scope.service_records()
            .filter(date__year=year)
            .select_related("member__team", "entered_by", "verified_by")
            .order_by("member__team__community__path", "-date", "pk")
        )
        return xlsx_response(
            exports.service_records_workbook(records.iterator(chunk_size=2000)),
            f"服务时长-{year}-{_stamp()}.xlsx",
        )
    return render(
        request,
        "lms/hours/verify.html",
        {"queue": list(queue[:200]), "total": queue.count(), "year": timezone.localdate().year},
    )


def _verifiable(request: HttpRequest, record_pk: int) -> ServiceRecord:
    """A record in the user's scope (404 outside it); the service decides if they may act."""
    return get_object_or_404(
        scope_for(request.user).service_records().select_related("member"), pk=record_pk
    )


@never_cache
@login_required
@require_POST
def hours_verify_one(request: HttpRequest, record_pk: int) -> HttpResponse:
    _manager_scope(request)
    record = _verifiable(request, record_pk)
    try:
        hour_services.service_record_verify(by=request.user, record=record)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("已核实 %(name)s %(date)s 的 %(hours)s 小时。")
            % {"name": record.member.name, "date": record.date, "hours": record.hours},
        )
    return redirect("learn:hours_verify")


@never_cache
@login_required
@require_POST
def hours_reject(request: HttpRequest, record_pk: int) -> HttpResponse:
    _manager_scope(request)
    record = _verifiable(request, record_pk)
    try:
        hour_services.service_record_reject(
            by=request.user, record=record, reason=request.POST.get("reason", "")
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("已退回 %(name)s %(date)s 的记录。")
            % {"name": record.member.name, "date": record.date},
        )
    return redirect("learn:hours_verify")


# -- a team's attendance and an area's drills -------------------------------------------


@never_cache
@login_required
def team_activity(request: HttpRequest, team_pk: int) -> HttpResponse:
    team = get_object_or_404(
        scope_for(request.user).managed_teams().select_related("community"), pk=team_pk
    )
    year = _year(request)
    report = activities.team_activity(team, year=year)
    if wants_xlsx(request):
        return xlsx_response(
            exports.team_activity_workbook(report), f"{team.name}-考勤-{year}-{_stamp()}.xlsx"
        )
    return render(
        request, "lms/hours/team_activity.html", {"team": team, "report": report, "years": _years()}
    )


@never_cache
@login_required
def area_activity(request: HttpRequest, area_pk: int) -> HttpResponse:
    area = administered_area(request, area_pk)
    year = _year(request)
    report = activities.area_drills(area, year=year)
    if wants_xlsx(request):
        return xlsx_response(
            exports.area_drills_workbook(report), f"{area.name}-演练统计-{year}-{_stamp()}.xlsx"
        )
    return render(
        request,
        "lms/hours/area_activity.html",
        {
            "area": area,
            "report": report,
            "years": _years(),
            "trail": area_trail(scope_for(request.user), area),
        },
    )


# -- training plans -----------------------------------------------------------------------


def _plan_areas(request: HttpRequest):
    """Areas the user may write a plan for: those administered, down to townships."""
    scope = scope_for(request.user)
    if not scope.is_area_admin:
        return Area.objects.none()
    return scope.areas().filter(depth__lte=AreaLevel.TOWNSHIP).order_by("path")


@never_cache
@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not scope.is_area_admin:
        raise Http404
    year = _year(request)
    plans = list(scope.plans().filter(year=year).select_related("area").order_by("area__path"))
    progress = activities.plans_progress(plans)
    return render(
        request,
        "lms/plans/list.html",
        {
            "year": year,
            "years": _years(),
            "rows": [progress[p.pk] for p in plans],
            "can_create": _plan_areas(request).exists(),
        },
    )


@never_cache
@login_required
def plan_create(request: HttpRequest) -> HttpResponse:
    areas = _plan_areas(request)
    if not areas.exists():
        raise Http404
    form = PlanForm(request.POST or None, areas=areas)
    if request.method == "POST" and form.is_valid():
        try:
            plan = plan_services.plan_create(by=request.user, **form.cleaned_data)
        except DomainError as error:
            field_error(form, error)
        else:
            messages.success(request, _("已创建培训计划，请添加培训项目。"))
            return redirect("learn:plan", plan_pk=plan.pk)
    return render(request, "lms/plans/plan_form.html", {"form": form, "plan": None})


def _plan(request: HttpRequest, plan_pk: int) -> TrainingPlan:
    return get_object_or_404(
        scope_for(request.user).plans().select_related("area", "created_by"), pk=plan_pk
    )


def _item(request: HttpRequest, item_pk: int) -> TrainingPlanItem:
    return get_object_or_404(
        TrainingPlanItem.objects.filter(plan__in=scope_for(request.user).plans()).select_related(
            "plan", "plan__area"
        ),
        pk=item_pk,
    )


@never_cache
@login_required
def plan_detail(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan = _plan(request, plan_pk)
    progress = activities.plan_progress(plan)
    if wants_xlsx(request):
        return xlsx_response(
            exports.plan_workbook(progress),
            f"{plan.area.name}-{plan.year}-培训计划-{_stamp()}.xlsx",
        )
    return render(
        request,
        "lms/plans/detail.html",
        {
            "plan": plan,
            "progress": progress,
            "item_form": PlanItemForm(initial={"planned_on": timezone.localdate()}),
            "can_edit": plan_services.administers(request.user, plan.area),
        },
    )


@never_cache
@login_required
def plan_edit(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan = _plan(request, plan_pk)
    initial = {name: getattr(plan, name) for name in plan_services.PLAN_FIELDS}
    form = PlanForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            plan_services.plan_update(by=request.user, plan=plan, **form.cleaned_data)
        except DomainError as error:
            field_error(form, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect("learn:plan", plan_pk=plan.pk)
    return render(request, "lms/plans/plan_form.html", {"form": form, "plan": plan})


@never_cache
@login_required
def plan_item_add(request: HttpRequest, plan_pk: int) -> HttpResponse:
    plan = _plan(request, plan_pk)
    form = PlanItemForm(request.POST or None, initial={"planned_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            plan_services.plan_item_create(by=request.user, plan=plan, **form.cleaned_data)
        except DomainError as error:
            field_error(form, error)
        else:
            messages.success(request, _("已添加培训项目。"))
            return redirect("learn:plan", plan_pk=plan.pk)
    return render(request, "lms/plans/item_form.html", {"form": form, "plan": plan, "item": None})


@never_cache
@login_required
def plan_item_edit(request: HttpRequest, item_pk: int) -> HttpResponse:
    item = _item(request, item_pk)
    initial = {name: getattr(item, name) for name in plan_services.ITEM_FIELDS}
    linking = request.POST.get("action") == "link"
    form = PlanItemForm(None if linking else (request.POST or None), initial=initial)
    events = (
        plan_services.linkable_drills(item.plan)
        if item.kind == PlanItemKind.DRILL
        else plan_services.linkable_sessions(item.plan)
    )
    link_form = None
    if item.kind != PlanItemKind.COURSE:
        link_form = PlanItemLinkForm(
            request.POST if linking else None,
            events=events,
            initial={"event": item.drill_id or item.session_id},
        )
    if request.method == "POST":
        try:
            if linking and link_form is not None:
                if link_form.is_valid():
                    event = link_form.cleaned_data["event"]
                    plan_services.plan_item_link(
                        by=request.user,
                        item=item,
                        drill=event if item.kind == PlanItemKind.DRILL else None,
                        session=event if item.kind == PlanItemKind.SESSION else None,
                    )
                    messages.success(request, _("已更新对应的活动。"))
                    return redirect("learn:plan", plan_pk=item.plan_id)
            elif form.is_valid():
                plan_services.plan_item_update(by=request.user, item=item, **form.cleaned_data)
                messages.success(request, _("已保存。"))
                return redirect("learn:plan", plan_pk=item.plan_id)
        except DomainError as error:
            field_error(link_form if linking and link_form is not None else form, error)
    return render(
        request,
        "lms/plans/item_form.html",
        {"form": form, "link_form": link_form, "plan": item.plan, "item": item},
    )


@never_cache
@login_required
@require_POST
def plan_item_delete(request: HttpRequest, item_pk: int) -> HttpResponse:
    item = _item(request, item_pk)
    try:
        plan_services.plan_item_delete(by=request.user, item=item)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已删除培训项目“%(title)s”。") % {"title": item.title})
    return redirect("learn:plan", plan_pk=item.plan_id)


urlpatterns = [
    path("hours/", my_hours, name="hours"),
    path("hours/<int:record_pk>/edit/", hours_edit, name="hours_edit"),
    path("hours/<int:record_pk>/delete/", hours_delete, name="hours_delete"),
    path("hours/verify/", hours_verify, name="hours_verify"),
    path("hours/<int:record_pk>/verify/", hours_verify_one, name="hours_verify_one"),
    path("hours/<int:record_pk>/reject/", hours_reject, name="hours_reject"),
    path("teams/<int:team_pk>/activity/", team_activity, name="team_activity"),
    path("areas/<int:area_pk>/activity/", area_activity, name="area_activity"),
    path("plans/", plan_list, name="plans"),
    path("plans/new/", plan_create, name="plan_create"),
    path("plans/<int:plan_pk>/", plan_detail, name="plan"),
    path("plans/<int:plan_pk>/edit/", plan_edit, name="plan_edit"),
    path("plans/<int:plan_pk>/items/new/", plan_item_add, name="plan_item_add"),
    path("plans/items/<int:item_pk>/edit/", plan_item_edit, name="plan_item_edit"),
    path("plans/items/<int:item_pk>/delete/", plan_item_delete, name="plan_item_delete"),
]
