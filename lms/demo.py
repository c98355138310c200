"""Demo data of the LMS: Guangxi's areas, a few teams with members, instructors, equipment.

Run by `manage.py seed_demo` after the site's demo data (which creates the demo accounts);
idempotent: every record is looked up by its natural key first, so a second run changes nothing.

Region, city and county codes are the official division codes (GB/T 2260). The townships and
communities are real places; their 9- and 12-digit codes follow the official pattern (county
code + 3 digits, + 3 more) but are numbered here, not copied from the statistics bureau's list.
"""

import datetime
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from courses.models import CoursePage
from lms import demo_activities, demo_certificates, demo_compliance, demo_exams, idcard
from lms.models import (
    Area,
    AreaAdministrator,
    EnrollmentSource,
    EquipmentItem,
    Instructor,
    Member,
    MemberCategory,
    QualificationLevel,
    Team,
    TeamStatus,
)
from lms.roles import AREA_ADMINISTRATORS, TEAM_LEADERS, lms_roles_setup
from lms.services.areas import area_create
from lms.services.enrollments import enrollment_create
from lms.services.instructors import instructor_create
from lms.services.members import member_create, member_update
from lms.services.progress import course_lessons, progress_complete
from lms.services.teams import team_create, team_update

# (parent code, name, code), parents before children.
AREAS = [
    (None, "广西壮族自治区", "450000"),
    ("450000", "南宁市", "450100"),
    ("450000", "柳州市", "450200"),
    ("450000", "桂林市", "450300"),
    ("450000", "梧州市", "450400"),
    ("450000", "北海市", "450500"),
    ("450000", "防城港市", "450600"),
    ("450000", "钦州市", "450700"),
    ("450000", "贵港市", "450800"),
    ("450000", "玉林市", "450900"),
    ("450000", "百色市", "451000"),
    ("450000", "贺州市", "451100"),
    ("450000", "河池市", "451200"),
    ("450000", "来宾市", "451300"),
    ("450000", "崇左市", "451400"),
    ("450100", "兴宁区", "450102"),
    ("450100", "青秀区", "450103"),
    ("450100", "西乡塘区", "450107"),
    ("450200", "城中区", "450202"),
    ("450200", "鱼峰区", "450203"),
    ("450102", "民生街道", "450102001"),
    ("450102", "朝阳街道", "450102002"),
    ("450103", "新竹街道", "450103001"),
    ("450103", "南湖街道", "450103002"),
    ("450107", "衡阳街道", "450107001"),
    ("450107", "北湖街道", "450107002"),
    ("450202", "城中街道", "450202001"),
    ("450202", "公园街道", "450202002"),
    ("450203", "天马街道", "450203001"),
    ("450203", "驾鹤街道", "450203002"),
    ("450103001", "新竹社区", "450103001001"),
    ("450103001", "桂雅路社区", "450103001002"),
    ("450103002", "南湖社区", "450103002001"),
    ("450202002", "公园社区", "450202002001"),
    ("450203001", "天马社区", "450203001001"),
]
# The community whose team the demo accounts `leader` and `member` belong to.
HOME_COMMUNITY = "450103001001"
COUNTY_OF_DEMO_ADMIN = "450103"  # 青秀区, administered by the demo account `county`

# Community code: (founded on, status, how many members). Teams without members are just set up.
TEAMS = {
    "450103001001": (datetime.date(2022, 5, 12), TeamStatus.ACTIVE, 24),
    "450103001002": (datetime.date(2022, 9, 1), TeamStatus.ACTIVE, 20),
    "450103002001": (datetime.date(2024, 4, 20), TeamStatus.PREPARING, 0),
    "450202002001": (datetime.date(2023, 3, 15), TeamStatus.ACTIVE, 22),
    "450203001001": (datetime.date(2024, 6, 1), TeamStatus.PREPARING, 0),
}
# Telephone area codes of the cities with demo teams.
CITY_PHONE_CODES = {"4501": "0771", "4502": "0772"}

