"""Roster spreadsheets (.xlsx): the import template, reading a filled roster, and exports.

The column headers (姓名, 性别…) are the file format offices fill in, not interface text:
they stay Chinese whatever the interface language, so a template downloaded from the English
admin still imports. Everything else a person reads here goes through gettext.
"""

import contextlib
import datetime
import functools
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from cms.errors import DomainError
from cms.spreadsheets import (
    add_help_sheet,
    add_list_validation,
    cell_values,
    check_sheet_row,
    check_zip,
    formula_message,
    is_formula,
    new_sheet,
    not_xlsx_message,
    text_cell,
    workbook_bytes,
)
from lms.models import Area, Gender, Member, MemberCategory, Team, TeamStatus

SHEET_TITLE = "队员花名册"
HELP_SHEET_TITLE = "填写说明"
MAX_DATA_ROWS = 2000
# Columns read per row: offices add their own (序号, 备注…), which are ignored.
MAX_COLUMNS = 60


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    required: bool
    width: int


ROSTER_COLUMNS = (
    Column("name", "姓名", True, 12),
    Column("gender", "性别", True, 8),
    Column("birth_date", "出生日期", True, 14),
    Column("phone", "手机号", True, 16),
    Column("id_number", "身份证号", True, 22),
    Column("category", "人员类别", True, 26),
    Column("joined_on", "入队日期", False, 14),
    Column("skills", "技能特长", False, 30),
)
HEADERS = {column.field: column.header for column in ROSTER_COLUMNS}
_BY_HEADER = {column.header: column for column in ROSTER_COLUMNS}
GENDERS = {"男": Gender.MALE, "女": Gender.FEMALE}


@functools.cache
def category_labels() -> dict[str, str]:
    """Chinese label → MemberCategory value, whatever the active language."""
    with translation.override("zh-hans"):
        return {str(label): value for value, label in MemberCategory.choices}


@dataclass(frozen=True)
class RowError:
    """What is wrong with one cell (or row) of an uploaded roster, as the user sees it in Excel."""

    row: int | None
    column: str
    message: str


@dataclass
class RosterRow:
    """One data row: the cells that parsed, and what was wrong with the others."""

    number: int
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)

    def error(self, field_name: str, message: str) -> None:
        self.errors.append(RowError(self.number, HEADERS.get(field_name, ""), message))


# -- the template ----------------------------------------------------------------------


def _instructions() -> list[str]:
    categories = "、".join(category_labels())
    return [
        _("1. 请在「%(sheet)s」工作表中填写，每行一名队员；第 1 行表头不要修改。")
        % {"sheet": SHEET_TITLE},
        _(
            "2. 必填列：姓名、性别、出生日期、手机号、身份证号、人员类别；"
            "入队日期、技能特长可不填。"
        ),
        _("3. 性别填“男”或“女”。"),
        _("4. 出生日期、入队日期填日期，或写成 1990-01-02、1990/1/2、1990年1月2日。"),
        _(
            "5. 身份证号列已设为文本格式，请勿改为数字格式，否则 Excel 会把号码末几位变成 0；"
            "末位的 x 会自动转成大写 X。"
        ),
        _("6. 人员类别从下拉列表中选择：%(categories)s。") % {"categories": categories},
        _(
            "7. 以身份证号识别队员：本队已有的队员按表格内容更新，没有的新增；"
            "表格中没有的队员不会被删除。同一身份证号已在其他队伍登记的，不能导入。"
        ),
        _("8. 导入前会检查每一行；只要有一行有误，整个文件都不导入，并列出每个有误的行号和原因。"),
        _("9. 每个文件最多 %(rows)s 行数据，文件不超过 5 MB；请不要填写公式。")
        % {"rows": MAX_DATA_ROWS},
    ]


