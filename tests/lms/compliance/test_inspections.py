"""Inspections (督导检查): the services, the sign-off that freezes a county's figures, and
the admin pages seen by the city, the region, the county itself and another county."""

import datetime

from django.utils import timezone

import pytest

from lms.errors import DomainError
from lms.models import (
    AreaAdministrator,
    CertificateStatus,
    ComplianceSnapshot,
    FreezeReason,
    Inspection,
    InspectionSample,
    InspectionStatus,
    Member,
    RetestResult,
)
from lms.roles import AREA_ADMINISTRATORS, lms_roles_setup
from lms.selectors.compliance import area_rollup
from lms.services.compliance import teams_evaluate
from lms.services.inspections import (
    corrective_action_add,
    corrective_action_done,
    inspection_create,
    inspection_draw_sample,
    inspection_sign_off,
    inspection_update,
    sample_record,
)
from tests.factories import AreaFactory, MemberFactory, UserFactory

LIST = "/admin/lms/inspection/"
ITEMS = ["队伍组建与人数", "人员类别", "培训持证", "演练开展", "制度建设", "装备配备", "保险办理"]


def html(response):
    return response.content.decode()


def refused(response) -> bool:
    """Wagtail answers a permission refusal by sending the user back to the dashboard."""
    return response.status_code == 302 and response["Location"] == "/admin/"


def this_year() -> int:
    return timezone.localdate().year


@pytest.fixture
def inspector(world):
    """An administrator of 南宁市 (the city above 青秀区)."""
    user = UserFactory(username="nanning-admin")
    AreaAdministrator.objects.create(user=user, area=world["areas"]["nanning"])
    return user


@pytest.fixture
def counties(world, build_team):
    """A team meeting the standard in each county (青秀区 and 城中区), evaluated."""
    liuzhou_2 = AreaFactory.child(world["areas"]["chengzhong_st"], "水南社区", "450202001002")
    teams = {
        "qingxiu": build_team(world["areas"]["xinzhu_2"], name="桂雅路社区应急响应队"),
        "liuzhou": build_team(liuzhou_2, name="水南社区应急响应队"),
    }
    teams_evaluate()
    return teams


def answer_everything(inspection, result="pass"):
    checklist = [{**row, "result": result} for row in inspection.checklist]
    inspection = inspection_update(inspection, checklist=checklist, findings="制度上墙，台账齐全。")
    for sample in inspection.samples.all():
        sample_record(sample, result=RetestResult.PASSED)
    return inspection


def ready(world, inspector, *, size=5):
    """青秀区's inspection with every checklist item answered and every sample re-tested."""
    inspection = inspection_create(
        county=world["areas"]["qingxiu"], year=this_year(), inspector=inspector
    )
    inspection_draw_sample(inspection, size=size, seed=7)
    return answer_everything(inspection)


# -- creating ----------------------------------------------------------------------------------


def test_an_inspection_starts_with_the_checklist_drawn_from_the_standard(world, inspector):
    inspection = inspection_create(
        county=world["areas"]["qingxiu"], year=this_year(), inspector=inspector
    )
    assert inspection.status == InspectionStatus.PLANNED
    items = [row["item"] for row in inspection.checklist]
    for name in [*ITEMS, "志愿服务记录", "档案资料"]:
        assert any(item.startswith(name) for item in items), name
    # Items name what the standard in force asks.
    assert any("在队人数 ≥ 20" in item for item in items)
    assert {row["result"] for row in inspection.checklist} == {""}
    assert {row["note"] for row in inspection.checklist} == {""}


def test_only_a_county_is_inspected_and_only_once_a_year(world, inspector):
    for area in (world["areas"]["nanning"], world["areas"]["xinzhu"], world["areas"]["xinzhu_1"]):
        with pytest.raises(DomainError, match="县（市、区）"):
            inspection_create(county=area, year=this_year(), inspector=inspector)
    county = world["areas"]["qingxiu"]
    inspection_create(county=county, year=this_year(), inspector=inspector)
    with pytest.raises(DomainError, match="每县每年只检查一次"):
        inspection_create(county=county, year=this_year(), inspector=inspector)
    assert Inspection.objects.filter(county=county).count() == 1
    # Another year, or another county, is a new inspection.
    inspection_create(county=county, year=this_year() - 1, inspector=inspector)
    inspection_create(county=world["areas"]["chengzhong"], year=this_year(), inspector=inspector)
    assert Inspection.objects.count() == 3


# -- the sample ----------------------------------------------------------------------------------


