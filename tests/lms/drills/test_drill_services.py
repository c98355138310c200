"""Planning, the paper sheet, corrections, closing with verified hours, photos."""

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

import pytest

from lms.checkin import checkin_token
from lms.errors import DomainError
from lms.models import (
    AttendanceMethod,
    DrillParticipation,
    DrillRole,
    EventStatus,
    ServiceRecord,
    ServiceStatus,
)
from lms.services.drills import (
    drill_attendance_record,
    drill_cancel,
    drill_checkin,
    drill_close,
    drill_participation_correct,
    drill_photo_add,
    drill_update,
)
from tests.factories import MemberFactory

from .conftest import new_drill, png_bytes, reload

pytestmark = pytest.mark.django_db


def close(by, drill, **fields):
    values = {
        "score": 85,
        "went_well": "转移迅速",
        "problems": "广播不清",
        "improvements": "加装喇叭",
    }
    values.update(fields)
    return drill_close(by=by, drill=drill, **values)


# -- planning ---------------------------------------------------------------------------


def test_a_leader_plans_a_drill_of_their_own_team_only(world):
    drill = new_drill(world["leader_user"], world["qingxiu_team"])
    assert drill.status == EventStatus.PLANNED
    assert list(drill.teams.all()) == [world["qingxiu_team"]]
    with pytest.raises(DomainError, match="自己负责的队伍"):
        new_drill(world["leader_user"], world["liuzhou_team"])


def test_a_drill_ends_after_it_starts(world):
    with pytest.raises(DomainError, match="结束时间应晚于开始时间"):
        new_drill(world["leader_user"], world["qingxiu_team"], minutes=0)


def test_a_leader_cannot_change_another_teams_drill(world, other_drill):
    with pytest.raises(DomainError, match="无权管理"):
        drill_update(by=world["leader_user"], drill=other_drill, title="改名")
    with pytest.raises(DomainError, match="无权管理"):
        drill_cancel(by=world["qingxiu_admin"], drill=other_drill, reason="x")
    assert reload(other_drill).title == "柳州地震疏散演练"


def test_update_and_cancel(world, drill):
    drill_update(by=world["leader_user"], drill=drill, place="新竹小学操场")
    assert reload(drill).place == "新竹小学操场"
    with pytest.raises(DomainError, match="取消原因"):
        drill_cancel(by=world["leader_user"], drill=drill, reason=" ")
    drill_cancel(by=world["leader_user"], drill=drill, reason="台风预警，改期")
    drill = reload(drill)
    assert drill.status == EventStatus.CANCELLED and drill.cancel_reason == "台风预警，改期"
    with pytest.raises(DomainError, match="只有计划中"):
        drill_update(by=world["leader_user"], drill=drill, place="别处")


# -- the paper sheet -------------------------------------------------------------------


def test_the_paper_sheet_is_all_or_none(world, drill):
    entries = [
        {"member": world["member"], "role": DrillRole.COMMANDER, "minutes": 60},
        {"member": world["other"].pk, "role": DrillRole.PARTICIPANT},  # another team's
        {"member": world["leader"].pk, "minutes": "九十"},
    ]
    with pytest.raises(DomainError) as refused:
        drill_attendance_record(by=world["leader_user"], drill=drill, entries=entries)
    assert "没有登记任何人" in refused.value.message
    assert len(refused.value.errors) == 2
    assert "第 2 行" in refused.value.errors[0]
    assert "蒙队长" in refused.value.errors[1]
    assert not DrillParticipation.objects.exists()

    saved = drill_attendance_record(
        by=world["leader_user"], drill=drill, entries=[entries[0], {"member": world["leader"]}]
    )
    assert len(saved) == 2
    line = DrillParticipation.objects.get(member=world["member"])
    assert (line.role, line.minutes, line.method) == (
        DrillRole.COMMANDER,
        60,
        AttendanceMethod.PAPER,
    )
    assert line.recorded_by == world["leader_user"]


def test_the_paper_sheet_names_duplicates_and_keeps_qr_check_ins(world, drill):
    drill_checkin(member=world["member"], token=checkin_token("drill", drill.pk))
    with pytest.raises(DomainError, match="重复登记"):
        drill_attendance_record(
            by=world["leader_user"],
            drill=drill,
            entries=[{"member": world["member"]}, {"member": world["member"]}],
        )
    drill_attendance_record(
        by=world["leader_user"],
        drill=drill,
        entries=[{"member": world["member"], "role": DrillRole.SAFETY}],
    )
    line = DrillParticipation.objects.get(member=world["member"])
    assert line.role == DrillRole.SAFETY and line.method == AttendanceMethod.QR


def test_another_teams_leader_cannot_enter_a_sheet(world, other_drill):
    with pytest.raises(DomainError, match="无权管理"):
        drill_attendance_record(
            by=world["leader_user"], drill=other_drill, entries=[{"member": world["other"]}]
        )


# -- corrections -----------------------------------------------------------------------


def test_a_correction_keeps_the_old_values_in_the_history(world, drill):
    participation, _ = drill_checkin(member=world["member"], token=checkin_token("drill", drill.pk))
    drill_participation_correct(
        by=world["leader_user"],
        participation=participation,
        role=DrillRole.EVALUATOR,
        minutes=45,
        reason="实际只参加了后半程",
    )
    history = list(participation.history.order_by("history_date", "history_id"))
    assert [h.history_type for h in history] == ["+", "~"]
    before, after = history
    assert (before.role, before.minutes, before.method) == ("participant", 0, "qr")
    assert before.history_user == world["member_user"]
    assert (after.role, after.minutes, after.method) == ("evaluator", 45, "correction")
    assert after.history_user == world["leader_user"]
    assert after.history_change_reason == "实际只参加了后半程"

    drill_participation_correct(
        by=world["leader_user"], participation=participation, remove=True, reason="登记错了人"
    )
    assert not DrillParticipation.objects.exists()
    removed = DrillParticipation.history.filter(id=participation.pk).latest("history_date")
    assert removed.history_type == "-" and removed.history_change_reason == "登记错了人"
    assert removed.minutes == 45


