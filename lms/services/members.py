"""Writes of team members: join, update, leave."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lms import idcard, pinyin
from lms.errors import DomainError
from lms.models import Member, MemberCategory, Team

MOBILE = re.compile(r"^1[3-9]\d{9}$")
EDITABLE_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "phone",
    "id_number",
    "category",
    "joined_on",
    "left_on",
    "skills",
)


def normalize_phone(phone: str) -> str:
    phone = re.sub(r"[\s-]", "", phone or "")
    if phone.startswith("+86"):
        phone = phone[3:]
    if not MOBILE.match(phone):
        raise DomainError(_("手机号应为 11 位大陆手机号码。"), field="phone")
    return phone


def _check(member: Member) -> None:
    member.name = (member.name or "").strip()
    if not member.name:
        raise DomainError(_("姓名不能为空。"), field="name")
    member.phone = normalize_phone(member.phone)
    try:
        member.id_number = idcard.validate(member.id_number, expected_birth_date=member.birth_date)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], field="id_number") from exc
    if member.category not in MemberCategory.values:
        raise DomainError(_("人员类别不在规定的类别中。"), field="category")
    if member.left_on and member.left_on < member.joined_on:
        raise DomainError(_("离队日期不能早于入队日期。"), field="left_on")
    # The message names no team: the other team may be outside the caller's scope.
    if Member.objects.with_id_number(member.id_number).exclude(pk=member.pk).exists():
        raise DomainError(_("该身份证号已被登记，不能重复登记。"), field="id_number")
    member.name_pinyin = pinyin.sort_key(member.name)
    try:
        member.full_clean(exclude=["id_number", "id_number_digest", "team", "user"])
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=field) from exc


def _save(member: Member) -> Member:
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError as exc:  # a concurrent insert of the same ID number
        raise DomainError(_("该身份证号已被登记。"), field="id_number") from exc
    return member


@transaction.atomic
def member_create(
    *,
    team: Team,
    name: str,
    gender: str,
    birth_date: datetime.date,
    phone: str,
    id_number: str,
    category: str,
    joined_on: datetime.date | None = None,
    skills: str = "",
    user=None,
) -> Member:
    member = Member(
        team=team,
        name=name,
        gender=gender,
        birth_date=birth_date,
        phone=phone,
        id_number=id_number,
        category=category,
        joined_on=joined_on or timezone.localdate(),
        skills=skills,
        user=user,
    )
    _check(member)
    return _save(member)


@transaction.atomic
def member_update(*, member: Member, **changes) -> Member:
    unknown = set(changes) - set(EDITABLE_FIELDS) - {"team", "user"}
    if unknown:
        raise DomainError(_("不能修改这些字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    for name, value in changes.items():
        setattr(member, name, value)
    _check(member)
    return _save(member)


@transaction.atomic
def member_leave(*, member: Member, left_on: datetime.date | None = None) -> Member:
    return member_update(member=member, left_on=left_on or timezone.localdate())
