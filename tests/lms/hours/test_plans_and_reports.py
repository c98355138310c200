"""Training plans and the activity reports: what the figures say."""

import datetime
from decimal import Decimal

import pytest

from lms.errors import DomainError
from lms.models import (
    Enrollment,
    EnrollmentStatus,
    EventStatus,
    PlanItemKind,
    ServiceStatus,
    TrainingPlan,
)
from lms.selectors.activities import (
    ItemState,
    area_drills,
    member_activity,
    plan_progress,
    team_activity,
)
from lms.services.drills import drill_close
from lms.services.plans import (
    plan_create,
    plan_item_create,
    plan_item_link,
    plan_items_match_event,
    plan_update,
)
from tests.factories import (
    CourseIndexPageFactory,
    MemberFactory,
    TeamFactory,
    course_with_lessons,
)

from .conftest import at, make_drill, record

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(people, today):
    return plan_create(
        by=people["qingxiu_admin"],
        area=people["areas"]["qingxiu"],
        year=today.year,
        title="青秀区年度培训计划",
        responsible_name="黄主任",
        responsible_phone="0771-5550000",
    )


def _item(people, plan, kind, day, title="项目"):
    return plan_item_create(
        by=people["qingxiu_admin"], plan=plan, kind=kind, title=title, planned_on=day
    )


def _in_year(today, days):
    """A date `days` from today, kept inside this year."""
    day = today + datetime.timedelta(days=days)
    return min(max(day, datetime.date(today.year, 1, 1)), datetime.date(today.year, 12, 31))


# -- plans -----------------------------------------------------------------------------------


def test_only_administrators_of_the_area_or_above_write_plans(people, today, plan):
    for who in ("liuzhou_admin", "leader_user", "member_user"):
        with pytest.raises(DomainError, match="管理员"):
            plan_update(by=people[who], plan=plan, title="改")
    with pytest.raises(DomainError, match="已有培训计划"):
        plan_create(
            by=people["qingxiu_admin"],
            area=people["areas"]["qingxiu"],
            year=today.year,
            title="重复",
            responsible_name="某",
        )
    with pytest.raises(DomainError, match="管理员"):
        plan_create(
            by=people["qingxiu_admin"],
            area=people["areas"]["chengzhong"],
            year=today.year,
            title="越权",
            responsible_name="某",
        )
    assert TrainingPlan.objects.count() == 1


def test_item_date_must_be_in_the_plan_year(people, plan, today):
    with pytest.raises(DomainError, match="计划年度"):
        _item(people, plan, PlanItemKind.DRILL, datetime.date(today.year + 1, 1, 5))


def test_plan_progress_held_planned_overdue(people, today, plan):
    past = datetime.date(today.year, 1, 1)
    if past >= today:  # 1 January: make the "past" item last year's… not possible; skip
        pytest.skip("needs a day of the year before today")
    drill = make_drill([people["qingxiu_team"]], past)
    held = _item(people, plan, PlanItemKind.DRILL, past, "防汛演练")
    plan_item_link(by=people["qingxiu_admin"], item=held, drill=drill)
    _item(people, plan, PlanItemKind.SESSION, past, "急救培训")  # past, nothing held
    _item(people, plan, PlanItemKind.DRILL, datetime.date(today.year, 12, 31), "消防演练")
    progress = plan_progress(plan)
    states = {e.item.title: e.state for e in progress.items}
    assert states == {
        "防汛演练": ItemState.HELD,
        "急救培训": ItemState.OVERDUE,
        "消防演练": ItemState.PLANNED,
    }
    assert (progress.held, progress.planned, progress.overdue) == (1, 1, 1)


def test_link_refuses_drills_of_other_areas_and_wrong_kinds(people, today, plan):
    foreign = make_drill([people["liuzhou_team"]], today)
    item = _item(people, plan, PlanItemKind.DRILL, today)
    with pytest.raises(DomainError, match="本区域"):
        plan_item_link(by=people["qingxiu_admin"], item=item, drill=foreign)
    planned = make_drill([people["qingxiu_team"]], today, status=EventStatus.PLANNED)
    with pytest.raises(DomainError, match="已举行"):
        plan_item_link(by=people["qingxiu_admin"], item=item, drill=planned)
    session_item = _item(people, plan, PlanItemKind.SESSION, today)
    own = make_drill([people["qingxiu_team"]], today)
    with pytest.raises(DomainError, match="只有演练项目"):
        plan_item_link(by=people["qingxiu_admin"], item=session_item, drill=own)


def test_closed_drill_matches_nearest_open_item(people, today, plan):
    near = _item(people, plan, PlanItemKind.DRILL, _in_year(today, 3), "近")
    _item(people, plan, PlanItemKind.DRILL, _in_year(today, 40), "远")
    drill = make_drill([people["qingxiu_team"]], today)
    linked = plan_items_match_event(drill=drill)
    assert [i.pk for i in linked] == [near.pk]
    assert plan_items_match_event(drill=drill) == []  # twice: nothing more


