"""Public verification through the API: a certificate by its verification code.

No sign-in: the code (22 random characters, from the certificate's QR code) is the key.
The answer holds what the public page shows and nothing more: the masked name, never the
full name, phone, ID number or team.
"""

import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _

from ninja import Field, Router, Schema, Status

from lms.models import Certificate, CertificateStatus
from lms.views.verify import verification_of

from .errors import NotFound
from .schemas import Choice, Error, choice

router = Router(tags=["证书验证"])


class VerificationOut(Schema):
    holder_masked: str = Field(description="持证人姓名，中间部分隐去，如 张*三")
    course_title: str = Field(description="培训课程（发证时的名称）")
    issuing_organisation: str
    issued_on: datetime.date
    expires_on: datetime.date | None = Field(description="有效期至（含当日）；null 为长期有效")
    status: Choice = Field(
        description="valid 有效 · expired 已过期 · revoked 已撤销 · superseded 已被新证书取代"
    )
    status_changed_at: datetime.datetime | None = Field(
        description="状态变更时间（撤销、取代、过期）"
    )
    pdf_sha256: str | None = Field(description="证书 PDF 的 SHA-256；null 为文件尚未生成")
    pdf_signed: bool = Field(description="PDF 是否已数字签名")
    verify_url: str = Field(description="公开验证页地址（即证书二维码所指）")


@router.get(
    "/verify/{code}",
    auth=None,
    response={200: VerificationOut, 404: Error, 410: Error},
    summary="验证证书",
    description="按证书二维码中的验证码查验证书：无需登录；返回遮盖后的姓名、课程、发证机构、"
    "日期、实时状态和 PDF 的 SHA-256。",
)
def verify_certificate(request: HttpRequest, code: str):
    certificate = Certificate.objects.filter(code=code).select_related("member").first()
    if certificate is None:
        raise NotFound(_("未找到该证书：请核对验证码是否完整。"))
    if certificate.member.is_erased:
        return Status(410, {"detail": _("该编号的证书曾经签发，持证人信息已按规定删除。")})
    verification = verification_of(certificate)
    return {
        "holder_masked": certificate.masked_name,
        "course_title": certificate.course_title,
        "issuing_organisation": certificate.issuing_organisation,
        "issued_on": certificate.issued_on,
        "expires_on": certificate.expires_on,
        "status": choice(CertificateStatus, verification.status),
        "status_changed_at": certificate.status_changed_at,
        "pdf_sha256": certificate.pdf_sha256 or None,
        "pdf_signed": certificate.pdf_signed,
        "verify_url": certificate.verify_url,
    }