def test_the_sample_is_drawn_from_the_countys_active_members_without_duplicates(
    world, inspector, counties
):
    county = world["areas"]["qingxiu"]
    gone = MemberFactory(team=counties["qingxiu"], name="已离队", left_on=timezone.localdate())
    inspection = inspection_create(county=county, year=this_year(), inspector=inspector)
    samples = inspection_draw_sample(inspection, size=10)
    members = Member.objects.filter(pk__in=[s.member_id for s in samples])
    assert len(samples) == 10 and members.count() == 10
    assert all(m.team.community.path.startswith(county.path) for m in members)
    assert gone not in members
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.IN_PROGRESS

    # All of them when the county has fewer active members than asked for.
    active = Member.objects.active().within(county).count()
    assert active == 22  # 20 built, the leader and the member of the world's team
    samples = inspection_draw_sample(inspection, size=50, replace=True)
    assert len(samples) == active == len({s.member_id for s in samples})
    assert gone.pk not in {s.member_id for s in samples}


def test_the_draw_is_random_and_reproducible_from_its_seed(world, inspector, counties):
    inspection = inspection_create(
        county=world["areas"]["qingxiu"], year=this_year(), inspector=inspector
    )
    first = {s.member_id for s in inspection_draw_sample(inspection, size=5, seed=1)}
    again = {s.member_id for s in inspection_draw_sample(inspection, size=5, seed=1, replace=True)}
    other = {s.member_id for s in inspection_draw_sample(inspection, size=5, seed=2, replace=True)}
    assert first == again
    assert first != other


def test_a_sample_is_drawn_once_and_redrawn_only_before_any_result(world, inspector, counties):
    inspection = inspection_create(
        county=world["areas"]["qingxiu"], year=this_year(), inspector=inspector
    )
    inspection_draw_sample(inspection, size=3)
    with pytest.raises(DomainError, match="已经抽取过"):
        inspection_draw_sample(inspection, size=3)
    sample = inspection.samples.first()
    sample_record(sample, result=RetestResult.FAILED, note="心肺复苏按压深度不足")
    with pytest.raises(DomainError, match="不能重新抽取"):
        inspection_draw_sample(inspection, size=3, replace=True)
    assert inspection.samples.count() == 3
    assert InspectionSample.objects.get(pk=sample.pk).result == RetestResult.FAILED
    with pytest.raises(DomainError, match="复测结果"):
        sample_record(sample, result="excellent")


# -- corrective actions ----------------------------------------------------------------------------


def test_corrective_actions_have_a_due_date_and_a_team_in_the_county(world, inspector):
    day = datetime.date(this_year(), 3, 10)
    inspection = inspection_create(
        county=world["areas"]["qingxiu"], year=this_year(), inspector=inspector, inspected_on=day
    )
    with pytest.raises(DomainError, match="不能早于检查日期"):
        corrective_action_add(
            inspection, description="补齐装备", owner="韦主任", due_on=day - datetime.timedelta(1)
        )
    with pytest.raises(DomainError, match="不在青秀区"):
        corrective_action_add(
            inspection,
            description="补齐装备",
            owner="韦主任",
            due_on=day,
            team=world["liuzhou_team"],
        )
    with pytest.raises(DomainError, match="责任人"):
        corrective_action_add(inspection, description="补齐装备", owner=" ", due_on=day)
    action = corrective_action_add(
        inspection,
        description="补齐急救包",
        owner="韦主任",
        due_on=day + datetime.timedelta(30),
        team=world["qingxiu_team"],
    )
    assert inspection.actions.count() == 1
    with pytest.raises(DomainError, match="不能晚于今天"):
        corrective_action_done(action, done_on=timezone.localdate() + datetime.timedelta(1))
    corrective_action_done(action, done_on=timezone.localdate())
    with pytest.raises(DomainError, match="已于"):
        corrective_action_done(action, done_on=timezone.localdate())


# -- sign-off -----------------------------------------------------------------------------------


def test_sign_off_is_refused_with_an_unanswered_checklist_item(world, inspector, counties):
    inspection = ready(world, inspector)
    checklist = [dict(row) for row in inspection.checklist]
    checklist[4]["result"] = ""
    inspection_update(inspection, checklist=checklist)
    with pytest.raises(DomainError, match="1 个检查项未填写结果：制度建设"):
        inspection_sign_off(inspection, by=inspector)
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.IN_PROGRESS
    assert not ComplianceSnapshot.objects.filter(frozen_at__isnull=False).exists()


