"""The question bank as .xlsx: the import template, importing a filled bank, exporting one.

The layout is the one Chinese question banks use: 题型, 题干, 选项A…选项F, 答案, 解析, 分类,
难度, and optionally 课程编号 and 标签. Those headers and values are the file format, not
interface text: they stay Chinese whatever the interface language, so an exported bank
imports again unchanged. Messages a person reads go through gettext.

An import is all rows or none. A row whose 题干 and 分类 match a question already in the bank
is the same question: it is updated from the row (a new revision) when anything differs and
left alone otherwise, so importing a file twice adds nothing.
"""

import contextlib
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
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

from .models import (
    OPTION_LETTERS,
    CoursePage,
    Difficulty,
    Question,
    QuestionCategory,
    QuestionType,
)

SHEET_TITLE = "题库"
HELP_SHEET_TITLE = "填写说明"
MAX_DATA_ROWS = 2000
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_COLUMNS = 40

OPTION_HEADERS = tuple(f"选项{letter}" for letter in OPTION_LETTERS)
HEADERS = ("题型", "题干", *OPTION_HEADERS, "答案", "解析", "分类", "难度", "课程编号", "标签")
REQUIRED_HEADERS = ("题型", "题干", "答案", "分类")
# What offices call the same columns in banks exported from other systems.
HEADER_ALIASES = {
    "题目类型": "题型",
    "试题类型": "题型",
    "题目": "题干",
    "试题": "题干",
    "题目内容": "题干",
    "试题内容": "题干",
    "正确答案": "答案",
    "标准答案": "答案",
    "答案解析": "解析",
    "试题解析": "解析",
    "题目分类": "分类",
    "知识点": "分类",
    "难易程度": "难度",
    "难易度": "难度",
}

TYPE_LABELS = {
    QuestionType.SINGLE: "单选题",
    QuestionType.MULTIPLE: "多选题",
    QuestionType.TRUE_FALSE: "判断题",
}
TYPES = {
    "单选": QuestionType.SINGLE,
    "单选题": QuestionType.SINGLE,
    "多选": QuestionType.MULTIPLE,
    "多选题": QuestionType.MULTIPLE,
    "判断": QuestionType.TRUE_FALSE,
    "判断题": QuestionType.TRUE_FALSE,
}
DIFFICULTY_LABELS = {Difficulty.EASY: "易", Difficulty.MEDIUM: "中", Difficulty.HARD: "难"}
DIFFICULTIES = {
    **dict.fromkeys(("易", "简单", "容易", "1"), Difficulty.EASY),
    **dict.fromkeys(("中", "一般", "中等", "适中", "2"), Difficulty.MEDIUM),
    **dict.fromkeys(("难", "困难", "较难", "3"), Difficulty.HARD),
}
TRUE_FALSE_ANSWERS = {
    **dict.fromkeys(("正确", "对", "√", "✓", "✔", "A", "是"), "A"),
    **dict.fromkeys(("错误", "错", "×", "✗", "✘", "B", "否"), "B"),
}
TRUE_FALSE_LABELS = {"A": "正确", "B": "错误"}
# Separators between answer letters: "A,C,D", "A、C", "A C", "A；C".
_ANSWER_SEPARATORS = re.compile(r"[\s,，、;；/|]+")
_TAG_SEPARATORS = re.compile(r"[,，、;；\n]+")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_FIELD_HEADERS = {
    "type": "题型",
    "stem": "题干",
    **{f"option_{letter.lower()}": f"选项{letter}" for letter in OPTION_LETTERS},
    "answer": "答案",
    "explanation": "解析",
    "category": "分类",
    "difficulty": "难度",
    "course": "课程编号",
}


class RowAction:
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class RowResult:
    row: int
    stem: str
    action: str

    @property
    def action_label(self) -> str:
        return {
            RowAction.CREATED: _("新增"),
            RowAction.UPDATED: _("更新"),
            RowAction.UNCHANGED: _("无变化"),
        }[self.action]


@dataclass
class ImportResult:
    rows: list[RowResult] = field(default_factory=list)
    categories_created: list[str] = field(default_factory=list)

    def _count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def created(self) -> int:
        return self._count(RowAction.CREATED)

    @property
    def updated(self) -> int:
        return self._count(RowAction.UPDATED)

    @property
    def unchanged(self) -> int:
        return self._count(RowAction.UNCHANGED)


