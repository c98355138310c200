import datetime
import io

import pytest
from openpyxl import load_workbook

from lms import spreadsheets
from lms.errors import DomainError
from lms.models import Member
from lms.services.roster_import import roster_import
from lms.spreadsheets import members_workbook, parse_date, read_roster, roster_template
from tests.factories import MemberFactory, TeamFactory, UserFactory, area_tree
from tests.lms.services.test_roster_import import HEADER, person, roster_file


def _open(data: bytes):
    return load_workbook(io.BytesIO(data))


def _rows(data: bytes, sheet=None):
    wb = _open(data)
    ws = wb[sheet] if sheet else wb.worksheets[0]
    return [list(row) for row in ws.iter_rows(values_only=True)]


# -- the template -------------------------------------------------------------------------


def test_the_template_has_headers_dropdowns_formats_and_instructions():
    wb = _open(roster_template())

    assert wb.sheetnames == ["队员花名册", "填写说明"]
    ws = wb["队员花名册"]
    assert [c.value for c in ws[1]] == HEADER
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["E"].number_format == "@"  # 身份证号 as text
    assert ws.column_dimensions["E"].width >= 20
    lists = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    assert lists["B2:B2001"] == '"男,女"'
    assert "退役军人" in lists["F2:F2001"]
    assert "政府购买服务人员" in lists["F2:F2001"]
    instructions = "\n".join(row[0] for row in _rows(roster_template(), "填写说明") if row[0])
    assert "文本格式" in instructions
    assert "2000" in instructions


@pytest.mark.django_db
def test_the_blank_template_filled_in_imports():
    """Filling the downloaded template (not a hand-made sheet) works end to end."""
    wb = _open(roster_template())
    ws = wb["队员花名册"]
    values = person(1)
    for column, header in enumerate(HEADER, start=1):
        ws.cell(row=2, column=column, value=values[header])
    buffer = io.BytesIO()
    wb.save(buffer)
    team = TeamFactory(community=area_tree()["xinzhu_1"])
    admin = UserFactory(username="root", is_superuser=True)

    report = roster_import(team=team, file=buffer.getvalue(), actor=admin, dry_run=False)

    assert report.created == 1


# -- reading ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime.datetime(1990, 1, 2, 0, 0), datetime.date(1990, 1, 2)),
        (datetime.date(1990, 1, 2), datetime.date(1990, 1, 2)),
        ("1990-01-02", datetime.date(1990, 1, 2)),
        ("1990/1/2", datetime.date(1990, 1, 2)),
        ("1990年1月2日", datetime.date(1990, 1, 2)),
        (" 1990.1.2 ", datetime.date(1990, 1, 2)),
        ("19900102", datetime.date(1990, 1, 2)),
        (19900102, datetime.date(1990, 1, 2)),
        ("1990-01-02 00:00:00", datetime.date(1990, 1, 2)),
        ("１９９０－０１－０２", datetime.date(1990, 1, 2)),
        ("1990-02-30", None),
        ("去年", None),
        (33000, None),
    ],
)
def test_parse_date(value, expected):
    assert parse_date(value) == expected


def test_read_roster_keeps_excel_row_numbers_and_skips_blank_rows():
    rows = [person(1), {}, {"姓名": "  "}, person(2)]
    parsed = read_roster(roster_file(rows))

    assert [row.number for row in parsed] == [2, 5]
    assert parsed[0].values["gender"] == "M"
    assert parsed[0].values["category"] == "volunteer"
    assert parsed[1].values["birth_date"] == person(2)["出生日期"]


def test_read_roster_reports_each_bad_cell():
    parsed = read_roster(roster_file([person(1, 性别="M", 人员类别="医生", 出生日期=None)]))
    [row] = parsed
    assert sorted(e.column for e in row.errors) == sorted(["性别", "人员类别", "出生日期"])
    assert all(e.row == 2 for e in row.errors)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04 not really a zip", ".xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".xlsx"),  # an old .xls
        (roster_file([], header=["姓名"]), "缺少必填列"),
        (roster_file([]), "没有队员数据"),
        (roster_file([person(1)], header=[*HEADER, "姓名"]), "不止一次"),
    ],
)
def test_unusable_files_are_refused_as_a_whole(data, message):
    with pytest.raises(DomainError, match=message) as caught:
        read_roster(data)
    assert caught.value.field == "file"


