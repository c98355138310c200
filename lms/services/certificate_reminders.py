"""Expiry reminders, 90 and 30 days ahead, by email and text message.

Run daily by Celery beat (`lms.tasks.certificates_remind`). Each reminder goes to the
holder and to their team's leader: one email to each address on file, one text message
to each phone number. A certificate first seen inside 30 days gets only the 30-day
reminder (and is marked as reminded at 90 too, so a late 90-day one never follows).

Each certificate is handled in its own transaction: its row is locked and re-checked,
the messages go out, and the reminder time is written before the commit. A second run,
even a concurrent one, finds it reminded and sends nothing; a failed send rolls back and
the certificate is tried again the next day.
"""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.sms import send_sms
from lms.models import Certificate, Member

logger = logging.getLogger(__name__)

# Days before expiry, nearest first: (days, field recording that reminder).
WINDOWS = ((30, "reminded_30_at"), (90, "reminded_90_at"))
CERTIFICATES_PATH = "/learn/certificates/"


@dataclass(frozen=True)
class Recipient:
    person: Member
    for_leader: bool

    @property
    def email(self) -> str:
        user = self.person.user if self.person.user_id else None
        return user.email.strip() if user is not None and user.is_active else ""


def certificates_due(*, today: datetime.date, days: int):
    """Valid certificates inside the `days` window not yet reminded for it."""
    nearer = max((d for d, _field in WINDOWS if d < days), default=-1)
    field = dict(WINDOWS)[days]
    return Certificate.objects.valid().filter(
        expires_on__gt=today + datetime.timedelta(days=nearer),
        expires_on__lte=today + datetime.timedelta(days=days),
        **{f"{field}__isnull": True},
    )


def certificates_remind(*, today: datetime.date | None = None) -> int:
    """Send the reminders due today; return how many certificates were reminded."""
    today = today or timezone.localdate()
    reminded = 0
    for days, _field in WINDOWS:
        for pk in list(certificates_due(today=today, days=days).values_list("pk", flat=True)):
            try:
                reminded += certificate_remind(certificate_id=pk, days=days, today=today)
            except Exception:
                # One bad address or a gateway hiccup must not stop the others; retried tomorrow.
                logger.exception("Reminder for certificate %s failed", pk)
    return reminded


def certificate_remind(*, certificate_id: int, days: int, today: datetime.date) -> bool:
    """Remind about one certificate if still due; True if reminders went out."""
    field = dict(WINDOWS)[days]
    with transaction.atomic():
        certificate = (
            certificates_due(today=today, days=days)
            .select_for_update()
            .filter(pk=certificate_id)
            .first()
        )
        if certificate is None:  # reminded by another run meanwhile, revoked, superseded…
            return False
        member = Member.objects.select_related("user", "team__leader__user").get(
            pk=certificate.member_id
        )
        emails, texts = _send(certificate, _recipients(member), today=today)
        now = timezone.now()
        setattr(certificate, field, now)
        updated = [field]
        # Inside 30 days the 90-day reminder is past: mark it too, so it never comes late.
        for _days, other in WINDOWS:
            if _days > days and getattr(certificate, other) is None:
                setattr(certificate, other, now)
                updated.append(other)
        certificate._change_reason = _(
            "到期前 %(days)s 天提醒已发送（邮件 %(emails)s 封，短信 %(texts)s 条）"
        ) % {
            "days": days,
            "emails": emails,
            "texts": texts,
        }
        certificate.save(update_fields=updated)
    return True


def _recipients(member: Member) -> list[Recipient]:
    recipients = [Recipient(member, for_leader=False)]
    leader = member.team.leader if member.team_id else None
    if (
        leader is not None
        and leader.pk != member.pk
        and member.left_on is None
        and leader.left_on is None
    ):
        recipients.append(Recipient(leader, for_leader=True))
    return recipients


def _context(certificate: Certificate, member: Member, recipient: Recipient, today) -> dict:
    leader = member.team.leader if member.team_id else None
    expires = certificate.expires_on
    return {
        "for_leader": recipient.for_leader,
        "recipient_name": recipient.person.name,
        "holder_name": certificate.holder_name,
        "team_name": member.team.name if member.team_id else "",
        "leader_name": leader.name if leader is not None and leader.pk != member.pk else "",
        "course_title": certificate.course_title,
        "serial": certificate.serial,
        "expires_on": _("%(y)s年%(m)s月%(d)s日")
        % {"y": expires.year, "m": expires.month, "d": expires.day},
        "days_left": (expires - today).days,
        "certificates_url": settings.SITE_URL + CERTIFICATES_PATH,
    }


def _send(certificate: Certificate, recipients: list[Recipient], *, today) -> tuple[int, int]:
    """Email and text each recipient once; (emails, texts) sent. Raises if a send fails."""
    member = recipients[0].person
    emails, texts = [], {}
    for recipient in recipients:
        context = _context(certificate, member, recipient, today)
        address = recipient.email
        if address and address.lower() not in {m.to[0].lower() for m in emails}:
            body = "leader" if recipient.for_leader else "member"
            subject = render_to_string("lms/email/certificate_reminder_subject.txt", context)
            emails.append(
                EmailMessage(
                    subject=" ".join(subject.split()),
                    body=_tidy(
                        render_to_string(f"lms/email/certificate_reminder_{body}.txt", context)
                    ),
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=[address],
                )
            )
        phone = (recipient.person.phone or "").strip()
        if phone and phone not in texts:
            text = render_to_string("lms/email/certificate_reminder_sms.txt", context)
            texts[phone] = " ".join(text.split())
    if emails:
        get_connection().send_messages(emails)
    for phone, text in texts.items():
        send_sms(phone, text)
    return len(emails), len(texts)


def _tidy(text: str) -> str:
    """Template lines without their indentation, and at most one blank line in a row."""
    lines = [line.strip() for line in text.strip().splitlines()]
    tidy = []
    for line in lines:
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    return "\n".join(tidy) + "\n"