def roster_template() -> bytes:
    """The blank roster offices fill in: headers, dropdowns, text-formatted ID column."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_TITLE
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="FFF2CC")
    required_fill = PatternFill("solid", fgColor="FCE4D6")
    for index, column in enumerate(ROSTER_COLUMNS, start=1):
        cell = ws.cell(row=1, column=index, value=column.header)
        cell.font = header_font
        cell.fill = required_fill if column.required else header_fill
        cell.alignment = Alignment(horizontal="center")
        letter = get_column_letter(index)
        dimension = ws.column_dimensions[letter]
        dimension.width = column.width
        if column.field in ("id_number", "phone"):
            # Text, so Excel keeps all 18 digits (and a leading 0 would survive too).
            dimension.number_format = "@"
        elif column.field in ("birth_date", "joined_on"):
            dimension.number_format = "yyyy-mm-dd"
    ws.freeze_panes = "A2"

    letters = {column.field: get_column_letter(i) for i, column in enumerate(ROSTER_COLUMNS, 1)}
    for field_name, choices, prompt in (
        ("gender", list(GENDERS), _("请选择“男”或“女”")),
        ("category", list(category_labels()), _("请从列表中选择人员类别")),
    ):
        add_list_validation(
            ws,
            letters[field_name],
            choices,
            title=HEADERS[field_name],
            prompt=prompt,
            rows=MAX_DATA_ROWS,
        )
    add_help_sheet(wb, HELP_SHEET_TITLE, _("队员花名册填写说明"), _instructions())
    return workbook_bytes(wb)


# -- reading a filled roster -------------------------------------------------------------

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_DATE_TEXT = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+0{1,2}:00(?::00)?)?$"
)
_DATE_DIGITS = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def _normalize_header(value) -> str:
    text = re.sub(r"\s+", "", str(value or "").translate(_INVISIBLE))
    # "性别（男/女）" and "*姓名" are the same columns as 性别 and 姓名.
    text = re.split(r"[（(]", text, maxsplit=1)[0]
    return text.strip("*＊")


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).translate(_INVISIBLE).strip()


def parse_date(value) -> datetime.date | None:
    """A date cell, or text such as 1990-01-02, 1990/1/2, 1990年1月2日, 19900102."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, bool):
        return None
    text = unicodedata.normalize("NFKC", _text(value))
    match = _DATE_TEXT.match(text) or _DATE_DIGITS.match(text)
    if not match:
        return None
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _parse_cell(row: RosterRow, column: Column, value) -> None:
    if is_formula(value):
        row.error(column.field, formula_message())
        return
    # No roster value starts with "=": text that does is a formula some tool saved as text.
    if isinstance(value, str) and value.strip().startswith("="):
        row.error(column.field, _("单元格内容以“=”开头：请填写数值本身，不要填写公式。"))
        return
    if value is None or (isinstance(value, str) and not _text(value)):
        if column.required:
            row.error(column.field, _("必填，不能为空。"))
        return

    name = column.field
    if name == "id_number":
        if not isinstance(value, str):
            row.error(
                name,
                _(
                    "身份证号是数字格式，Excel 会丢失末几位：请把身份证号列设置为“文本”格式，"
                    "重新填写号码后再导入。"
                ),
            )
            return
        row.values[name] = unicodedata.normalize("NFKC", _text(value)).upper().replace(" ", "")
    elif name == "phone":
        row.values[name] = unicodedata.normalize("NFKC", _text(value))
    elif name == "gender":
        gender = GENDERS.get(_text(value))
        if gender is None:
            row.error(name, _("性别应填“男”或“女”。"))
            return
        row.values[name] = gender
    elif name in ("birth_date", "joined_on"):
        date = parse_date(value)
        if date is None:
            row.error(
                name, _("日期无法识别：请填写日期，或写成 1990-01-02、1990/1/2、1990年1月2日。")
            )
            return
        row.values[name] = date
    elif name == "category":
        category = category_labels().get(_text(value))
        if category is None:
            row.error(
                name,
                _("人员类别应为以下之一：%(choices)s。")
                % {"choices": "、".join(category_labels())},
            )
            return
        row.values[name] = category
    else:
        row.values[name] = _text(value)


def _header_columns(header_row: tuple) -> dict[int, Column]:
    found: dict[int, Column] = {}
    seen: set[str] = set()
    for index, value in enumerate(header_row):
        column = _BY_HEADER.get(_normalize_header(value))
        if column is None:
            continue
        if column.header in seen:
            raise DomainError(
                _("表头“%(header)s”出现了不止一次，请只保留一列。") % {"header": column.header},
                field="file",
            )
        seen.add(column.header)
        found[index] = column
    missing = [c.header for c in ROSTER_COLUMNS if c.required and c.header not in seen]
    if missing:
        raise DomainError(
            _("表头缺少必填列：%(missing)s。请使用下载的模板，表头放在第 1 行。")
            % {"missing": "、".join(missing)},
            field="file",
        )
    return found


def _rows(data: bytes) -> Iterator[tuple]:
    # data_only=False: a formula cell reads as its formula, which _parse_cell refuses; with
    # data_only=True it would read as whatever value Excel last cached, or as empty.
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        names = workbook.sheetnames
        if SHEET_TITLE in names:
            sheet = workbook[SHEET_TITLE]
        else:
            others = [name for name in names if name != HELP_SHEET_TITLE]
            sheet = workbook[others[0] if others else names[0]]
        for row in sheet.iter_rows(max_col=MAX_COLUMNS):
            yield cell_values(row)
    finally:
        workbook.close()


def read_roster(data: bytes) -> list[RosterRow]:
    """Parse an uploaded roster; raise DomainError when the file as a whole is unusable.

    Each row keeps its number as Excel shows it (the header is row 1) and the errors of
    its cells, so that every bad row can be reported at once.
    """
    check_zip(data)
    try:
        with contextlib.closing(_rows(data)) as iterator:
            rows = _parse_rows(iterator)
    except DomainError:
        raise
    except Exception as exc:  # openpyxl raises many types for a damaged or foreign file
        raise DomainError(not_xlsx_message(), field="file") from exc
    if not rows:
        raise DomainError(_("表格中没有队员数据：请从第 2 行起填写。"), field="file")
    return rows