@dataclass
class _Row:
    """One data row: what parsed, and what was wrong (as the person will read it)."""

    number: int
    values: dict = field(default_factory=dict)
    tags: list[str] | None = None
    course_code: str = ""
    reasons: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str]:
        return self.values.get("category_name", ""), self.values.get("stem", "")


# -- cells ------------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).translate(_INVISIBLE).strip()


def _header(value) -> str:
    text = unicodedata.normalize("NFKC", _text(value))
    text = re.sub(r"\s+", "", text)
    # "题型（单选/多选/判断）" and "*题干" are the same columns as 题型 and 题干.
    text = re.split(r"[（(]", text, maxsplit=1)[0].strip("*＊")
    text = text.upper()  # 选项a is 选项A
    return HEADER_ALIASES.get(text, text)


def _answer_letters(raw: str, kind: str) -> str | None:
    """The key as sorted letters ("ACD"), or None when the cell cannot be read as one."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if kind == QuestionType.TRUE_FALSE:
        return TRUE_FALSE_ANSWERS.get(text.upper())
    letters = _ANSWER_SEPARATORS.sub("", text).upper()
    if not letters or any(c not in OPTION_LETTERS for c in letters):
        return None
    return "".join(sorted(set(letters)))


def _tags(raw: str) -> list[str]:
    return sorted({tag.strip() for tag in _TAG_SEPARATORS.split(raw) if tag.strip()})


# -- reading ----------------------------------------------------------------------------


def _sheet_rows(data: bytes) -> Iterator[tuple]:
    # data_only=False: a formula cell reads as its formula, which _parse refuses; with
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


def _columns(header_row: tuple) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, value in enumerate(header_row):
        name = _header(value)
        if name not in HEADERS:
            continue  # 序号, 备注 and other columns of the office's own are ignored
        if name in columns:
            raise DomainError(
                _("表头“%(header)s”出现了不止一次，请只保留一列。") % {"header": name},
                field="file",
            )
        columns[name] = index
    missing = [name for name in REQUIRED_HEADERS if name not in columns]
    if missing:
        raise DomainError(
            _("表头缺少必填列：%(missing)s。请使用下载的模板，表头放在第 1 行。")
            % {"missing": "、".join(missing)},
            field="file",
        )
    return columns


def _parse_row(number: int, cells: dict[str, str]) -> _Row:
    row = _Row(number=number)
    kind = TYPES.get(re.sub(r"\s+", "", cells.get("题型", "")))
    if not cells.get("题型"):
        row.reasons.append(_("题型不能为空，应填单选、多选或判断。"))
    elif kind is None:
        row.reasons.append(
            _("题型“%(value)s”无法识别，应填单选、多选或判断（也可写作单选题、多选题、判断题）。")
            % {"value": cells["题型"]}
        )
    stem = cells.get("题干", "")
    if not stem:
        row.reasons.append(_("题干不能为空。"))
    category = cells.get("分类", "")
    if not category:
        row.reasons.append(_("分类不能为空。"))
    elif len(category) > QuestionCategory._meta.get_field("name").max_length:
        row.reasons.append(_("分类名称不能超过 60 个字。"))

    answer = cells.get("答案", "")
    letters = None
    if not answer:
        row.reasons.append(_("答案不能为空。"))
    elif kind is not None:
        letters = _answer_letters(answer, kind)
        if letters is None:
            if kind == QuestionType.TRUE_FALSE:
                row.reasons.append(
                    _("判断题的答案“%(value)s”无法识别，应填正确或错误（也可写作对、错、√、×）。")
                    % {"value": answer}
                )
            else:
                row.reasons.append(
                    _("答案“%(value)s”无法识别，应填选项字母，例如 B、ACD 或 A,C,D。")
                    % {"value": answer}
                )

    difficulty = Difficulty.MEDIUM
    raw_difficulty = unicodedata.normalize("NFKC", cells.get("难度", ""))
    if raw_difficulty:
        difficulty = DIFFICULTIES.get(raw_difficulty)
        if difficulty is None:
            row.reasons.append(
                _("难度“%(value)s”无法识别，应填易、中、难（或简单、一般、困难，1、2、3）。")
                % {"value": raw_difficulty}
            )

    row.values = {
        "type": kind,
        "stem": stem,
        "answer": letters or "",
        "explanation": cells.get("解析", ""),
        "category_name": category,
        "difficulty": difficulty,
        **{
            f"option_{letter.lower()}": cells.get(f"选项{letter}", "")
            if kind != QuestionType.TRUE_FALSE
            else ""
            for letter in OPTION_LETTERS
        },
    }
    row.course_code = cells.get("课程编号", "")
    if cells.get("标签"):
        row.tags = _tags(cells["标签"])
    return row


def _parse(data: bytes) -> list[_Row]:
    check_zip(data)
    try:
        with contextlib.closing(_sheet_rows(data)) as iterator:
            header = next(iterator, None)
            if header is None:
                raise DomainError(_("表格是空的：请使用下载的模板填写。"), field="file")
            columns = _columns(header)
            rows = []
            for number, values in enumerate(iterator, start=2):
                check_sheet_row(number)
                if all(not _text(v) for v in values):
                    continue  # blank (often formatted) rows between and after the data
                if len(rows) == MAX_DATA_ROWS:
                    raise DomainError(
                        _("数据超过 %(max)s 行：请把题库拆成几个文件分别导入。")
                        % {"max": MAX_DATA_ROWS},
                        field="file",
                    )
                raw = {
                    name: values[index] if index < len(values) else None
                    for name, index in columns.items()
                }
                row = _parse_row(number, {name: _text(value) for name, value in raw.items()})
                row.reasons.extend(
                    f"{name}：{formula_message()}"
                    for name in HEADERS
                    if name in raw and is_formula(raw[name])
                )
                rows.append(row)
    except DomainError:
        raise
    except Exception as exc:  # openpyxl raises many types for a damaged or foreign file
        raise DomainError(not_xlsx_message(), field="file") from exc
    if not rows:
        raise DomainError(_("表格中没有题目：请从第 2 行起填写。"), field="file")
    return rows


# -- importing --------------------------------------------------------------------------


class _Abort(Exception):
    """Leaves the atomic block so that everything written in it is rolled back."""


def _reasons_from(error: ValidationError) -> list[str]:
    reasons = []
    for name, messages in error.message_dict.items():
        header = _FIELD_HEADERS.get(name, "")
        for message in messages:
            if header and header not in message and name != "__all__":
                message = f"{header}：{message}"
            reasons.append(message)
    return reasons


def _comparable(question: Question) -> tuple:
    fields = [
        "type",
        "stem",
        "answer",
        "explanation",
        "category_id",
        "difficulty",
        "course_id",
        *(f"option_{letter.lower()}" for letter in OPTION_LETTERS),
    ]
    return tuple(getattr(question, name) for name in fields)


@transaction.atomic
def _apply(rows: list[_Row], by, result: ImportResult) -> list[str]:
    """Validate and write every row; return the bad rows' messages (the caller rolls back)."""
    errors: list[str] = []
    codes = {row.course_code for row in rows if row.course_code}
    courses = {course.code: course for course in CoursePage.objects.filter(code__in=codes)}

    names = {row.values["category_name"] for row in rows if not row.reasons}
    categories = {c.name: c for c in QuestionCategory.objects.filter(name__in=names)}
    for name in sorted(names - set(categories)):
        categories[name] = QuestionCategory.objects.create(name=name)
        result.categories_created.append(name)

    stems = {row.values["stem"] for row in rows if not row.reasons}
    existing: dict[tuple[str, str], Question] = {}
    for question in (
        Question.objects.filter(stem__in=stems)
        .select_related("category")
        .prefetch_related("tags")
        .order_by("pk")
    ):
        existing.setdefault((question.category.name, question.stem), question)

    first_row_of: dict[tuple[str, str], int] = {}
    for row in rows:
        if row.course_code and row.course_code not in courses:
            row.reasons.append(
                _("课程编号“%(code)s”不存在：请核对，或留空表示通用题目。")
                % {"code": row.course_code}
            )
        if not row.reasons:
            if row.key in first_row_of:
                row.reasons.append(
                    _("与第 %(row)s 行是同一道题（题干和分类相同），请只保留一行。")
                    % {"row": first_row_of[row.key]}
                )
            else:
                first_row_of[row.key] = row.number
        if row.reasons:
            errors.append(_row_message(row))
            continue

        question = existing.get(row.key)
        before = _comparable(question) if question else None
        tags_before = sorted(t.name for t in question.tags.all()) if question else []
        if question is None:
            question = Question()
        values = {k: v for k, v in row.values.items() if k != "category_name"}
        for name, value in values.items():
            setattr(question, name, value)
        question.category = categories[row.values["category_name"]]
        if row.course_code:
            question.course = courses[row.course_code]
        try:
            question.full_clean()
        except ValidationError as exc:
            row.reasons.extend(_reasons_from(exc))
            errors.append(_row_message(row))
            continue
        tags_after = row.tags if row.tags is not None else tags_before
        if before is not None and before == _comparable(question) and tags_after == tags_before:
            result.rows.append(RowResult(row.number, str(question), RowAction.UNCHANGED))
            continue
        created = question.pk is None
        if row.tags is not None:
            question.tags.set(row.tags)
        question.save()
        question.save_revision(user=by, log_action="wagtail.create" if created else "wagtail.edit")
        action = RowAction.CREATED if created else RowAction.UPDATED
        result.rows.append(RowResult(row.number, str(question), action))
    return errors


