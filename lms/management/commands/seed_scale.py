"""Build a synthetic region at the action plan's full scale: `manage.py seed_scale`.

The tree (region → 14 cities → 111 counties → ~1,250 townships → N communities), one team per
community and 20–40 members per team are written with bulk inserts: the treebeard paths,
depths and child counts are computed here, so the result is a valid tree (Area.find_problems()
finds nothing) and treebeard's API keeps working on it.

With --with-activity the teams also get what the compliance benchmark evaluates: certificates,
drills held this year with their roll, documents, equipment, insurance and service hours
(lms/management/scale_activity.py), spread so that about half the teams meet the standard.
"""

import datetime
import random
import time
from contextlib import contextmanager
from itertools import accumulate

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.db.models import OuterRef, Q, Subquery
from django.db.models.deletion import (
    ProtectedError,
    RestrictedError,
    get_candidate_relations_to_delete,
)

from lms import id_crypto, idcard, pinyin
from lms.management.scale_activity import ACTIVITY_MODELS, activity_create, insert_rows
from lms.models import (
    Area,
    AreaProgress,
    Certificate,
    ComplianceSnapshot,
    Drill,
    DrillParticipation,
    InsurancePolicy,
    Member,
    MemberCategory,
    ServiceRecord,
    Team,
    TeamDocument,
    TeamEquipment,
    TeamStatus,
)

# 99 is no province's code, so the synthetic tree cannot clash with real (demo) areas, and as the
# largest root code it is appended after them without moving any node (node_order_by = code).
REGION_CODE = "990000"
REGION_NAME = "规模测试自治区"
# Real counts of the region (action plan): cities, counties, townships/streets.
FULL_SCALE = (14, 111, 1250)
DEFAULT_COMMUNITIES = 16197
MAX_PER_PARENT = 999  # township and community codes have 3 digits of their own
MEMBERS_PER_TEAM = (20, 40)
# The member columns the command fills; user and left_on stay NULL.
MEMBER_COLUMNS = (
    "team_id",
    "name",
    "name_pinyin",
    "gender",
    "birth_date",
    "phone",
    "id_number",
    "id_number_digest",
    "category",
    "joined_on",
    "skills",
)

SURNAMES = (
    "韦覃黄陆蒙农莫梁李陈罗廖潘卢黎谭唐苏周刘杨吴林邓蓝庞甘何冯钟"
    "韦覃黄韦覃黄陆蒙农莫梁"  # repeated: the commonest Guangxi surnames weigh more
)
MALE_NAMES = (  # noqa: SIM905 (a list literal would take a line per name)
    "志强 建华 国荣 海峰 文斌 永福 振宇 德明 俊杰 家豪 春生 立新 伟 军 斌 勇 明辉 少华 世杰 庆丰 "
    "金龙 光明 宏伟 忠诚 学文 耀华 晓东 卫国 壮 松 桂林 荣 柳青 有才 树森 家宝 子豪 浩然 宇航 锦江"
).split()
FEMALE_NAMES = (  # noqa: SIM905 (a list literal would take a line per name)
    "秀兰 丽萍 海燕 春梅 美玲 晓红 桂芳 玉婷 慧敏 雪梅 小燕 静 芳 燕 丽娟 凤英 金凤 翠华 佩珊 艳 "
    "秀英 桂兰 春燕 月娥 婷婷 思琪 雨欣 梦瑶 嘉怡 丹 琳 颖 玉兰 彩霞 美华 秋菊 荔 兰芳 雅琴 紫涵"
).split()
# Where members come from, weighted roughly as teams report them.
CATEGORY_WEIGHTS = {
    MemberCategory.VOLUNTEER: 28,
    MemberCategory.COMMUNITY_STAFF: 16,
    MemberCategory.VETERAN: 12,
    MemberCategory.UNIT_STAFF: 12,
    MemberCategory.SECURITY: 9,
    MemberCategory.MEDICAL: 8,
    MemberCategory.PURCHASED_SERVICE: 9,
    MemberCategory.RETIRED_FIREFIGHTER: 6,
}
MOBILE_PREFIXES = (  # noqa: SIM905 (a list literal would take a line per name)
    "130 131 132 135 136 137 138 139 150 151 152 158 177 180 186 187 188 199"
).split()
BORN = (datetime.date(1965, 1, 1).toordinal(), datetime.date(2005, 12, 31).toordinal())
JOINED = (datetime.date(2021, 6, 1).toordinal(), datetime.date(2025, 6, 30).toordinal())
FOUNDED = (datetime.date(2021, 3, 1).toordinal(), datetime.date(2023, 12, 31).toordinal())


