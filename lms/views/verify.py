"""Public verification of a certificate: /verify/<code>/ and the lookup form /verify/.

Anyone may verify, without signing in. The page shows the masked name, the course, the
issuer, the dates, the status and the PDF's SHA-256 — never the full name, phone, ID
number or team. The code page (opened by the QR code) is not rate-limited: its code is
22 random characters. The lookup by serial and full name is, per client address, and
answers a wrong serial and a wrong name alike, so names cannot be probed.
"""

import datetime
import hmac
import unicodedata
from dataclasses import dataclass
from functools import wraps

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from lms.models import Certificate, CertificateStatus
from lms.ratelimit import request_rate_limit_hit

LOOKUP_SCOPE = "certificate-lookup"


@dataclass(frozen=True)
class Verification:
    """What the public may know of a certificate, as of now."""

    certificate: Certificate
    status: str
    status_label: str
    # Expired: the last valid day; revoked or superseded: the day it changed.
    status_on: datetime.date | None

    @property
    def is_valid(self) -> bool:
        return self.status == CertificateStatus.VALID


def verification_of(certificate: Certificate, today: datetime.date | None = None) -> Verification:
    """The certificate's public status. A valid certificate past its last day reads expired
    at once, not only after the nightly task has marked it."""
    today = today or timezone.localdate()
    status = certificate.status
    if (
        status == CertificateStatus.VALID
        and certificate.expires_on
        and certificate.expires_on < today
    ):
        status = CertificateStatus.EXPIRED
    if status == CertificateStatus.EXPIRED:
        status_on = certificate.expires_on or _changed_on(certificate)
    elif status == CertificateStatus.VALID:
        status_on = None
    else:
        status_on = _changed_on(certificate)
    return Verification(
        certificate=certificate,
        status=status,
        status_label=str(CertificateStatus(status).label),
        status_on=status_on,
    )


def _changed_on(certificate: Certificate) -> datetime.date | None:
    changed = certificate.status_changed_at
    return timezone.localdate(changed) if changed else None


def _public(view):
    """Never cached (a revocation shows at once) and kept out of search engines."""

    @never_cache
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapped


@_public
def verify(request: HttpRequest, code: str) -> HttpResponse:
    certificate = Certificate.objects.filter(code=code).select_related("member").first()
    if certificate is None:
        return render(request, "lms/verify/not_found.html", status=404)
    if certificate.member.is_erased:
        # The holder's data was erased after they left: only that the serial existed.
        return render(request, "lms/verify/erased.html", {"certificate": certificate})
    return render(
        request,
        "lms/verify/certificate.html",
        {
            "verification": verification_of(certificate),
            "certificate": certificate,
            "checked_at": timezone.localtime(),
        },
    )


class LookupForm(forms.Form):
    serial = forms.CharField(
        label=gettext_lazy("证书编号"),
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "placeholder": "GX-2026-450102-000123",
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
            }
        ),
        help_text=gettext_lazy("印在证书上，如 GX-2026-450102-000123。"),
        error_messages={"required": gettext_lazy("请填写证书编号。")},
    )
    name = forms.CharField(
        label=gettext_lazy("持证人姓名"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text=gettext_lazy("请填写证书上的完整姓名。"),
        error_messages={"required": gettext_lazy("请填写持证人姓名。")},
    )

    def clean_serial(self) -> str:
        # Full-width letters and dashes from a Chinese keyboard count as their ASCII forms.
        return unicodedata.normalize("NFKC", self.cleaned_data["serial"]).strip()


def certificate_lookup(serial: str, name: str) -> Certificate | None:
    """The certificate with this serial (any case) held by exactly this name; else None.
    An erased holder's certificate is found by serial alone: its page only says it existed."""
    certificate = Certificate.objects.filter(serial__iexact=serial).only(
        "code", "holder_name", "member__erased_at"
    )
    certificate = certificate.select_related("member").first()
    if certificate is None:
        return None
    if certificate.member.is_erased:
        return certificate
    if not hmac.compare_digest(certificate.holder_name.strip().encode(), name.encode()):
        return None
    return certificate


@_public
def verify_lookup(request: HttpRequest) -> HttpResponse:
    form = LookupForm(request.POST or None)
    if request.method == "POST":
        limit = request_rate_limit_hit(request, LOOKUP_SCOPE, settings.CERTIFICATE_LOOKUP_RATE)
        if not limit.allowed:
            response = render(
                request,
                "lms/verify/lookup.html",
                {"form": LookupForm(), "retry_after": limit.retry_after},
                status=429,
            )
            response["Retry-After"] = str(limit.retry_after)
            return response
        if form.is_valid():
            certificate = certificate_lookup(form.cleaned_data["serial"], form.cleaned_data["name"])
            if certificate is not None:
                return redirect("verify", code=certificate.code)
            # One message whether the serial exists or not.
            form.add_error(None, _("未找到匹配的证书：请核对证书编号和持证人姓名。"))
    return render(request, "lms/verify/lookup.html", {"form": form})


public_urlpatterns = [
    path("verify/", verify_lookup, name="verify_lookup"),
    path("verify/<str:code>/", verify, name="verify"),
]
