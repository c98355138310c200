"""Writes of instructors (师资)."""

from django.db import transaction
from django.utils.translation import gettext as _

from cms.models import HazardType
from lms import pinyin
from lms.errors import DomainError
from lms.models import Area, Instructor, QualificationLevel

EDITABLE_FIELDS = (
    "name",
    "phone",
    "organisation",
    "qualification_level",
    "specialties",
    "active",
    "user",
)


def _check(instructor: Instructor) -> None:
    instructor.name = (instructor.name or "").strip()
    if not instructor.name:
        raise DomainError(_("姓名不能为空。"), field="name")
    if instructor.qualification_level not in QualificationLevel.values:
        raise DomainError(_("请选择资质等级。"), field="qualification_level")
    unknown = set(instructor.specialties or []) - set(HazardType.values)
    if unknown:
        raise DomainError(_("未知的专长灾种：%(v)s") % {"v": "、".join(sorted(unknown))})
    instructor.name_pinyin = pinyin.sort_key(instructor.name)


@transaction.atomic
def instructor_create(
    *,
    name: str,
    qualification_level: str,
    areas: list[Area],
    specialties: list[str] | None = None,
    phone: str = "",
    organisation: str = "",
    user=None,
) -> Instructor:
    if not areas:
        raise DomainError(_("请至少选择一个服务区域。"), field="areas")
    instructor = Instructor(
        name=name,
        qualification_level=qualification_level,
        specialties=list(specialties or []),
        phone=phone,
        organisation=organisation,
        user=user,
    )
    _check(instructor)
    instructor.save()
    instructor.areas.set(areas)
    return instructor


@transaction.atomic
def instructor_update(
    *, instructor: Instructor, areas: list[Area] | None = None, **changes
) -> Instructor:
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(_("不能修改这些字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    for name, value in changes.items():
        setattr(instructor, name, value)
    _check(instructor)
    instructor.save()
    if areas is not None:
        if not areas:
            raise DomainError(_("请至少选择一个服务区域。"), field="areas")
        instructor.areas.set(areas)
    return instructor
