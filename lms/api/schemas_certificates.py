"""What the certificate endpoints give."""

import datetime

from django.urls import reverse

from ninja import Field, Schema

from lms.models import Certificate, CertificateSource, CertificateStatus

from .schemas import Choice, PersonRef, TeamRef, choice


class CertificateOut(Schema):
    id: int
    serial: str = Field(description="证书编号，如 GX-2026-450102-000123")
    holder: PersonRef
    team: TeamRef
    course_id: int
    course_title: str = Field(description="发证时的课程名称")
    credit_hours: float
    status: Choice = Field(
        description="valid 有效 · expired 已过期 · revoked 已撤销 · superseded 已被新证书取代"
    )
    status_changed_at: datetime.datetime | None
    revoked_reason: str | None = Field(description="撤销原因（仅已撤销的证书）")
    superseded_by_id: int | None = Field(description="取代它的新证书 id")
    source: Choice
    issued_on: datetime.date
    expires_on: datetime.date | None = Field(description="有效期最后一天；null 为长期有效")
    completed_on: datetime.date | None
    issuing_organisation: str
    verify_url: str = Field(description="公开验证页面（证书二维码打开的地址）")
    download_url: str | None = Field(description="PDF 下载地址；证书文件尚未生成时为 null")
    pdf_sha256: str | None = Field(description="所发 PDF 的 SHA-256；尚未生成时为 null")
    pdf_signed: bool = Field(description="PDF 是否带数字签名")

    @staticmethod
    def resolve_holder(obj: Certificate) -> dict:
        return {"id": obj.member_id, "name": obj.holder_name}

    @staticmethod
    def resolve_team(obj: Certificate):
        return obj.member.team

    @staticmethod
    def resolve_credit_hours(obj: Certificate) -> float:
        return float(obj.credit_hours)

    @staticmethod
    def resolve_status(obj: Certificate) -> dict:
        return choice(CertificateStatus, obj.status)

    @staticmethod
    def resolve_revoked_reason(obj: Certificate) -> str | None:
        return obj.revoked_reason if obj.status == CertificateStatus.REVOKED else None

    @staticmethod
    def resolve_source(obj: Certificate) -> dict:
        return choice(CertificateSource, obj.source)

    @staticmethod
    def resolve_verify_url(obj: Certificate) -> str:
        return obj.verify_url

    @staticmethod
    def resolve_download_url(obj: Certificate, context) -> str | None:
        if not obj.pdf:
            return None
        url = reverse("learn:certificate_download", kwargs={"pk": obj.pk})
        return context["request"].build_absolute_uri(url)

    @staticmethod
    def resolve_pdf_sha256(obj: Certificate) -> str | None:
        return obj.pdf_sha256 or None