def _row_message(row: _Row) -> str:
    return _("第 %(row)s 行：%(reasons)s") % {"row": row.number, "reasons": "；".join(row.reasons)}


def questions_import(*, data: bytes, by) -> ImportResult:
    """Import the question bank in `data` (.xlsx), or raise DomainError naming every bad row.

    Every row is checked with the model's own validation before anything is kept; a single
    bad row leaves the bank (and its categories) as it was. A row with the 题干 and 分类 of a
    question already in the bank updates that question (saved as a new revision) instead of
    adding a second one; an identical row changes nothing.
    """
    if len(data) > MAX_FILE_BYTES:
        raise DomainError(_("文件超过 5 MB：请拆成几个文件分别导入。"), field="file")
    rows = _parse(data)
    result = ImportResult()
    errors: list[str] = []
    try:
        with transaction.atomic():
            errors = _apply(rows, by, result)
            if errors:
                raise _Abort
    except _Abort:
        pass
    if errors:
        raise DomainError(
            _("有 %(count)s 行有误，整个文件未导入：请改正后重新上传。") % {"count": len(errors)},
            field="file",
            errors=errors,
        )
    return result


# -- writing ----------------------------------------------------------------------------

_WIDTHS = {"题型": 8, "题干": 48, "答案": 8, "解析": 40, "分类": 14, "难度": 6}


