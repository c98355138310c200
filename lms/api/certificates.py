"""Certificates through the API: one's own, and one certificate within the scope.

The holder, their leaders and the administrators over them may read a certificate; any
other id is not found (404), whether it exists or not. Issuing and revoking stay on the
pages and in the admin, which go through lms.services.certificates.
"""

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from ninja import Router

from lms.errors import DomainError
from lms.models import Certificate, Member

from .common import get_within, request_scope
from .schemas import Error
from .schemas_certificates import CertificateOut

router = Router(tags=["证书"])


def certificates_for_output(certificates: QuerySet[Certificate]) -> QuerySet[Certificate]:
    return certificates.select_related("member__team")


@router.get(
    "/me/certificates",
    response={200: list[CertificateOut], 400: Error},
    summary="我的证书",
    description="本人的全部证书（含已过期、已撤销、已被取代的），最新发放的在前。",
)
def my_certificates(request: HttpRequest):
    member = Member.objects.filter(user=request.auth).first()
    if member is None:
        raise DomainError(
            _("您的账号尚未登记为队员，没有本人的证书。请联系队长在名册中关联您的账号。")
        )
    certificates = Certificate.objects.filter(member=member).order_by("-issued_on", "-pk")
    return list(certificates_for_output(certificates))


@router.get(
    "/certificates/{certificate_id}",
    response={200: CertificateOut, 404: Error},
    summary="一张证书",
    description="持证人本人、其队长和辖区管理员可查看；范围之外的证书按不存在处理（404）。",
)
def certificate_detail(request: HttpRequest, certificate_id: int):
    certificates = certificates_for_output(request_scope(request).certificates())
    return get_within(certificates, certificate_id, _("未找到该证书。"))
