"""Personal data: the audit log of who saw it, a member's export, and erasure after leaving."""

import datetime
import io
import json
import zipfile
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lms import pinyin
from lms.errors import DomainError
from lms.models import (
    AccessAction,
    Certificate,
    Member,
    PersonalDataAccess,
    Team,
)

ERASED_NAME = "（已删除）"


def personal_data_access_record(
    *,
    user,
    action: str,
    member: Member | None = None,
    member_count: int = 1,
    detail: str = "",
    path: str = "",
    ip: str | None = None,
) -> PersonalDataAccess:
    """Write one row of the audit log (never raises for a missing member or user)."""
    return PersonalDataAccess.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        username=getattr(user, "username", "") or "",
        action=action,
        member=member,
        member_count=member_count,
        detail=detail[:200],
        path=path[:300],
        ip=ip,
    )


# -- export --------------------------------------------------------------------------------


def _value(field: models.Field, obj):
    if field.is_relation:
        related = getattr(obj, field.name)
        return str(related) if related is not None else None
    value = field.value_from_object(obj)
    if isinstance(field, models.FileField):
        return value.name or None
    return value


def _record(obj, exclude: tuple[str, ...] = ()) -> dict:
    """Every stored field of `obj` (related rows by their name), keyed by field name."""
    return {
        field.name: _value(field, obj)
        for field in obj._meta.concrete_fields
        if field.name not in exclude
    }


@dataclass(frozen=True)
class MemberExport:
    filename: str
    content: bytes


def member_export(*, member: Member, full_id_number: bool) -> MemberExport:
    """A ZIP of everything held about `member`: member.json and their certificates' PDFs.

    The ID number is in full only when the exporting person may read it; otherwise masked.
    """
    profile = _record(member, exclude=("id_number", "id_number_digest", "name_pinyin"))
    profile["id_number"] = member.id_number if full_id_number else member.id_number_masked
    profile["gender"] = member.get_gender_display()
    profile["category"] = member.get_category_display()
    if member.user_id:
        user = member.user
        profile["account"] = {
            "username": user.username,
            "email": user.email,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
            "is_active": user.is_active,
        }
    teams = []
    for version in member.history.order_by("history_date").select_related("team"):
        if not teams or teams[-1]["team_id"] != version.team_id:
            teams.append(
                {
                    "from": version.history_date,
                    "team_id": version.team_id,
                    "team": str(version.team),
                }
            )
    enrollments = []
    for enrollment in member.enrollments.all():
        entry = _record(enrollment, exclude=("member",))
        entry["lessons"] = [_record(p, exclude=("enrollment",)) for p in enrollment.progress.all()]
        enrollments.append(entry)
    attempts = []
    for attempt in member.attempts.all():
        entry = _record(attempt, exclude=("member",))
        entry["answers"] = [_record(a, exclude=("attempt",)) for a in attempt.answers.all()]
        attempts.append(entry)
    certificates = [_record(c, exclude=("member",)) for c in member.certificates.all()]
    data = {
        "exported_at": timezone.now(),
        "member": profile,
        "team_history": teams,
        "enrollments": enrollments,
        "attempts": attempts,
        "certificates": certificates,
        "drills": [_record(p, exclude=("member",)) for p in member.drill_participations.all()],
        "training_sessions": [
            _record(a, exclude=("member",)) for a in member.session_attendances.all()
        ],
        "service_records": [_record(r, exclude=("member",)) for r in member.service_records.all()],
        "insurance_policies": [
            _record(p, exclude=("document",)) for p in member.policies.all().order_by("starts_on")
        ],
        "personal_data_access": [
            {"at": row.at, "by": row.username, "action": row.get_action_display()}
            for row in PersonalDataAccess.objects.about(member)
        ],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "member.json",
            json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        )
        for certificate in member.certificates.exclude(pdf=""):
            try:
                with certificate.pdf.open("rb") as pdf:
                    archive.writestr(f"certificates/{certificate.serial}.pdf", pdf.read())
            except FileNotFoundError:
                continue
    today = timezone.localdate().strftime("%Y%m%d")
    return MemberExport(f"member-{member.pk}-{today}.zip", buffer.getvalue())


# -- erasure -------------------------------------------------------------------------------


def erasure_refusal(member: Member) -> str | None:
    """Why `member` may not be erased now, or None."""
    if member.is_erased:
        return _("该队员的个人信息已经删除。")
    if member.is_active:
        return _("该队员仍在队：只能删除已离队队员的个人信息，请先登记离队日期。")
    if Team.objects.filter(Q(leader=member) | Q(deputy=member)).exists():
        return _("该队员仍被登记为队长或副队长，请先更换后再删除。")
    return None


@transaction.atomic
def member_erase(*, member: Member, by, ip: str | None = None, path: str = "") -> Member:
    """Erase the personal data of a member who left, keeping what compliance counts.

    Name, ID number, phone, day and month of birth, skills and the login account are
    scrubbed from the member and from every historical copy; certificates keep their serial,
    status and dates but lose the holder's name and their PDF, so the public page can only
    say the serial existed. Attempts, scores, hours and attendance stay, tied to the
    anonymous member, so past compliance figures do not change.
    """
    member = Member.objects.select_for_update().get(pk=member.pk)
    refusal = erasure_refusal(member)
    if refusal:
        raise DomainError(refusal)
    # The audit row names the member by id only: the name is about to go.
    personal_data_access_record(user=by, action=AccessAction.ERASE, member=member, ip=ip, path=path)
    birth = datetime.date(member.birth_date.year, 1, 1)
    scrubbed = {
        "name": ERASED_NAME,
        "phone": "",
        "id_number": "",
        "id_number_digest": None,
        "birth_date": birth,
        "skills": "",
    }
    for certificate in Certificate.objects.filter(member=member).exclude(pdf=""):
        certificate.pdf.delete(save=False)
    Certificate.objects.filter(member=member).update(holder_name="", pdf="")
    Certificate.history.filter(member_id=member.pk).update(holder_name="", pdf="")
    Member.history.filter(id=member.pk).update(**scrubbed)
    user = member.user
    for name, value in scrubbed.items():
        setattr(member, name, value)
    member.name_pinyin = pinyin.sort_key(ERASED_NAME)
    member.erased_at = timezone.now()
    member.user = None
    member.save()
    if user is not None:
        _scrub_user(user)
    return member


def _scrub_user(user) -> None:
    user.username = f"erased-{user.pk}"
    user.email = ""
    user.first_name = ""
    user.last_name = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    if hasattr(get_user_model(), "history"):
        user.history.update(username=user.username, email="", first_name="", last_name="")