def _header_widths() -> list[tuple[str, int]]:
    return [(name, _WIDTHS.get(name, 12 if name in ("课程编号",) else 20)) for name in HEADERS]


def _question_row(ws, question: Question, tags: Iterable[str]) -> list:
    is_true_false = question.type == QuestionType.TRUE_FALSE
    options = [
        "" if is_true_false else getattr(question, f"option_{letter.lower()}")
        for letter in OPTION_LETTERS
    ]
    answer = TRUE_FALSE_LABELS.get(question.answer, question.answer)
    return [
        TYPE_LABELS.get(question.type, question.type),
        text_cell(ws, question.stem),
        *(text_cell(ws, option) for option in options),
        answer if is_true_false else question.answer,
        text_cell(ws, question.explanation),
        text_cell(ws, question.category.name),
        DIFFICULTY_LABELS.get(question.difficulty, ""),
        text_cell(ws, question.course.code if question.course_id else ""),
        text_cell(ws, "、".join(sorted(tags))),
    ]


def questions_workbook(queryset: QuerySet[Question]) -> bytes:
    """The questions in `queryset` as .xlsx, in the import layout (re-imports unchanged)."""
    questions = (
        queryset.select_related("category", "course")
        .prefetch_related("tags")
        .order_by("category__name", "pk")
    )
    wb = Workbook(write_only=True)
    ws = new_sheet(wb, SHEET_TITLE, _header_widths())
    for question in questions.iterator(chunk_size=500):
        ws.append(_question_row(ws, question, (tag.name for tag in question.tags.all())))
    return workbook_bytes(wb)


# -- the template -----------------------------------------------------------------------