# The first members of the home team, fixed so the demo accounts have familiar names:
# (name, gender, category, skills, demo account).
HOME_TEAM_CORE = [
    ("蒙建华", "M", MemberCategory.VETERAN, "组织指挥、野外搜救", "leader"),
    ("韦海燕", "F", MemberCategory.MEDICAL, "急救、心肺复苏与AED", None),
    ("陆秀兰", "F", MemberCategory.COMMUNITY_STAFF, "社区网格管理", "member"),
]
SURNAMES = "韦覃黄陆蒙农莫梁李陈罗廖潘卢黎谭唐苏"
MALE_NAMES = ["志强", "国荣", "海峰", "文斌", "永福", "振宇", "德明", "俊杰", "春生", "立新"]
MALE_NAMES += ["明辉", "少华", "世杰", "庆丰", "光明", "卫国", "桂林", "有才", "家宝", "锦江"]
FEMALE_NAMES = ["丽萍", "春梅", "美玲", "晓红", "桂芳", "玉婷", "慧敏", "雪梅", "凤英", "金凤"]
FEMALE_NAMES += ["翠华", "佩珊", "秀英", "桂兰", "春燕", "月娥", "思琪", "玉兰", "彩霞", "秋菊"]
# Categories in turn, so every team has each kind, a medical member among them.
CATEGORY_CYCLE = [
    MemberCategory.COMMUNITY_STAFF,
    MemberCategory.VETERAN,
    MemberCategory.VOLUNTEER,
    MemberCategory.MEDICAL,
    MemberCategory.UNIT_STAFF,
    MemberCategory.SECURITY,
    MemberCategory.VOLUNTEER,
    MemberCategory.RETIRED_FIREFIGHTER,
    MemberCategory.PURCHASED_SERVICE,
    MemberCategory.VOLUNTEER,
]
SKILLS = {
    MemberCategory.MEDICAL: "急救、心肺复苏与AED",
    MemberCategory.RETIRED_FIREFIGHTER: "灭火救援、绳索救援",
    MemberCategory.VETERAN: "组织指挥、野外生存",
    MemberCategory.SECURITY: "消防设施操作",
}
MOBILE_PREFIXES = ["135", "136", "138", "139", "150", "152", "177", "186", "187", "188"]

# The standard list of basic rescue equipment: (name, category, required quantity).
EQUIPMENT = [
    ("救生衣", "水上救援", 10),
    ("救生圈", "水上救援", 4),
    ("安全绳（30 米）", "绳索救援", 4),
    ("急救箱", "医疗急救", 2),
    ("担架", "医疗急救", 2),
    ("手持扩音器", "通信指挥", 2),
    ("对讲机", "通信指挥", 6),
    ("应急照明灯", "照明", 6),
    ("灭火器", "消防", 6),
    ("安全头盔", "个人防护", 20),
    ("反光背心", "个人防护", 20),
    ("警戒带", "警戒疏散", 4),
]
# (name, qualification, specialties, organisation, phone, area codes served)
INSTRUCTORS = [
    (
        "覃海燕",
        QualificationLevel.REGION,
        ["first_aid"],
        "南宁市红十字会",
        "13807710101",
        ["450000"],
    ),
    (
        "黄振宇",
        QualificationLevel.CITY,
        ["home_fire", "forest_fire"],
        "南宁市消防救援支队",
        "13907710202",
        ["450100"],
    ),
    (
        "韦丽萍",
        QualificationLevel.COUNTY,
        ["flood", "evacuation"],
        "青秀区应急管理局",
        "13607710303",
        ["450103"],
    ),
    (
        "梁文斌",
        QualificationLevel.CITY,
        ["flood", "typhoon", "landslide"],
        "柳州市应急管理局",
        "13507720404",
        ["450200"],
    ),
    (
        "莫春梅",
        QualificationLevel.ASSISTANT,
        ["first_aid"],
        "新竹街道社区卫生服务中心",
        "15007710505",
        ["450103001"],
    ),
]


def seed(stdout) -> None:
    groups = lms_roles_setup()
    areas = _areas()
    teams = [_team(areas[code], *TEAMS[code], number=n) for n, code in enumerate(TEAMS)]
    _equipment()
    _instructors(areas)
    _demo_accounts(areas, groups)
    _learning()
    stdout.write(
        f"  区域 {Area.objects.count()} 个（{Area.objects.filter(depth=2).count()} 个市），"
        f"响应队 {len(teams)} 支，队员 {Member.objects.count()} 名，"
        f"师资 {Instructor.objects.count()} 名，标准装备 {EquipmentItem.objects.count()} 项"
    )
    demo_exams.seed(stdout)
    demo_activities.seed(stdout)
    demo_certificates.seed(stdout)
    demo_compliance.seed(stdout)


def _areas() -> dict[str, Area]:
    existing = {area.code: area for area in Area.objects.filter(code__in=[a[2] for a in AREAS])}
    for parent_code, name, code in AREAS:
        if code not in existing:
            parent = existing[parent_code] if parent_code else None
            existing[code] = area_create(parent=parent, name=name, code=code)
    return existing


def _team(community: Area, founded_on, status, size: int, *, number: int) -> Team:
    team = Team.objects.filter(community=community).first()
    if team is None:
        team = team_create(
            community=community,
            name=f"{community.name}应急响应队",
            founded_on=founded_on,
            status=status,
            phone=f"{CITY_PHONE_CODES[community.code[:4]]}-{5_310_000 + number * 1_111}",
        )
    since = team.founded_on or founded_on
    members = [
        _member(team, person, number=number, index=i, since=since)
        for i, person in enumerate(_roster(team, size))
    ]
    if members and team.leader_id is None:
        team_update(team=team, leader=members[0], deputy=members[1])
    return team