# -- closing -----------------------------------------------------------------------------


def test_closing_records_verified_hours_once(world, drill):
    leader = world["leader_user"]
    drill_checkin(member=world["member"], token=checkin_token("drill", drill.pk))
    drill_attendance_record(
        by=leader, drill=drill, entries=[{"member": world["leader"], "minutes": 50}]
    )
    closed = close(leader, drill)
    assert closed.status == EventStatus.HELD and closed.score == 85
    assert closed.closed_by == leader

    # The member's minutes default to the drill's 90; the leader's 50 become 1 hour.
    member_line = DrillParticipation.objects.get(member=world["member"])
    assert member_line.minutes == 90
    record = ServiceRecord.objects.get(member=world["member"], drill=drill)
    assert record.status == ServiceStatus.VERIFIED
    assert record.hours == Decimal("1.5")
    assert record.activity == "drill"
    assert record.verified_by == leader and record.entered_by is None
    assert record.date == timezone.localdate(drill.starts_at)
    assert ServiceRecord.objects.get(member=world["leader"], drill=drill).hours == Decimal("1.0")

    close(leader, reload(drill), score=90, went_well="再次评估")
    assert ServiceRecord.objects.filter(drill=drill).count() == 2
    assert reload(drill).score == 90


def test_a_drill_is_closed_only_once_it_began_and_with_someone_on_the_roll(world):
    leader = world["leader_user"]
    later = new_drill(leader, world["qingxiu_team"], starts_in=60)
    with pytest.raises(DomainError, match="尚未开始"):
        close(leader, later)
    now = new_drill(leader, world["qingxiu_team"])
    with pytest.raises(DomainError, match="还没有参演人员"):
        close(leader, now)
    drill_checkin(member=world["member"], token=checkin_token("drill", now.pk))
    with pytest.raises(DomainError, match="0 到 100"):
        close(leader, now, score=120)
    with pytest.raises(DomainError, match="无权管理"):
        close(world["liuzhou_admin"], now)
    assert reload(now).status == EventStatus.PLANNED
    assert not ServiceRecord.objects.exists()


def test_a_correction_after_closing_moves_the_hours(world, drill):
    leader = world["leader_user"]
    participation, _ = drill_checkin(member=world["member"], token=checkin_token("drill", drill.pk))
    close(leader, drill)
    drill_participation_correct(by=leader, participation=participation, minutes=180, reason="延时")
    assert ServiceRecord.objects.get(member=world["member"], drill=drill).hours == Decimal("3.0")
    late = MemberFactory(team=world["qingxiu_team"], name="韦迟到")
    drill_attendance_record(by=leader, drill=reload(drill), entries=[{"member": late}])
    assert ServiceRecord.objects.get(member=late, drill=drill).hours == Decimal("1.5")
    drill_participation_correct(
        by=leader, participation=participation, remove=True, reason="未到场"
    )
    assert not ServiceRecord.objects.filter(member=world["member"]).exists()


def test_a_day_never_passes_24_hours(world):
    leader = world["leader_user"]
    long_drill = new_drill(leader, world["qingxiu_team"], starts_in=-60, minutes=26 * 60)
    drill_checkin(member=world["member"], token=checkin_token("drill", long_drill.pk))
    close(leader, long_drill)
    assert ServiceRecord.objects.get(member=world["member"]).hours <= 24


# -- photos ------------------------------------------------------------------------------


def test_photos_must_be_images_of_at_most_10_mb(world, drill):
    leader = world["leader_user"]
    photo = drill_photo_add(
        by=leader,
        drill=drill,
        image_file=SimpleUploadedFile("现场.png", png_bytes(), content_type="image/png"),
        caption="集合点名",
    )
    assert photo.image.name.endswith(".png") and "现场" not in photo.image.name
    assert photo.image.storage.exists(photo.image.name)
    fake = SimpleUploadedFile("fake.jpg", b"not an image at all", content_type="image/jpeg")
    with pytest.raises(DomainError, match="不是有效的图片"):
        drill_photo_add(by=leader, drill=drill, image_file=fake)
    huge = SimpleUploadedFile("huge.png", png_bytes() + b"\0" * (10 * 1024 * 1024))
    with pytest.raises(DomainError, match="10 MB"):
        drill_photo_add(by=leader, drill=drill, image_file=huge)
    with pytest.raises(DomainError, match="无权管理"):
        drill_photo_add(
            by=world["liuzhou_admin"],
            drill=drill,
            image_file=SimpleUploadedFile("a.png", png_bytes()),
        )
    assert drill.photos.count() == 1


def test_drill_length_is_used_when_minutes_are_missing(world):
    drill = new_drill(world["leader_user"], world["qingxiu_team"], starts_in=-20, minutes=40)
    drill_checkin(member=world["member"], token=checkin_token("drill", drill.pk))
    close(world["leader_user"], drill)
    assert DrillParticipation.objects.get().minutes == 40
    assert ServiceRecord.objects.get().hours == Decimal("0.5")
    assert drill.starts_at + datetime.timedelta(minutes=40) == drill.ends_at
