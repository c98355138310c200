import datetime
import io

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

import pytest
from openpyxl import Workbook

from lms.errors import DomainError
from lms.models import AreaAdministrator, Member
from lms.services import roster_import as service
from lms.services.roster_import import RowAction, roster_import
from tests.factories import MemberFactory, TeamFactory, UserFactory, area_tree, valid_id_number

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "性别", "出生日期", "手机号", "身份证号", "人员类别", "入队日期", "技能特长"]
NAMES = [
    "覃小明",
    "韦丽",
    "黄海",
    "陆佳",
    "莫凡",
    "蒙强",
    "农燕",
    "廖杰",
    "梁华",
    "卢敏",
    "谭雷",
    "唐静",
    "石勇",
    "邓芳",
    "蓝天",
    "甘霖",
    "潘云",
    "周丹",
    "吴昊",
]


def person(n: int, **overrides) -> dict:
    """The n-th person of the test roster, as one row's values."""
    birth = datetime.date(1980 + n % 20, 1 + n % 12, 1 + n % 28)
    values = {
        "姓名": NAMES[n % len(NAMES)] + ("" if n < 19 else str(n)),
        "性别": "男" if n % 2 else "女",
        "出生日期": birth,
        "手机号": f"139{n:08d}",
        "身份证号": valid_id_number(birth, 100 + n),
        "人员类别": "其他志愿者",
        "入队日期": datetime.date(2024, 5, 1),
        "技能特长": "急救",
    }
    values.update(overrides)
    return values