def test_sign_off_is_refused_with_a_sample_still_pending(world, inspector, counties):
    inspection = ready(world, inspector)
    sample_record(inspection.samples.last(), result=RetestResult.PENDING)
    with pytest.raises(DomainError, match="1 名抽样队员未录入复测结果"):
        inspection_sign_off(inspection, by=inspector)
    inspection.refresh_from_db()
    assert not inspection.is_signed_off and inspection.frozen_figures == {}
    assert not ComplianceSnapshot.objects.filter(frozen_at__isnull=False).exists()


def test_sign_off_is_refused_before_a_sample_is_drawn(world, inspector, counties):
    inspection = inspection_create(
        county=world["areas"]["qingxiu"], year=this_year(), inspector=inspector
    )
    answer_everything(inspection)
    with pytest.raises(DomainError, match="尚未抽取复测队员"):
        inspection_sign_off(inspection, by=inspector)


def test_after_sign_off_the_inspection_cannot_change(world, inspector, counties):
    inspection = inspection_sign_off(ready(world, inspector), by=inspector)
    assert inspection.status == InspectionStatus.SIGNED_OFF
    assert inspection.signed_off_by == inspector and inspection.signed_off_at
    assert inspection.inspected_on == timezone.localdate()
    calls = [
        lambda: inspection_update(inspection, findings="改写"),
        lambda: inspection_draw_sample(inspection, size=3, replace=True),
        lambda: sample_record(inspection.samples.first(), result=RetestResult.FAILED),
        lambda: corrective_action_add(
            inspection, description="补课", owner="韦主任", due_on=timezone.localdate()
        ),
        lambda: inspection_sign_off(inspection, by=inspector),
    ]
    for call in calls:
        with pytest.raises(DomainError, match="已签字确认"):
            call()
    inspection.refresh_from_db()
    assert inspection.findings == "制度上墙，台账齐全。"
    assert set(inspection.samples.values_list("result", flat=True)) == {RetestResult.PASSED}


def test_a_signed_off_inspections_figures_stay_fixed_after_the_data_changes(
    world, inspector, counties
):
    """Acceptance (issue 8): sign-off freezes the county's snapshots and figures; a member
    leaving and a certificate revoked afterwards, and a full re-evaluation, change neither,
    while another county's teams are still re-evaluated."""
    qingxiu, liuzhou = counties["qingxiu"], counties["liuzhou"]
    inspection = inspection_sign_off(ready(world, inspector), by=inspector)

    frozen = dict(inspection.frozen_figures)
    assert frozen["teams"] == 2 and frozen["evaluated"] == 2 and frozen["compliant"] == 1
    assert frozen["share"] == 0.5 and frozen["target"] is not None
    assert frozen["failing"]["members"] == 1  # the world's two-member team
    snapshots = {s.team_id: s for s in ComplianceSnapshot.objects.filter(year=this_year())}
    county_teams = [qingxiu.pk, world["qingxiu_team"].pk]
    for pk in county_teams:
        assert snapshots[pk].frozen_reason == FreezeReason.INSPECTION
    assert snapshots[liuzhou.pk].frozen_at is None
    assert snapshots[world["liuzhou_team"].pk].frozen_at is None
    before = {
        pk: (s.passed, s.results, s.evaluated_at, s.score)
        for pk, s in snapshots.items()
        if pk in county_teams
    }

    # The data changes in both counties: a member leaves, a certificate is revoked.
    for team in (qingxiu, liuzhou):
        leaving = team.members.order_by("pk").last()
        leaving.left_on = timezone.localdate()
        leaving.save()
        certificate = team.members.order_by("pk").first().certificates.get()
        certificate.status = CertificateStatus.REVOKED
        certificate.save()
    teams_evaluate()

    inspection.refresh_from_db()
    assert inspection.frozen_figures == frozen
    after = {s.team_id: s for s in ComplianceSnapshot.objects.filter(year=this_year())}
    for pk, values in before.items():
        assert (after[pk].passed, after[pk].results, after[pk].evaluated_at, after[pk].score) == (
            values
        )
    members = next(r for r in after[qingxiu.pk].results if r["kind"] == "members")
    assert members["value"] == 20 and after[qingxiu.pk].passed
    rollup = area_rollup(world["areas"]["qingxiu"], this_year())
    assert (rollup.teams, rollup.compliant) == (2, 1)

    # The other county was evaluated again: 19 members now, and it fails.
    other = after[liuzhou.pk]
    assert next(r for r in other.results if r["kind"] == "members")["value"] == 19
    assert not other.passed and "members" in other.failed_kinds
    assert other.evaluated_at > snapshots[liuzhou.pk].evaluated_at


