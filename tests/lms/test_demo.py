"""The LMS demo data: Guangxi's real cities, teams with members, and the demo accounts linked."""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command

import pytest

from cms import sms
from lms import idcard
from lms.models import (
    Area,
    AreaAdministrator,
    Certificate,
    CertificateStatus,
    CertificateTemplate,
    Enrollment,
    LessonProgress,
    Member,
    MemberCategory,
    Team,
)
from lms.roles import AREA_ADMINISTRATORS, TEAM_LEADERS
from lms.scope import scope_for
from lms.services.certificate_reminders import certificates_remind

pytestmark = pytest.mark.django_db

CITIES = {
    "450100": "南宁市",
    "450200": "柳州市",
    "450300": "桂林市",
    "450400": "梧州市",
    "450500": "北海市",
    "450600": "防城港市",
    "450700": "钦州市",
    "450800": "贵港市",
    "450900": "玉林市",
    "451000": "百色市",
    "451100": "贺州市",
    "451200": "河池市",
    "451300": "来宾市",
    "451400": "崇左市",
}


def _row_counts() -> dict[str, int]:
    """Rows of every LMS table (history included), groups and group memberships."""
    counts = {
        m._meta.label: m._base_manager.count()
        for m in apps.get_app_config("lms").get_models(include_auto_created=True)
    }
    counts["groups"] = Group.objects.count()
    counts["group permissions"] = Group.permissions.through.objects.count()
    counts["user groups"] = get_user_model().groups.through.objects.count()
    return counts


def test_seed_demo_twice_changes_nothing_and_builds_guangxi():
    call_command("seed_demo")
    first = _row_counts()
    call_command("seed_demo")
    assert _row_counts() == first

    region = Area.objects.get(code="450000")
    assert region.name == "广西壮族自治区"
    cities = region.get_children()
    assert dict(cities.values_list("code", "name")) == CITIES
    assert [c.code for c in cities] == sorted(CITIES)  # the tree keeps them in code order
    assert Area.find_problems() == ([], [], [], [], [])
    for community in Area.objects.at_level(5):
        assert community.code.startswith(community.get_parent().code)
        assert Team.objects.filter(community=community).count() == 1

    staffed = Team.objects.exclude(members=None).distinct()
    assert staffed.count() >= 2
    for team in staffed:
        members = team.members.all()
        assert 20 <= members.count() <= 25
        assert team.leader in members and team.deputy in members
        assert members.filter(category=MemberCategory.MEDICAL).exists()
        for m in members:
            assert idcard.validate(m.id_number, expected_birth_date=m.birth_date)
            assert m.id_number[:6] == team.community.county_code
            assert m.name_pinyin


def test_demo_accounts_are_linked_and_scoped():
    call_command("seed_demo")
    users = get_user_model().objects.in_bulk(["member", "leader", "county"], field_name="username")
    home = Team.objects.get(name="新竹社区应急响应队")

    member = Member.objects.get(user=users["member"])
    assert member.team == home and home.leader != member
    assert home.leader.user == users["leader"]
    assert scope_for(users["leader"]).led_team_ids == {home.pk}

    role = AreaAdministrator.objects.get(user=users["county"])
    assert (role.area.name, role.area.code, role.can_view_id_numbers) == ("青秀区", "450103", False)
    county_members = scope_for(users["county"]).members()
    qingxiu, liuzhou = Area.objects.get(code="450103"), Area.objects.get(code="450200")
    assert set(county_members) == set(Member.objects.within(qingxiu))
    assert county_members.filter(pk=member.pk).exists()
    assert Member.objects.within(liuzhou).exists()
    assert not county_members.filter(pk__in=Member.objects.within(liuzhou)).exists()

    assert users["county"].groups.filter(name=AREA_ADMINISTRATORS).exists()
    assert users["leader"].groups.filter(name=TEAM_LEADERS).exists()
    for user, perms in [
        (users["county"], ["change_member", "add_team", "change_insurancepolicy", "view_area"]),
        (users["leader"], ["add_member", "change_member", "view_team"]),
    ]:
        assert user.has_perm("wagtailadmin.access_admin")
        assert all(user.has_perm(f"lms.{p}") for p in perms), user
    assert not users["leader"].has_perm("lms.change_team")
    assert not users["member"].has_perm("wagtailadmin.access_admin")


def test_demo_member_is_learning_two_courses(client):
    call_command("seed_demo")
    member = Member.objects.get(user__username="member")
    enrollments = Enrollment.objects.filter(member=member)
    assert enrollments.count() == 2
    assert LessonProgress.objects.filter(
        enrollment__member=member, completed_at__isnull=False
    ).exists()
    assert client.login(username="member", password="demo1234")
    page = client.get("/learn/").content.decode()
    for enrollment in enrollments:
        assert enrollment.course.title in page


def test_demo_certificates_spread_across_statuses(settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the PDFs render after commit
        call_command("seed_demo")
    assert Certificate.objects.rendered().count() == Certificate.objects.count()
    template = CertificateTemplate.objects.get(is_default=True)
    assert template.name == "自治区标准模板"
    assert len(template.signatory_lines) == 2

    home = Certificate.objects.filter(member__team__name="新竹社区应急响应队")
    statuses = list(home.values_list("status", flat=True))
    assert statuses.count(CertificateStatus.VALID) >= 5
    for status in (
        CertificateStatus.REVOKED,
        CertificateStatus.EXPIRED,
        CertificateStatus.SUPERSEDED,
    ):
        assert statuses.count(status) == 1, status
    revoked = home.get(status=CertificateStatus.REVOKED)
    assert revoked.revoked_reason and revoked.revoked_by.username == "county"
    assert home.filter(member__user__username="member", status=CertificateStatus.VALID).exists()
    for certificate in Certificate.objects.all():
        assert certificate.serial.startswith(f"GX-{certificate.issued_on.year}-")

    county = get_user_model().objects.get(username="county")
    seen = scope_for(county).certificates()
    assert seen.filter(member__team__name="新竹社区应急响应队").count() == home.count()
    assert not seen.filter(member__team__community__code__startswith="4502").exists()
    assert Certificate.objects.filter(member__team__community__code__startswith="4502").exists()

    # Some expire within 90 days, so the daily reminders have something to send.
    settings.SMS_BACKEND = "cms.sms.LocmemBackend"
    assert certificates_remind() >= 2
    assert sms.outbox
    sms.outbox.clear()
