"""The /learn/ pages of hours, attendance and plans: what people see, and who gets 404."""

import datetime
import io
from decimal import Decimal

from django.urls import reverse

import pytest
from openpyxl import load_workbook

from lms.models import AreaAdministrator, PlanItemKind, ServiceRecord, ServiceStatus
from lms.services.hours import months_before
from lms.services.plans import plan_create, plan_item_create
from tests.factories import UserFactory

from .conftest import make_drill, record

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet_rows(response, sheet=0):
    assert response["Content-Type"] == XLSX
    wb = load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )
    ws = wb.worksheets[sheet]
    return [list(row) for row in ws.iter_rows(values_only=True)]


@pytest.fixture
def plan(people, today):
    plan = plan_create(
        by=people["qingxiu_admin"],
        area=people["areas"]["qingxiu"],
        year=today.year,
        title="青秀区年度培训计划",
        responsible_name="黄主任",
    )
    plan_item_create(
        by=people["qingxiu_admin"],
        plan=plan,
        kind=PlanItemKind.DRILL,
        title="汛前演练",
        planned_on=datetime.date(today.year, 1, 1),
    )
    plan_item_create(
        by=people["qingxiu_admin"],
        plan=plan,
        kind=PlanItemKind.SESSION,
        title="年底急救培训",
        planned_on=datetime.date(today.year, 12, 31),
    )
    return plan


@pytest.fixture
def pending(people, today):
    return record(
        people["member"], today, 2, entered_by=people["member_user"], description="社区巡查"
    )


# -- my hours ---------------------------------------------------------------------------------