def _parse_rows(iterator: Iterator[tuple]) -> list[RosterRow]:
    header = next(iterator, None)
    if header is None:
        raise DomainError(_("表格是空的：请使用下载的模板填写。"), field="file")
    columns = _header_columns(header)
    rows: list[RosterRow] = []
    for number, values in enumerate(iterator, start=2):
        check_sheet_row(number)
        if all(v is None or (isinstance(v, str) and not _text(v)) for v in values):
            continue  # offices leave blank (often formatted) rows between and after data
        if len(rows) == MAX_DATA_ROWS:
            raise DomainError(
                _("数据超过 %(max)s 行：请把花名册拆成几个文件分别导入。") % {"max": MAX_DATA_ROWS},
                field="file",
            )
        row = RosterRow(number=number)
        for index, column in columns.items():
            _parse_cell(row, column, values[index] if index < len(values) else None)
        rows.append(row)
    return rows


# -- exports ----------------------------------------------------------------------------


class _AreaNames:
    """Names of the areas above communities, loaded once, looked up by tree path."""

    def __init__(self):
        self._names = dict(Area.objects.filter(depth__lt=5).order_by().values_list("path", "name"))

    def at(self, path: str, depth: int) -> str:
        return self._names.get(path[: depth * Area.steplen], "")

    def full_name(self, community: Area) -> str:
        above = (self.at(community.path, depth) for depth in range(2, community.depth))
        return "".join([*above, community.name])


# Exports are written in the roster's own format (Chinese headers and values) whatever the
# interface language, so an exported roster imports again unchanged.
@translation.override("zh-hans")
def members_workbook(
    members: Iterable[Member], *, show_id_numbers: bool | Callable[[Member], bool]
) -> bytes:
    """The roster of `members` as .xlsx, sorted by team then pinyin.

    ID numbers are masked unless `show_id_numbers` is true (or returns true for the member:
    an administrator may see full numbers in one subtree and not another).
    """
    if isinstance(members, QuerySet):
        members = (
            members.select_related("team__community")
            .order_by("team__community__code", "name_pinyin", "pk")
            .iterator(chunk_size=2000)
        )
    shows = show_id_numbers if callable(show_id_numbers) else (lambda _m: show_id_numbers)
    wb = Workbook(write_only=True)
    ws = new_sheet(
        wb,
        SHEET_TITLE,
        [
            (_("队伍"), 28),
            (_("所属区域"), 36),
            (HEADERS["name"], 12),
            (HEADERS["gender"], 8),
            (HEADERS["birth_date"], 14),
            (HEADERS["phone"], 16),
            (HEADERS["id_number"], 22),
            (HEADERS["category"], 26),
            (HEADERS["joined_on"], 14),
            (_("离队日期"), 14),
            (HEADERS["skills"], 30),
        ],
    )
    areas = _AreaNames()
    full_names: dict[int, str] = {}
    for member in members:
        team = member.team
        if team.pk not in full_names:
            full_names[team.pk] = areas.full_name(team.community)
        ws.append(
            [
                text_cell(ws, team.name),
                text_cell(ws, full_names[team.pk]),
                text_cell(ws, member.name),
                str(member.get_gender_display()),
                member.birth_date,
                text_cell(ws, member.phone),
                member.id_number if shows(member) else member.id_number_masked,
                str(member.get_category_display()),
                member.joined_on,
                member.left_on,
                text_cell(ws, member.skills),
            ]
        )
    return workbook_bytes(wb)


@translation.override("zh-hans")
def teams_workbook(teams: Iterable[Team]) -> bytes:
    """The list of `teams` as .xlsx, in division-code order, with their active head counts."""
    if isinstance(teams, QuerySet):
        today = timezone.localdate()
        teams = (
            teams.select_related("community", "leader")
            .annotate(
                active_members=Count(
                    "members",
                    filter=Q(members__left_on__isnull=True) | Q(members__left_on__gt=today),
                )
            )
            .order_by("community__code")
        )
    wb = Workbook(write_only=True)
    ws = new_sheet(
        wb,
        _("社区响应队"),
        [
            (_("队伍名称"), 28),
            (_("社区"), 16),
            (_("乡镇"), 16),
            (_("县区"), 12),
            (_("城市"), 10),
            (_("行政区划代码"), 16),
            (_("状态"), 10),
            (_("成立日期"), 14),
            (_("队长"), 10),
            (_("联系电话"), 16),
            (_("在队人数"), 10),
            (_("登记编号"), 20),
        ],
    )
    areas = _AreaNames()
    for team in teams:
        community = team.community
        count = getattr(team, "active_members", None)
        if count is None:
            count = team.members.active().count()
        ws.append(
            [
                text_cell(ws, team.name),
                text_cell(ws, community.name),
                text_cell(ws, areas.at(community.path, 4)),
                text_cell(ws, areas.at(community.path, 3)),
                text_cell(ws, areas.at(community.path, 2)),
                community.code,
                str(TeamStatus(team.status).label) if team.status else "",
                team.founded_on,
                text_cell(ws, team.leader.name if team.leader else ""),
                text_cell(ws, team.phone),
                count,
                text_cell(ws, team.registration_number),
            ]
        )
    return workbook_bytes(wb)
