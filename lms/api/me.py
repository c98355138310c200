"""Who the caller is, and what the scope lets them do."""

from django.http import HttpRequest

from ninja import Router

from lms.models import AreaAdministrator, Instructor, Member, Team

from .common import request_scope
from .schemas import MeOut

router = Router(tags=["当前用户"])


@router.get("/me", response=MeOut, summary="当前用户及其权限范围")
def me(request: HttpRequest):
    user = request.auth
    scope = request_scope(request)
    roles = [
        role
        for role, held in (
            ("superuser", scope.is_global),
            ("area_admin", bool(scope.area_paths)),
            ("leader", scope.is_leader),
            ("member", scope.member_id is not None),
            ("instructor", scope.instructor_id is not None),
        )
        if held
    ]
    administered = AreaAdministrator.objects.filter(user_id=scope.user_id).select_related("area")
    member = (
        Member.objects.select_related("team").filter(pk=scope.member_id).first()
        if scope.member_id
        else None
    )
    instructor = (
        Instructor.objects.filter(pk=scope.instructor_id).first() if scope.instructor_id else None
    )
    return {
        "username": user.get_username(),
        "name": user.get_full_name(),
        "roles": roles,
        "administered_areas": [
            {
                "id": role.area.pk,
                "name": role.area.name,
                "code": role.area.code,
                "level": role.area.depth,
                "can_view_id_numbers": role.can_view_id_numbers,
            }
            for role in administered.order_by("area__path")
        ],
        "led_teams": list(Team.objects.filter(pk__in=scope.led_team_ids).order_by("pk")),
        "member": member,
        "instructor": instructor,
        "manages_records": scope.manages_records,
        "can_view_id_numbers": scope.can_view_id_numbers,
    }
