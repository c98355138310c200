"""The JSON API at /api/v1/ (django-ninja); OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs.

Every endpoint answers within the caller's scope (lms.scope): a Wagtail API token
(`Authorization: Bearer wagtail_…`) or the signed-in session identifies the caller, and
objects outside the scope are not found (404), whether they exist or not.
"""

import math

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from ninja import NinjaAPI
from ninja.errors import Throttled

from . import (
    areas,
    certificates,
    compliance,
    errors,
    events,
    exams,
    hours,
    instructors,
    learning,
    me,
    members,
    teams,
    verify,
)
from .security import api_token_auth, rate_throttle, session_auth

DESCRIPTION = """\
应急先锋学院的数据接口：区域、队伍、队员、师资。

认证：请求头 `Authorization: Bearer <API 令牌>`（在后台生成），或已登录的会话
（修改类请求须带 CSRF 令牌）。每个接口只返回调用者权限范围内的数据；范围之外的对象
一律按不存在处理（404）。列表分页：`page`、`page_size`（默认 50，最大 200）。

限流：每个用户（无论用哪个令牌或会话）每个时间窗口内的请求数有上限（设置 `API_RATE`，
默认每分钟 300 次；未登录的公开接口按客户端地址计），扫码签到另有每人上限（`CHECKIN_RATE`）。
超出时返回 429，`detail` 说明原因，响应头 `Retry-After` 给出需等待的秒数。
"""


class API(NinjaAPI):
    def create_response(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = super().create_response(request, *args, **kwargs)
        # Rosters carry names, phones and ID numbers: no shared cache may keep them.
        response["Cache-Control"] = "private, no-store"
        return response


api = API(
    title="应急先锋学院 API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    auth=[api_token_auth, session_auth],
    throttle=[rate_throttle],
)
errors.install(api)


@api.exception_handler(Throttled)
def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    """429 with the reason in Chinese; ninja adds Retry-After from the same wait."""
    seconds = max(1, math.ceil(exc.wait or 1))
    if getattr(request, "rate_limit_reason", "") == "checkin":
        detail = _("签到过于频繁，请 %(seconds)s 秒后再试。") % {"seconds": seconds}
    else:
        limit, period = settings.API_RATE or (0, 0)
        detail = _(
            "请求过于频繁（每 %(period)s 秒最多 %(limit)s 次），请 %(seconds)s 秒后再试。"
        ) % {
            "period": period,
            "limit": limit,
            "seconds": seconds,
        }
    return api.create_response(request, {"detail": detail, "retry_after": seconds}, status=429)


for module in (
    me,
    areas,
    teams,
    members,
    instructors,
    learning,
    exams,
    events,
    hours,
    certificates,
    verify,
    compliance,
):
    api.add_router("", module.router)

__all__ = ["api"]
