"""Recording, per request, that someone was shown full ID numbers (the audit log).

Views and API resolvers call `id_numbers_shown(request, members)` wherever a full number
reaches a page, a file or a JSON answer; the middleware writes one audit row per request
after the response is built: the member for a single one, the count for a list.
"""

from django.http import HttpRequest

from lms.models import AccessAction
from lms.ratelimit import client_ip
from lms.services.privacy import personal_data_access_record

_ATTR = "_id_numbers_shown"


def id_numbers_shown(
    request: HttpRequest, members, *, action: str | None = None, detail: str = ""
) -> None:
    """Note that the full ID numbers of `members` (one Member or several) were shown."""
    if request is None:
        return
    shown = getattr(request, _ATTR, None)
    if shown is None:
        shown = {"members": {}, "action": None, "detail": ""}
        setattr(request, _ATTR, shown)
    if hasattr(members, "pk"):
        members = [members]
    for member in members:
        shown["members"][member.pk] = member
    if action:
        shown["action"] = action
    if detail:
        shown["detail"] = detail


def record(request: HttpRequest, action: str, *, member=None, count: int = 1, detail: str = ""):
    """Write one audit row for this request now (exports and erasures)."""
    return personal_data_access_record(
        user=getattr(request, "auth", None) or request.user,
        action=action,
        member=member,
        member_count=count,
        detail=detail,
        path=request.get_full_path(),
        ip=client_ip(request),
    )


class PersonalDataAuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        shown = getattr(request, _ATTR, None)
        if shown and shown["members"] and response.status_code < 400:
            members = list(shown["members"].values())
            single = len(members) == 1
            action = shown["action"] or (
                AccessAction.VIEW_ID_NUMBER if single else AccessAction.LIST_ID_NUMBERS
            )
            user = getattr(request, "auth", None) or request.user
            personal_data_access_record(
                user=user,
                action=action,
                member=members[0] if single else None,
                member_count=len(members),
                detail=shown["detail"],
                path=request.get_full_path(),
                ip=client_ip(request),
            )
        return response
