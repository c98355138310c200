"""What goes in and out of the API. Output labels are Chinese; codes stay stable for programs."""

import datetime

from django.db import models
from django.utils.translation import gettext as _

from ninja import Field, Schema
from pydantic import ConfigDict, ValidationInfo, field_validator

from lms import privacy
from lms.models import (
    AreaLevel,
    Gender,
    Member,
    MemberCategory,
    QualificationLevel,
    TeamStatus,
)
from lms.scope import scope_for


class Choice(Schema):
    code: str
    label: str


def choice(choices: type[models.Choices], value) -> dict:
    return {"code": value, "label": str(dict(choices.choices).get(value, value))}


class Error(Schema):
    detail: str
    field: str | None = None


# -- references (the few fields that name a related object) ----------------------------


class AreaRef(Schema):
    id: int
    name: str
    code: str


class TeamRef(Schema):
    id: int
    name: str


class PersonRef(Schema):
    id: int
    name: str


# -- areas ---------------------------------------------------------------------------------


class AreaOut(Schema):
    id: int
    name: str
    code: str = Field(description="行政区划代码")
    level: int = Field(description="1 自治区 · 2 市 · 3 县（市、区）· 4 乡镇（街道）· 5 社区（村）")
    level_label: str
    parent_id: int | None

    @staticmethod
    def resolve_level(obj) -> int:
        return obj.depth

    @staticmethod
    def resolve_level_label(obj) -> str:
        return str(obj.get_level_display())

    @staticmethod
    def resolve_parent_id(obj) -> int | None:
        return obj.parent_pk


class AreaFilters(Schema):
    level: AreaLevel | None = Field(None, description="层级：1–5")
    parent: int | None = Field(None, description="上级区域 id：只列其直接下级")


# -- teams ---------------------------------------------------------------------------------


class TeamOut(Schema):
    id: int
    name: str
    status: Choice
    community: AreaRef
    leader: PersonRef | None
    deputy: PersonRef | None
    phone: str
    founded_on: datetime.date | None
    registration_number: str
    registered_on: datetime.date | None
    member_count: int = Field(description="在队队员人数")

    @staticmethod
    def resolve_status(obj) -> dict:
        return choice(TeamStatus, obj.status)


class TeamFilters(Schema):
    area: int | None = Field(None, description="区域 id：该区域及其全部下级区域内的队伍")
    status: TeamStatus | None = None
    q: str | None = Field(None, description="队伍名称包含")


# -- members -------------------------------------------------------------------------------


class MemberOut(Schema):
    id: int
    name: str
    gender: Gender
    birth_date: datetime.date
    phone: str
    id_number: str = Field(description="身份证号；无查看权限时为打码后的号码")
    category: Choice
    team: TeamRef
    joined_on: datetime.date
    left_on: datetime.date | None
    active: bool
    skills: str

    @staticmethod
    def resolve_id_number(obj: Member, context) -> str:
        request = context["request"]
        if not scope_for(request.auth).may_view_id_number(obj):
            return obj.id_number_masked
        privacy.id_numbers_shown(request, obj)
        return obj.id_number

    @staticmethod
    def resolve_category(obj: Member) -> dict:
        return choice(MemberCategory, obj.category)

    @staticmethod
    def resolve_active(obj: Member) -> bool:
        return obj.is_active


class TeamMemberFilters(Schema):
    category: MemberCategory | None = None
    active: bool | None = Field(None, description="true 在队，false 已离队")
    q: str | None = Field(None, description="姓名或手机号包含")


class MemberFilters(TeamMemberFilters):
    team: int | None = Field(None, description="队伍 id")
    area: int | None = Field(None, description="区域 id：该区域及其全部下级区域内的队员")


class MemberCreate(Schema):
    model_config = ConfigDict(extra="forbid")

    team: int = Field(description="所属队伍 id（须为本人可管理的队伍）")
    name: str
    gender: Gender
    birth_date: datetime.date
    phone: str
    id_number: str
    category: MemberCategory
    joined_on: datetime.date | None = Field(None, description="入队日期，默认今天")
    skills: str = ""


# Fields a PATCH may clear (set to null); every other field, when given, needs a value.
NULLABLE_ON_UPDATE = {"left_on"}


class MemberUpdate(Schema):
    """Only the fields given are changed."""

    model_config = ConfigDict(extra="forbid")

    team: int | None = Field(None, description="调入的队伍 id（须为本人可管理的队伍）")
    name: str | None = None
    gender: Gender | None = None
    birth_date: datetime.date | None = None
    phone: str | None = None
    id_number: str | None = None
    category: MemberCategory | None = None
    joined_on: datetime.date | None = None
    left_on: datetime.date | None = Field(None, description="离队日期；null 表示在队")
    skills: str | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _no_nulls(cls, value, info: ValidationInfo):
        # Runs only for the fields given: an omitted field stays unchanged, a null one is refused.
        if value is None and info.field_name not in NULLABLE_ON_UPDATE:
            raise ValueError(_("不能为空。"))
        return value


# -- instructors -----------------------------------------------------------------------


class InstructorOut(Schema):
    id: int
    name: str
    phone: str
    organisation: str
    qualification_level: Choice
    specialties: list[str] = Field(description="专长灾种代码")
    areas: list[AreaRef] = Field(description="服务区域")
    taught_hours: float = Field(description="累计授课学时")
    active: bool

    @staticmethod
    def resolve_qualification_level(obj) -> dict:
        return choice(QualificationLevel, obj.qualification_level)

    @staticmethod
    def resolve_areas(obj) -> list:
        return list(obj.areas.all())


class InstructorFilters(Schema):
    qualification_level: QualificationLevel | None = None
    active: bool | None = None
    q: str | None = Field(None, description="姓名或工作单位包含")


# -- who am I --------------------------------------------------------------------------


class AdministeredArea(AreaRef):
    level: int
    can_view_id_numbers: bool


class MemberRef(PersonRef):
    team: TeamRef


class MeOut(Schema):
    username: str
    name: str
    roles: list[str] = Field(
        description="superuser 超级管理员 · area_admin 区域管理员 · leader 队长/副队长 · "
        "member 队员 · instructor 师资"
    )
    administered_areas: list[AdministeredArea]
    led_teams: list[TeamRef]
    member: MemberRef | None
    instructor: PersonRef | None
    manages_records: bool = Field(description="可维护队伍名册")
    can_view_id_numbers: bool = Field(description="在某些区域内可查看完整身份证号")
