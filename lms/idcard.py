"""Resident identity card numbers (居民身份证号码, GB 11643-1999): check, read, mask."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_PATTERN = re.compile(r"^\d{17}[\dX]$")


def check_char(first17: str) -> str:
    """The 18th character for the first 17 digits (ISO 7064 MOD 11-2)."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def normalize(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "")


def birth_date(id_number: str) -> datetime.date | None:
    try:
        return datetime.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except (ValueError, IndexError):
        return None


def validate(value: str, *, expected_birth_date: datetime.date | None = None) -> str:
    """Return the normalized number, or raise ValidationError saying what is wrong with it."""
    number = normalize(value)
    if not _PATTERN.match(number):
        raise ValidationError(_("身份证号应为 18 位，前 17 位为数字，最后一位为数字或 X。"))
    born = birth_date(number)
    if born is None or born > datetime.date.today() or born.year < 1900:
        raise ValidationError(_("身份证号中的出生日期无效。"))
    if number[17] != check_char(number[:17]):
        raise ValidationError(_("身份证号校验位不正确，请核对号码。"))
    if expected_birth_date and born != expected_birth_date:
        raise ValidationError(
            _("身份证号中的出生日期（%(id)s）与填写的出生日期（%(given)s）不一致。")
            % {"id": born.isoformat(), "given": expected_birth_date.isoformat()}
        )
    return number


def mask(id_number: str) -> str:
    """4501**********1234: the first four and last four characters only."""
    if not id_number:
        return ""
    if len(id_number) <= 8:
        return "*" * len(id_number)
    return f"{id_number[:4]}{'*' * (len(id_number) - 8)}{id_number[-4:]}"
