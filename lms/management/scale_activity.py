"""What the synthetic teams of `seed_scale --with-activity` did this year, written in bulk.

For every team: certificates of the courses the standard counts (valid ones, and some
expired), 0–3 drills held this year with their roll, governance documents, the standard
equipment, an accident insurance policy and service hours (verified, a few pending).

About 55% of the teams get everything the standard in force asks for, with a margin; each
other team falls short on one to three criteria, for a reason that shows in its figures
(too few members certified, one drill, a document missing, five members uninsured…). With
the teams that happen to have no medical member (about 9%), about half the teams meet the
standard: the action plan's target for its first year.

Large tables go in as plain rows (COPY on PostgreSQL, executemany on SQLite: `insert_rows`),
drills and policies with bulk_create, which returns their ids. No signal is sent and no
history is written (the same as for the synthetic members).
"""

import base64
import datetime
import math
import random
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from itertools import accumulate

from django.db import connection
from django.utils import timezone

from wagtail.models import Locale

from cms.models import HomePage
from courses.models import CourseIndexPage, CoursePage
from lms.compliance_defaults import CRITERIA
from lms.demo import EQUIPMENT
from lms.models import (
    Certificate,
    CertificateSource,
    CertificateStatus,
    DocumentKind,
    Drill,
    DrillParticipation,
    DrillScenario,
    EquipmentItem,
    EventStatus,
    InsurancePolicy,
    Member,
    SerialCounter,
    ServiceActivity,
    ServiceRecord,
    ServiceStatus,
    TeamDocument,
    TeamEquipment,
)
from lms.models.compliance import ComplianceStandard, CriterionKind
from lms.services.certificates import SERIAL_PREFIX, add_months
from lms.services.compliance import required_courses

# Share of teams given everything the standard asks for.
MEANT_TO_PASS = 0.55
# What the other teams fall short on, weighted by how often teams report it.
SHORTFALLS = {
    "certificates": 30,
    "drills": 18,
    "participation": 10,
    "documents": 14,
    "equipment": 10,
    "insurance": 18,
    "hours": 15,
}
SHORTFALL_COUNTS = (1, 1, 1, 2, 2, 3)  # how many criteria such a team misses
# Two courses of its own when the database has no live course that counts (a bare bench
# database): (code, title, validity in months).
OWN_COURSES = (
    ("SCALE-101", "社区应急救护基础（规模测试）", 36),
    ("SCALE-102", "防汛防台与人员转移（规模测试）", 24),
)
INSURERS = ("中国人寿", "中国平安", "中国人保", "太平洋保险")
HOURS_PER_RECORD = (Decimal(2), Decimal(3), Decimal(4), Decimal(6), Decimal(8))
ISSUER = "规模测试自治区应急管理厅"
DRILL_SCENARIOS = (
    DrillScenario.FLOOD_EVACUATION,
    DrillScenario.TYPHOON,
    DrillScenario.FIRE,
    DrillScenario.FIRST_AID,
    DrillScenario.EARTHQUAKE,
    DrillScenario.LANDSLIDE,
)
SERVICE_KINDS = (
    (ServiceActivity.PATROL, "汛期巡查值守"),
    (ServiceActivity.PUBLICITY, "防灾减灾宣传"),
    (ServiceActivity.TRAINING, "协助组织培训"),
    (ServiceActivity.RESCUE, "协助转移群众"),
)