def test_course_item_held_when_target_share_completed(people, today, plan, site_tree):
    course = course_with_lessons(CourseIndexPageFactory(parent=site_tree["home"]), code="FA-1")
    item = plan_item_create(
        by=people["qingxiu_admin"],
        plan=plan,
        kind=PlanItemKind.COURSE,
        title="急救课程",
        planned_on=datetime.date(today.year, 12, 31),
        course=course,
        target_percent=50,
    )
    qingxiu = [people[k] for k in ("leader", "member", "deputy", "teammate")]
    for m in qingxiu[:2]:
        Enrollment.objects.create(
            member=m, course=course, source="self", status=EnrollmentStatus.COMPLETED
        )
    entry = plan_progress(plan).items[0]
    assert entry.item == item
    assert entry.course_percent == 50
    assert entry.state == ItemState.HELD


# -- reports ---------------------------------------------------------------------------------


def test_team_activity_rates(people, today):
    team = people["qingxiu_team"]
    day = datetime.date(today.year, 1, 2) if today > datetime.date(today.year, 1, 2) else today
    make_drill([team], day, members=[people["leader"], people["member"]])
    make_drill([team, people["liuzhou_team"]], day, members=[people["member"], people["other"]])
    make_drill([team], day, status=EventStatus.CANCELLED, members=[people["member"]])
    late = MemberFactory(team=team, name="新队员", joined_on=today + datetime.timedelta(days=400))
    record(people["member"], day, 3, status=ServiceStatus.VERIFIED)
    record(people["member"], day, 5)  # pending: not counted
    report = team_activity(team, year=today.year)
    assert [(d.participants, d.active) for d in report.drills] == [(2, 4), (1, 4)]
    assert [d.percent for d in report.drills] == [50, 25]
    rows = {r.member.name: r for r in report.members}
    assert (rows["陆队员"].attended, rows["陆队员"].held, rows["陆队员"].percent) == (2, 2, 100)
    assert rows["陆队员"].hours == Decimal("3")
    assert (rows["黄队员"].attended, rows["黄队员"].held) == (0, 2)
    assert late.pk not in {r.member.pk for r in report.members}


def test_area_drills_per_team_roll_up(people, today):
    areas = people["areas"]
    second = TeamFactory(community=areas["xinzhu_2"])
    make_drill([people["qingxiu_team"]], today, members=[people["member"]])
    make_drill([people["qingxiu_team"], second], today, members=[people["leader"]])
    make_drill([people["liuzhou_team"]], today, members=[people["other"]])
    make_drill([people["qingxiu_team"]], today, status=EventStatus.PLANNED)
    region = area_drills(areas["region"], year=today.year)
    assert region.total.drills == 3
    assert region.total.teams == 3
    assert region.total.teams_drilled == 3
    by_name = {row.area.name: row.counts for row in region.branches}
    assert by_name["南宁市"].drills == 2 and by_name["南宁市"].team_drills == 3
    assert by_name["柳州市"].drills == 1
    township = area_drills(areas["xinzhu"], year=today.year)
    teams = {row.name: row.counts for row in township.branches}
    assert teams[people["qingxiu_team"].name].drills == 2
    assert teams[second.name].drills == 1
    assert teams[people["qingxiu_team"].name].participations == 2
    assert area_drills(areas["xinzhu"], year=today.year - 1).total.drills == 0


def test_area_drills_queries_do_not_grow(people, today, django_assert_max_num_queries):
    for n in range(5):
        make_drill([people["qingxiu_team"]], today, members=[people["member"]], title=f"演练{n}")
    with django_assert_max_num_queries(6):
        area_drills(people["areas"]["region"], year=today.year)
    with django_assert_max_num_queries(5):
        team_activity(people["qingxiu_team"], year=today.year)


def test_member_activity_history(people, today):
    drill = make_drill([people["qingxiu_team"]], today, members=[people["member"]])
    record(people["member"], today, 2, status=ServiceStatus.VERIFIED, drill=drill)
    record(people["member"], today, 1)
    activity = member_activity(people["member"], year=today.year)
    assert [p.drill for p in activity.drills] == [drill]
    assert len(activity.records) == 2
    assert activity.verified_year == Decimal("2")
    assert activity.pending == Decimal("1")


def test_closing_a_drill_fulfils_the_plan_item_near_its_date(people, today, plan):
    item = _item(people, plan, PlanItemKind.DRILL, _in_year(today, 2), "汛前演练")
    day = _in_year(today, -1)
    drill = make_drill(
        [people["qingxiu_team"]], day, status=EventStatus.PLANNED, members=[people["member"]]
    )
    drill.created_by = people["qingxiu_admin"]
    drill.save()
    drill_close(
        by=people["qingxiu_admin"],
        drill=drill,
        score=90,
        went_well="转移有序",
        problems="",
        improvements="",
        now=at(day, 12),
    )
    item.refresh_from_db()
    assert item.drill_id == drill.pk
    entry = next(e for e in plan_progress(plan).items if e.item.pk == item.pk)
    assert entry.state == ItemState.HELD