def level_sizes(communities: int) -> tuple[int, int, int, int]:
    """(cities, counties, townships, communities) for N communities.

    Each level keeps its real count (14, 111, 1,250) unless that would leave an area without
    children: no level has more areas than the level below it. So 16,197 → 14/111/1,250/16,197,
    200 → 14/111/200/200 and 60 → 14/60/60/60.
    """
    townships = min(FULL_SCALE[2], communities)
    counties = min(FULL_SCALE[1], townships)
    cities = min(FULL_SCALE[0], counties)
    return cities, counties, townships, communities


def spread(total: int, parents: int) -> list[int]:
    """How many of `total` children each of `parents` gets: as even as possible, larger first."""
    base, extra = divmod(total, parents)
    return [base + (1 if i < extra else 0) for i in range(parents)]


def step(number: int) -> str:
    """A treebeard path step: `number` in base 36 (0-9A-Z), zero-padded to Area.steplen."""
    alphabet, digits = Area.alphabet, []
    while number:
        number, digit = divmod(number, len(alphabet))
        digits.append(alphabet[digit])
    return "".join(reversed(digits)).rjust(Area.steplen, alphabet[0])


class Command(BaseCommand):
    help = (
        "生成规模测试数据：一个合成的自治区（代码 990000），含 14 个市、111 个县、约 1,250 个乡镇、"
        "N 个社区（默认 16,197），每个社区一支响应队、每队 20–40 名队员（--seed 决定随机数）。"
        "社区较少时，每一级的数量不超过下一级（如 60 个社区：14 个市、60 个县、60 个乡镇）。"
        "数据用批量插入写入，因此不产生 django-simple-history 历史记录（对合成数据可以接受）。"
        "已有合成数据时拒绝运行；加 --reset 先删除合成自治区下的全部区域、队伍和队员。"
        "加 --with-activity 还为每支队伍生成本年度的证书、演练及参演记录、制度文件、装备、"
        "保险和服务时长（约一半队伍达标），供达标评估的性能测试使用。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--communities",
            type=int,
            default=DEFAULT_COMMUNITIES,
            help=f"社区（村）数量，每个社区一支队伍（默认 {DEFAULT_COMMUNITIES}）",
        )
        parser.add_argument("--seed", type=int, default=1, help="随机数种子（默认 1）")
        parser.add_argument(
            "--reset", action="store_true", help="先删除已有的合成数据（990000 之下的一切）"
        )
        parser.add_argument(
            "--with-activity",
            action="store_true",
            help="同时生成证书、演练、制度文件、装备、保险和服务时长（约一半队伍达标）",
        )

    def handle(self, *args, communities, seed, reset, with_activity=False, **options):
        if not settings.ALLOW_DEMO_DATA:
            raise CommandError("生产环境设置下禁止生成规模测试数据。")
        sizes = level_sizes(communities)
        if communities < 1 or communities > FULL_SCALE[2] * MAX_PER_PARENT:
            raise CommandError(f"--communities 应在 1 到 {FULL_SCALE[2] * MAX_PER_PARENT} 之间。")
        self.started = time.perf_counter()
        with transaction.atomic(), _sqlite_cache():
            existing = Area.objects.filter(code=REGION_CODE).first()
            if existing is not None:
                if not reset:
                    raise CommandError(
                        f"已存在规模测试数据「{existing.name}」（{REGION_CODE}）；"
                        "要重建请加 --reset（将删除该区域下的全部区域、队伍和队员）。"
                    )
                self._reset(existing)
            self._log(
                "生成：1 个自治区、{:,} 个市、{:,} 个县、{:,} 个乡镇、{:,} 个社区".format(*sizes)
            )
            communities_by_code = self._areas(sizes)
            teams = self._teams(communities_by_code, random.Random(f"{seed}-teams"))
            members = self._members(teams, random.Random(f"{seed}-members"))
            self._analyze((Area, Team, Member))
            self._leaders()
            if with_activity:
                activity_create(teams, seed=seed, log=self._log)
                self._analyze(ACTIVITY_MODELS)
        self._log(
            f"完成：{sum(sizes) + 1:,} 个区域、{len(teams):,} 支队伍、{members:,} 名队员",
            style=self.style.SUCCESS,
        )

    def _community_ids(self) -> models.QuerySet:
        return Area.objects.filter(path__startswith=self.region.path, depth=5).values("pk")

    # -- output ---------------------------------------------------------------------------
    def _log(self, message: str, style=None) -> None:
        line = f"[{time.perf_counter() - self.started:6.1f} s] {message}"
        self.stdout.write(style(line) if style else line)

    # -- reset ------------------------------------------------------------------------------
    def _reset(self, region: Area) -> None:
        areas = Area.objects.filter(path__startswith=region.path)
        teams = Team.objects.filter(community__in=areas)
        members = Member.objects.filter(team__in=teams)
        self._reset_activity(areas, teams, members)
        own = {Area, Team, Member}
        for model, rows in ((Member, members), (Team, teams), (Area, areas)):
            _release_dependents(model, rows, own)
        teams.update(leader=None, deputy=None)
        counts = [_delete_rows(rows) for rows in (members, teams, areas)]
        self._log("已删除旧的合成数据：{2:,} 个区域、{1:,} 支队伍、{0:,} 名队员".format(*counts))

    def _reset_activity(self, areas, teams, members) -> None:
        """DELETE what --with-activity wrote (and the compliance figures of the synthetic
        teams) table by table, before the members, teams and areas go."""
        drill_teams = Drill.teams.through.objects.filter(team__in=teams)
        drills = Drill.objects.filter(pk__in=drill_teams.values("drill_id"))
        policies = InsurancePolicy.objects.filter(team__in=teams)
        steps = [
            ServiceRecord.objects.filter(Q(member__in=members) | Q(drill__in=drills)),
            DrillParticipation.objects.filter(Q(member__in=members) | Q(drill__in=drills)),
            Certificate.objects.filter(member__in=members),
            InsurancePolicy.members.through.objects.filter(insurancepolicy__in=policies),
            policies,
            TeamDocument.objects.filter(team__in=teams),
            TeamEquipment.objects.filter(team__in=teams),
            ComplianceSnapshot.objects.filter(team__in=teams),
            AreaProgress.objects.filter(area__in=areas),
        ]
        deleted = sum(_delete_rows(rows) for rows in steps)
        # Drills go before the rows that name their teams (the subquery reads those rows).
        own = {ServiceRecord, DrillParticipation, Drill.teams.through}
        _release_dependents(Drill, drills, own)
        deleted += _delete_rows(drills) + _delete_rows(drill_teams)
        if deleted:
            self._log(f"已删除合成队伍的活动与达标数据 {deleted:,} 行")

    # -- the tree ---------------------------------------------------------------------------
    def _areas(self, sizes: tuple[int, int, int, int]) -> dict[str, int]:
        """Insert the tree below a new root; return the communities' ids by code."""
        region = self.region = Area.add_root(name=REGION_NAME, code=REGION_CODE)
        cities, counties, townships, communities = sizes
        rows: list[Area] = []

        def add(parent_path: str, number: int, name: str, code: str, numchild: int) -> str:
            path = parent_path + step(number)
            depth = len(path) // Area.steplen
            rows.append(Area(path=path, depth=depth, numchild=numchild, name=name, code=code))
            return path

        county_counts = iter(spread(counties, cities))
        township_counts = iter(spread(townships, counties))
        community_counts = iter(spread(communities, townships))
        for c in range(1, cities + 1):
            n_counties = next(county_counts)
            city_code = f"99{c:02d}00"
            city_path = add(region.path, c, f"测试市{c:02d}", city_code, n_counties)
            for k in range(1, n_counties + 1):
                n_townships = next(township_counts)
                county_code = f"99{c:02d}{k:02d}"
                county_path = add(city_path, k, f"测试县{county_code}", county_code, n_townships)
                for t in range(1, n_townships + 1):
                    n_communities = next(community_counts)
                    township_code = f"{county_code}{t:03d}"
                    township_path = add(
                        county_path, t, f"测试镇{township_code}", township_code, n_communities
                    )
                    for m in range(1, n_communities + 1):
                        code = f"{township_code}{m:03d}"
                        add(township_path, m, f"测试社区{code}", code, 0)
        Area.objects.bulk_create(rows, batch_size=2000)
        Area.objects.filter(pk=region.pk).update(numchild=cities)
        self._log(f"区域 {len(rows) + 1:,} 行")
        return dict(
            Area.objects.filter(path__startswith=region.path, depth=5).values_list("code", "pk")
        )

    def _teams(self, communities_by_code: dict[str, int], rng: random.Random) -> list[tuple]:
        """Insert one team per community; return (team id, county code) in community order."""
        rows = []
        for code, community_id in sorted(communities_by_code.items()):
            rows.append(
                Team(
                    community_id=community_id,
                    name=f"测试社区{code}应急响应队",
                    status=TeamStatus.ACTIVE,
                    founded_on=datetime.date.fromordinal(rng.randint(*FOUNDED)),
                    phone=f"0771-{rng.randrange(2_000_000, 8_000_000)}",
                )
            )
        Team.objects.bulk_create(rows, batch_size=2000)
        ids = dict(
            Team.objects.filter(community_id__in=Subquery(self._community_ids())).values_list(
                "community_id", "pk"
            )
        )
        self._log(f"队伍 {len(rows):,} 行")
        return [
            (ids[community_id], code[:6])
            for code, community_id in sorted(communities_by_code.items())
        ]

    def _members(self, teams: list[tuple], rng: random.Random) -> int:
        """Insert 20–40 members per team, in chunks of teams; return how many."""
        people = _NamePool()
        categories = list(CATEGORY_WEIGHTS)
        cum_weights = list(accumulate(CATEGORY_WEIGHTS.values()))
        born_days, joined_days = _days(*BORN), _days(*JOINED)
        used: set[str] = set()
        total = 0
        chunk = -(-len(teams) // 10)  # a tenth of the teams at a time: memory, and progress
        for start in range(0, len(teams), chunk):
            rows = []
            for team_id, county_code in teams[start : start + chunk]:
                for _ in range(rng.randint(*MEMBERS_PER_TEAM)):
                    male = rng.random() < 0.55
                    name, name_pinyin = people.pick(rng, male)
                    birth_date, yyyymmdd = rng.choice(born_days)
                    number = _unique_id_number(rng, county_code + yyyymmdd, male, used)
                    # Columns in MEMBER_COLUMNS order.
                    rows.append(
                        (
                            team_id,
                            name,
                            name_pinyin,
                            "M" if male else "F",
                            birth_date,
                            f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}",
                            # Raw rows skip the model field: encrypt and digest here.
                            id_crypto.encrypt(number),
                            id_crypto.digest(number),
                            rng.choices(categories, cum_weights=cum_weights)[0],
                            rng.choice(joined_days)[0],
                            "",
                        )
                    )
            insert_rows(Member, MEMBER_COLUMNS, rows)
            total += len(rows)
            done = min(start + chunk, len(teams))
            self._log(f"队员 {total:,} 行（{done:,}/{len(teams):,} 支队伍）")
        return total

    def _analyze(self, models_: tuple) -> None:
        """Refresh the planner's statistics: the tables just grew many times over."""
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for model in models_:
                cursor.execute(f"ANALYZE {quote(model._meta.db_table)}")
        self._log("统计信息已更新（ANALYZE）")

    def _leaders(self) -> None:
        """Each synthetic team's first two members become its leader and deputy (one UPDATE)."""
        first = Member.objects.filter(team=OuterRef("pk")).order_by("pk").values("pk")
        updated = Team.objects.filter(community_id__in=Subquery(self._community_ids())).update(
            leader=Subquery(first[:1]), deputy=Subquery(first[1:2])
        )
        self._log(f"队长、副队长 {updated:,} 支队伍")


