"""Writes of the administrative tree."""

import re

from django.db import transaction
from django.utils.translation import gettext as _

from lms.errors import DomainError
from lms.models import Area, AreaLevel

# Official division codes: 6 digits down to county level, 9 for townships, 12 for communities.
CODE_LENGTH = {
    AreaLevel.REGION: 6,
    AreaLevel.CITY: 6,
    AreaLevel.COUNTY: 6,
    AreaLevel.TOWNSHIP: 9,
    AreaLevel.COMMUNITY: 12,
}
# How much of the parent's code a child's code starts with.
PARENT_PREFIX = {
    AreaLevel.CITY: 2,
    AreaLevel.COUNTY: 4,
    AreaLevel.TOWNSHIP: 6,
    AreaLevel.COMMUNITY: 9,
}


def _validate_code(code: str, level: int, parent: Area | None) -> str:
    code = (code or "").strip()
    length = CODE_LENGTH[level]
    if not re.fullmatch(rf"\d{{{length}}}", code):
        raise DomainError(
            _("%(level)s的行政区划代码应为 %(n)d 位数字。")
            % {"level": AreaLevel(level).label, "n": length},
            field="code",
        )
    if parent is not None:
        prefix = PARENT_PREFIX[level]
        if code[:prefix] != parent.code[:prefix]:
            raise DomainError(
                _("代码 %(code)s 不属于上级区域「%(parent)s」（%(pcode)s）。")
                % {"code": code, "parent": parent.name, "pcode": parent.code},
                field="code",
            )
    if Area.objects.filter(code=code).exists():
        raise DomainError(_("行政区划代码 %(code)s 已存在。") % {"code": code}, field="code")
    return code


@transaction.atomic
def area_create(*, name: str, code: str, parent: Area | None = None) -> Area:
    name = (name or "").strip()
    if not name:
        raise DomainError(_("区域名称不能为空。"), field="name")
    level = (parent.depth + 1) if parent else AreaLevel.REGION
    if level > AreaLevel.COMMUNITY:
        raise DomainError(_("社区（村）之下不能再设下级区域。"))
    code = _validate_code(code, level, parent)
    if parent is None:
        return Area.add_root(name=name, code=code)
    return parent.add_child(name=name, code=code)
