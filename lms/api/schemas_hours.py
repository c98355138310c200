"""What the service-hours endpoints take and give."""

import datetime
from decimal import Decimal

from ninja import Field, Schema
from pydantic import ConfigDict

from lms.models import ServiceActivity, ServiceRecord
from lms.selectors.activities import person_name

from .schemas import Choice, PersonRef, TeamRef, choice


def _user_name(user) -> str | None:
    return person_name(user) if user is not None else None


class ServiceRecordOut(Schema):
    id: int
    member: PersonRef
    team: TeamRef
    activity: Choice
    date: datetime.date
    hours: float
    description: str
    status: Choice = Field(description="pending 待核实 · verified 已核实 · rejected 未通过")
    source: str = Field(description="manual 手工登记 · drill 演练自动登记 · session 培训自动登记")
    drill_id: int | None
    session_id: int | None
    entered_by: str | None
    entered_at: datetime.datetime
    verified_by: str | None
    verified_at: datetime.datetime | None
    reject_reason: str

    @staticmethod
    def resolve_team(obj: ServiceRecord):
        return obj.member.team

    @staticmethod
    def resolve_activity(obj: ServiceRecord) -> dict:
        return choice(ServiceActivity, obj.activity)

    @staticmethod
    def resolve_status(obj: ServiceRecord) -> dict:
        return {"code": obj.status, "label": str(obj.get_status_display())}

    @staticmethod
    def resolve_hours(obj: ServiceRecord) -> float:
        return float(obj.hours)

    @staticmethod
    def resolve_source(obj: ServiceRecord) -> str:
        return "drill" if obj.drill_id else "session" if obj.session_id else "manual"

    @staticmethod
    def resolve_entered_by(obj: ServiceRecord) -> str | None:
        return _user_name(obj.entered_by)

    @staticmethod
    def resolve_verified_by(obj: ServiceRecord) -> str | None:
        return _user_name(obj.verified_by)


class MyHoursOut(Schema):
    member: PersonRef
    team: TeamRef
    year: int
    verified_year: float = Field(description="本年度已核实的小时数（计入统计）")
    verified_total: float = Field(description="累计已核实的小时数")
    pending: float = Field(description="待核实的小时数")
    records: list[ServiceRecordOut] = Field(description="该年度的服务时长记录，日期倒序")


class MyHoursFilters(Schema):
    year: int | None = Field(None, ge=2000, le=2100, description="年度，默认今年")


class ServiceRecordIn(Schema):
    model_config = ConfigDict(extra="forbid")

    member_id: int | None = Field(
        None, description="队员 id；不填为本人。队长、管理员可为所管理队伍的队员登记"
    )
    activity: ServiceActivity = Field(description="活动类型")
    date: datetime.date = Field(description="服务日期，最近 3 个月内")
    hours: Decimal = Field(description="时长（小时），以 0.5 为单位，同一天合计不超过 24")
    description: str = Field(max_length=300, description="服务内容")


class RejectIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=255, description="退回原因")