class _NamePool:
    """Names built from common Guangxi surnames, each with its pinyin key computed once."""

    def __init__(self):
        self.names = {
            (surname, male): [
                (surname + given, pinyin.sort_key(surname + given))
                for given in (MALE_NAMES if male else FEMALE_NAMES)
            ]
            for surname in dict.fromkeys(SURNAMES)
            for male in (True, False)
        }

    def pick(self, rng: random.Random, male: bool) -> tuple[str, str]:
        return rng.choice(self.names[rng.choice(SURNAMES), male])


@contextmanager
def _sqlite_cache(mebibytes: int = 512):
    """On SQLite, a page cache big enough for the member indexes while the rows go in.

    With the default 2 MB the one long transaction spills and rewrites index pages to the WAL
    over and over: the full scale then waits on the disk for most of its time.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{mebibytes * 1024}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {previous}")


def _unique_id_number(rng: random.Random, area_and_birth: str, male: bool, used: set) -> str:
    """A valid ID number not yet in `used`: another 3-digit serial (odd for men) on a clash."""
    while True:
        first17 = f"{area_and_birth}{rng.randrange(500) * 2 + male:03d}"
        if first17 not in used:
            used.add(first17)
            return first17 + idcard.check_char(first17)


def _days(first: int, last: int) -> list[tuple]:
    """Each day from ordinal `first` to `last`: (the value the database takes, "YYYYMMDD")."""
    adapt = connection.ops.adapt_datefield_value
    days = (datetime.date.fromordinal(n) for n in range(first, last + 1))
    return [(adapt(day), f"{day:%Y%m%d}") for day in days]


def _release_dependents(model, rows: models.QuerySet, own: set) -> None:
    """Clear what other tables hold on `rows` the way their on_delete says, before a raw delete.

    The raw delete skips Django's collector (which would load and signal half a million rows);
    this does the collector's job for rows of other models that point at them.
    """
    for rel in get_candidate_relations_to_delete(model._meta):
        related, field = rel.related_model, rel.field
        if related in own or rel.on_delete is models.DO_NOTHING:  # history rows keep dangling ids
            continue
        dependents = related._base_manager.filter(**{f"{field.name}__in": rows})
        if not dependents.exists():
            continue
        if rel.on_delete is models.CASCADE:
            try:
                dependents.delete()
            except (ProtectedError, RestrictedError) as exc:
                raise CommandError(f"不能删除合成数据：{exc.args[0]}") from exc
        elif rel.on_delete is models.SET_NULL:
            dependents.update(**{field.name: None})
        else:
            raise CommandError(
                f"合成数据仍被 {related._meta.verbose_name}（{related._meta.label}）引用，"
                "不能删除；请先删除这些记录。"
            )


def _delete_rows(rows: models.QuerySet) -> int:
    """DELETE the rows in one statement, without loading them or sending signals."""
    model = rows.model
    subquery, params = rows.order_by().values("pk").query.sql_with_params()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {quote(model._meta.db_table)} WHERE {quote(model._meta.pk.column)} "
            f"IN ({subquery})",
            params,
        )
        return cursor.rowcount