def insert_rows(model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """INSERT plain rows: COPY on PostgreSQL, one executemany elsewhere (SQLite).

    Measured here, bulk_create spends ~100 µs a member building SQL from model instances, and
    executemany on PostgreSQL ~300 µs a row: either alone would take minutes at full scale.
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)


def activity_create(
    teams: list[tuple[int, str]], *, seed: int, log: Callable[[str], None]
) -> Counter:
    """Write the activity of `teams` ((team id, county code), as seed_scale made them);
    return the rows written per kind."""
    return _Activity(seed=seed, log=log).create(teams)


# Tables seed_scale refreshes the planner's statistics of after writing the activity.
ACTIVITY_MODELS = (
    Certificate,
    Drill,
    Drill.teams.through,
    DrillParticipation,
    TeamDocument,
    TeamEquipment,
    InsurancePolicy,
    InsurancePolicy.members.through,
    ServiceRecord,
)


class _Activity:
    """The generator: what it reads once (standard, courses, equipment list, serial
    counters, dates ready for the database) and the rows it writes, a tenth of the teams
    at a time (memory, and progress in the log)."""

    def __init__(self, *, seed: int, log: Callable[[str], None]):
        self.seed = seed
        self.log = log
        self.today = timezone.localdate()
        self.year = self.today.year
        self.now = timezone.now()
        self.counts: Counter = Counter()
        # (year, county code) → the last serial number used, continuing any counter there is.
        self.serials: Counter = Counter(
            {
                (year, county): last
                for year, county, last in SerialCounter.objects.values_list(
                    "year", "county_code", "last"
                )
            }
        )
        ops = connection.ops
        self.day = ops.adapt_datefield_value
        self.moment = ops.adapt_datetimefield_value
        self.now_db = self.moment(self.now)
        self.thresholds, self.documents = _standard_thresholds(self.today)
        self.courses = _compliance_courses()
        self._date_cache: dict[tuple, list[tuple]] = {}
        jan1 = datetime.date(self.year, 1, 1)
        self.days_this_year = [
            self.day(jan1 + datetime.timedelta(days=n)) for n in range((self.today - jan1).days + 1)
        ]
        # Drill titles by scenario, translated once.
        self.titles = {scenario: f"{scenario.label}演练" for scenario in DRILL_SCENARIOS}
        self.items = _equipment_items()
        self.shortfall_kinds = list(SHORTFALLS)
        self.shortfall_weights = list(accumulate(SHORTFALLS.values()))

    def create(self, teams: list[tuple[int, str]]) -> Counter:
        courses = "、".join(c.code for c in self.courses)
        self.log(f"活动数据：课程 {courses}，标准装备 {len(self.items)} 项")
        chunk = max(1, -(-len(teams) // 10))
        for start in range(0, len(teams), chunk):
            self._chunk(teams[start : start + chunk], first=start)
            done = min(start + chunk, len(teams))
            counts = self.counts
            self.log(
                f"活动数据（{done:,}/{len(teams):,} 支队伍）：证书 {counts['certificates']:,}、"
                f"演练 {counts['drills']:,}（参演 {counts['participations']:,}）、"
                f"服务时长 {counts['service_records']:,} 条"
            )
        self._serial_counters()
        return self.counts

    # -- one chunk of teams --------------------------------------------------------------
    def _chunk(self, teams: list[tuple[int, str]], *, first: int) -> None:
        ids = [team_id for team_id, _county in teams]
        roster: dict[int, list[tuple[int, str]]] = {team_id: [] for team_id in ids}
        for team_id, pk, name in (
            Member.objects.filter(team_id__in=ids, left_on__isnull=True)
            .order_by("team_id", "pk")
            .values_list("team_id", "pk", "name")
        ):
            roster[team_id].append((pk, name))
        rows: dict[str, list[tuple]] = {
            "certificates": [],
            "documents": [],
            "equipment": [],
            "service_records": [],
        }
        drills: list[Drill] = []
        drill_rolls: list[tuple[int, list[int]]] = []  # (team id, members present) per drill
        policies: list[InsurancePolicy] = []
        insured: list[list[int]] = []  # members covered, per policy
        for position, (team_id, county) in enumerate(teams, start=first):
            # By position in community order, not by id: the same seed gives the same data.
            rng = random.Random(f"{self.seed}-activity-{position}")
            members = roster[team_id]
            short = self._shortfalls(rng)
            self._certificates(rng, members, county, "certificates" in short, rows)
            for drill, present in self._drills(rng, team_id, members, short):
                drills.append(drill)
                drill_rolls.append((team_id, present))
            self._documents(rng, team_id, "documents" in short, rows)
            self._equipment(rng, team_id, "equipment" in short, rows)
            policy = self._policy(rng, team_id, members, "insurance" in short)
            if policy is not None:
                policies.append(policy[0])
                insured.append(policy[1])
            self._hours(rng, members, "hours" in short, rows)

        Drill.objects.bulk_create(drills, batch_size=2000)
        InsurancePolicy.objects.bulk_create(policies, batch_size=2000)
        drill_teams = [
            (d.pk, team_id) for d, (team_id, _p) in zip(drills, drill_rolls, strict=True)
        ]
        participations = [
            (d.pk, member, "participant", d.minutes, "qr", checked_in)
            for d, (_t, present) in zip(drills, drill_rolls, strict=True)
            for checked_in in [self.moment(d.starts_at)]
            for member in present
        ]
        policy_members = [
            (p.pk, m) for p, members in zip(policies, insured, strict=True) for m in members
        ]
        insert_rows(Drill.teams.through, ("drill", "team"), drill_teams)
        insert_rows(
            DrillParticipation,
            ("drill", "member", "role", "minutes", "method", "checked_in_at"),
            participations,
        )
        insert_rows(InsurancePolicy.members.through, ("insurancepolicy", "member"), policy_members)
        insert_rows(Certificate, CERTIFICATE_COLUMNS, rows["certificates"])
        insert_rows(TeamDocument, DOCUMENT_COLUMNS, rows["documents"])
        insert_rows(TeamEquipment, EQUIPMENT_COLUMNS, rows["equipment"])
        insert_rows(ServiceRecord, SERVICE_COLUMNS, rows["service_records"])
        self.counts.update(
            {
                **{kind: len(kind_rows) for kind, kind_rows in rows.items()},
                "drills": len(drills),
                "participations": len(participations),
                "policies": len(policies),
                "insured": len(policy_members),
            }
        )

    def _shortfalls(self, rng: random.Random) -> set[str]:
        if rng.random() < MEANT_TO_PASS:
            return set()
        wanted, short = rng.choice(SHORTFALL_COUNTS), set()
        while len(short) < wanted:
            short.add(rng.choices(self.shortfall_kinds, cum_weights=self.shortfall_weights)[0])
        return short

    # -- what a team holds ---------------------------------------------------------------
    def _certificates(self, rng, members, county: str, short: bool, rows) -> None:
        """Per course: enough valid certificates (or, when short, too few for one course);
        some of the others hold one that has expired."""
        share = self.thresholds["certificates"]
        lacking = rng.randrange(len(self.courses)) if self.courses else -1
        for index, course in enumerate(self.courses):
            count = _how_many(rng, len(members), share, short and index == lacking)
            order = rng.sample(members, len(members))
            for pk, name in order[:count]:
                rows["certificates"].append(self._certificate(rng, pk, name, county, course))
            for pk, name in order[count:]:
                if course.certificate_validity_months and rng.random() < 0.15:
                    rows["certificates"].append(
                        self._certificate(rng, pk, name, county, course, expired=True)
                    )

    def _dates(self, course, *, expired: bool) -> list[tuple]:
        """Every issue date a certificate of `course` may have, with what follows from it,
        ready for the database: (year, issued, expires, completed, status changed at)."""
        key = (course.pk, expired)
        if key not in self._date_cache:
            months = course.certificate_validity_months
            if expired:  # expired 30–400 days ago
                last = add_months(self.today, -months)
                days = range(30, 401)
            else:  # issued within the validity (so still valid today), at least a week ago
                last = self.today
                span = (self.today - add_months(self.today, -(months - 1))).days if months else 900
                days = range(7, max(7, span) + 1)
            dates = []
            for n in days:
                issued = last - datetime.timedelta(days=n)
                expires = (
                    add_months(issued, months) - datetime.timedelta(days=1) if months else None
                )
                changed = None
                if expired:
                    at = datetime.datetime.combine(expires, datetime.time(1))
                    changed = self.moment(timezone.make_aware(at))
                dates.append(
                    (
                        issued.year,
                        self.day(issued),
                        self.day(expires),
                        self.day(issued - datetime.timedelta(days=3)),
                        changed,
                    )
                )
            self._date_cache[key] = dates
        return self._date_cache[key]

    def _certificate(self, rng, member: int, name: str, county: str, course, *, expired=False):
        year, issued, expires, completed, changed = rng.choice(self._dates(course, expired=expired))
        self.serials[year, county] += 1
        serial = f"{SERIAL_PREFIX}-{year}-{county}-{self.serials[year, county]:06d}"
        code = base64.urlsafe_b64encode(rng.getrandbits(128).to_bytes(16, "big")).decode()[:22]
        # Columns in CERTIFICATE_COLUMNS order.
        return (
            member,
            course.pk,
            serial,
            code,
            CertificateStatus.EXPIRED if expired else CertificateStatus.VALID,
            CertificateSource.BULK,
            issued,
            expires,
            completed,
            name,
            course.title,
            course.credit_hours,
            ISSUER,
            county,
            changed,
            self.now_db,
            "",
            "",
            False,
            "",
        )

    def _drills(self, rng, team_id: int, members, short: set[str]):
        """0–1 drills when short of drills, else 2–3; the roll reaches the participation
        threshold unless the team is short of participation."""
        needed = math.ceil(self.thresholds["drills"] - 1e-9)
        if "drills" in short:
            count = rng.randint(0, max(0, needed - 1))
        else:
            count = rng.choice((needed, needed, needed + 1))
        if not count or not members:
            return []
        share = self.thresholds["drill_participation"]
        took_part = rng.sample(
            members, _how_many(rng, len(members), share, "participation" in short)
        )
        rolls: list[set[int]] = [set() for _ in range(count)]
        for pk, _name in took_part:  # everyone counted took part at least once
            rolls[rng.randrange(count)].add(pk)
            for roll in rolls:
                if rng.random() < 0.3:
                    roll.add(pk)
        jan1 = datetime.date(self.year, 1, 1)
        last = max(0, (self.today - jan1).days - 1)
        drills = []
        for roll in rolls:
            day = jan1 + datetime.timedelta(days=rng.randint(0, last))
            starts = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
            scenario = rng.choice(DRILL_SCENARIOS)
            hours = rng.choice((2, 2, 3))
            drill = Drill(
                title=self.titles[scenario],
                scenario=scenario,
                starts_at=starts,
                ends_at=starts + datetime.timedelta(hours=hours),
                place="社区党群服务中心广场",
                organiser="街道办事处",
                status=EventStatus.HELD,
                score=rng.randint(60, 98),
                closed_at=starts + datetime.timedelta(hours=hours),
            )
            drills.append((drill, sorted(roll)))
        return drills

    def _documents(self, rng, team_id: int, short: bool, rows) -> None:
        kinds = list(self.documents)
        if short:
            for _ in range(min(len(kinds), rng.choice((1, 1, 2)))):
                kinds.remove(rng.choice(kinds))
        effective = self.day(self.today - datetime.timedelta(days=rng.randint(30, 900)))
        for kind in kinds:
            rows["documents"].append(
                (
                    team_id,
                    kind,
                    str(DocumentKind(kind).label),
                    f"teams/documents/scale/{kind}.pdf",
                    effective,
                    self.now_db,
                )
            )

    def _equipment(self, rng, team_id: int, short: bool, rows) -> None:
        if not self.items:
            return
        lacking = set(rng.sample(range(len(self.items)), min(len(self.items), rng.choice((1, 2)))))
        checked = self.day(self.today - datetime.timedelta(days=rng.randint(0, 180)))
        for index, (item, required) in enumerate(self.items):
            if short and index in lacking:
                if rng.random() < 0.4:
                    continue  # not held at all: no row
                quantity = rng.randint(0, max(0, required - 1))
            else:
                quantity = required + rng.choice((0, 0, 0, 1, 2))
            rows["equipment"].append((team_id, item, quantity, checked, ""))

    def _policy(self, rng, team_id: int, members, short: bool):
        """A policy in force today covering every member, or, when short, none at all or
        one that leaves 1–5 members out."""
        if short and rng.random() < 0.3:
            return None
        covered = [pk for pk, _name in members]
        if short and covered:
            left_out = min(len(covered), rng.randint(1, 5))
            covered = rng.sample(covered, len(covered) - left_out)
        starts = self.today - datetime.timedelta(days=rng.randint(0, 300))
        policy = InsurancePolicy(
            team_id=team_id,
            insurer=rng.choice(INSURERS),
            policy_number=f"SC{self.year}{team_id:09d}",
            starts_on=starts,
            ends_on=add_months(starts, 12) - datetime.timedelta(days=1),
        )
        return policy, sorted(covered)

    def _hours(self, rng, members, short: bool, rows) -> None:
        """Verified hours to reach the threshold per member (or to stay under it when
        short); one team in seven also has a few records still pending."""
        if not members:
            return
        threshold = self.thresholds["service_hours"] * len(members)
        target = threshold * (rng.uniform(0.25, 0.85) if short else rng.uniform(1.05, 1.8))
        total = Decimal(0)
        while True:
            hours = rng.choice(HOURS_PER_RECORD)
            if short and total + hours >= target:
                break
            if not short and total >= target:
                break
            total += hours
            rows["service_records"].append(self._record(rng, members, hours, True))
        if rng.random() < 1 / 7:
            for _ in range(rng.randint(1, 3)):
                hours = rng.choice(HOURS_PER_RECORD)
                rows["service_records"].append(self._record(rng, members, hours, False))

    def _record(self, rng, members, hours: Decimal, verified: bool) -> tuple:
        member, _name = rng.choice(members)
        activity, description = rng.choice(SERVICE_KINDS)
        return (
            member,
            activity,
            rng.choice(self.days_this_year),
            hours,
            description,
            ServiceStatus.VERIFIED if verified else ServiceStatus.PENDING,
            self.now_db,
            self.now_db if verified else None,
            "",
        )

    def _serial_counters(self) -> None:
        """Certificates issued later in these counties continue after the synthetic serials."""
        SerialCounter.objects.bulk_create(
            [
                SerialCounter(year=year, county_code=county, last=last)
                for (year, county), last in self.serials.items()
            ],
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["year", "county_code"],
            update_fields=["last"],
        )


CERTIFICATE_COLUMNS = (
    "member",
    "course",
    "serial",
    "code",
    "status",
    "source",
    "issued_on",
    "expires_on",
    "completed_on",
    "holder_name",
    "course_title",
    "credit_hours",
    "issuing_organisation",
    "county_code",
    "status_changed_at",
    "created_at",
    "pdf",
    "pdf_sha256",
    "pdf_signed",
    "revoked_reason",
)
DOCUMENT_COLUMNS = ("team", "kind", "title", "file", "effective_on", "uploaded_at")
EQUIPMENT_COLUMNS = ("team", "item", "quantity", "checked_on", "notes")
SERVICE_COLUMNS = (
    "member",
    "activity",
    "date",
    "hours",
    "description",
    "status",
    "entered_at",
    "verified_at",
    "reject_reason",
)


def _how_many(rng: random.Random, members: int, share: float, short: bool) -> int:
    """How many of `members` reach something whose threshold is `share` of them: at least
    the threshold (up to all), or, when short, a fifth of them up to one under it."""
    needed = min(members, math.ceil(share * members - 1e-9))
    if short:
        return rng.randint(min(members // 5, max(0, needed - 1)), max(0, needed - 1))
    return rng.randint(needed, max(needed, round(members * 0.95)))


def _standard_thresholds(today: datetime.date) -> tuple[dict[str, float], list[str]]:
    """The thresholds the spread aims at: the standard in force, else the default one."""
    thresholds = {kind: float(value) for kind, value, _extra in CRITERIA}
    documents = list(DocumentKind.values)
    standard = ComplianceStandard.in_force(today)
    if standard is not None:
        for criterion in standard.criteria.all():
            if criterion.kind == CriterionKind.DOCUMENTS:
                documents = criterion.required_document_kinds
            elif criterion.kind != CriterionKind.CATEGORY:
                thresholds[criterion.kind] = max(
                    thresholds.get(criterion.kind, 0), float(criterion.threshold)
                )
    return thresholds, documents


def _equipment_items() -> list[tuple[int, int]]:
    """The standard equipment list: the demo's, created if the database has none."""
    if not EquipmentItem.objects.exists():
        EquipmentItem.objects.bulk_create(
            EquipmentItem(name=name, category=category, required_quantity=quantity, sort_order=n)
            for n, (name, category, quantity) in enumerate(EQUIPMENT, start=1)
        )
    return list(EquipmentItem.objects.order_by("pk").values_list("pk", "required_quantity"))


def _compliance_courses() -> list[CoursePage]:
    """The courses whose certificates the standard counts; two of our own if there are none."""
    standard = ComplianceStandard.in_force(timezone.localdate())
    ids = required_courses(standard) if standard is not None else []
    if not ids:
        ids = [_own_course(code, title, months).pk for code, title, months in OWN_COURSES]
    return list(CoursePage.objects.filter(pk__in=ids).order_by("code"))


def _own_course(code: str, title: str, months: int) -> CoursePage:
    existing = CoursePage.objects.filter(code=code).first()
    if existing is not None:
        return existing
    catalog = CourseIndexPage.objects.first()
    if catalog is None:
        home = HomePage.objects.filter(depth=2, locale=Locale.get_default()).first()
        parent = home or CourseIndexPage.get_first_root_node()
        catalog = parent.add_child(
            instance=CourseIndexPage(
                title="培训课程", slug="courses" if home else "scale-courses", show_in_menus=True
            )
        )
    return catalog.add_child(
        instance=CoursePage(
            title=title,
            slug=code.lower(),
            code=code,
            summary="规模测试用课程：计入队伍达标。",
            objectives="<ul><li>规模测试</li></ul>",
            certificate_validity_months=months,
            counts_toward_compliance=True,
        )
    )
