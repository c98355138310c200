"""Text messages (短信): `send_sms(phone, text)` through the backend named by SMS_BACKEND.

Shaped like django.core.mail: the project only ever calls `send_sms`; an operator plugs in
their provider's gateway as a `BaseSmsBackend` subclass and names it in the setting.
`LoggingBackend` (the default) writes each message to the `cms.sms` logger;
`LocmemBackend` keeps them in `cms.sms.outbox` for tests, like `mail.outbox`.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("cms.sms")

# Messages "sent" through LocmemBackend; tests clear it (it is never rebound).
outbox: list["SmsMessage"] = []


@dataclass(frozen=True)
class SmsMessage:
    phone: str
    text: str


class BaseSmsBackend:
    """A way to deliver text messages; subclasses implement `send_messages`."""

    def __init__(self, **options):
        self.options = options

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        """Deliver `messages`; return how many were sent. Raise on a delivery failure."""
        raise NotImplementedError("SMS backends must implement send_messages()")


def mask_phone(phone: str) -> str:
    """138****5678: a log need not hold whole phone numbers."""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


class LoggingBackend(BaseSmsBackend):
    """Writes each message to the `cms.sms` logger (the default: nothing leaves the server)."""

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        for message in messages:
            logger.info("短信 → %s：%s", mask_phone(message.phone), message.text)
        return len(messages)


class LocmemBackend(BaseSmsBackend):
    """Keeps messages in `cms.sms.outbox` (tests)."""

    def send_messages(self, messages: Sequence[SmsMessage]) -> int:
        outbox.extend(messages)
        return len(messages)


def get_backend(path: str | None = None, **options) -> BaseSmsBackend:
    """An instance of the backend class named by `path` or settings.SMS_BACKEND."""
    backend_class = import_string(path or settings.SMS_BACKEND)
    return backend_class(**options)


def send_sms(phone: str, text: str) -> None:
    """Send one text message; a blank number sends nothing."""
    phone = (phone or "").strip()
    if not phone:
        return
    get_backend().send_messages([SmsMessage(phone=phone, text=text)])
