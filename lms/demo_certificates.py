"""Demo certificates (called by lms.demo): a realistic spread across three teams.

The region's standard template comes first. Then, in the home team (新竹社区), colleagues
who passed the final exam of GX-YJ-101 finish its lessons and are issued their certificate
automatically on completion; others hold certificates the county issued after offline
training in earlier years: one expiring in about 60 days (so the reminders have something
to send), one expired, one revoked with a reason, one re-certified (the old one superseded).
The neighbouring team holds a few, one expiring within 30 days; a team in 柳州 holds two
that the 青秀区 administrator must not see.

Everything goes through the services. Certificates of earlier years are issued through the
issuing service's own step with their real issue date, so their serials carry that year and
their expiry follows the course. The demo member (陆秀兰) is left GX-YJ-101 and GX-YJ-103 to
complete herself. Idempotent: a member who holds any certificate of a course is skipped.
"""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from courses.models import CoursePage, ExamKind
from lms.errors import DomainError
from lms.models import (
    Attempt,
    Certificate,
    CertificateSource,
    CertificateStatus,
    CertificateTemplate,
    Enrollment,
    EnrollmentStatus,
    Member,
    Team,
)
from lms.services.certificates import (
    add_months,
    certificate_issue,
    certificate_revoke,
    certificates_expire,
)
from lms.services.progress import course_lessons, progress_complete

HOME_COMMUNITY = "450103001001"  # 新竹社区: the demo accounts' team
NEIGHBOUR_COMMUNITY = "450103001002"  # 桂雅路社区, the same county
LIUZHOU_COMMUNITY = "450202002001"  # 公园社区, another city
AUTO_COURSE = "GX-YJ-101"  # the course the home team's colleagues sat the final of

TEMPLATE = {
    "name": "自治区标准模板",
    "title": "培训合格证书",
    "issuing_organisation": "广西壮族自治区应急管理厅",
    "signatories": "广西壮族自治区应急管理厅培训中心主任 覃志刚\n广西应急先锋学院教务处处长 梁晓红",
}

# (community, member: a name or a position among the team's members without an account,
#  course code, when: ("ago", months) or ("expires_in", days), issued by, then what: None,
#  "expire" (past its expiry: the expiry service marks it), "revoke", or ("reissue", months
#  ago): re-certified then, which supersedes the first).
ROWS = [
    (HOME_COMMUNITY, "陆秀兰", "GX-YJ-104", ("ago", 14), "county", None),
    (HOME_COMMUNITY, "蒙建华", "GX-YJ-102", ("ago", 10), "county", None),
    (HOME_COMMUNITY, "韦海燕", "GX-YJ-103", ("expires_in", 60), "county", None),
    (HOME_COMMUNITY, 8, "GX-YJ-103", ("ago", 26), "county", "expire"),
    (HOME_COMMUNITY, 10, "GX-YJ-104", ("ago", 5), "county", "revoke"),
    (HOME_COMMUNITY, 12, "GX-YJ-103", ("ago", 23), "county", ("reissue", 1)),
    (NEIGHBOUR_COMMUNITY, 0, "GX-YJ-101", ("ago", 8), "county", None),
    (NEIGHBOUR_COMMUNITY, 1, "GX-YJ-101", ("ago", 8), "county", None),
    (NEIGHBOUR_COMMUNITY, 2, "GX-YJ-101", ("ago", 8), "county", None),
    (NEIGHBOUR_COMMUNITY, 3, "GX-YJ-102", ("expires_in", 20), "county", None),
    (LIUZHOU_COMMUNITY, 0, "GX-YJ-105", ("ago", 6), "admin", None),
    (LIUZHOU_COMMUNITY, 1, "GX-YJ-105", ("ago", 6), "admin", None),
]
REVOKE_REASON = "培训签到记录与实际出勤不符，经街道核查未参加实操考核，予以撤销。"