def test_a_corrective_action_may_still_be_closed_after_sign_off(world, inspector, counties):
    inspection = ready(world, inspector)
    action = corrective_action_add(
        inspection, description="补齐急救包", owner="韦主任", due_on=timezone.localdate()
    )
    inspection_sign_off(inspection, by=inspector)
    corrective_action_done(action, done_on=timezone.localdate())
    action.refresh_from_db()
    assert action.done_on == timezone.localdate()


# -- the admin pages ---------------------------------------------------------------------------


@pytest.fixture
def admins(world, inspector):
    """The county administrators, the city's and a region administrator, all in the real
    区域管理员 group (lms.roles)."""
    group = lms_roles_setup()[AREA_ADMINISTRATORS]
    region_admin = UserFactory(username="region-admin", groups=[group])
    AreaAdministrator.objects.create(user=region_admin, area=world["areas"]["region"])
    for name in ("qingxiu_admin", "liuzhou_admin"):
        world[name].groups.add(group)
    inspector.groups.add(group)
    return {**world, "city_admin": inspector, "region_admin": region_admin}


def detail_url(inspection):
    return f"{LIST}inspect/{inspection.pk}/"


def test_anonymous_is_sent_to_the_login_page(client, world, inspector):
    inspection = inspection_create(
        county=world["areas"]["qingxiu"], year=this_year(), inspector=inspector
    )
    for url in (LIST, f"{LIST}new/", detail_url(inspection), f"{LIST}sign-off/{inspection.pk}/"):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url


def test_city_admin_creates_fills_in_and_signs_off_an_inspection(client, admins, counties):
    client.force_login(admins["city_admin"])
    form = html(client.get(f"{LIST}new/"))
    assert "南宁市青秀区" in form and "城中区" not in form

    county = admins["areas"]["qingxiu"]
    response = client.post(f"{LIST}new/", {"county": county.pk, "year": this_year()})
    inspection = Inspection.objects.get(county=county, year=this_year())
    assert response.status_code == 302 and response["Location"] == detail_url(inspection)
    assert inspection.inspector == admins["city_admin"]
    response = client.post(f"{LIST}new/", {"county": county.pk, "year": this_year()})
    assert response.status_code == 200 and "每县每年只检查一次" in html(response)
    assert Inspection.objects.count() == 1

    page = html(client.get(detail_url(inspection)))
    assert "青秀区" in page and "队伍组建与人数" in page and "系统随机抽取" in page
    assert "当前达标情况" in page and "保存检查清单" in page

    # The checklist, as a form: every item answered.
    data = {"action": "checklist", "checklist-findings": "台账齐全", "checklist-inspected_on": ""}
    for i in range(len(inspection.checklist)):
        data[f"checklist-result_{i}"] = "pass" if i else "fail"
        data[f"checklist-note_{i}"] = "人数不足" if i == 0 else ""
    response = client.post(detail_url(inspection), data)
    assert response.status_code == 302
    inspection.refresh_from_db()
    assert inspection.checklist[0] == {
        **inspection.checklist[0],
        "result": "fail",
        "note": "人数不足",
    }
    assert inspection.findings == "台账齐全" and inspection.status == InspectionStatus.IN_PROGRESS

    # Signing off is refused until the sample is drawn and re-tested.
    page = html(client.get(f"{LIST}sign-off/{inspection.pk}/"))
    assert "尚未抽取复测队员" in page and 'id="sign-off-submit"' not in page
    response = client.post(detail_url(inspection), {"action": "draw", "draw-size": "4"})
    assert response.status_code == 302 and inspection.samples.count() == 4
    page = html(client.get(detail_url(inspection)))
    assert "重新抽取" in page
    response = client.post(detail_url(inspection), {"action": "draw", "draw-size": "4"})
    assert response.status_code == 200 and "已经抽取过复测样本" in html(response)
    for sample in inspection.samples.all():
        response = client.post(
            detail_url(inspection),
            {
                "action": "sample",
                "sample": sample.pk,
                f"sample-{sample.pk}-result": "passed",
                f"sample-{sample.pk}-note": "",
            },
        )
        assert response.status_code == 302
    assert not inspection.samples.filter(result=RetestResult.PENDING).exists()

    response = client.post(
        detail_url(inspection),
        {
            "action": "action_add",
            "action-description": "补充医疗类队员",
            "action-owner": "黄科长",
            "action-due_on": (timezone.localdate() + datetime.timedelta(30)).isoformat(),
            "action-team": admins["qingxiu_team"].pk,
        },
    )
    assert response.status_code == 302 and inspection.actions.count() == 1
    late = {
        "action": "action_add",
        "action-description": "补齐急救包",
        "action-owner": "黄科长",
        "action-due_on": "2020-01-01",
    }
    response = client.post(detail_url(inspection), late)
    assert response.status_code == 200 and "整改期限不能早于检查日期" in html(response)
    other_county = {**late, "action-due_on": "", "action-team": admins["liuzhou_team"].pk}
    page = html(client.post(detail_url(inspection), other_county))
    assert "选择一个有效的选项" in page and "请填写整改期限。" in page
    assert inspection.actions.count() == 1

    page = html(client.get(f"{LIST}sign-off/{inspection.pk}/"))
    assert 'id="sign-off-submit"' in page and "冻结" in page
    response = client.post(f"{LIST}sign-off/{inspection.pk}/")
    assert response["Location"] == detail_url(inspection)
    inspection.refresh_from_db()
    assert inspection.is_signed_off and inspection.signed_off_by == admins["city_admin"]
    page = html(client.get(detail_url(inspection)))
    assert "已签字确认" in page and "签字确认时的达标情况（已冻结）" in page
    assert "保存检查清单" not in page and "系统随机抽取" not in page
    assert "标记完成" in page  # corrective actions are still closed after sign-off
    response = client.post(detail_url(inspection), {**data, "checklist-findings": "改写"})
    assert response.status_code == 302
    inspection.refresh_from_db()
    assert inspection.findings == "台账齐全"