def roster_file(rows: list[dict], header: list[str] = HEADER, sheet: str = "队员花名册") -> bytes:
    """An .xlsx with `header` in row 1 and one row per dict (keys are headers)."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(header)
    for values in rows:
        ws.append([values.get(h) for h in header])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def areas():
    return area_tree()


@pytest.fixture
def team(areas):
    return TeamFactory(community=areas["xinzhu_1"])


@pytest.fixture
def county_admin(areas):
    user = UserFactory(username="qingxiu")
    AreaAdministrator.objects.create(user=user, area=areas["qingxiu"])
    return user


def test_a_good_file_imports_every_row(team, county_admin):
    rows = [person(n) for n in range(20)]
    report = roster_import(team=team, file=roster_file(rows), actor=county_admin, dry_run=False)

    assert (report.created, report.updated, report.unchanged) == (20, 0, 0)
    assert [r.row for r in report.rows] == list(range(2, 22))
    assert team.members.count() == 20
    member = team.members.with_id_number(rows[0]["身份证号"]).get()
    assert member.name == "覃小明"
    assert member.gender == "F"
    assert member.category == "volunteer"
    assert member.joined_on == datetime.date(2024, 5, 1)
    assert member.skills == "急救"
    assert member.name_pinyin == "qin2 xiao3 ming2"


def test_one_bad_id_number_in_row_17_imports_nothing(team, county_admin):
    rows = [person(n) for n in range(20)]
    good = rows[15]["身份证号"]
    rows[15]["身份证号"] = good[:-1] + ("0" if good[-1] != "0" else "1")  # sheet row 17

    with pytest.raises(DomainError) as caught:
        roster_import(team=team, file=roster_file(rows), actor=county_admin, dry_run=False)

    assert not Member.objects.exists()
    assert "1 行有误" in caught.value.message
    assert "未导入" in caught.value.message
    [error] = caught.value.errors
    assert (error.row, error.column) == (17, "身份证号")
    assert "校验位" in error.message


def test_a_second_import_of_the_same_file_duplicates_nothing(team, county_admin):
    data = roster_file([person(n) for n in range(5)])
    roster_import(team=team, file=data, actor=county_admin, dry_run=False)
    history = Member.history.count()

    report = roster_import(team=team, file=data, actor=county_admin, dry_run=False)

    assert team.members.count() == 5
    assert (report.created, report.updated, report.unchanged) == (0, 0, 5)
    assert {r.action for r in report.rows} == {RowAction.UNCHANGED}
    assert Member.history.count() == history  # unchanged rows are not even saved


def test_changed_rows_are_updated_and_matched_by_id_number(team, county_admin):
    roster_import(
        team=team, file=roster_file([person(1), person(2)]), actor=county_admin, dry_run=False
    )
    # Lowercase x, spaces, a dashed phone: the same people, one of them with a new phone.
    changed = person(1, 手机号="139-0000-0099")
    report = roster_import(
        team=team,
        file=roster_file([changed, person(2), person(3)]),
        actor=county_admin,
        dry_run=False,
    )

    assert [(r.row, r.action) for r in report.rows] == [
        (2, RowAction.UPDATED),
        (3, RowAction.UNCHANGED),
        (4, RowAction.CREATED),
    ]
    assert report.rows[0].changed == ("手机号",)
    assert team.members.with_id_number(person(1)["身份证号"]).get().phone == "13900000099"
    assert team.members.count() == 3


def test_lowercase_x_and_spaces_in_id_numbers(team, county_admin):
    # Find a serial whose check character is X.
    birth = datetime.date(1990, 1, 2)
    number = next(
        valid_id_number(birth, s) for s in range(1000) if valid_id_number(birth, s)[-1] == "X"
    )
    row = person(1, 出生日期=birth, 身份证号=f" {number[:-1]}x  ")
    roster_import(team=team, file=roster_file([row]), actor=county_admin, dry_run=False)
    assert team.members.get().id_number == number

    report = roster_import(
        team=team,
        file=roster_file([person(1, 出生日期=birth, 身份证号=number)]),
        actor=county_admin,
        dry_run=False,
    )
    assert report.unchanged == 1


def test_dry_run_reports_but_writes_nothing(team, county_admin):
    existing = MemberFactory(team=team, name="旧名字")
    row = person(
        1,
        姓名="新名字",
        出生日期=existing.birth_date,
        身份证号=existing.id_number,
        手机号=existing.phone,
        性别="男",
        人员类别="其他志愿者",
        入队日期=existing.joined_on,
        技能特长="",
    )
    history = Member.history.count()

    report = roster_import(
        team=team, file=roster_file([row, person(2)]), actor=county_admin, dry_run=True
    )

    assert report.dry_run
    assert (report.created, report.updated, report.unchanged) == (1, 1, 0)
    assert report.rows[0].changed == ("姓名",)
    assert team.members.count() == 1
    existing.refresh_from_db()
    assert existing.name == "旧名字"
    assert Member.history.count() == history


def test_dry_run_shows_errors_too(team, county_admin):
    with pytest.raises(DomainError) as caught:
        roster_import(
            team=team,
            file=roster_file([person(1, 手机号="12345")]),
            actor=county_admin,
            dry_run=True,
        )
    [error] = caught.value.errors
    assert (error.row, error.column) == (2, "手机号")


def test_every_bad_row_is_reported_at_once(team, county_admin):
    rows = [
        person(0),
        person(1, 性别="未知"),
        person(2, 出生日期="去年"),
        person(3, 姓名=None),
        person(4, 人员类别="宇航员"),
        person(5, 出生日期=datetime.date(1970, 1, 1)),
        person(6),
    ]
    with pytest.raises(DomainError) as caught:
        roster_import(team=team, file=roster_file(rows), actor=county_admin, dry_run=False)

    found = [(e.row, e.column) for e in caught.value.errors]
    assert found == [(3, "性别"), (4, "出生日期"), (5, "姓名"), (6, "人员类别"), (7, "身份证号")]
    assert "5 行有误" in caught.value.message
    messages = {e.row: e.message for e in caught.value.errors}
    assert "男" in messages[3]
    assert "不能为空" in messages[5]
    assert "其他志愿者" in messages[6]
    assert "不一致" in messages[7]
    assert not Member.objects.exists()


def test_a_numeric_id_cell_is_refused_with_advice(team, county_admin):
    row = person(1)
    row["身份证号"] = int(row["身份证号"][:15] + "000")  # what Excel keeps of a number
    with pytest.raises(DomainError) as caught:
        roster_import(team=team, file=roster_file([row]), actor=county_admin, dry_run=False)
    [error] = caught.value.errors
    assert error.column == "身份证号"
    assert "文本" in error.message


def test_a_duplicate_id_number_within_the_file(team, county_admin):
    rows = [person(1), person(2), person(1, 姓名="重复的人")]
    with pytest.raises(DomainError) as caught:
        roster_import(team=team, file=roster_file(rows), actor=county_admin, dry_run=False)
    [error] = caught.value.errors
    assert (error.row, error.column) == (4, "身份证号")
    assert "第 2 行" in error.message
    assert not Member.objects.exists()


def test_an_id_number_registered_in_another_team(areas, team, county_admin):
    other = TeamFactory(community=areas["xinzhu_2"], name="桂雅路社区应急响应队")
    far = TeamFactory(community=areas["chengzhong_1"], name="公园社区应急响应队")
    here = MemberFactory(team=other)
    there = MemberFactory(team=far)
    rows = [
        person(1),
        person(2, 身份证号=here.id_number, 出生日期=here.birth_date),
        person(3, 身份证号=there.id_number, 出生日期=there.birth_date),
    ]
    with pytest.raises(DomainError) as caught:
        roster_import(team=team, file=roster_file(rows), actor=county_admin, dry_run=False)

    errors = {e.row: e.message for e in caught.value.errors}
    assert set(errors) == {3, 4}
    assert "桂雅路社区应急响应队" in errors[3]
    # A team outside the administrator's scope is not named.
    assert "公园社区" not in errors[4]
    assert "其他队伍" in errors[4]
    assert not team.members.exists()


def test_formula_text_is_refused(team, county_admin):
    wb = Workbook()
    ws = wb.active
    ws.title = "队员花名册"
    ws.append(HEADER)
    ws.append([person(1)[h] for h in HEADER])
    ws["A2"].value = '=HYPERLINK("http://example.com","覃小明")'
    ws["A2"].data_type = "s"  # stored as text that starts with "=", as some tools write it
    buffer = io.BytesIO()
    wb.save(buffer)

    with pytest.raises(DomainError) as caught:
        roster_import(team=team, file=buffer.getvalue(), actor=county_admin, dry_run=False)
    [error] = caught.value.errors
    assert (error.row, error.column) == (2, "姓名")
    assert "公式" in error.message


def test_a_file_that_is_not_xlsx(team, county_admin):
    with pytest.raises(DomainError, match=r"\.xlsx") as caught:
        roster_import(
            team=team,
            file="姓名,性别\n张三,男\n".encode(),
            actor=county_admin,
            dry_run=False,
        )
    assert caught.value.errors == []


def test_a_file_bigger_than_5_mb(team, county_admin, monkeypatch):
    monkeypatch.setattr(service, "MAX_FILE_BYTES", 1000)
    with pytest.raises(DomainError, match="5 MB"):
        roster_import(team=team, file=roster_file([person(1)]), actor=county_admin, dry_run=False)


def test_more_than_2000_rows(team, county_admin):
    rows = [person(1)] * 2001
    with pytest.raises(DomainError, match="2000"):
        roster_import(team=team, file=roster_file(rows), actor=county_admin, dry_run=False)


def test_missing_headers_are_named(team, county_admin):
    header = ["姓名", "性别", "手机号", "人员类别"]
    with pytest.raises(DomainError, match="出生日期、身份证号"):
        roster_import(
            team=team,
            file=roster_file([person(1)], header=header),
            actor=county_admin,
            dry_run=False,
        )


def test_header_whitespace_order_and_extra_columns_are_tolerated(team, county_admin):
    header = [" 序号", "身份证号 ", "姓 名", "人员类别", "性别（男/女）", "手机号", "\n出生日期"]
    row = person(1)
    values = {
        " 序号": 1,
        "身份证号 ": row["身份证号"],
        "姓 名": row["姓名"],
        "人员类别": row["人员类别"],
        "性别（男/女）": row["性别"],
        "手机号": int(row["手机号"]),  # a number cell is fine for a phone number
        "\n出生日期": "1981/2/2",
    }
    assert row["出生日期"] == datetime.date(1981, 2, 2)
    report = roster_import(
        team=team,
        file=roster_file([values], header=header, sheet="Sheet1"),
        actor=county_admin,
        dry_run=False,
    )
    assert report.created == 1
    member = team.members.get()
    assert member.phone == row["手机号"]
    assert member.joined_on == timezone.localdate()


def test_a_team_outside_the_actors_scope_is_refused(areas, county_admin):
    far = TeamFactory(community=areas["chengzhong_1"])
    with pytest.raises(DomainError, match="无权"):
        roster_import(team=far, file=roster_file([person(1)]), actor=county_admin, dry_run=False)
    with pytest.raises(DomainError, match="无权"):
        roster_import(team=far, file=roster_file([person(1)]), actor=AnonymousUser(), dry_run=False)
    assert not Member.objects.exists()


def test_a_team_leader_imports_into_own_team(team):
    leader_user = UserFactory(username="leader")
    leader = MemberFactory(team=team, user=leader_user)
    team.leader = leader
    team.save()
    report = roster_import(
        team=team, file=roster_file([person(1)]), actor=leader_user, dry_run=False
    )
    assert report.created == 1
    assert team.members.count() == 2
