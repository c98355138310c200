"""A team that meets the default standard exactly, built directly (no services), so each
test can take one thing away and see the result move.

`build_team(area, members=20)` returns the team; its members are all volunteers except
one medical member; all hold a valid certificate of the one compliance course; two
drills were held this year with every member taking part; all four documents, the
equipment list complete, every member insured today, 4 verified hours each.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

import pytest

from lms.compliance_defaults import ensure_default_standard
from lms.models import (
    Certificate,
    CertificateSource,
    CertificateStatus,
    DocumentKind,
    Drill,
    DrillParticipation,
    EquipmentItem,
    EventStatus,
    InsurancePolicy,
    MemberCategory,
    ServiceRecord,
    ServiceStatus,
    TeamDocument,
    TeamEquipment,
)
from tests.factories import (
    CourseIndexPageFactory,
    MemberFactory,
    TeamFactory,
    UserFactory,
    course_with_lessons,
)

_serial = iter(range(1, 1_000_000))


@pytest.fixture
def standard_course(site_tree):
    """The one live course counted toward compliance (the default standard's coverage)."""
    catalog = CourseIndexPageFactory(parent=site_tree["home"])
    return course_with_lessons(catalog, code="GX-YJ-101", title="社区应急救护基础", lessons=1)


@pytest.fixture
def equipment(db):
    EquipmentItem.objects.all().delete()
    return [
        EquipmentItem.objects.create(name="急救包", required_quantity=2),
        EquipmentItem.objects.create(name="应急照明灯", required_quantity=4),
    ]


def certify(member, course, *, expires_on=None, status=CertificateStatus.VALID):
    n = next(_serial)
    return Certificate.objects.create(
        member=member,
        course=course,
        serial=f"GX-2026-450103-{n:06d}",
        source=CertificateSource.MANUAL,
        status=status,
        expires_on=expires_on,
        holder_name=member.name,
        course_title=course.title,
        issuing_organisation="广西壮族自治区应急管理厅",
        county_code="450103",
    )


@pytest.fixture
def build_team(standard_course, equipment):
    def build(community, *, members=20, name=None):
        today = timezone.localdate()
        team = TeamFactory(community=community, **({"name": name} if name else {}))
        people = [
            MemberFactory(
                team=team,
                name=f"队员{i:02d}",
                category=MemberCategory.MEDICAL if i == 0 else MemberCategory.VOLUNTEER,
            )
            for i in range(members)
        ]
        for member in people:
            certify(member, standard_course)
        recorder = UserFactory()
        start = timezone.make_aware(datetime.datetime(today.year, 1, 15, 9))
        for n in range(2):
            drill = Drill.objects.create(
                title=f"演练{n + 1}",
                scenario="flood_evacuation",
                starts_at=start + datetime.timedelta(days=30 * n),
                ends_at=start + datetime.timedelta(days=30 * n, hours=2),
                place="社区广场",
                organiser="社区",
                status=EventStatus.HELD,
                created_by=recorder,
            )
            drill.teams.add(team)
            DrillParticipation.objects.bulk_create(
                DrillParticipation(
                    drill=drill, member=m, method="qr", checked_in_at=drill.starts_at
                )
                for m in people
            )
        for kind in DocumentKind.values:
            TeamDocument.objects.create(team=team, kind=kind, title=kind, file="teams/x.pdf")
        for item in equipment:
            TeamEquipment.objects.create(team=team, item=item, quantity=item.required_quantity)
        policy = InsurancePolicy.objects.create(
            team=team,
            insurer="中国人寿",
            policy_number=f"P-{team.pk}",
            starts_on=today - datetime.timedelta(days=100),
            ends_on=today + datetime.timedelta(days=265),
        )
        policy.members.set(people)
        ServiceRecord.objects.bulk_create(
            ServiceRecord(
                member=m,
                activity="patrol",
                date=datetime.date(today.year, 3, 1),
                hours=Decimal(4),
                description="防汛巡查",
                status=ServiceStatus.VERIFIED,
                entered_by=recorder,
            )
            for m in people
        )
        return team

    return build


@pytest.fixture(autouse=True)
def default_standard(db):
    """The migration's default standard (a transactional test's flush removes it)."""
    ensure_default_standard()
