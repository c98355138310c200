"""The roster screens in the Wagtail admin: import (dry run, then for real), template, exports."""

import io
from urllib.parse import quote

from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

import pytest
from openpyxl import load_workbook

from lms.admin_views.roster import PENDING_SESSION_KEY
from lms.models import AreaAdministrator, Member
from tests.factories import MemberFactory, TeamFactory, UserFactory, area_tree
from tests.lms.services.test_roster_import import person, roster_file

pytestmark = pytest.mark.django_db

IMPORT = reverse("lms_roster:import")
TEMPLATE = reverse("lms_roster:template")
EXPORT_MEMBERS = reverse("lms_roster:export_members")
EXPORT_TEAMS = reverse("lms_roster:export_teams")


def admin_access() -> Group:
    group, _ = Group.objects.get_or_create(name="后台用户")
    group.permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    return group


def area_admin(username, area, *, can_view_id_numbers=False):
    user = UserFactory(username=username, groups=[admin_access()])
    AreaAdministrator.objects.create(user=user, area=area, can_view_id_numbers=can_view_id_numbers)
    return user


@pytest.fixture
def areas():
    return area_tree()


@pytest.fixture
def team(areas):
    return TeamFactory(community=areas["xinzhu_1"])


@pytest.fixture
def far_team(areas):
    return TeamFactory(community=areas["chengzhong_1"])


@pytest.fixture
def qingxiu_admin(areas):
    return area_admin("qingxiu", areas["qingxiu"])


@pytest.fixture
def signed_in(client, qingxiu_admin):
    client.force_login(qingxiu_admin)
    return client


def upload(data: bytes, name="花名册.xlsx"):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def post_file(client, team, data, *, dry_run: bool, name="花名册.xlsx"):
    form = {"team": team.pk, "file": upload(data, name)}
    if dry_run:
        form["dry_run"] = "on"
    return client.post(IMPORT, form)


def xlsx_rows(response):
    wb = load_workbook(io.BytesIO(response.content))
    return [list(row) for row in wb.worksheets[0].iter_rows(values_only=True)]


# -- access -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [IMPORT, TEMPLATE, EXPORT_MEMBERS, EXPORT_TEAMS])
def test_anonymous_is_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("wagtailadmin_login") in response["Location"]


def test_without_a_managing_role_the_screens_are_not_found(client, team):
    client.force_login(UserFactory(username="trainer", groups=[admin_access()]))
    assert client.get(IMPORT).status_code == 404
    assert client.get(EXPORT_MEMBERS).status_code == 404
    # The blank template holds no personal data.
    assert client.get(TEMPLATE).status_code == 200


def test_the_form_offers_only_managed_teams(signed_in, team, far_team):
    response = signed_in.get(IMPORT)

    assert response.status_code == 200
    html = response.content.decode()
    assert "导入队员花名册" in html
    assert team.name in html
    assert far_team.name not in html
    assert "仅预览（不导入）" in html
    assert 'id="id_dry_run" checked' in html
    assert TEMPLATE in html


def test_another_countys_team_is_not_found(signed_in, far_team):
    assert signed_in.get(IMPORT, {"team": far_team.pk}).status_code == 404
    assert signed_in.get(IMPORT, {"team": "x"}).status_code == 404
    response = post_file(signed_in, far_team, roster_file([person(1)]), dry_run=False)
    assert response.status_code == 404
    assert not Member.objects.exists()


def test_a_team_leader_imports_into_own_team_only(client, team, areas):
    other = TeamFactory(community=areas["xinzhu_2"])
    user = UserFactory(username="leader", groups=[admin_access()])
    team.leader = MemberFactory(team=team, user=user)
    team.save()
    client.force_login(user)

    assert post_file(client, other, roster_file([person(1)]), dry_run=False).status_code == 404
    response = post_file(client, team, roster_file([person(1)]), dry_run=False)
    assert response.status_code == 200
    assert team.members.count() == 2


# -- importing ----------------------------------------------------------------------------


