"""Spreadsheet (.xlsx) helpers shared by every import and export: safe cells, sheets, limits."""

import io
import zipfile

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

from cms.errors import DomainError

# An .xlsx is a zip; refuse one that would unpack to something huge (a "zip bomb").
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
# Rows read from a sheet, blank ones included: a file of a few KB can declare a cell a million
# rows down, and reading up to it row by row takes most of a minute.
MAX_SHEET_ROWS = 20_000
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise DomainError(not_xlsx_message(), field="file") from exc
    if unzipped > MAX_UNZIPPED_BYTES:
        raise DomainError(_("文件内容过大，无法导入：请只保留需要导入的数据。"), field="file")


def check_sheet_row(number: int) -> None:
    """Refuse a sheet once row `number` (as Excel counts, blank rows too) passes the limit."""
    if number > MAX_SHEET_ROWS:
        raise DomainError(
            _(
                "表格超过 %(max)s 行（空行也计算在内）：请删除数据下方多余的行，"
                "或把数据拆成几个文件分别导入。"
            )
            % {"max": MAX_SHEET_ROWS},
            field="file",
        )


def not_xlsx_message() -> str:
    return _(
        "无法读取该文件：请上传 Excel 2007 及以上版本的 .xlsx 文件"
        "（不支持 .xls、.csv、WPS 的 .et 格式或加密的文件），可先下载模板再填写。"
    )


class FormulaCell(str):
    """A formula cell's formula (=...), as read from a sheet opened with data_only=False."""


def cell_values(row) -> tuple:
    """A row of read-only cells as values, with each formula cell marked as a FormulaCell."""
    return tuple(
        FormulaCell(getattr(cell.value, "text", cell.value))
        if cell.data_type == "f"
        else cell.value
        for cell in row
    )


def is_formula(value) -> bool:
    """Whether a value from `cell_values` was a formula cell.

    Imports refuse formulas instead of reading them: the value cached in the file is what
    Excel last computed (nothing at all in a file written by a program), so it need not be
    what the person sees. Text that merely starts with "=" in a text cell is text: that is how
    the exports write such names (see `text_cell`), so an export imports again unchanged.
    """
    return isinstance(value, (FormulaCell, ArrayFormula, DataTableFormula))


def formula_message() -> str:
    return _("单元格是公式：请填写数值本身，不要填写公式。")


def text_cell(ws, value):
    """A value for a write-only row; text that Excel would run as a formula stays text."""
    if isinstance(value, str) and (value.startswith("=") or value in ERROR_CODES):
        cell = WriteOnlyCell(ws, value)
        cell.data_type = "s"
        return cell
    return value


def new_sheet(wb: Workbook, title: str, headers: list[tuple[str, int]]):
    ws = wb.create_sheet(title)
    for index, (_header, width) in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for header, _width in headers:
        cell = WriteOnlyCell(ws, header)
        cell.font = bold
        header_cells.append(cell)
    ws.append(header_cells)
    return ws


def workbook_bytes(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    """A workbook as a download; rosters and results are personal, so no shared cache."""
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    # RFC 5987 (filename*=utf-8''…) so the Chinese name survives in every browser.
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


def add_list_validation(ws, column: str, choices: list[str], *, title: str, prompt: str, rows: int):
    """A drop-down of `choices` on column letter `column`, rows 2 to `rows` + 1."""
    validation = DataValidation(
        type="list",
        formula1='"{}"'.format(",".join(choices)),
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=_("输入有误"),
        error=prompt,
        promptTitle=title,
        prompt=prompt,
    )
    validation.add(f"{column}2:{column}{rows + 1}")
    ws.add_data_validation(validation)


def add_help_sheet(wb: Workbook, title: str, heading: str, lines: list[str]) -> None:
    """A sheet of instructions: a bold heading, then one wrapped line per row."""
    sheet = wb.create_sheet(title)
    sheet.column_dimensions["A"].width = 110
    sheet.append([heading])
    sheet["A1"].font = Font(bold=True, size=14)
    for line in lines:
        sheet.append([line])
    for row in sheet.iter_rows(min_row=2):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
