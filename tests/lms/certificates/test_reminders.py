"""Expiry reminders 90 and 30 days ahead: email and text message to the holder and their leader."""

import datetime

from django.core import mail
from django.utils import timezone

import pytest

from cms import sms
from lms.models import Certificate, CertificateStatus
from lms.services.certificate_reminders import certificate_remind, certificates_remind
from lms.services.certificates import certificate_revoke, certificates_expire
from lms.tasks import certificates_remind as certificates_remind_task

TODAY = timezone.localdate()
URL = "http://testserver.example.cn/learn/certificates/"


@pytest.fixture(autouse=True)
def texts(settings):
    settings.SMS_BACKEND = "cms.sms.LocmemBackend"
    settings.SITE_URL = "http://testserver.example.cn"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def expiring(certificate, days: int):
    """Make `certificate` expire `days` from today (tests only: dates, no history)."""
    Certificate.objects.filter(pk=certificate.pk).update(
        expires_on=TODAY + datetime.timedelta(days=days)
    )
    certificate.refresh_from_db()
    return certificate


def later(days: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=days)


def by_address(messages):
    return {m.to[0]: m for m in messages}


def test_the_90_day_reminder_goes_to_the_member_and_the_leader(world, issue, texts):
    certificate = expiring(issue(world["member"]), 60)

    assert certificates_remind(today=TODAY) == 1

    emails = by_address(mail.outbox)
    assert set(emails) == {"member@example.cn", "leader@example.cn"}
    own, leader = emails["member@example.cn"], emails["leader@example.cn"]
    expires = certificate.expires_on
    date_text = f"{expires.year}年{expires.month}月{expires.day}日"
    assert own.from_email == "noreply@yjxf.example.cn"
    assert "社区应急救护基础" in own.subject and "60 天" in own.subject
    for text in (certificate.serial, date_text, "重新学习《社区应急救护基础》", "结业考试", URL):
        assert text in own.body
    assert own.body.startswith("陆队员，您好：")
    assert "陆队员" in leader.subject
    assert leader.body.startswith("蒙队长队长，您好：")  # the test leader is called 蒙队长
    assert "队员 陆队员" in leader.body and certificate.serial in leader.body and URL in leader.body

    phones = {m.phone: m.text for m in texts}
    assert set(phones) == {world["member"].phone, world["leader"].phone}
    assert certificate.serial in phones[world["member"].phone]
    assert date_text in phones[world["member"].phone]
    assert "队员陆队员" in phones[world["leader"].phone]

    certificate.refresh_from_db()
    assert certificate.reminded_90_at is not None and certificate.reminded_30_at is None
    assert "90 天提醒" in certificate.history.first().history_change_reason


def test_a_second_run_sends_nothing_again(world, issue, texts):
    expiring(issue(world["member"]), 60)
    assert certificates_remind(today=TODAY) == 1
    assert certificates_remind(today=TODAY) == 0
    assert certificates_remind(today=later(1)) == 0
    assert len(mail.outbox) == 2 and len(texts) == 2


def test_a_locked_and_rechecked_certificate_is_not_reminded_twice(world, issue, texts):
    # What a concurrent run sees once the first has committed: nothing left to do.
    certificate = expiring(issue(world["member"]), 60)
    assert certificate_remind(certificate_id=certificate.pk, days=90, today=TODAY) is True
    assert certificate_remind(certificate_id=certificate.pk, days=90, today=TODAY) is False
    assert len(mail.outbox) == 2


def test_the_30_day_reminder_follows_the_90_day_one(world, issue, texts):
    certificate = expiring(issue(world["member"]), 80)
    assert certificates_remind(today=TODAY) == 1
    assert certificates_remind(today=later(49)) == 0  # 31 days left: nothing new
    assert certificates_remind(today=later(50)) == 1  # 30 days left
    assert certificates_remind(today=later(51)) == 0
    assert len(mail.outbox) == 4 and len(texts) == 4
    assert "30 天" in mail.outbox[-1].subject
    certificate.refresh_from_db()
    assert certificate.reminded_30_at > certificate.reminded_90_at


