"""Malformed spreadsheets, uploaded through the pages people use (issue 10, item 3).

Two imports take an .xlsx: the roster (队员花名册, `lms_roster:import`, an area administrator)
and the question bank (题库, the question snippets' import, a superuser). Each malformed file
below is refused with a reason a person can act on (the missing column, the row and column
of a bad cell, the limit passed), never with a server error, and nothing is saved: the rows
are counted before and after.

Rules the tests pin down:
- formula cells are refused, with the row and column: the value cached in a file is
  whatever Excel last computed (nothing at all when a program wrote the file), so it need
  not be what the person sees. In the question bank a text cell that merely starts with "="
  is text (a stem may; the export writes it so and imports again unchanged); in the roster
  no name, phone or ID number starts with "=", so such text is refused too.
- a sheet is read up to 20,000 rows, blank ones included: a file of a few KB can declare a
  cell a million rows down, which took 38 s to read through before the limit.
- a number where text is expected is taken only when nothing is lost: a mobile number typed
  as a number (1.3800138e10 is exactly 13800138000) imports; an ID number as a number has
  lost digits past the fifteenth (and a final X cannot be a number), so it is refused.

Exports: text that starts with = + - @ comes back from every roster and question bank
export as a text cell, never as a live formula.
"""

import datetime
import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

import pytest
from bs4 import BeautifulSoup
from openpyxl import Workbook, load_workbook

from courses.models import Question, QuestionCategory, QuestionType
from courses.question_bank import HEADERS as BANK_HEADERS
from lms.models import AreaAdministrator, Member
from tests.factories import MemberFactory, TeamFactory, UserFactory, area_tree
from tests.lms.services.test_roster_import import HEADER as ROSTER_HEADERS
from tests.lms.services.test_roster_import import person
from tests.lms.test_roster_views import admin_access

pytestmark = pytest.mark.django_db

ROSTER_IMPORT = reverse("lms_roster:import")
BANK_IMPORT = reverse("wagtailsnippets_courses_question:import")
BANK_EXPORT = reverse("wagtailsnippets_courses_question:export")
HYPERLINK = '=HYPERLINK("http://x","y")'


# -- files ------------------------------------------------------------------------------


