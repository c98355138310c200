"""Yearly summaries (年度总结报告) at /learn/reports/: the list, a request form, the job
page with its progress bar, and the two downloads.

Only area administrators use them. Reports are looked up within the scope
(`scope.reports()`: the user's subtrees), so another county's report is a 404, as is a
file that is not ready yet; the area choices are the areas the user administers.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from lms.errors import DomainError
from lms.models import Area, AreaLevel, JobStatus, YearlyReport
from lms.scope import Scope, scope_for
from lms.services.reports import FIRST_YEAR, report_filename, yearly_report_create

from .common import field_error, job_state

PAGE_SIZE = 30
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class AreaChoiceField(forms.ModelChoiceField):
    top_depth = AreaLevel.REGION

    def label_from_instance(self, area: Area) -> str:
        # Indented by level, so a city's counties read as its own in the drop-down.
        indent = "　" * max(0, area.depth - self.top_depth)
        return f"{indent}{area.name}（{area.get_level_display()}）"


class ReportForm(forms.Form):
    area = AreaChoiceField(
        label=gettext_lazy("区域"),
        queryset=Area.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": gettext_lazy("请从列表中选择您管理的区域。")},
    )
    year = forms.IntegerField(
        label=gettext_lazy("年度"),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        self.fields["area"].queryset = areas
        self.fields["area"].top_depth = min(areas.values_list("depth", flat=True), default=1)
        year = self.fields["year"]
        year.initial = this_year
        # The bounds are checked in clean_year (with this year's figure in the message).
        year.widget.attrs.update(min=FIRST_YEAR, max=this_year)
        year.error_messages.update(
            {
                "invalid": _("请输入年份，如 %(year)s。") % {"year": this_year},
                "required": _("请输入年度。"),
            }
        )

    def clean_year(self):
        year = self.cleaned_data["year"]
        this_year = timezone.localdate().year
        if year > this_year:
            raise forms.ValidationError(
                _("年度不能晚于今年（%(year)s 年）。") % {"year": this_year}
            )
        if year < FIRST_YEAR:
            raise forms.ValidationError(_("年度不能早于 %(year)s 年。") % {"year": FIRST_YEAR})
        return year


def report_areas(scope: Scope):
    """Areas the user may report on: the ones they administer, down to counties."""
    areas = Area.objects.filter(depth__lte=AreaLevel.COUNTY)
    if not scope.is_global:
        areas = areas.filter(pk__in=scope.areas().values("pk"))
    return areas.order_by("path")


def _visible(request: HttpRequest, pk: int) -> YearlyReport:
    reports = scope_for(request.user).reports().select_related("area", "created_by")
    return get_object_or_404(reports, pk=pk)


def _state(report: YearlyReport) -> dict:
    done = report.status == JobStatus.DONE
    return job_state(
        report,
        done=report.done,
        total=report.total,
        pdf_url=reverse("learn:report_pdf", args=[report.pk]) if done else "",
        xlsx_url=reverse("learn:report_xlsx", args=[report.pk]) if done else "",
    )


@never_cache
@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    if not scope.is_area_admin:
        return render(request, "lms/reports/not_admin.html")
    areas = report_areas(scope)
    form = ReportForm(request.POST or None, areas=areas)
    if request.method == "POST" and form.is_valid():
        try:
            report = yearly_report_create(
                area=form.cleaned_data["area"], year=form.cleaned_data["year"], by=request.user
            )
        except DomainError as error:
            field_error(form, error)
        else:
            return redirect("learn:report", pk=report.pk)
    reports = scope.reports().select_related("area", "created_by").order_by("-created_at", "-pk")
    page = Paginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "lms/reports/list.html",
        {
            "form": form,
            "may_request": areas.exists(),
            "page_obj": page,
            "reports": page.object_list,
        },
    )


@never_cache
@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = _visible(request, pk)
    return render(
        request,
        "lms/reports/job.html",
        {
            "report": report,
            "state": _state(report),
            "status_url": reverse("learn:report_status", args=[report.pk]),
        },
    )


@never_cache
@login_required
def report_status(request: HttpRequest, pk: int) -> JsonResponse:
    return JsonResponse(_state(_visible(request, pk)))


def _download(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    report = _visible(request, pk)
    stored = getattr(report, kind)
    handle = None
    if report.status == JobStatus.DONE and stored:
        try:
            handle = stored.open("rb")
        except FileNotFoundError:
            handle = None
    if handle is None:
        return render(request, "lms/reports/not_ready.html", {"report": report}, status=404)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=report_filename(report, kind),
        content_type=CONTENT_TYPES[kind],
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _download(request, pk, "pdf")


@login_required
def report_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    return _download(request, pk, "xlsx")


urlpatterns = [
    path("reports/", report_list, name="reports"),
    path("reports/<int:pk>/", report_detail, name="report"),
    path("reports/<int:pk>/status.json", report_status, name="report_status"),
    path("reports/<int:pk>/report.pdf", report_pdf, name="report_pdf"),
    path("reports/<int:pk>/report.xlsx", report_xlsx, name="report_xlsx"),
]