def test_first_seen_inside_30_days_gets_only_the_30_day_reminder(world, issue, texts):
    certificate = expiring(issue(world["member"]), 10)
    assert certificates_remind(today=TODAY) == 1
    assert [m.to[0] for m in mail.outbox if "10 天" in m.subject] == [m.to[0] for m in mail.outbox]
    certificate.refresh_from_db()
    assert certificate.reminded_30_at is not None
    assert certificate.reminded_90_at is not None  # never a late 90-day reminder
    assert certificates_remind(today=later(1)) == 0
    assert len(mail.outbox) == 2


def test_certificates_far_from_expiry_or_without_one_are_not_reminded(world, issue, course):
    far = expiring(issue(world["member"]), 91)
    Certificate.objects.filter(pk=issue(world["leader"]).pk).update(expires_on=None)
    assert certificates_remind(today=TODAY) == 0
    assert mail.outbox == [] and sms.outbox == []
    assert certificates_remind(today=later(1)) == 1  # 90 days left now
    far.refresh_from_db()
    assert far.reminded_90_at is not None


def test_revoked_expired_and_superseded_certificates_are_not_reminded(world, issue, texts):
    revoked = expiring(issue(world["member"]), 60)
    certificate_revoke(certificate=revoked, by=world["qingxiu_admin"], reason="考核成绩登记错误")

    old = expiring(issue(world["leader"]), 60)
    issue(world["leader"], reissue=True)  # re-certified: the old one is superseded
    old.refresh_from_db()
    assert old.status == CertificateStatus.SUPERSEDED

    lapsed = expiring(issue(world["other"]), -1)
    assert certificates_expire(today=TODAY) == 1
    expiring(lapsed, 20)  # even with a date inside the window, an expired one is left alone

    assert certificates_remind(today=TODAY) == 0
    assert mail.outbox == [] and texts == []


def test_a_member_without_email_still_gets_the_text_message(world, issue, texts):
    world["member_user"].email = ""
    world["member_user"].save()
    expiring(issue(world["member"]), 45)
    assert certificates_remind(today=TODAY) == 1
    assert [m.to for m in mail.outbox] == [["leader@example.cn"]]
    assert {m.phone for m in texts} == {world["member"].phone, world["leader"].phone}


def test_a_member_without_an_account_or_leader_gets_a_text_message(world, issue, texts):
    other = world["other"]  # 柳州: no account, the team has no leader
    expiring(issue(other), 45)
    assert certificates_remind(today=TODAY) == 1
    assert mail.outbox == []
    assert [m.phone for m in texts] == [other.phone]
    assert "柳州队员" in texts[0].text


def test_the_leaders_own_certificate_reminds_them_once(world, issue, texts):
    expiring(issue(world["leader"]), 60)
    assert certificates_remind(today=TODAY) == 1
    assert [m.to for m in mail.outbox] == [["leader@example.cn"]]
    assert mail.outbox[0].body.startswith("蒙队长，您好：")
    assert [m.phone for m in texts] == [world["leader"].phone]


class FailingBackend(sms.BaseSmsBackend):
    def send_messages(self, messages):
        raise ConnectionError("短信网关无响应")


def test_a_failed_send_leaves_the_certificate_to_be_tried_again(world, issue, settings, texts):
    certificate = expiring(issue(world["member"]), 60)
    settings.SMS_BACKEND = f"{__name__}.FailingBackend"
    assert certificates_remind(today=TODAY) == 0
    certificate.refresh_from_db()
    assert certificate.reminded_90_at is None

    settings.SMS_BACKEND = "cms.sms.LocmemBackend"
    assert certificates_remind(today=TODAY) == 1
    assert len(texts) == 2


def test_the_beat_task_reminds_as_of_today(world, issue, texts):
    expiring(issue(world["member"]), 30)
    assert certificates_remind_task() == 1
    assert len(mail.outbox) == 2