def xlsx(header: list, rows: list[list], *, sheet: str | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    if sheet:
        ws.title = sheet
    ws.append(header)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def roster(rows: list[dict], header=ROSTER_HEADERS) -> bytes:
    return xlsx(header, [[values.get(h) for h in header] for values in rows])


def bank_row(n: int, **overrides) -> dict:
    values = {
        "题型": "单选",
        "题干": f"第{n}题：成人胸外按压的频率是？",
        "选项A": "每分钟60次",
        "选项B": "每分钟100至120次",
        "答案": "B",
        "解析": "指南要求。",
        "分类": "现场急救",
        "难度": "中",
    }
    values.update(overrides)
    return values


def bank(rows: list[dict], header=BANK_HEADERS) -> bytes:
    return xlsx(list(header), [[values.get(h) for h in header] for values in rows])


def zip_without_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    return buffer.getvalue()


def zip_bomb() -> bytes:
    """A small zip whose one member unpacks to more than 100 MB."""
    buffer = io.BytesIO()
    block = b" " * (1024 * 1024)
    with (
        zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/worksheets/sheet1.xml", "w") as member,
    ):
        for _ in range(101):
            member.write(block)
    return buffer.getvalue()


def encrypted() -> bytes:
    """What Excel writes for a password-protected workbook: an OLE compound file, not a zip."""
    return bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 4096


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def huge_dimensions(header: list, row: list) -> bytes:
    """A valid header, one good data row, and one blank cell a million rows down: a sheet
    that declares itself enormous while the file stays tiny."""
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    ws.append(row)
    ws.cell(row=1_000_000, column=1, value=" ")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# -- people and pages -------------------------------------------------------------------


@pytest.fixture
def team():
    areas = area_tree()
    made = TeamFactory(community=areas["xinzhu_1"])
    made.areas = areas
    return made


@pytest.fixture
def admin_client(client, team):
    user = UserFactory(username="xlsx-qingxiu", groups=[admin_access()])
    AreaAdministrator.objects.create(user=user, area=team.areas["qingxiu"])
    client.force_login(user)
    return client


@pytest.fixture
def bank_client(client, site_tree):
    client.force_login(UserFactory(username="xlsx-root", is_superuser=True, is_staff=True))
    return client


def upload(data: bytes, name="花名册.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def post_roster(client, team, data: bytes, name="花名册.xlsx"):
    # For real, not a dry run: whatever passed the checks would be written.
    return client.post(ROSTER_IMPORT, {"team": team.pk, "file": upload(data, name)})


def post_bank(client, data: bytes, name="题库.xlsx"):
    return client.post(BANK_IMPORT, {"file": upload(data, name)})


def page_text(response) -> str:
    assert response.status_code == 200, response.status_code
    return " ".join(BeautifulSoup(response.content, "html.parser").get_text(" ").split())


def roster_errors(response) -> list[tuple[str, str, str]]:
    """(row, column, reason) of each line of the roster import's error table."""
    soup = BeautifulSoup(response.content, "html.parser")
    table = soup.find(id="roster-import-errors")
    assert table is not None, page_text(response)[:2000]
    return [
        tuple(" ".join(td.get_text(" ").split()) for td in tr.find_all("td"))
        for tr in table.find_all("tr")
        if tr.find("td")
    ]


def bank_errors(response) -> list[str]:
    soup = BeautifulSoup(response.content, "html.parser")
    found = soup.find(id="question-import-errors")
    assert found is not None, page_text(response)[:2000]
    return [" ".join(li.get_text(" ").split()) for li in found.find_all("li")]


NOT_XLSX = "无法读取该文件"
FORMULA = "单元格是公式"

# -- whole-file problems: (label, file builder, what the page says) ----------------------

ROSTER_FILE_CASES = [
    (
        "missing id-number column",
        lambda: roster([person(1)], header=[h for h in ROSTER_HEADERS if h != "身份证号"]),
        "表头缺少必填列：身份证号",
    ),
    (
        "missing two columns",
        lambda: roster(
            [person(1)], header=[h for h in ROSTER_HEADERS if h not in ("性别", "人员类别")]
        ),
        "表头缺少必填列：性别、人员类别",
    ),
    (
        "English headers",
        lambda: xlsx(["Name", "Gender", "Birth", "Phone", "ID"], [["张三", "男", "", "", ""]]),
        "表头缺少必填列：姓名、性别、出生日期、手机号、身份证号、人员类别",
    ),
    (
        "duplicated header",
        lambda: roster([person(1)], header=[*ROSTER_HEADERS, "姓名"]),
        "表头“姓名”出现了不止一次",
    ),
    ("header only", lambda: roster([]), "表格中没有队员数据"),
    ("text renamed .xlsx", lambda: "姓名,性别\n张三,男\n".encode(), NOT_XLSX),
    ("zip without a workbook", zip_without_workbook, NOT_XLSX),
    ("encrypted workbook", encrypted, NOT_XLSX),
    ("truncated workbook", lambda: truncated(roster([person(n) for n in range(30)])), NOT_XLSX),
    ("zip bomb", zip_bomb, "文件内容过大"),
    ("over 5 MB", lambda: b"PK\x03\x04" + b"\x00" * (5 * 1024 * 1024 + 1), "文件超过 5 MB"),
    (
        "over 2000 rows",
        lambda: roster([person(n % 19) for n in range(2001)]),
        "数据超过 2000 行",
    ),
]


@pytest.mark.parametrize(
    ("build", "reason"),
    [pytest.param(build, reason, id=label) for label, build, reason in ROSTER_FILE_CASES],
)
def test_roster_whole_file_refused_with_reason(admin_client, team, build, reason):
    before = Member.objects.count()

    response = post_roster(admin_client, team, build())

    assert reason in page_text(response)
    assert Member.objects.count() == before


BANK_FILE_CASES = [
    (
        "missing answer column",
        lambda: bank([bank_row(1)], header=[h for h in BANK_HEADERS if h != "答案"]),
        "表头缺少必填列：答案",
    ),
    (
        "English headers",
        lambda: xlsx(["Type", "Question", "Answer"], [["single", "?", "B"]]),
        "表头缺少必填列：题型、题干、答案、分类",
    ),
    (
        "duplicated header",
        lambda: bank([bank_row(1)], header=[*BANK_HEADERS, "题干"]),
        "表头“题干”出现了不止一次",
    ),
    ("header only", lambda: bank([]), "表格中没有题目"),
    ("text renamed .xlsx", lambda: "题型,题干\n单选,？\n".encode(), NOT_XLSX),
    ("zip without a workbook", zip_without_workbook, NOT_XLSX),
    ("encrypted workbook", encrypted, NOT_XLSX),
    ("truncated workbook", lambda: truncated(bank([bank_row(n) for n in range(30)])), NOT_XLSX),
    ("zip bomb", zip_bomb, "文件内容过大"),
    ("over 5 MB", lambda: b"PK\x03\x04" + b"\x00" * (5 * 1024 * 1024 + 1), "5 MB"),
    ("over 2000 rows", lambda: bank([bank_row(n) for n in range(2001)]), "数据超过 2000 行"),
]


@pytest.mark.parametrize(
    ("build", "reason"),
    [pytest.param(build, reason, id=label) for label, build, reason in BANK_FILE_CASES],
)
def test_question_bank_whole_file_refused_with_reason(bank_client, build, reason):
    before = (Question.objects.count(), QuestionCategory.objects.count())

    response = post_bank(bank_client, build())

    assert reason in page_text(response)
    assert (Question.objects.count(), QuestionCategory.objects.count()) == before


# -- bad cells: refused with the row and column --------------------------------------------

ROSTER_CELL_CASES = [
    ("HYPERLINK formula in 姓名", {"姓名": HYPERLINK}, "姓名", FORMULA),
    ("=1+1 in 手机号", {"手机号": "=1+1"}, "手机号", FORMULA),
    ("formula in 出生日期", {"出生日期": "=DATE(1990,1,2)"}, "出生日期", FORMULA),
    ("text in 出生日期", {"出生日期": "九十年代"}, "出生日期", "日期无法识别"),
    ("impossible date", {"出生日期": "1990-02-30"}, "出生日期", "日期无法识别"),
    ("number in 入队日期", {"入队日期": 3.5}, "入队日期", "日期无法识别"),
    ("date in 手机号", {"手机号": datetime.datetime(2024, 5, 1)}, "手机号", "11 位"),
    ("fraction in 手机号", {"手机号": 13800138000.5}, "手机号", "11 位"),
    ("ID number as a number", {"身份证号": 450103199001021234}, "身份证号", "文本"),
    ("unknown gender", {"性别": "M"}, "性别", "“男”或“女”"),
    ("unknown category", {"人员类别": "志愿者们"}, "人员类别", "人员类别应为以下之一"),
    ("empty required cell", {"姓名": None}, "姓名", "必填"),
]


@pytest.mark.parametrize(
    ("overrides", "column", "reason"),
    [pytest.param(o, c, r, id=label) for label, o, c, r in ROSTER_CELL_CASES],
)
def test_roster_bad_cell_refused_with_row_and_column(admin_client, team, overrides, column, reason):
    before = Member.objects.count()
    # Row 2 is good; the bad cell is on row 3: the good row must not be saved either.
    data = roster([person(1), person(2, **overrides)])

    response = post_roster(admin_client, team, data)

    errors = roster_errors(response)
    assert any(row == "第 3 行" and col == column and reason in why for row, col, why in errors), (
        errors
    )
    assert not [e for e in errors if e[0] == "第 2 行"]
    assert Member.objects.count() == before


def test_roster_mobile_number_typed_as_a_number_imports_exactly(admin_client, team):
    """1.3800138e10 is 13800138000 exactly: nothing is lost, so it is taken."""
    response = post_roster(admin_client, team, roster([person(1, 手机号=1.3800138e10)]))

    assert response.status_code == 200
    assert Member.objects.get(team=team).phone == "13800138000"


def test_roster_id_number_with_final_x_kept_as_text(admin_client, team):
    values = person(3)
    number = values["身份证号"][:-1] + "x"
    values["身份证号"] = number
    response = post_roster(admin_client, team, roster([values]))
    text = page_text(response)
    # Either imported with the X upper-cased, or refused for its check digit: never mangled.
    member = Member.objects.filter(team=team).first()
    if member is not None:
        assert member.id_number.endswith("X")
    else:
        assert "身份证号" in text


def test_roster_huge_declared_dimensions_refused_with_the_limit(admin_client, team):
    before = Member.objects.count()
    data = huge_dimensions(ROSTER_HEADERS, [person(1).get(h) for h in ROSTER_HEADERS])
    assert len(data) < 10_000  # a few KB that would take most of a minute to read through

    response = post_roster(admin_client, team, data)

    assert "表格超过 20000 行（空行也计算在内）" in page_text(response)
    assert Member.objects.count() == before


BANK_CELL_CASES = [
    ("HYPERLINK formula in 题干", {"题干": HYPERLINK}, "题干：" + FORMULA),
    ("=1+1 in 答案", {"答案": "=1+1"}, "答案：" + FORMULA),
    ("formula in 解析", {"解析": "=A1&B1"}, "解析：" + FORMULA),
    ("date in 难度", {"难度": datetime.datetime(2024, 1, 1)}, "难度"),
    ("number in 题型", {"题型": 1}, "题型“1”无法识别"),
    ("answer not an option letter", {"答案": "Z"}, "答案“Z”无法识别"),
    ("empty stem", {"题干": None}, "题干不能为空"),
]


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [pytest.param(o, r, id=label) for label, o, r in BANK_CELL_CASES],
)
def test_question_bank_bad_cell_refused_with_row(bank_client, overrides, reason):
    before = (Question.objects.count(), QuestionCategory.objects.count())

    response = post_bank(bank_client, bank([bank_row(1), bank_row(2, **overrides)]))

    errors = bank_errors(response)
    assert any(e.startswith("第 3 行") and reason in e for e in errors), errors
    assert not [e for e in errors if e.startswith("第 2 行")]
    assert (Question.objects.count(), QuestionCategory.objects.count()) == before


def test_question_bank_huge_declared_dimensions_refused_with_the_limit(bank_client):
    before = Question.objects.count()
    data = huge_dimensions(list(BANK_HEADERS), [bank_row(1).get(h) for h in BANK_HEADERS])

    response = post_bank(bank_client, data)

    assert "表格超过 20000 行（空行也计算在内）" in page_text(response)
    assert Question.objects.count() == before


# -- exports: text that looks like a formula stays text -----------------------------------

LOOKS_LIKE_FORMULA = [HYPERLINK, "+1+1", "-2+3", "@SUM(A1:A2)", "=1+1"]


def cells_with(data: bytes, text: str) -> list:
    wb = load_workbook(io.BytesIO(data))
    return [
        cell for ws in wb.worksheets for row in ws.iter_rows() for cell in row if cell.value == text
    ]


@pytest.mark.parametrize("name", LOOKS_LIKE_FORMULA)
def test_roster_export_keeps_formula_like_names_as_text(admin_client, team, name):
    MemberFactory(team=team, name=name, skills=name)
    team.name = name
    team.save()

    for url in (reverse("lms_roster:export_members"), reverse("lms_roster:export_teams")):
        response = admin_client.get(url)
        assert response.status_code == 200
        cells = cells_with(response.content, name)
        assert cells, url
        assert all(cell.data_type == "s" for cell in cells), (url, [c.data_type for c in cells])


@pytest.mark.parametrize("text", LOOKS_LIKE_FORMULA)
def test_question_bank_export_keeps_formula_like_text_as_text(bank_client, text):
    category = QuestionCategory.objects.create(name=text)
    Question.objects.create(
        type=QuestionType.SINGLE,
        stem=text,
        option_a=text,
        option_b="每分钟100至120次",
        answer="B",
        explanation=text,
        category=category,
    )

    response = bank_client.get(BANK_EXPORT)

    assert response.status_code == 200
    cells = cells_with(response.content, text)
    assert len(cells) >= 4
    assert all(cell.data_type == "s" for cell in cells), [c.data_type for c in cells]