def _roster(team: Team, size: int) -> list[tuple]:
    """The team's people, the same on every run: (name, gender, category, skills, account)."""
    rng = random.Random(team.community.code)
    people = list(HOME_TEAM_CORE) if team.community.code == HOME_COMMUNITY else []
    taken = {name for name, *_rest in people}
    while len(people) < size:
        gender = rng.choice("MF")
        name = rng.choice(SURNAMES) + rng.choice(MALE_NAMES if gender == "M" else FEMALE_NAMES)
        if name in taken:
            continue
        taken.add(name)
        category = CATEGORY_CYCLE[len(people) % len(CATEGORY_CYCLE)]
        people.append((name, gender, category, SKILLS.get(category, ""), None))
    return people


def _member(team: Team, person: tuple, *, number: int, index: int, since) -> Member:
    name, gender, category, skills, _account = person
    rng = random.Random(f"{team.community.code}-{index}")
    born = datetime.date(1968, 1, 1) + datetime.timedelta(days=rng.randrange(36 * 365))
    # The 17th digit is odd for men; team and position make the serial unique within the demo.
    serial = number * 100 + index * 2 + (1 if gender == "M" else 0)
    first17 = f"{team.community.county_code}{born:%Y%m%d}{serial:03d}"
    id_number = first17 + idcard.check_char(first17)
    existing = Member.objects.with_id_number(id_number).first()
    if existing:
        return existing
    return member_create(
        team=team,
        name=name,
        gender=gender,
        birth_date=born,
        phone=f"{rng.choice(MOBILE_PREFIXES)}{number:02d}{index:02d}{rng.randrange(10_000):04d}",
        id_number=id_number,
        category=category,
        joined_on=since + datetime.timedelta(days=rng.randrange(400)),
        skills=skills,
    )


def _equipment() -> None:
    for order, (name, category, quantity) in enumerate(EQUIPMENT, start=1):
        EquipmentItem.objects.get_or_create(
            name=name,
            defaults={"category": category, "required_quantity": quantity, "sort_order": order},
        )


def _instructors(areas: dict[str, Area]) -> None:
    for name, level, specialties, organisation, phone, area_codes in INSTRUCTORS:
        if Instructor.objects.filter(name=name, phone=phone).exists():
            continue
        instructor_create(
            name=name,
            qualification_level=level,
            specialties=specialties,
            organisation=organisation,
            phone=phone,
            areas=[areas[code] for code in area_codes],
        )


# The demo member's learning: enrolled in two courses, some lessons done in the first.
DEMO_ENROLLMENTS = [
    ("GX-YJ-103", EnrollmentSource.LEADER, 2),
    ("GX-YJ-101", EnrollmentSource.SELF, 0),
]


def _learning() -> None:
    """Enroll `member` in two demo courses with some progress (skipped without courses)."""
    member = Member.objects.filter(user__username="member").first()
    if member is None:
        return
    leader = get_user_model().objects.filter(username="leader").first()
    for code, source, lessons_done in DEMO_ENROLLMENTS:
        course = CoursePage.objects.live().filter(code=code).first()
        if course is None:
            continue
        _enrollment, created = enrollment_create(
            member=member,
            course=course,
            source=source,
            assigned_by=leader if source == EnrollmentSource.LEADER else member.user,
            due_on=timezone.localdate() + datetime.timedelta(days=30)
            if source == EnrollmentSource.LEADER
            else None,
        )
        if not created:
            continue
        for lesson in course_lessons(course)[:lessons_done]:
            progress_complete(member=member, lesson=lesson, seconds_spent=420)


def _demo_accounts(areas: dict[str, Area], groups) -> None:
    """Link the accounts seed_demo created: `member` and `leader` to the home team, `county`
    to 青秀区. Accounts that do not exist (lms seeded on its own) are skipped."""
    users = {
        u.username: u
        for u in get_user_model().objects.filter(username__in=["county", "leader", "member"])
    }
    home = Team.objects.get(community=areas[HOME_COMMUNITY])
    accounts = {account: name for name, _g, _c, _s, account in HOME_TEAM_CORE if account}
    for username, name in accounts.items():
        user = users.get(username)
        member = home.members.filter(name=name).first()  # None if renamed since
        if (
            user is not None
            and member is not None
            and member.user_id is None
            and not Member.objects.filter(user=user).exists()
        ):
            member_update(member=member, user=user)
    if "leader" in users:
        users["leader"].groups.add(groups[TEAM_LEADERS])
    county = users.get("county")
    if county is not None:
        AreaAdministrator.objects.get_or_create(
            user=county, area=areas[COUNTY_OF_DEMO_ADMIN], defaults={"can_view_id_numbers": False}
        )
        county.groups.add(groups[AREA_ADMINISTRATORS])