def test_region_admin_may_sign_off_any_county(client, admins, counties):
    inspection = ready(admins, admins["city_admin"])
    inspection_create(
        county=admins["areas"]["chengzhong"], year=this_year(), inspector=admins["region_admin"]
    )
    client.force_login(admins["region_admin"])
    listing = html(client.get(LIST))
    assert "青秀区" in listing and "城中区" in listing
    assert "南宁市青秀区" in html(client.get(f"{LIST}new/"))
    response = client.post(f"{LIST}sign-off/{inspection.pk}/")
    assert response.status_code == 302
    inspection.refresh_from_db()
    assert inspection.is_signed_off and inspection.signed_off_by == admins["region_admin"]


def test_county_admin_reads_their_countys_inspection_only(client, admins, counties):
    inspection = ready(admins, admins["city_admin"])
    client.force_login(admins["qingxiu_admin"])
    assert "青秀区" in html(client.get(LIST))
    page = html(client.get(detail_url(inspection)))
    assert "队伍组建与人数" in page and "本页仅供查看" in page
    assert "保存检查清单" not in page and "系统随机抽取" not in page
    assert "签字确认…" not in page

    assert refused(client.get(f"{LIST}new/"))
    assert refused(client.post(f"{LIST}new/", {"county": admins["areas"]["qingxiu"].pk}))
    assert refused(client.post(detail_url(inspection), {"action": "checklist"}))
    assert refused(client.get(f"{LIST}sign-off/{inspection.pk}/"))
    assert refused(client.post(f"{LIST}sign-off/{inspection.pk}/"))
    inspection.refresh_from_db()
    assert not inspection.is_signed_off


def test_another_countys_admin_gets_a_404(client, admins, counties):
    inspection = ready(admins, admins["city_admin"])
    client.force_login(admins["liuzhou_admin"])
    assert "青秀区" not in html(client.get(LIST))
    assert client.get(detail_url(inspection)).status_code == 404
    assert client.post(detail_url(inspection), {"action": "checklist"}).status_code == 404
    assert client.get(f"{LIST}sign-off/{inspection.pk}/").status_code == 404
    assert client.post(f"{LIST}sign-off/{inspection.pk}/").status_code == 404
    client.force_login(admins["leader_user"])
    assert client.get(detail_url(inspection)).status_code == 404
    inspection.refresh_from_db()
    assert not inspection.is_signed_off


def test_the_list_filters_by_year_and_status(client, admins):
    city = admins["city_admin"]
    county = admins["areas"]["qingxiu"]
    last = inspection_create(county=county, year=this_year() - 1, inspector=city)
    current = inspection_create(county=county, year=this_year(), inspector=city)
    inspection_update(current, findings="进行中")
    client.force_login(city)
    page = html(client.get(LIST))
    assert detail_url(last) in page and detail_url(current) in page
    page = html(client.get(LIST, {"year": this_year() - 1}))
    assert detail_url(last) in page and detail_url(current) not in page
    page = html(client.get(LIST, {"status": "in_progress"}))
    assert detail_url(current) in page and detail_url(last) not in page