def test_one_bad_id_in_row_17_imports_nothing_and_says_so(signed_in, team):
    rows = [person(n) for n in range(20)]
    rows[15]["身份证号"] = rows[15]["身份证号"][:10] + "1332" + rows[15]["身份证号"][14:]

    response = post_file(signed_in, team, roster_file(rows), dry_run=False)

    assert response.status_code == 200
    html = response.content.decode()
    assert "整个文件未导入" in html
    assert "第 17 行" in html
    assert "身份证号中的出生日期无效" in html
    assert not Member.objects.exists()


def test_a_good_file_imports_all_rows_and_a_second_import_duplicates_nothing(signed_in, team):
    data = roster_file([person(n) for n in range(20)])

    response = post_file(signed_in, team, data, dry_run=False)

    assert response.status_code == 200
    html = response.content.decode()
    assert team.members.count() == 20
    assert "新增 20 人" in html
    assert "覃小明" in html
    assert "新增" in html

    response = post_file(signed_in, team, data, dry_run=False)

    assert team.members.count() == 20
    html = response.content.decode()
    assert "新增 0 人，更新 0 人，20 人无变化" in html


def test_dry_run_then_confirm(signed_in, team):
    response = post_file(signed_in, team, roster_file([person(1), person(2)]), dry_run=True)

    assert response.status_code == 200
    assert not Member.objects.exists()
    html = response.content.decode()
    assert "尚未写入" in html
    assert "确认导入" in html
    token = response.context["pending"]
    assert signed_in.session[PENDING_SESSION_KEY]["team"] == team.pk

    # A forged or stale token imports nothing.
    response = signed_in.post(IMPORT, {"pending": "伪造"})
    assert "预览已过期" in response.content.decode()
    assert not Member.objects.exists()

    response = signed_in.post(IMPORT, {"pending": token})

    assert response.status_code == 200
    assert team.members.count() == 2
    assert "新增 2 人" in response.content.decode()
    assert PENDING_SESSION_KEY not in signed_in.session
    # The same confirmation cannot be replayed.
    response = signed_in.post(IMPORT, {"pending": token})
    assert "预览已过期" in response.content.decode()
    assert team.members.count() == 2