def seed(stdout) -> None:
    users = {
        u.username: u for u in get_user_model().objects.filter(username__in=["admin", "county"])
    }
    teams = {
        t.community.code: t
        for t in Team.objects.filter(
            community__code__in=[HOME_COMMUNITY, NEIGHBOUR_COMMUNITY, LIUZHOU_COMMUNITY]
        ).select_related("community")
    }
    courses = {c.code: c for c in CoursePage.objects.live()}
    if set(users) != {"admin", "county"} or len(teams) < 3 or AUTO_COURSE not in courses:
        stdout.write("  证书：缺少演示账号、队伍或课程，跳过")
        return
    template_default()
    today = timezone.localdate()
    events = [e for row in ROWS for e in _events(row, teams, courses, today)]
    # Oldest first, so each county's serials rise with the issue dates.
    for event in sorted(events, key=lambda e: e["issued_on"]):
        _issue(event, users)
    certificates_expire(today=today)
    _complete_passed_colleagues(teams[HOME_COMMUNITY], courses[AUTO_COURSE])

    certificates = Certificate.objects.all()
    stdout.write(
        f"  证书 {certificates.count()}（有效 {certificates.valid().count()}，"
        f"已撤销 {certificates.filter(status=CertificateStatus.REVOKED).count()}，"
        f"已过期 {certificates.filter(status=CertificateStatus.EXPIRED).count()}）"
    )


def template_default() -> CertificateTemplate:
    """The region's standard template, made the default the first time."""
    template = CertificateTemplate.objects.filter(name=TEMPLATE["name"]).first()
    if template is None:
        CertificateTemplate.objects.filter(is_default=True).update(is_default=False)
        template = CertificateTemplate.objects.create(**TEMPLATE, is_default=True)
    return template


def _member(team: Team, who) -> Member | None:
    members = team.members.active()
    if isinstance(who, str):
        return members.filter(name=who).first()
    # Past the first five without an account: those sat the exams in lms.demo_exams.
    skip = 5 if team.community.code == HOME_COMMUNITY else 0
    return members.filter(user__isnull=True).order_by("pk")[skip + who : skip + who + 1].first()


def _events(row, teams, courses, today) -> list[dict]:
    """The issuances of one row (two when it is re-certified); none if seeded before."""
    community, who, code, (kind, amount), by, then = row
    member, course = _member(teams[community], who), courses.get(code)
    if member is None or course is None:
        return []
    if Certificate.objects.filter(member=member, course=course).exists():
        return []
    if kind == "ago":
        issued_on = add_months(today, -amount)
    else:  # the issue date that makes the certificate expire `amount` days from today
        expires = today + datetime.timedelta(days=amount)
        issued_on = add_months(
            expires + datetime.timedelta(days=1), -course.certificate_validity_months
        )
    event = {
        "member": member,
        "course": course,
        "issued_on": max(issued_on, member.joined_on),
        "by": by,
        "reissue": False,
        "revoke": then == "revoke",
    }
    if not isinstance(then, tuple):
        return [event]
    _reissue, months = then
    return [
        event,
        {**event, "issued_on": add_months(today, -months), "reissue": True, "revoke": False},
    ]


def _issue(event: dict, users) -> None:
    by = users[event["by"]]
    certificate = _issue_on(
        event["member"],
        event["course"],
        by=by,
        issued_on=event["issued_on"],
        reissue=event["reissue"],
    )
    if event["revoke"]:
        certificate_revoke(certificate=certificate, by=by, reason=REVOKE_REASON)


def _issue_on(member, course, *, by, issued_on, reissue) -> Certificate:
    """Issue on a given day of the past (serial of that year, expiry from that day)."""
    return certificate_issue(
        member=member,
        course=course,
        source=CertificateSource.MANUAL,
        by=by,
        reissue=reissue,
        issued_on=issued_on,
        completed_on=issued_on - datetime.timedelta(days=3),
    )


def _complete_passed_colleagues(team: Team, course: CoursePage) -> None:
    """Colleagues who passed the final finish the lessons: completion issues the certificate."""
    passed = (
        Attempt.objects.filter(
            member__team=team,
            member__user__isnull=True,
            exam__course=course,
            exam__kind=ExamKind.FINAL,
            passed=True,
        )
        .values_list("member_id", flat=True)
        .distinct()
    )
    completed = Enrollment.objects.filter(course=course, status=EnrollmentStatus.COMPLETED)
    lessons = list(course_lessons(course))
    members = Member.objects.filter(pk__in=passed).exclude(pk__in=completed.values("member_id"))
    for member in members.order_by("pk"):
        for lesson in lessons:
            try:
                progress_complete(member=member, lesson=lesson, seconds_spent=900)
            except DomainError:  # not enrolled (any more): leave them be
                break
