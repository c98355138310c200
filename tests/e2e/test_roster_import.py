"""A county administrator imports a team roster from Excel, previewing first, then finds a member.

The team, the administrator and the .xlsx file are made in Python; signing in, the dry run,
the import and the search go through the browser.
"""

import re

from wagtail.models import Collection

import pytest
from playwright.sync_api import expect

from lms.models import AreaAdministrator, Member
from lms.roles import AREA_ADMINISTRATORS, lms_roles_setup
from tests.factories import PASSWORD, TeamFactory, UserFactory, area_tree
from tests.lms.services.test_roster_import import person, roster_file

pytestmark = pytest.mark.e2e

IMPORT_URL = "/admin/lms/roster/import/"


@pytest.fixture
def county(site_tree):
    """青秀区's administrator (not a superuser) and a team in one of its communities."""
    if Collection.get_first_root_node() is None:  # live_server's flush removed it
        Collection.add_root(name="Root")
    areas = area_tree()
    team = TeamFactory(community=areas["xinzhu_1"])
    TeamFactory(community=areas["chengzhong_1"])  # another county's: must not be offered
    user = UserFactory(username="qingxiu", groups=[lms_roles_setup()[AREA_ADMINISTRATORS]])
    AreaAdministrator.objects.create(user=user, area=areas["qingxiu"])
    return {"user": user, "team": team}


def sign_in(page, username, next_url):
    page.goto(f"/accounts/login/?next={next_url}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form.stacked-form button[type=submit]").click()
    page.wait_for_url(re.compile(rf"{re.escape(next_url)}$"))


def test_county_administrator_imports_a_roster_and_finds_a_member(county, page, tmp_path):
    team = county["team"]
    rows = [person(0), person(1), person(2), person(3, 姓名="蓝海洋")]
    path = tmp_path / "新竹社区花名册.xlsx"
    path.write_bytes(roster_file(rows))

    sign_in(page, "qingxiu", IMPORT_URL)
    expect(page.get_by_role("heading", name="导入队员花名册", level=2)).to_be_visible()
    options = page.locator("#id_team option")
    expect(options.filter(has_text=team.name)).to_have_count(1)
    expect(options.filter(has_text="公园社区")).to_have_count(0)

    # The dry run (checked by default) shows what would happen and writes nothing.
    page.locator("#id_team").select_option(label=team.name)
    page.set_input_files("#id_file", str(path))
    expect(page.locator("#id_dry_run")).to_be_checked()
    page.get_by_role("button", name="上传并检查").click()
    expect(page.get_by_text("尚未写入任何数据")).to_be_visible()
    summary = page.locator("#roster-import-summary")
    expect(summary).to_contain_text("将新增")
    expect(summary.locator("dd").first).to_have_text("4")
    expect(page.locator("#roster-import-rows")).to_contain_text("蓝海洋")
    assert not Member.objects.exists()

    # Import for real, from the preview.
    page.get_by_role("button", name="确认导入").click()
    expect(page.locator(".messages")).to_contain_text("新增 4 人")
    expect(page.locator("#roster-import-rows tbody tr")).to_have_count(4)
    assert team.members.count() == 4

    # Find the member in the admin's member list.
    page.goto("/admin/lms/member/?q=蓝海洋")
    expect(page.get_by_role("link", name="蓝海洋")).to_be_visible()
    expect(page.get_by_role("link", name="覃小明")).to_have_count(0)
