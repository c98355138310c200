"""The 演练与培训 admin screens: scoped lists, read-only records, plans through the service."""

import pytest

from lms.models import EventStatus, PlanItemKind, ServiceStatus, TrainingPlan, TrainingPlanItem
from lms.services.plans import plan_create

from .conftest import make_drill, record

pytestmark = pytest.mark.django_db


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def admins(people, activity_admin_group):
    for key in ("qingxiu_admin", "liuzhou_admin", "leader_user"):
        people[key].groups.add(activity_admin_group)
    return people


@pytest.fixture
def scene(admins, today):
    own = make_drill([admins["qingxiu_team"]], today, title="青秀演练", members=[admins["member"]])
    foreign = make_drill([admins["liuzhou_team"]], today, title="柳州演练")
    rec = record(admins["member"], today, 2, description="青秀巡查")
    foreign_rec = record(admins["other"], today, 3, description="柳州巡查")
    plan = plan_create(
        by=admins["qingxiu_admin"],
        area=admins["areas"]["qingxiu"],
        year=today.year,
        title="青秀计划",
        responsible_name="黄主任",
    )
    foreign_plan = plan_create(
        by=admins["liuzhou_admin"],
        area=admins["areas"]["chengzhong"],
        year=today.year,
        title="城中计划",
        responsible_name="梁主任",
    )
    return {
        "own": own,
        "foreign": foreign,
        "rec": rec,
        "foreign_rec": foreign_rec,
        "plan": plan,
        "foreign_plan": foreign_plan,
    }


def test_lists_show_only_in_scope_rows(client, admins, scene):
    client.force_login(admins["qingxiu_admin"])
    drills = html(client.get("/admin/lms/drill/"))
    assert "青秀演练" in drills and "柳州演练" not in drills
    records = html(client.get("/admin/lms/service-record/"))
    assert "陆队员" in records and "柳州队员" not in records
    plans = html(client.get("/admin/lms/plan/"))
    assert "青秀计划" in plans and "城中计划" not in plans


def test_leader_sees_own_team_drills_only(client, admins, scene):
    client.force_login(admins["leader_user"])
    drills = html(client.get("/admin/lms/drill/"))
    assert "青秀演练" in drills and "柳州演练" not in drills


@pytest.mark.parametrize(
    ("prefix", "key", "views"),
    [
        ("drill", "foreign", ["inspect", "history", "usage"]),
        ("service-record", "foreign_rec", ["inspect", "history", "usage"]),
        ("plan", "foreign_plan", ["inspect", "history", "edit", "delete", "usage"]),
    ],
)
def test_out_of_scope_objects_are_404(client, admins, scene, prefix, key, views):
    client.force_login(admins["qingxiu_admin"])
    for view in views:
        url = f"/admin/lms/{prefix}/{view}/{scene[key].pk}/"
        assert client.get(url).status_code == 404, url


def test_drills_and_hours_are_read_only(client, admins, scene):
    client.force_login(admins["qingxiu_admin"])
    page = html(client.get(f"/admin/lms/drill/inspect/{scene['own'].pk}/"))
    assert "青秀演练" in page and "陆队员" in page
    assert client.get(f"/admin/lms/drill/edit/{scene['own'].pk}/").status_code in (302, 403)
    assert client.get("/admin/lms/drill/new/").status_code in (302, 403)
    response = client.post(
        f"/admin/lms/service-record/edit/{scene['rec'].pk}/", {"description": "改"}
    )
    assert response.status_code in (302, 403)
    scene["rec"].refresh_from_db()
    assert scene["rec"].description == "青秀巡查" and scene["rec"].status == ServiceStatus.PENDING
    assert scene["own"].status == EventStatus.HELD


def test_plan_edit_goes_through_the_service(client, admins, scene):
    client.force_login(admins["qingxiu_admin"])
    plan = scene["plan"]
    response = client.post(
        f"/admin/lms/plan/edit/{plan.pk}/",
        {"title": "青秀计划（修订）", "responsible_name": "", "responsible_phone": "", "notes": ""},
    )
    assert response.status_code == 200  # the form again, with the error
    plan.refresh_from_db()
    assert plan.title == "青秀计划"
    client.post(
        f"/admin/lms/plan/edit/{plan.pk}/",
        {
            "title": "青秀计划（修订）",
            "responsible_name": "黄主任",
            "responsible_phone": "",
            "notes": "",
        },
    )
    plan.refresh_from_db()
    assert plan.title == "青秀计划（修订）"


def test_plan_items_added_in_admin_and_listed_on_plan(client, admins, scene, today):
    client.force_login(admins["qingxiu_admin"])
    plan = scene["plan"]
    response = client.post(
        "/admin/lms/plan-item/new/",
        {
            "plan": plan.pk,
            "kind": PlanItemKind.DRILL,
            "title": "防汛演练",
            "planned_on": today.isoformat(),
            "drill": scene["own"].pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    item = TrainingPlanItem.objects.get()
    assert item.drill == scene["own"]
    page = html(client.get(f"/admin/lms/plan/inspect/{plan.pk}/"))
    assert "防汛演练" in page and "已完成" in page
    # Another county's plan is not a choice.
    response = client.post(
        "/admin/lms/plan-item/new/",
        {
            "plan": scene["foreign_plan"].pk,
            "kind": PlanItemKind.DRILL,
            "title": "越权",
            "planned_on": today.isoformat(),
        },
    )
    assert response.status_code == 200
    assert TrainingPlanItem.objects.count() == 1


def test_plan_created_in_admin_only_for_administered_areas(client, admins, today):
    client.force_login(admins["qingxiu_admin"])
    client.post(
        "/admin/lms/plan/new/",
        {
            "area": admins["areas"]["chengzhong"].pk,
            "year": today.year,
            "title": "越权",
            "responsible_name": "某",
        },
    )
    assert not TrainingPlan.objects.exists()
    response = client.post(
        "/admin/lms/plan/new/",
        {
            "area": admins["areas"]["xinzhu"].pk,
            "year": today.year,
            "title": "新竹计划",
            "responsible_name": "李站长",
        },
    )
    assert response.status_code == 302
    assert TrainingPlan.objects.get().created_by == admins["qingxiu_admin"]
