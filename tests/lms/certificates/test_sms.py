"""The text-message interface: a backend named by settings.SMS_BACKEND, like Django's mail."""

import logging

from django.conf import settings as django_settings

import pytest

from cms import sms


@pytest.fixture
def outbox(settings):
    settings.SMS_BACKEND = "cms.sms.LocmemBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


class CountingBackend(sms.BaseSmsBackend):
    sent = []

    def send_messages(self, messages):
        self.sent.extend((self.options, m) for m in messages)
        return len(messages)


def test_the_default_backend_only_logs():
    assert django_settings.SMS_BACKEND == "cms.sms.LoggingBackend"


def test_locmem_backend_keeps_messages(outbox):
    sms.send_sms("13807710101", "【应急先锋学院】您的证书将于2026年9月1日到期")
    sms.send_sms(" 13907710202 ", "第二条")
    assert [(m.phone, m.text) for m in outbox] == [
        ("13807710101", "【应急先锋学院】您的证书将于2026年9月1日到期"),
        ("13907710202", "第二条"),
    ]


def test_a_blank_number_sends_nothing(outbox):
    sms.send_sms("", "无号码")
    sms.send_sms("   ", "无号码")
    assert outbox == []


def test_logging_backend_writes_to_the_cms_sms_logger_with_the_number_masked(settings, caplog):
    settings.SMS_BACKEND = "cms.sms.LoggingBackend"
    with caplog.at_level(logging.INFO, logger="cms.sms"):
        sms.send_sms("13807715678", "证书到期提醒")
    [record] = [r for r in caplog.records if r.name == "cms.sms"]
    assert "证书到期提醒" in record.getMessage()
    assert "138****5678" in record.getMessage()
    assert "13807715678" not in record.getMessage()


def test_the_setting_names_the_backend_class(settings):
    settings.SMS_BACKEND = f"{__name__}.CountingBackend"
    CountingBackend.sent.clear()
    sms.send_sms("13807710101", "你好")
    assert [(m.phone, m.text) for _options, m in CountingBackend.sent] == [("13807710101", "你好")]
    backend = sms.get_backend(f"{__name__}.CountingBackend", api_key="k")
    assert isinstance(backend, CountingBackend) and backend.options == {"api_key": "k"}


def test_a_backend_that_does_not_exist_fails_loudly(settings):
    settings.SMS_BACKEND = "cms.sms.NoSuchBackend"
    with pytest.raises(ImportError):
        sms.send_sms("13807710101", "你好")


def test_the_base_backend_must_be_subclassed():
    with pytest.raises(NotImplementedError):
        sms.BaseSmsBackend().send_messages([sms.SmsMessage("13807710101", "你好")])


def test_phone_masking():
    assert sms.mask_phone("13807715678") == "138****5678"
    assert sms.mask_phone("12345") == "*****"
