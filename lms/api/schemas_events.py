"""What the events API takes and gives: upcoming drills and sessions, and check-in."""

import datetime
from typing import Literal

from ninja import Field, Schema

from .schemas import Choice


class UpcomingFilters(Schema):
    kind: Literal["drill", "session"] | None = Field(None, description="只看演练或只看线下培训")
    days: int = Field(60, ge=1, le=366, description="从现在起多少天内（默认 60）")


class EventOut(Schema):
    kind: Literal["drill", "session"]
    id: int
    title: str
    kind_label: str
    detail: str = Field(description="演练科目，或培训的课程名称")
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    place: str
    status: Choice
    teams: list[str]
    url: str
    checked_in: bool = Field(description="调用者本人是否已签到")


class CheckinIn(Schema):
    kind: Literal["drill", "session"]
    id: int = Field(ge=1)
    token: str = Field(min_length=1, max_length=200, description="二维码中的签到码（参数 t）")


class CheckinOut(Schema):
    checked_in: bool
    created: bool = Field(description="本次新签到为 true；此前已签到为 false（不会重复签到）")
    kind: Literal["drill", "session"]
    id: int
    title: str
    checked_in_at: datetime.datetime
    method: Choice
