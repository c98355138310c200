"""Certificates at /learn/: a member's own, a certificate's page, a team's and an area's.

- My certificates (a member): every certificate held, its status, the PDF once stored.
- A certificate (whoever may read it): its facts and history; administrators over the
  holder's team also revoke and re-issue there.
- A team's (its leaders, read only, and the administrators over it) and an area's (its
  administrators): filters, counts, .xlsx, a streamed ZIP of the PDFs; administrators
  issue one certificate or start a bulk issue and follow it on the job page.

Every object is looked up within the scope (lms.scope), so anything outside it is a 404;
every write is a service in lms.services.certificates whose refusal is shown as is.
"""

from collections.abc import Iterable, Iterator

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from openpyxl import Workbook

from cms.spreadsheets import new_sheet, text_cell, workbook_bytes
from courses.models import CoursePage
from lms import selectors
from lms.errors import DomainError
from lms.models import (
    Area,
    Certificate,
    CertificateJob,
    CertificateSource,
    CertificateStatus,
    Member,
    Team,
)
from lms.models.areas import subtree_filter
from lms.scope import Scope, scope_for
from lms.selectors.activities import person_name
from lms.services.certificates import (
    certificate_issue,
    certificate_job_create,
    certificate_revoke,
)
from lms.zipstream import ZipEntry, zip_name, zip_stream

from .certificate_forms import (
    STATUS_LABELS,
    BulkIssueForm,
    CertificateFilterForm,
    IssueForm,
    RevokeForm,
)
from .common import (
    administered_area,
    area_trail,
    field_error,
    job_state,
    managed_team,
    wants_xlsx,
    xlsx_response,
)

PAGE_SIZE = 50
# Rows fetched per query while a ZIP streams: few enough to keep memory flat.
ZIP_QUERY_CHUNK = 200


def _stamp() -> str:
    return f"{timezone.localdate():%Y%m%d}"


def _own_member(request: HttpRequest) -> Member | None:
    return Member.objects.select_related("team").filter(user=request.user).first()


# -- my certificates ----------------------------------------------------------------------


@never_cache
@login_required
def my_certificates(request: HttpRequest) -> HttpResponse:
    member = _own_member(request)
    if member is None:
        return render(
            request,
            "lms/certificate_pages/not_member.html",
            {"places": selectors.managed_places(scope_for(request.user))},
        )
    certificates = (
        Certificate.objects.filter(member=member)
        .select_related("superseded_by")
        .order_by("-issued_on", "-pk")
    )
    return render(
        request,
        "lms/certificate_pages/mine.html",
        {"member": member, "certificates": certificates},
    )