EXAMPLE_ROWS = [
    [
        "单选题",
        "成人心肺复苏时，胸外按压与人工呼吸的比例是？",
        "15:2",
        "30:2",
        "5:1",
        "",
        "",
        "",
        "B",
        "成人心肺复苏按压与通气之比为30:2。",
        "心肺复苏",
        "易",
        "",
        "急救、心肺复苏",
    ],
    [
        "多选题",
        "以下哪些物品适合放进家庭应急包？",
        "饮用水和即食食品",
        "手电筒和备用电池",
        "电饭煲等大件电器",
        "急救包和常用药品",
        "",
        "",
        "A,B,D",
        "应急包要轻便、实用，大件电器既重又用不上。",
        "家庭应急准备",
        "中",
        "",
        "",
    ],
    [
        "判断题",
        "燃气总阀关闭后，居民可以自行重新打开恢复供气。",
        "",
        "",
        "",
        "",
        "",
        "",
        "错误",
        "燃气总阀关闭后，须由燃气公司专业人员检查后才能恢复供气。",
        "水电气控制",
        "易",
        "",
        "",
    ],
]


def _instructions() -> list[str]:
    return [
        _("1. 请在「%(sheet)s」工作表中填写，每行一道题；第 1 行表头不要修改。")
        % {"sheet": SHEET_TITLE},
        _("2. 必填列：题型、题干、答案、分类；选项A、选项B 起连续填写（判断题不用填选项）。"),
        _("3. 题型填 单选、多选 或 判断（也可写作 单选题、多选题、判断题）。"),
        _(
            "4. 答案填选项字母：单选如 B；多选如 ACD，也可写作 A,C,D 或 A、C、D。"
            "判断题填 正确 或 错误（也可写作 对、错、√、×、A、B）。"
        ),
        _("5. 单选题和判断题只有一个答案；多选题至少两个答案，答案字母不能超出已填写的选项。"),
        _("6. 难度填 易、中、难（也可写作 简单、一般、困难 或 1、2、3），不填按“中”处理。"),
        _("7. 分类不存在时会自动新建。课程编号可不填（表示通用题目），填写时须是已有课程的编号。"),
        _("8. 标签可不填，多个标签用顿号或逗号分隔。"),
        _(
            "9. 题干和分类都与题库中已有题目相同的，视为同一道题：按表格内容更新（保存为新版本），"
            "不会重复新增；内容完全相同的不做改动。"
        ),
        _("10. 导入前会检查每一行；只要有一行有误，整个文件都不导入，并列出每个有误的行号和原因。"),
        _("11. 第 2 至 4 行是示例，可直接改写或删除；保留则会作为题目导入。"),
        _("12. 每个文件最多 %(rows)s 行题目，文件不超过 5 MB；请不要填写公式。")
        % {"rows": MAX_DATA_ROWS},
    ]


def questions_template() -> bytes:
    """The bank template: headers, dropdowns for 题型 and 难度, example rows, instructions."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_TITLE
    required_fill = PatternFill("solid", fgColor="FCE4D6")
    header_fill = PatternFill("solid", fgColor="FFF2CC")
    for index, (name, width) in enumerate(_header_widths(), start=1):
        cell = ws.cell(row=1, column=index, value=name)
        cell.font = Font(bold=True)
        cell.fill = required_fill if name in REQUIRED_HEADERS else header_fill
        cell.alignment = Alignment(horizontal="center")
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = width
        # Text, so that an option such as 30:2 or 1/2 is not turned into a time or a date.
        ws.column_dimensions[letter].number_format = "@"
    ws.freeze_panes = "A2"
    for row in EXAMPLE_ROWS:
        ws.append(row)

    letters = {name: get_column_letter(i) for i, name in enumerate(HEADERS, start=1)}
    for name, choices, prompt in (
        ("题型", ["单选题", "多选题", "判断题"], _("请选择单选题、多选题或判断题")),
        ("难度", ["易", "中", "难"], _("请选择易、中或难")),
    ):
        add_list_validation(
            ws, letters[name], choices, title=name, prompt=prompt, rows=MAX_DATA_ROWS
        )
    add_help_sheet(wb, HELP_SHEET_TITLE, _("题库导入填写说明"), _instructions())
    return workbook_bytes(wb)
