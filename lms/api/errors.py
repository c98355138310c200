"""How the API says no: a JSON body with a Chinese `detail`, and the field at fault if one is."""

import functools
import json
from collections.abc import Iterator

from django.http import Http404, HttpRequest
from django.http.request import RawPostDataException
from django.utils.translation import gettext as _

from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from lms.errors import DomainError


class NotFound(HttpError):
    """Not there, or not yours: the API does not say which (404, never 403)."""

    def __init__(self, message: str | None = None):
        super().__init__(404, message or _("未找到。"))


def _error_message(error: dict) -> str:
    """A pydantic error in words: the common cases in Chinese, the rest generically."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("必填。")
    if kind == "extra_forbidden":
        return _("不接受这个字段。")
    if kind in ("enum", "literal_error"):
        return _("取值不在允许的范围内，可选：%(expected)s。") % {
            "expected": str(ctx.get("expected", "")).replace(" or ", ", ")
        }
    if kind.startswith("int_"):
        return _("应为整数。")
    if kind.startswith("bool_"):
        return _("应为 true 或 false。")
    if kind.startswith("date"):
        return _("应为日期，格式 YYYY-MM-DD。")
    if kind.startswith("string_too_long"):
        return _("不能超过 %(n)s 个字符。") % {"n": ctx.get("max_length", "")}
    if kind.startswith("string"):
        return _("应为字符串。")
    if kind == "greater_than_equal":
        return _("不能小于 %(n)s。") % {"n": ctx.get("ge", "")}
    if kind == "less_than_equal":
        return _("不能大于 %(n)s。") % {"n": ctx.get("le", "")}
    if kind in ("json_invalid", "model_attributes_type", "dict_type", "model_type"):
        return _("请求体应为 JSON 对象。")
    if kind == "unstorable_text":
        return _("含有无法保存的字符（空字符 U+0000 或不成对的 Unicode 代理字符）。")
    if kind == "value_error":
        return str(ctx.get("error") or error.get("msg", "")).removeprefix("Value error, ")
    return _("格式不正确。")


def _field_name(loc) -> str | None:
    # ninja prefixes the source, and for a body the parameter: ("body", "payload", "name"),
    # ("query", "page"), ("path", "member_id").
    parts = loc[2:] if loc and loc[0] == "body" else loc[1:]
    names = [str(part) for part in parts if not isinstance(part, int)]
    return names[-1] if names else None


def _ninja_messages() -> dict[str, str]:
    """django-ninja's own English messages, in Chinese."""
    return {
        "Cannot parse request body": _("请求体不是有效的 JSON。"),
        "CSRF check Failed": _("CSRF 校验失败：请刷新页面后重试。"),
        "Unauthorized": _("请先登录，或在请求头中提供 API 令牌：Authorization: Bearer <令牌>。"),
    }


def _storable(text: str) -> bool:
    """Whether a database can hold `text`: no NUL (PostgreSQL refuses it) and no lone
    surrogate (a JSON escape like "\\ud800", which no database can encode)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _unstorable_in_json(value, loc: tuple) -> Iterator[tuple]:
    if isinstance(value, str):
        if not _storable(value):
            yield loc
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _unstorable_in_json(item, (*loc, index))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _unstorable_in_json(key, (*loc, key))
            yield from _unstorable_in_json(item, (*loc, key))


def _unstorable_text(request: HttpRequest) -> Iterator[tuple]:
    """Where the request carries text no database can hold: path, query, JSON body."""
    match = request.resolver_match
    for name, value in (match.kwargs if match else {}).items():
        if isinstance(value, str) and not _storable(value):
            yield ("path", name)
    for name, values in request.GET.lists():
        if not all(_storable(text) for text in (name, *values)):
            yield ("query", name)
    try:
        raw = request.body
    except RawPostDataException:
        return  # read as a form already (see `unreadable_body`): not JSON, nothing to check
    if raw:  # whatever the declared type: ninja parses any body as JSON
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return  # the operation's own parsing says what is wrong with it
        yield from _unstorable_in_json(body, ("body", "payload"))


def refuse_unstorable_text(view_func):
    """Refuse text that no database can hold (422) before it reaches a query.

    A NUL character fails every query on PostgreSQL (psycopg raises DataError) and is
    stored by SQLite; a lone surrogate fails on both. Either was a 500.
    """

    @functools.wraps(view_func)
    def checked(request: HttpRequest, *args, **kwargs):
        found = [{"loc": loc, "type": "unstorable_text"} for loc in _unstorable_text(request)]
        if found:
            raise ValidationError(found)
        return view_func(request, *args, **kwargs)

    return checked


def install(api: NinjaAPI) -> None:
    api.add_decorator(refuse_unstorable_text)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError):
        message = _ninja_messages().get(exc.message, exc.message)
        response = api.create_response(request, {"detail": message}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError):
        message = _ninja_messages().get(exc.message, exc.message)
        return api.create_response(request, {"detail": message}, status=exc.status_code)

    @api.exception_handler(RawPostDataException)
    def unreadable_body(request: HttpRequest, exc: RawPostDataException):
        # A multipart body sent with the session has been read as a form by the CSRF check,
        # and cannot be read again as the JSON the operation expects.
        message = _("请求体应为 JSON（Content-Type: application/json）。")
        return api.create_response(request, {"detail": message, "field": None}, status=400)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404):
        return api.create_response(request, {"detail": _("未找到。")}, status=404)

    @api.exception_handler(DomainError)
    def refused(request: HttpRequest, exc: DomainError):
        body = {"detail": exc.message, "field": exc.field}
        if exc.errors:
            body["errors"] = exc.errors
        return api.create_response(request, body, status=400)

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError):
        errors = []
        for error in exc.errors:
            loc = list(error.get("loc", ()))
            errors.append(
                {
                    "loc": loc,
                    "field": _field_name(loc),
                    "type": error.get("type", ""),
                    "msg": _error_message(error),
                }
            )
        first = errors[0] if errors else {"field": None, "msg": ""}
        detail = _("请求数据有误：%(field)s %(msg)s") % {
            "field": first["field"] or "",
            "msg": first["msg"],
        }
        return api.create_response(
            request,
            {"detail": detail.replace("： ", "："), "field": first["field"], "errors": errors},
            status=422,
        )