def test_a_dry_run_with_errors_lists_them_and_offers_no_import(signed_in, team):
    response = post_file(
        signed_in, team, roster_file([person(1), person(2, 手机号="12")]), dry_run=True
    )
    html = response.content.decode()
    assert "第 3 行" in html
    assert "手机号" in html
    assert "确认导入" not in html
    assert PENDING_SESSION_KEY not in signed_in.session


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        ("姓名,性别\n张三,男\n".encode(), "roster.csv", "无法读取该文件"),
        (roster_file([person(1)], header=["姓名", "性别"]), "花名册.xlsx", "缺少必填列"),
    ],
)
def test_a_bad_file_is_refused_next_to_the_file_field(signed_in, team, data, name, message):
    response = post_file(signed_in, team, data, dry_run=False, name=name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["form"].errors["file"]
    assert not Member.objects.exists()


def test_a_numeric_id_cell_is_explained(signed_in, team):
    row = person(1)
    row["身份证号"] = int(row["身份证号"][:15] + "000")
    html = post_file(signed_in, team, roster_file([row]), dry_run=True).content.decode()
    assert "第 2 行" in html
    assert "文本" in html


# -- files served -------------------------------------------------------------------------


def test_the_template_download(signed_in):
    response = signed_in.get(TEMPLATE)

    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert f"filename*=utf-8''{quote('队员花名册模板.xlsx')}" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["队员花名册", "填写说明"]


@pytest.fixture
def members(team, far_team, areas):
    other = TeamFactory(community=areas["xinzhu_2"])
    return {
        "here": MemberFactory(team=team, name="覃小明"),
        "there": MemberFactory(team=other, name="韦丽"),
        "far": MemberFactory(team=far_team, name="柳州人"),
    }


def test_export_members_of_the_whole_scope_masked(signed_in, members):
    response = signed_in.get(EXPORT_MEMBERS, {"id_numbers": "1"})

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert quote("队员花名册-全部-") in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    rows = xlsx_rows(response)
    assert [r[2] for r in rows[1:]] == ["覃小明", "韦丽"]
    # No permission to see ID numbers: masked even when asked for.
    assert rows[1][6] == members["here"].id_number_masked
    assert members["here"].id_number not in str(rows)


def test_export_members_full_id_numbers_with_the_permission(client, areas, members):
    client.force_login(area_admin("verifier", areas["qingxiu"], can_view_id_numbers=True))

    rows = xlsx_rows(client.get(EXPORT_MEMBERS, {"team": members["here"].team_id}))
    assert [r[2] for r in rows[1:]] == ["覃小明"]
    assert rows[1][6] == members["here"].id_number_masked  # not asked for: masked

    rows = xlsx_rows(
        client.get(EXPORT_MEMBERS, {"team": members["here"].team_id, "id_numbers": "1"})
    )
    assert rows[1][6] == members["here"].id_number


def test_export_members_by_area(signed_in, areas, members):
    rows = xlsx_rows(signed_in.get(EXPORT_MEMBERS, {"area": areas["xinzhu_2"].pk}))
    assert [r[2] for r in rows[1:]] == ["韦丽"]


def test_exports_outside_the_scope_are_not_found(signed_in, areas, members, far_team):
    assert signed_in.get(EXPORT_MEMBERS, {"team": far_team.pk}).status_code == 404
    assert signed_in.get(EXPORT_MEMBERS, {"area": areas["liuzhou"].pk}).status_code == 404
    assert signed_in.get(EXPORT_MEMBERS, {"area": areas["region"].pk}).status_code == 404
    assert signed_in.get(EXPORT_TEAMS, {"area": areas["chengzhong"].pk}).status_code == 404


def test_the_other_countys_administrator_is_refused_ours(client, areas, members, team):
    client.force_login(area_admin("chengzhong", areas["chengzhong"]))
    assert client.get(EXPORT_MEMBERS, {"team": team.pk}).status_code == 404
    assert post_file(client, team, roster_file([person(1)]), dry_run=False).status_code == 404
    rows = xlsx_rows(client.get(EXPORT_MEMBERS))
    assert [r[2] for r in rows[1:]] == ["柳州人"]


def test_export_teams(signed_in, areas, members, team):
    response = signed_in.get(EXPORT_TEAMS, {"area": areas["xinzhu"].pk})

    assert response.status_code == 200
    assert quote("社区响应队名单-新竹街道-") in response["Content-Disposition"]
    rows = xlsx_rows(response)
    assert [r[0] for r in rows[1:]] == [team.name, "桂雅路社区应急响应队"]
    assert rows[1][10] == 1


def test_the_region_administrator_exports_everything_with_id_numbers(client, members):
    client.force_login(UserFactory(username="root", is_superuser=True))
    rows = xlsx_rows(client.get(EXPORT_MEMBERS, {"id_numbers": "1"}))
    assert {r[6] for r in rows[1:]} == {m.id_number for m in members.values()}
    rows = xlsx_rows(client.get(EXPORT_TEAMS))
    assert len(rows) == 4


def test_a_confirmation_rechecks_every_row(signed_in, team, areas):
    """Between the preview and the confirmation, another team registered one of the people."""
    response = post_file(signed_in, team, roster_file([person(1), person(2)]), dry_run=True)
    token = response.context["pending"]
    other = TeamFactory(community=areas["xinzhu_2"], name="桂雅路社区应急响应队")
    MemberFactory(team=other, id_number=person(2)["身份证号"], birth_date=person(2)["出生日期"])

    response = signed_in.post(IMPORT, {"pending": token})

    html = response.content.decode()
    assert "整个文件未导入" in html
    assert "第 3 行" in html
    assert "桂雅路社区应急响应队" in html
    assert not team.members.exists()