@never_cache
@login_required
def certificate_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The stored PDF, to its holder, their leaders and the administrators over them."""
    certificate = get_object_or_404(scope_for(request.user).certificates(), pk=pk)
    try:
        handle = certificate.pdf.open("rb") if certificate.pdf else None
    except FileNotFoundError:
        handle = None
    if handle is None:
        return render(
            request,
            "lms/certificate_pages/not_ready.html",
            {"certificate": certificate},
            status=404,
        )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=certificate.download_name,
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


# -- one certificate ----------------------------------------------------------------------


def _change(record, previous, serials: dict[int, str]) -> tuple[str, object]:
    """What a history record changed, in words, and who did it (if the record says)."""
    who = record.history_user
    if record.history_type == "+":
        source = dict(CertificateSource.choices).get(record.source, record.source)
        return _("发证（%(source)s）") % {"source": source}, who or record.issued_by
    if previous is not None and record.status != previous.status:
        if record.status == CertificateStatus.REVOKED:
            return _("撤销：%(reason)s") % {
                "reason": record.revoked_reason
            }, who or record.revoked_by
        if record.status == CertificateStatus.SUPERSEDED:
            serial = serials.get(record.superseded_by_id, "")
            return _("被新证书 %(serial)s 取代") % {"serial": serial}, who
        if record.status == CertificateStatus.EXPIRED:
            return _("有效期届满"), who
    if previous is not None and record.pdf and not previous.pdf:
        return _("生成证书文件"), who
    return record.history_change_reason or _("信息更新"), who


def _history(certificate: Certificate) -> list[dict]:
    """Each recorded change, newest first: when, the status after it, who, and why."""
    records = list(
        certificate.history.select_related("history_user").order_by("history_date", "history_id")
    )
    successors = {r.superseded_by_id for r in records if r.superseded_by_id}
    serials = dict(Certificate.objects.filter(pk__in=successors).values_list("pk", "serial"))
    rows = []
    for index, record in enumerate(records):
        note, who = _change(record, records[index - 1] if index else None, serials)
        rows.append(
            {
                "when": record.history_date,
                "status": STATUS_LABELS.get(record.status, record.status),
                "who": person_name(who) if who else _("系统"),
                "note": note,
            }
        )
    return rows[::-1]


def _back_link(scope: Scope, certificate: Certificate) -> tuple[str, str]:
    team = certificate.member.team
    if scope.managed_teams().filter(pk=team.pk).exists():
        return (
            reverse("learn:team_certificates", kwargs={"pk": team.pk}),
            _("%(team)s · 证书") % {"team": team.name},
        )
    return reverse("learn:certificates"), _("我的证书")


def _detail_response(
    request: HttpRequest,
    certificate: Certificate,
    *,
    revoke_form: RevokeForm | None = None,
) -> HttpResponse:
    scope = scope_for(request.user)
    may_manage = scope.managed_certificates().filter(pk=certificate.pk).exists()
    revocable = certificate.status in (CertificateStatus.VALID, CertificateStatus.EXPIRED)
    successor = None
    if certificate.superseded_by_id:
        successor = scope.certificates().filter(pk=certificate.superseded_by_id).first()
    back_url, back_label = _back_link(scope, certificate)
    return render(
        request,
        "lms/certificate_pages/detail.html",
        {
            "certificate": certificate,
            "history": _history(certificate),
            "may_manage": may_manage,
            # A refused POST shows its form (and why) even once the status has moved on.
            "revoke_form": revoke_form or (RevokeForm() if may_manage and revocable else None),
            "successor": successor,
            "issued_by": person_name(certificate.issued_by) if certificate.issued_by else "",
            "revoked_by": person_name(certificate.revoked_by) if certificate.revoked_by else "",
            "back_url": back_url,
            "back_label": back_label,
        },
    )


def _readable(request: HttpRequest, pk: int) -> Certificate:
    certificates = (
        scope_for(request.user)
        .certificates()
        .select_related("member__team", "issued_by", "revoked_by", "course")
    )
    return get_object_or_404(certificates, pk=pk)


def _managed(request: HttpRequest, pk: int) -> Certificate:
    """A certificate the user may revoke and re-issue: else 404, whoever else may read it."""
    certificates = (
        scope_for(request.user)
        .managed_certificates()
        .select_related("member__team", "issued_by", "revoked_by", "course")
    )
    return get_object_or_404(certificates, pk=pk)


@never_cache
@login_required
def certificate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_response(request, _readable(request, pk))


@never_cache
@login_required
@require_POST
def certificate_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = _managed(request, pk)
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            certificate_revoke(
                certificate=certificate, by=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            field_error(form, error)
        else:
            messages.success(request, _("已撤销证书 %(serial)s。") % {"serial": certificate.serial})
            return redirect("learn:certificate", pk=certificate.pk)
    return _detail_response(request, certificate, revoke_form=form)


@never_cache
@login_required
@require_POST
def certificate_reissue(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = _managed(request, pk)
    try:
        new = certificate_issue(
            member=certificate.member,
            course=certificate.course,
            source=CertificateSource.MANUAL,
            by=request.user,
            reissue=True,
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("learn:certificate", pk=certificate.pk)
    messages.success(
        request,
        _("已为 %(name)s 重新发证：%(serial)s。证书文件生成后即可下载。")
        % {"name": new.holder_name, "serial": new.serial},
    )
    return redirect("learn:certificate", pk=new.pk)


# -- a team's and an area's certificates ------------------------------------------------


def _counts(certificates: QuerySet[Certificate]) -> list[dict]:
    found = dict(
        certificates.order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return [
        {"status": status, "label": label, "count": found.get(status, 0)}
        for status, label in STATUS_LABELS.items()
    ]


def certificates_workbook(certificates: Iterable[Certificate]) -> bytes:
    """One row per certificate, as the page lists them."""
    wb = Workbook(write_only=True)
    ws = new_sheet(
        wb,
        _("证书"),
        [
            (_("证书编号"), 26),
            (_("持证人"), 12),
            (_("队伍"), 26),
            (_("课程"), 28),
            (_("学时"), 8),
            (_("结业日期"), 12),
            (_("发证日期"), 12),
            (_("有效期至"), 12),
            (_("状态"), 10),
            (_("发放方式"), 14),
            (_("撤销原因"), 24),
            (_("证书文件"), 10),
        ],
    )
    for c in certificates:
        ws.append(
            [
                c.serial,
                text_cell(ws, c.holder_name),
                text_cell(ws, c.member.team.name),
                text_cell(ws, c.course_title),
                float(c.credit_hours),
                c.completed_on,
                c.issued_on,
                c.expires_on,
                str(STATUS_LABELS.get(c.status, c.status)),
                c.get_source_display(),
                text_cell(ws, c.revoked_reason),
                _("已生成") if c.pdf else _("生成中"),
            ]
        )
    return workbook_bytes(wb)


def _list_context(request: HttpRequest, certificates: QuerySet[Certificate]) -> dict:
    courses = CoursePage.objects.filter(
        pk__in=certificates.order_by().values("course_id")
    ).order_by("title", "pk")
    filter_form = CertificateFilterForm(request.GET or None, courses=courses)
    lookups = filter_form.filters()
    counted = certificates.filter(course=lookups["course"]) if "course" in lookups else certificates
    shown = certificates.filter(**lookups).select_related("member__team")
    page = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return {
        "filter_form": filter_form,
        "counts": _counts(counted),
        "page": page,
        "certificates": page.object_list,
        "query": query.urlencode(),
        "shown": shown,
    }


def _issue_one(request: HttpRequest, team: Team) -> HttpResponse | IssueForm:
    """Issue one member of `team` a certificate: a redirect, or the form with its errors."""
    form = IssueForm(request.POST, team=team, prefix="issue")
    if not form.is_valid():
        return form
    member, course = form.cleaned_data["member"], form.cleaned_data["course"]
    held = Certificate.objects.valid().filter(member=member, course=course).first()
    try:
        certificate = certificate_issue(
            member=member,
            course=course,
            source=CertificateSource.MANUAL,
            by=request.user,
            reissue=form.cleaned_data["reissue"],
        )
    except DomainError as error:
        field_error(form, error)
        return form
    names = {"name": member.name, "serial": certificate.serial}
    if held is not None and held.pk == certificate.pk:
        messages.info(
            request,
            _("%(name)s 已持有该课程的有效证书 %(serial)s；如需换发，请勾选“重新发证”。") % names,
        )
    else:
        messages.success(
            request, _("已为 %(name)s 发放证书 %(serial)s。证书文件生成后即可下载。") % names
        )
    return redirect("learn:certificate", pk=certificate.pk)


def _start_bulk(
    request: HttpRequest, *, team: Team | None = None, area: Area | None = None
) -> HttpResponse | BulkIssueForm:
    """Queue bulk issuance: a redirect to the job, or the form with its errors."""
    form = BulkIssueForm(request.POST, prefix="bulk")
    if not form.is_valid():
        return form
    try:
        job = certificate_job_create(
            by=request.user,
            course=form.cleaned_data["course"],
            team=team,
            area=area,
            reissue=form.cleaned_data["reissue"],
        )
    except DomainError as error:
        field_error(form, error)
        return form
    return redirect("learn:certificate_job", pk=job.pk)


@never_cache
@login_required
def team_certificates(request: HttpRequest, pk: int) -> HttpResponse:
    team = managed_team(request, pk)
    may_issue = scope_for(request.user).administers(team.community)
    issue_form = bulk_form = None
    if request.method == "POST":
        if not may_issue:
            raise Http404
        action = request.POST.get("action")
        if action == "issue":
            issue_form = _issue_one(request, team)
            if isinstance(issue_form, HttpResponse):
                return issue_form
        elif action == "bulk":
            bulk_form = _start_bulk(request, team=team)
            if isinstance(bulk_form, HttpResponse):
                return bulk_form
    context = _list_context(request, Certificate.objects.filter(member__team=team))
    if wants_xlsx(request):
        return _xlsx(context["shown"], f"{team.name}-证书-{_stamp()}.xlsx")
    if may_issue:
        issue_form = issue_form or IssueForm(team=team, prefix="issue")
        bulk_form = bulk_form or BulkIssueForm(prefix="bulk")
    return render(
        request,
        "lms/certificate_pages/team.html",
        {
            **context,
            "team": team,
            "may_issue": may_issue,
            "issue_form": issue_form,
            "bulk_form": bulk_form,
        },
    )


@never_cache
@login_required
def area_certificates(request: HttpRequest, pk: int) -> HttpResponse:
    area = administered_area(request, pk)
    bulk_form = None
    if request.method == "POST":
        bulk_form = _start_bulk(request, area=area)
        if isinstance(bulk_form, HttpResponse):
            return bulk_form
    certificates = Certificate.objects.filter(
        **subtree_filter("member__team__community__", area.path)
    )
    context = _list_context(request, certificates)
    if wants_xlsx(request):
        return _xlsx(context["shown"], f"{area.name}-证书-{_stamp()}.xlsx")
    return render(
        request,
        "lms/certificate_pages/area.html",
        {
            **context,
            "area": area,
            "trail": area_trail(scope_for(request.user), area),
            "bulk_form": bulk_form or BulkIssueForm(prefix="bulk"),
        },
    )


def _xlsx(certificates: QuerySet[Certificate], filename: str) -> HttpResponse:
    rows = certificates.select_related("member__team").iterator(chunk_size=2000)
    return xlsx_response(certificates_workbook(rows), filename)


# -- ZIPs ---------------------------------------------------------------------------------


def _zip_entries(certificates: QuerySet[Certificate], *, by_team: bool) -> Iterator[ZipEntry]:
    storage = Certificate._meta.get_field("pdf").storage
    rows = (
        certificates.rendered()
        .select_related("member__team")
        .only("pk", "serial", "holder_name", "pdf", "rendered_at", "member__team__name")
        .iterator(chunk_size=ZIP_QUERY_CHUNK)
    )
    for c in rows:
        name = f"{c.serial}-{c.holder_name}.pdf"
        parts = (c.member.team.name, name) if by_team else (name,)
        yield ZipEntry(
            name=zip_name(*parts),
            open=lambda stored=c.pdf.name: storage.open(stored, "rb"),
            modified=c.rendered_at,
        )


def _zip_response(
    request: HttpRequest, certificates: QuerySet[Certificate], filename: str, *, by_team: bool
) -> StreamingHttpResponse:
    if request.GET.get("status") != "all":
        certificates = certificates.valid()
    response = StreamingHttpResponse(
        zip_stream(_zip_entries(certificates, by_team=by_team)), content_type="application/zip"
    )
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@login_required
def team_certificates_zip(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    team = managed_team(request, pk)
    certificates = Certificate.objects.filter(member__team=team).order_by("serial")
    return _zip_response(request, certificates, f"{team.name}-证书-{_stamp()}.zip", by_team=False)


@never_cache
@login_required
def area_certificates_zip(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    area = administered_area(request, pk)
    certificates = Certificate.objects.filter(
        **subtree_filter("member__team__community__", area.path)
    ).order_by("member__team__community__path", "member__team_id", "serial")
    return _zip_response(request, certificates, f"{area.name}-证书-{_stamp()}.zip", by_team=True)


# -- bulk-issue jobs ----------------------------------------------------------------------


def _visible_job(request: HttpRequest, pk: int) -> CertificateJob:
    jobs = scope_for(request.user).certificate_jobs().select_related("course", "team", "area")
    return get_object_or_404(jobs, pk=pk)


def _job_state(job: CertificateJob) -> dict:
    return job_state(job, done=job.done, total=job.total, issued=job.issued)


@never_cache
@login_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _visible_job(request, pk)
    if job.team_id:
        back_url = reverse("learn:team_certificates", kwargs={"pk": job.team_id})
        place = job.team.name
    else:
        back_url = reverse("learn:area_certificates", kwargs={"pk": job.area_id})
        place = job.area.name
    return render(
        request,
        "lms/certificate_pages/job.html",
        {
            "job": job,
            "state": _job_state(job),
            "status_url": reverse("learn:certificate_job_status", kwargs={"pk": job.pk}),
            "back_url": back_url,
            "place": place,
        },
    )


@never_cache
@login_required
def job_status(request: HttpRequest, pk: int) -> JsonResponse:
    return JsonResponse(_job_state(_visible_job(request, pk)))


urlpatterns = [
    path("certificates/", my_certificates, name="certificates"),
    path("certificates/<int:pk>/", certificate_detail, name="certificate"),
    path("certificates/<int:pk>/download/", certificate_download, name="certificate_download"),
    path("certificates/<int:pk>/revoke/", certificate_revoke_view, name="certificate_revoke"),
    path("certificates/<int:pk>/reissue/", certificate_reissue, name="certificate_reissue"),
    path("teams/<int:pk>/certificates/", team_certificates, name="team_certificates"),
    path("teams/<int:pk>/certificates.zip", team_certificates_zip, name="team_certificates_zip"),
    path("areas/<int:pk>/certificates/", area_certificates, name="area_certificates"),
    path("areas/<int:pk>/certificates.zip", area_certificates_zip, name="area_certificates_zip"),
    path("certificate-jobs/<int:pk>/", job_detail, name="certificate_job"),
    path("certificate-jobs/<int:pk>/status.json", job_status, name="certificate_job_status"),
]