def test_member_records_hours_on_the_page(client, people, today):
    client.force_login(people["member_user"])
    page = client.get(reverse("learn:hours"))
    assert page.status_code == 200
    assert "我的服务时长" in page.content.decode()
    response = client.post(
        reverse("learn:hours"),
        {
            "member": people["member"].pk,
            "activity": "patrol",
            "date": today.isoformat(),
            "hours": "3.5",
            "description": "汛期巡堤",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "待队长或管理员核实" in html
    assert "汛期巡堤" in html
    assert ServiceRecord.objects.get().hours == Decimal("3.5")


def test_page_refuses_25_hours_and_4_months_back_with_messages(client, people, today):
    client.force_login(people["member_user"])
    base = {"member": people["member"].pk, "activity": "patrol", "description": "巡查"}
    response = client.post(
        reverse("learn:hours"), {**base, "date": today.isoformat(), "hours": "25"}
    )
    assert response.status_code == 200
    assert "24 小时" in response.content.decode()
    response = client.post(
        reverse("learn:hours"),
        {**base, "date": months_before(today, 4).isoformat(), "hours": "2"},
    )
    assert "只能登记最近 3 个月内的服务时长" in response.content.decode()
    assert not ServiceRecord.objects.exists()


def test_member_cannot_record_for_a_teammate_through_the_form(client, people, today):
    client.force_login(people["member_user"])
    response = client.post(
        reverse("learn:hours"),
        {
            "member": people["teammate"].pk,
            "activity": "patrol",
            "date": today.isoformat(),
            "hours": "2",
            "description": "x",
        },
    )
    assert "只能为本人或所管理队伍的在队队员登记" in response.content.decode()
    assert not ServiceRecord.objects.exists()


def test_my_hours_export_lists_own_records_only(client, people, today, pending):
    record(people["teammate"], today, 4, description="别人的记录")
    client.force_login(people["member_user"])
    rows = sheet_rows(client.get(reverse("learn:hours") + "?format=xlsx"))
    assert rows[0][:5] == ["日期", "队员", "队伍", "活动类型", "时长（小时）"]
    assert len(rows) == 2
    assert rows[1][1] == "陆队员" and rows[1][4] == 2 and rows[1][6] == "待核实"


def test_edit_and_delete_only_own_pending(client, people, today, pending):
    client.force_login(people["leader_user"])
    assert client.get(reverse("learn:hours_edit", args=[pending.pk])).status_code == 404
    assert client.post(reverse("learn:hours_delete", args=[pending.pk])).status_code == 404
    client.force_login(people["member_user"])
    assert client.get(reverse("learn:hours_edit", args=[pending.pk])).status_code == 200
    client.post(reverse("learn:hours_delete", args=[pending.pk]))
    assert not ServiceRecord.objects.exists()


# -- verifying --------------------------------------------------------------------------------


def test_verify_queue_shows_others_records_not_own(client, people, today, pending):
    own = record(
        people["leader"], today, 3, entered_by=people["leader_user"], description="队长本人"
    )
    entered = record(
        people["teammate"], today, 1, entered_by=people["leader_user"], description="队长代登记"
    )
    client.force_login(people["leader_user"])
    html = client.get(reverse("learn:hours_verify")).content.decode()
    assert "社区巡查" in html
    assert "队长本人" not in html and "队长代登记" not in html
    # Posting the own record's id anyway: refused, nothing verified.
    response = client.post(reverse("learn:hours_verify_one", args=[own.pk]), follow=True)
    assert "不能核实自己登记或本人的服务时长" in response.content.decode()
    client.post(reverse("learn:hours_verify"), {"records": [pending.pk, entered.pk]})
    assert ServiceRecord.objects.filter(status=ServiceStatus.VERIFIED).count() == 0
    client.post(reverse("learn:hours_verify"), {"records": [pending.pk]})
    pending.refresh_from_db()
    assert pending.status == ServiceStatus.VERIFIED


def test_reject_from_the_queue(client, people, pending):
    client.force_login(people["qingxiu_admin"])
    client.post(reverse("learn:hours_reject", args=[pending.pk]), {"reason": "重复登记"})
    pending.refresh_from_db()
    assert (pending.status, pending.reject_reason) == (ServiceStatus.REJECTED, "重复登记")


def test_hours_list_export_is_scoped(client, people, today, pending):
    record(people["other"], today, 4, description="柳州的记录")
    client.force_login(people["qingxiu_admin"])
    rows = sheet_rows(client.get(reverse("learn:hours_verify") + f"?format=xlsx&year={today.year}"))
    names = [r[1] for r in rows[1:]]
    assert names == ["陆队员"]


# -- scope from outside, on every page and export ---------------------------------------


def _urls(people, plan, pending):
    team, area = people["qingxiu_team"], people["areas"]["qingxiu"]
    item = plan.items.first()
    return {
        "team_activity": reverse("learn:team_activity", args=[team.pk]),
        "team_activity_xlsx": reverse("learn:team_activity", args=[team.pk]) + "?format=xlsx",
        "area_activity": reverse("learn:area_activity", args=[area.pk]),
        "area_activity_xlsx": reverse("learn:area_activity", args=[area.pk]) + "?format=xlsx",
        "plan": reverse("learn:plan", args=[plan.pk]),
        "plan_xlsx": reverse("learn:plan", args=[plan.pk]) + "?format=xlsx",
        "plan_edit": reverse("learn:plan_edit", args=[plan.pk]),
        "plan_item_add": reverse("learn:plan_item_add", args=[plan.pk]),
        "plan_item_edit": reverse("learn:plan_item_edit", args=[item.pk]),
        "hours_edit": reverse("learn:hours_edit", args=[pending.pk]),
    }


POSTS = ["hours_verify_one", "hours_reject", "hours_delete", "plan_item_delete"]


@pytest.mark.parametrize("who", ["liuzhou_leader_user", "liuzhou_admin", "other_member"])
def test_outsiders_get_404_everywhere(client, people, plan, pending, who):
    if who == "other_member":
        user = UserFactory(username="liuzhou-member")
        people["other"].user = user
        people["other"].save()
    else:
        user = people[who]
    client.force_login(user)
    for name, url in _urls(people, plan, pending).items():
        assert client.get(url).status_code == 404, name
    for name in POSTS:
        target = plan.items.first().pk if name.startswith("plan") else pending.pk
        assert client.post(reverse(f"learn:{name}", args=[target])).status_code == 404, name
    pending.refresh_from_db()
    assert pending.status == ServiceStatus.PENDING
    assert plan.items.count() == 2


def test_member_of_the_team_gets_404_on_reports(client, people, plan, pending):
    client.force_login(people["member_user"])
    urls = _urls(people, plan, pending)
    for name in ("team_activity", "team_activity_xlsx", "area_activity", "plan", "plan_xlsx"):
        assert client.get(urls[name]).status_code == 404, name
    assert client.get(reverse("learn:hours_verify")).status_code == 404
    assert client.get(reverse("learn:plans")).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, people, plan, pending):
    urls = list(_urls(people, plan, pending).values())
    urls += [reverse("learn:hours"), reverse("learn:hours_verify"), reverse("learn:plans")]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"], url


def test_leader_sees_team_not_area(client, people, plan):
    client.force_login(people["leader_user"])
    assert (
        client.get(reverse("learn:team_activity", args=[people["qingxiu_team"].pk])).status_code
        == 200
    )
    assert (
        client.get(reverse("learn:team_activity", args=[people["liuzhou_team"].pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("learn:area_activity", args=[people["areas"]["qingxiu"].pk])).status_code
        == 404
    )
    assert client.get(reverse("learn:plan", args=[plan.pk])).status_code == 404


def test_city_admin_sees_county_plan(client, people, plan):
    city = UserFactory(username="nanning-admin")
    AreaAdministrator.objects.create(user=city, area=people["areas"]["nanning"])
    client.force_login(city)
    assert client.get(reverse("learn:plan", args=[plan.pk])).status_code == 200
    assert "青秀区年度培训计划" in client.get(reverse("learn:plans")).content.decode()


# -- reports and their exports ----------------------------------------------------------------


def test_team_activity_page_and_export(client, people, today):
    drill = make_drill(
        [people["qingxiu_team"]], today, members=[people["member"], people["leader"]]
    )
    record(people["member"], today, 2, status=ServiceStatus.VERIFIED, drill=drill)
    client.force_login(people["leader_user"])
    url = reverse("learn:team_activity", args=[people["qingxiu_team"].pk])
    html = client.get(url).content.decode()
    assert "防汛转移演练" in html and "50%" in html
    drills = sheet_rows(client.get(url + "?format=xlsx"), 0)
    assert drills[0][:6] == ["日期", "演练名称", "演练科目", "参演人数", "在队人数", "参演率（%）"]
    assert drills[1][1:6] == ["防汛转移演练", "防汛转移避险", 2, 4, 50]
    members = {row[0]: row for row in sheet_rows(client.get(url + "?format=xlsx"), 1)[1:]}
    assert members["陆队员"][1:] == [1, 1, 100, 2]
    assert members["黄队员"][1:4] == [0, 1, 0]


def test_area_activity_page_and_export(client, people, today):
    make_drill([people["qingxiu_team"]], today, members=[people["member"]])
    make_drill([people["liuzhou_team"]], today, members=[people["other"]])
    client.force_login(people["qingxiu_admin"])
    url = reverse("learn:area_activity", args=[people["areas"]["qingxiu"].pk])
    html = client.get(url).content.decode()
    assert "新竹街道" in html
    rows = sheet_rows(client.get(url + "?format=xlsx"))
    assert rows[0][0] == "区域或队伍"
    assert rows[1][:4] == ["青秀区（合计）", 1, 1, 1]
    assert rows[2][:4] == ["新竹街道", 1, 1, 1]
    # Drill down to the township: each community's team.
    township = client.get(reverse("learn:area_activity", args=[people["areas"]["xinzhu"].pk]))
    assert people["qingxiu_team"].name in township.content.decode()


def test_plan_page_and_export(client, people, plan, today):
    client.force_login(people["qingxiu_admin"])
    html = client.get(reverse("learn:plan", args=[plan.pk])).content.decode()
    assert "黄主任" in html and "汛前演练" in html and "已逾期" in html and "计划中" in html
    rows = sheet_rows(client.get(reverse("learn:plan", args=[plan.pk]) + "?format=xlsx"))
    assert [r[2:4] for r in rows[1:]] == [["汛前演练", "已逾期"], ["年底急救培训", "计划中"]]


def test_admin_creates_plan_and_items_on_the_pages(client, people, today):
    client.force_login(people["qingxiu_admin"])
    response = client.post(
        reverse("learn:plan_create"),
        {
            "area": people["areas"]["xinzhu"].pk,
            "year": today.year,
            "title": "新竹街道培训计划",
            "responsible_name": "李站长",
        },
    )
    assert response.status_code == 302
    plan_url = response["Location"]
    plan_pk = int(plan_url.rstrip("/").split("/")[-1])
    client.post(
        reverse("learn:plan_item_add", args=[plan_pk]),
        {"kind": "drill", "title": "地震疏散演练", "planned_on": f"{today.year}-12-20"},
    )
    assert "地震疏散演练" in client.get(plan_url).content.decode()
    # Another county's area is not offered, and refused.
    response = client.post(
        reverse("learn:plan_create"),
        {
            "area": people["areas"]["chengzhong"].pk,
            "year": today.year,
            "title": "越权",
            "responsible_name": "某",
        },
    )
    assert "只能为您管理的区域编制计划" in response.content.decode()


def test_dashboard_links(client, people, pending, site_tree):
    client.force_login(people["leader_user"])
    html = client.get(reverse("learn:dashboard")).content.decode()
    assert reverse("learn:hours") in html
    assert reverse("learn:hours_verify") in html and "待核实 1" in html
    assert reverse("learn:team_activity", args=[people["qingxiu_team"].pk]) in html
    client.force_login(people["member_user"])
    html = client.get(reverse("learn:dashboard")).content.decode()
    assert reverse("learn:hours") in html
    assert reverse("learn:hours_verify") not in html


def test_administrator_without_member_record_finds_the_reports(client, people, plan, site_tree):
    client.force_login(people["qingxiu_admin"])
    html = client.get(reverse("learn:dashboard")).content.decode()
    assert reverse("learn:plans") in html
    assert reverse("learn:hours_verify") in html
    assert reverse("learn:area_activity", args=[people["areas"]["qingxiu"].pk]) in html
    page = client.get(reverse("learn:hours"))
    assert page.status_code == 200
    assert "尚未登记为队员" in page.content.decode()
