"""The JSON API at /api/v1/ (django-ninja); OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs.

Every endpoint answers within the caller's scope (lms.scope): a Wagtail API token
(`Authorization: Bearer wagtail_…`) or the signed-in session identifies the caller, and
objects outside the scope are not found (404), whether they exist or not.
"""

from django.http import HttpRequest, HttpResponse

from ninja import NinjaAPI

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
from .security import api_token_auth, session_auth

DESCRIPTION = """\
应急先锋学院的数据接口：区域、队伍、队员、师资。

认证：请求头 `Authorization: Bearer <API 令牌>`（在后台生成），或已登录的会话
（修改类请求须带 CSRF 令牌）。每个接口只返回调用者权限范围内的数据；范围之外的对象
一律按不存在处理（404）。列表分页：`page`、`page_size`（默认 50，最大 200）。
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
)
errors.install(api)
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