def test_a_sheet_named_otherwise_is_read_when_the_template_sheet_is_missing():
    [row] = read_roster(roster_file([person(1)], sheet="Sheet1"))
    assert row.values["name"] == person(1)["姓名"]


# -- exports ------------------------------------------------------------------------------


@pytest.fixture
def roster(db):
    areas = area_tree()
    first = TeamFactory(community=areas["xinzhu_1"], phone="0771-1234567")
    second = TeamFactory(community=areas["xinzhu_2"])
    far = TeamFactory(community=areas["chengzhong_1"])
    members = {
        "wei": MemberFactory(team=second, name="韦丽", skills="=1+1"),
        "qin": MemberFactory(team=first, name="覃小明", gender="F"),
        "an": MemberFactory(team=first, name="安然", left_on=datetime.date(2025, 1, 1)),
        "far": MemberFactory(team=far, name="柳州人"),
    }
    first.leader = members["qin"]
    first.save()
    return {"areas": areas, "teams": (first, second, far), "members": members}


def test_members_workbook_columns_order_and_masking(roster):
    members = Member.objects.filter(team__in=roster["teams"][:2])
    rows = _rows(members_workbook(members, show_id_numbers=False))

    assert rows[0] == [
        "队伍",
        "所属区域",
        "姓名",
        "性别",
        "出生日期",
        "手机号",
        "身份证号",
        "人员类别",
        "入队日期",
        "离队日期",
        "技能特长",
    ]
    # By team (division code), then pinyin: 安然 before 覃小明 (ān < qín).
    assert [r[2] for r in rows[1:]] == ["安然", "覃小明", "韦丽"]
    an = roster["members"]["an"]
    assert rows[1][0] == "新竹社区应急响应队"
    assert rows[1][1] == "南宁市青秀区新竹街道新竹社区"
    assert rows[1][3] == "男"
    assert rows[1][4] == datetime.datetime(1985, 6, 15)
    assert rows[1][6] == an.id_number_masked
    assert "*" in rows[1][6]
    assert rows[1][7] == "其他志愿者"
    assert rows[1][9] == datetime.datetime(2025, 1, 1)
    # Text that looks like a formula stays text.
    assert rows[3][10] == "=1+1"
    wb = _open(members_workbook(members, show_id_numbers=False))
    assert wb.worksheets[0]["K4"].data_type == "s"


def test_members_workbook_full_id_numbers_when_allowed(roster):
    members = Member.objects.filter(team=roster["teams"][0])
    qin = roster["members"]["qin"]

    rows = _rows(members_workbook(members, show_id_numbers=True))
    assert qin.id_number in [r[6] for r in rows]

    rows = _rows(members_workbook(members, show_id_numbers=lambda m: m.name == "安然"))
    assert qin.id_number_masked in [r[6] for r in rows]
    assert roster["members"]["an"].id_number in [r[6] for r in rows]


def test_a_full_export_imports_back_unchanged(roster):
    """Offices may edit an export and import it again: the layouts agree."""
    first = roster["teams"][0]
    data = members_workbook(Member.objects.filter(team=first), show_id_numbers=True)
    admin = UserFactory(username="root", is_superuser=True)

    report = roster_import(team=first, file=data, actor=admin, dry_run=False)

    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)


def test_teams_workbook(roster):
    first, second, far = roster["teams"]
    rows = _rows(spreadsheets.teams_workbook(type(first).objects.all()))

    assert rows[0] == [
        "队伍名称",
        "社区",
        "乡镇",
        "县区",
        "城市",
        "行政区划代码",
        "状态",
        "成立日期",
        "队长",
        "联系电话",
        "在队人数",
        "登记编号",
    ]
    assert [r[0] for r in rows[1:]] == [first.name, second.name, far.name]
    assert rows[1][1:6] == ["新竹社区", "新竹街道", "青秀区", "南宁市", "450103001001"]
    assert rows[1][6] == "正常运行"
    assert rows[1][7] == datetime.datetime(2024, 3, 1)
    assert rows[1][8] == "覃小明"
    assert rows[1][9] == "0771-1234567"
    assert rows[1][10] == 1  # 安然 has left
    assert rows[3][1:5] == ["公园社区", "城中街道", "城中区", "柳州市"]
