"""Compliance at the region's full scale: evaluating every team, the roll-up, the dashboard.

In a throwaway database this migrates and runs `seed_scale --communities 16197
--with-activity` (16,197 teams, ~487,000 members, with certificates, drills and their roll,
documents, equipment, insurance and service hours; about half the teams meet the default
standard), then measures, each against the same figures computed by one hand-written SQL
query in the same run (the query an engineer would write for speed):

(a) Full re-evaluation: `teams_evaluate()` of every team (the snapshots exist: each is
    rewritten), the median of --evaluations runs; also the first evaluation (creating the
    snapshots) and the part spent gathering the figures (`team_figures`). Reference: one SQL
    query with a CTE per kind of record that yields every team's members, category counts,
    certified members per course, drills, participants, documents, complete equipment items,
    insured members, verified and pending hours, and whether the team passes.
(b) The region roll-up as the dashboard gets it: `area_overview(region, year)` (the children's
    roll-ups, the region's figures summed from them); `area_rollup` and `child_rollups` alone
    are timed too.
    Reference: one GROUP BY over the teams (left-joined to their snapshots) by the first
    characters of the community's path (each child's teams, evaluated and compliant; the
    region's are their sums). The services also count the failing criteria: on PostgreSQL
    that part is timed too in SQL (jsonb_array_elements_text), for comparison only.
(c) The region dashboard: GET /admin/compliance/ as the region's administrator through
    django.test.Client in this process (no server, so the figure is the view's own time), the
    median of --requests requests after two unmeasured ones. Reference: the SQL of (b).

The hand-written SQL and the services must agree: every team's member count and result, and
each child area's teams, evaluated and compliant teams. A disagreement fails the run.

Aims (issue 8): full re-evaluation under 60 s; roll-up within 3× of the raw SQL; the dashboard
under 200 ms. Falling short is reported (BELOW), not a failure; the exit code is non-zero only
when the benchmark cannot run or the figures disagree.

    .venv/bin/python bench/compliance.py [--communities 16197] [--evaluations 3] [--repeat 10]
                                         [--requests 20] [--sqlite] [--keep-temp] [--json PATH]

Database: PostgreSQL, as production runs: BENCH_DATABASE_URL when set, otherwise the local
PostgreSQL at postgres://postgres@127.0.0.1:5432/postgres if it answers (a scratch database
is created there and dropped afterwards, never an existing one); SQLite in the temporary
directory when neither is there, or with --sqlite.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import (
    INHERITED_ENV_DROPPED,
    BenchError,
    Workspace,
    format_table,
    machine_note,
    ms,
    run,
    write_json,
)
from bench.exam_load import choose_database

FULL_SCALE = 16197
AIM_EVALUATION = 60.0  # seconds for a full re-evaluation
AIM_ROLLUP_RATIO = 3.0  # roll-up at most 3× the raw SQL's time
AIM_DASHBOARD = 200.0  # ms for the region dashboard
DASHBOARD = "/admin/compliance/"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--communities", type=int, default=FULL_SCALE)
    parser.add_argument("--evaluations", type=int, default=3, help="timed full re-evaluations")
    parser.add_argument("--repeat", type=int, default=10, help="timed runs of each roll-up")
    parser.add_argument("--requests", type=int, default=20, help="timed dashboard requests")
    parser.add_argument(
        "--sqlite", action="store_true", help="SQLite even when PostgreSQL is available"
    )
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    parser.add_argument("--keep-temp", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    if min(args.evaluations, args.repeat, args.requests, args.communities) < 1:
        parser.error("--communities, --evaluations, --repeat and --requests must be positive")
    began = time.perf_counter()
    print(f"machine: {machine_note()}", flush=True)
    database_note = choose_database(sqlite=args.sqlite)
    with Workspace("compliance", settings="cms.settings.dev", keep=args.keep_temp) as site:
        print(f"site: {site.describe()}", flush=True)
        if database_note:
            print(database_note, flush=True)
        for name in INHERITED_ENV_DROPPED:
            os.environ.pop(name, None)
        os.environ.update(site.env)  # cms.settings.dev, DEBUG=false, the scratch database
        try:
            seed_seconds = _build(args.communities)
            figures = _measure(args)
        finally:
            _close_connections()
    figures["seed_scale_with_activity_s"] = seed_seconds
    status = _report(figures, args)
    if args.json:
        write_json(args.json, {"benchmark": "compliance", "database": site.database, **figures})
    print(f"total {time.perf_counter() - began:.0f} s")
    return status


def _build(communities: int) -> float:
    """Migrate and run seed_scale --with-activity in this process; return its seconds."""
    # Django is imported here, not at the top: the workspace's environment must be set first.
    import django

    django.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    print(f"migrate {time.perf_counter() - started:.1f} s", flush=True)
    print(f"seed_scale --communities {communities} --with-activity:", flush=True)
    started = time.perf_counter()
    call_command(
        "seed_scale", communities=communities, seed=1, with_activity=True, stdout=sys.stdout
    )
    wall = time.perf_counter() - started
    print(f"seed_scale {wall:.1f} s", flush=True)
    return wall


def _measure(args) -> dict:
    from django.utils import timezone

    from lms.management.commands.seed_scale import REGION_CODE
    from lms.models import Area

    on = timezone.localdate()
    region = Area.objects.get(code=REGION_CODE)
    figures: dict = {"communities": args.communities, "on": on.isoformat()}
    figures.update(_evaluation(on, args.evaluations))
    figures.update(_rollup(region, on.year, args.repeat))
    figures.update(_dashboard(region, args.requests))
    return figures


# -- (a) evaluating every team ---------------------------------------------------------------


def _evaluation(on, evaluations: int) -> dict:
    from django.db import connection

    from lms.models import ComplianceSnapshot, ComplianceStandard
    from lms.services.compliance import required_courses, team_figures, teams_evaluate

    standard = ComplianceStandard.in_force(on)
    if standard is None:
        raise BenchError("no construction standard in force (migration 0007 seeds one)")
    courses = required_courses(standard)
    print("\n(a) evaluating every team", flush=True)
    started = time.perf_counter()
    written = teams_evaluate(on=on)
    first = time.perf_counter() - started
    print(f"first evaluation (creates {written:,} snapshots) {first:.1f} s", flush=True)

    sql, params = evaluation_sql(standard, on, courses)
    again, raw, gather = [], [], []
    for n in range(evaluations):
        started = time.perf_counter()
        teams_evaluate(on=on)
        again.append(time.perf_counter() - started)
        started = time.perf_counter()
        team_figures(None, year=on.year, on=on, course_ids=courses)
        gather.append(time.perf_counter() - started)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        raw.append(time.perf_counter() - started)
        print(
            f"run {n + 1}: teams_evaluate() {again[-1]:.1f} s, team_figures() {gather[-1]:.1f} s, "
            f"SQL {raw[-1]:.2f} s",
            flush=True,
        )

    # Agreement, team by team: members and the result.
    by_sql = {row[0]: (row[1], bool(row[-1])) for row in rows}
    by_service = {
        team_id: ((f or {}).get("members", 0), passed)
        for team_id, passed, f in ComplianceSnapshot.objects.filter(year=on.year).values_list(
            "team_id", "passed", "figures"
        )
    }
    differ = [
        pk for pk in by_sql.keys() | by_service.keys() if by_sql.get(pk) != by_service.get(pk)
    ]
    return {
        "evaluate_first_s": first,
        "evaluate_s": statistics.median(again),
        "team_figures_s": statistics.median(gather),
        "evaluate_sql_s": statistics.median(raw),
        "teams": len(by_sql),
        "compliant_sql": sum(passed for _m, passed in by_sql.values()),
        "compliant_service": sum(passed for _m, passed in by_service.values()),
        "members_sql": sum(m for m, _p in by_sql.values()),
        "members_service": sum(m for m, _p in by_service.values()),
        "teams_differing": len(differ),
        "teams_differing_sample": sorted(differ)[:10],
    }


def evaluation_sql(standard, on, course_ids: list[int]) -> tuple[str, list]:
    """One query: every team's figures (a CTE per kind of record) and whether it passes the
    standard, judged in SQL the way lms.services.compliance.judge does."""
    import datetime

    from django.db import connection
    from django.utils import timezone

    from lms.models import (
        Certificate,
        Drill,
        DrillParticipation,
        EquipmentItem,
        InsurancePolicy,
        Member,
        ServiceRecord,
        Team,
        TeamDocument,
        TeamEquipment,
    )

    t = {
        name: connection.ops.quote_name(model._meta.db_table)
        for name, model in {
            "team": Team,
            "member": Member,
            "certificate": Certificate,
            "drill": Drill,
            "drill_teams": Drill.teams.through,
            "participation": DrillParticipation,
            "document": TeamDocument,
            "team_equipment": TeamEquipment,
            "item": EquipmentItem,
            "policy": InsurancePolicy,
            "policy_members": InsurancePolicy.members.through,
            "service": ServiceRecord,
        }.items()
    }
    ops = connection.ops
    day = ops.adapt_datefield_value(on)
    tz = timezone.get_current_timezone()  # the year as the site counts it (Asia/Shanghai)
    start = ops.adapt_datetimefield_value(datetime.datetime(on.year, 1, 1, tzinfo=tz))
    end = ops.adapt_datetimefield_value(datetime.datetime(on.year + 1, 1, 1, tzinfo=tz))
    jan1 = ops.adapt_datefield_value(datetime.date(on.year, 1, 1))
    dec31 = ops.adapt_datefield_value(datetime.date(on.year, 12, 31))
    active = "(mm.left_on IS NULL OR mm.left_on > %s)"
    criteria = list(standard.criteria.all())
    categories = [c.category for c in criteria if c.kind == "category"]
    documents = next(
        (c.required_document_kinds for c in criteria if c.kind == "documents"), ["charter"]
    )
    items = EquipmentItem.objects.count()

    params: list = []
    category_cols = "".join(
        f", SUM(CASE WHEN mm.category = %s THEN 1 ELSE 0 END) AS cat_{i}"
        for i in range(len(categories))
    )
    params += [*categories, day]
    members_cte = (
        f"m AS (SELECT mm.team_id, COUNT(*) AS members{category_cols} FROM {t['member']} mm "
        f"WHERE {active} GROUP BY mm.team_id)"
    )
    course_cols = ", ".join(
        f"COUNT(DISTINCT CASE WHEN c.course_id = %s THEN c.member_id END) AS course_{i}"
        for i in range(len(course_ids))
    )
    course_list = ", ".join(["%s"] * len(course_ids))
    certificates_cte = (
        f"c AS (SELECT mm.team_id, {course_cols} FROM {t['certificate']} c "
        f"JOIN {t['member']} mm ON mm.id = c.member_id "
        f"WHERE c.status = 'valid' AND (c.expires_on IS NULL OR c.expires_on >= %s) "
        f"AND {active} AND c.course_id IN ({course_list}) GROUP BY mm.team_id)"
    )
    if course_ids:
        params += [*course_ids, day, day, *course_ids]
    params += [start, end, start, end, day]
    document_list = ", ".join(["%s"] * len(documents))
    ctes = [
        members_cte,
        *([certificates_cte] if course_ids else []),
        f"d AS (SELECT dt.team_id, COUNT(DISTINCT d.id) AS drills FROM {t['drill']} d "
        f"JOIN {t['drill_teams']} dt ON dt.drill_id = d.id "
        f"WHERE d.status = 'held' AND d.starts_at >= %s AND d.starts_at < %s "
        f"GROUP BY dt.team_id)",
        f"p AS (SELECT mm.team_id, COUNT(DISTINCT p.member_id) AS took_part "
        f"FROM {t['participation']} p JOIN {t['drill']} d ON d.id = p.drill_id "
        f"JOIN {t['member']} mm ON mm.id = p.member_id "
        f"WHERE d.status = 'held' AND d.starts_at >= %s AND d.starts_at < %s AND {active} "
        f"GROUP BY mm.team_id)",
        f"doc AS (SELECT team_id, COUNT(DISTINCT kind) AS documents FROM {t['document']} "
        f"WHERE kind IN ({document_list}) GROUP BY team_id)",
        f"eq AS (SELECT te.team_id, COUNT(DISTINCT te.item_id) AS complete "
        f"FROM {t['team_equipment']} te JOIN {t['item']} i ON i.id = te.item_id "
        f"WHERE te.quantity >= i.required_quantity GROUP BY te.team_id)",
        f"ins AS (SELECT mm.team_id, COUNT(DISTINCT pm.member_id) AS insured "
        f"FROM {t['policy_members']} pm JOIN {t['policy']} ip ON ip.id = pm.insurancepolicy_id "
        f"JOIN {t['member']} mm ON mm.id = pm.member_id "
        f"WHERE ip.starts_on <= %s AND ip.ends_on >= %s AND {active} GROUP BY mm.team_id)",
        f"h AS (SELECT mm.team_id, "
        f"SUM(CASE WHEN s.status = 'verified' THEN s.hours ELSE 0 END) AS hours, "
        f"SUM(CASE WHEN s.status = 'pending' THEN 1 ELSE 0 END) AS pending "
        f"FROM {t['service']} s JOIN {t['member']} mm ON mm.id = s.member_id "
        f"WHERE s.date >= %s AND s.date <= %s AND {active} GROUP BY mm.team_id)",
    ]
    params += [*documents, day, day, day, jan1, dec31, day]

    members = "COALESCE(m.members, 0)"
    courses = [f"COALESCE(c.course_{i}, 0)" for i in range(len(course_ids))]

    def share(part: str, whole: str) -> str:
        return f"(CASE WHEN {whole} > 0 THEN {part} * 1.0 / {whole} ELSE 0 END)"

    tests, test_params = [f"{members} > 0"], []
    for c in criteria:
        threshold = float(c.threshold) - 1e-9
        if c.kind == "members":
            tests.append(f"{members} >= %s")
        elif c.kind == "category":
            tests.append(f"COALESCE(m.cat_{categories.index(c.category)}, 0) >= %s")
        elif c.kind == "certificates":
            named = [course_ids.index(c.course_id)] if c.course_id else range(len(course_ids))
            if not named:
                tests.append("1 = 0")  # no course counts: the service fails it too
                continue
            tests.append(" AND ".join(f"{share(courses[i], members)} >= %s" for i in named))
            test_params += [threshold] * (len(named) - 1)
        elif c.kind == "drills":
            tests.append("COALESCE(d.drills, 0) >= %s")
        elif c.kind == "drill_participation":
            tests.append(f"{share('COALESCE(p.took_part, 0)', members)} >= %s")
        elif c.kind == "documents":
            tests.append("COALESCE(doc.documents, 0) >= %s")
            threshold = len(documents)
        elif c.kind == "equipment":
            tests.append(
                f"{share('COALESCE(eq.complete, 0)', str(items))} >= %s" if items else "1 = 1"
            )
            if not items:
                continue
        elif c.kind == "insurance":
            tests.append(f"{share('COALESCE(ins.insured, 0)', members)} >= %s")
        elif c.kind == "service_hours":
            tests.append(f"{share('COALESCE(h.hours, 0)', members)} >= %s")
        else:
            raise BenchError(f"criterion kind {c.kind!r} has no SQL here")
        test_params.append(threshold)
    passes = " AND ".join(f"({test})" for test in tests)
    figures = ", ".join(
        [
            members,
            *courses,
            "COALESCE(d.drills, 0)",
            "COALESCE(p.took_part, 0)",
            "COALESCE(doc.documents, 0)",
            "COALESCE(eq.complete, 0)",
            "COALESCE(ins.insured, 0)",
            "COALESCE(h.hours, 0)",
            "COALESCE(h.pending, 0)",
        ]
    )
    joins = " ".join(
        f"LEFT JOIN {name} ON {name}.team_id = t.id"
        for name in ["m", *(["c"] if course_ids else []), "d", "p", "doc", "eq", "ins", "h"]
    )
    sql = (
        f"WITH {', '.join(ctes)} "
        f"SELECT t.id, {figures}, CASE WHEN {passes} THEN 1 ELSE 0 END AS passed "
        f"FROM {t['team']} t {joins}"
    )
    return sql, params + test_params


# -- (b) the region roll-up ------------------------------------------------------------------


def rollup_sql(region) -> tuple[str, list]:
    """Each child area's teams, evaluated and compliant teams: one GROUP BY on the path."""
    from django.db import connection

    from lms.models import Area, ComplianceSnapshot, Team

    quote = connection.ops.quote_name
    team, area, snapshot = (quote(m._meta.db_table) for m in (Team, Area, ComplianceSnapshot))
    length = len(region.path) + Area.steplen
    sql = (
        f"SELECT SUBSTR(a.path, 1, {length}) AS prefix, COUNT(t.id), COUNT(s.id), "
        f"SUM(CASE WHEN s.passed THEN 1 ELSE 0 END) "
        f"FROM {team} t JOIN {area} a ON a.id = t.community_id "
        f"LEFT JOIN {snapshot} s ON s.team_id = t.id AND s.year = %s "
        f"WHERE a.path >= %s AND a.path < %s GROUP BY 1"
    )
    return sql, [region.path, region.path + "~"]


def failing_sql(region) -> tuple[str, list]:
    """PostgreSQL only, for comparison: each child's failing teams per criterion kind too."""
    from django.db import connection

    from lms.models import Area, ComplianceSnapshot, Team

    quote = connection.ops.quote_name
    team, area, snapshot = (quote(m._meta.db_table) for m in (Team, Area, ComplianceSnapshot))
    length = len(region.path) + Area.steplen
    sql = (
        f"SELECT SUBSTR(a.path, 1, {length}), k.kind, COUNT(*) "
        f"FROM {snapshot} s JOIN {team} t ON t.id = s.team_id "
        f"JOIN {area} a ON a.id = t.community_id "
        f"CROSS JOIN LATERAL jsonb_array_elements_text(s.failed_kinds) AS k(kind) "
        f"WHERE s.year = %s AND NOT s.passed AND a.path >= %s AND a.path < %s GROUP BY 1, 2"
    )
    return sql, [region.path, region.path + "~"]


def _rollup(region, year: int, repeat: int) -> dict:
    from django.db import connection

    from lms.selectors.compliance import area_overview, area_rollup, child_rollups

    print("\n(b) the region roll-up", flush=True)

    def raw(query):
        sql, params = query(region)

        def execute():
            with connection.cursor() as cursor:
                cursor.execute(sql, [year, *params])
                return cursor.fetchall()

        return execute

    queries = {
        "orm": lambda: area_overview(region, year),
        "area_rollup": lambda: area_rollup(region, year),
        "child_rollups": lambda: child_rollups(region, year),
        "sql": raw(rollup_sql),
    }
    if connection.vendor == "postgresql":
        queries["sql_failing"] = raw(failing_sql)
    total, children = queries["orm"]()  # warm-up, and the figures to compare
    rows = queries["sql"]()
    samples: dict[str, list[float]] = {label: [] for label in queries}
    for _ in range(repeat):
        for label, query in queries.items():
            started = time.perf_counter()
            query()
            samples[label].append((time.perf_counter() - started) * 1000)

    by_sql = {
        prefix: (teams, evaluated, int(compliant or 0))
        for prefix, teams, evaluated, compliant in rows
    }
    by_orm = {r.area.path: (r.teams, r.evaluated, r.compliant) for r in children if r.teams}
    summed = tuple(sum(v[i] for v in by_sql.values()) for i in range(3))
    # The region's own figures, by a query of their own, must match the sums too.
    direct = area_rollup(region, year)
    agree = (
        by_sql == by_orm
        and summed == (total.teams, total.evaluated, total.compliant)
        and summed == (direct.teams, direct.evaluated, direct.compliant)
    )
    medians = {label: statistics.median(values) for label, values in samples.items()}
    return {
        "rollup_ms": medians["orm"],
        "area_rollup_ms": medians["area_rollup"],
        "child_rollups_ms": medians["child_rollups"],
        "rollup_sql_ms": medians["sql"],
        "rollup_sql_failing_ms": medians.get("sql_failing"),
        "rollup_children": len(children),
        "rollup_region": [total.teams, total.evaluated, total.compliant],
        "rollup_region_sql": list(summed),
        "rollup_share": round(total.share, 4),
        "rollup_target": None if total.target is None else float(total.target),
        "rollup_failing": total.failing[:5],
        "rollup_agree": agree,
    }


# -- (c) the region dashboard ----------------------------------------------------------------


def _dashboard(region, requests: int) -> dict:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from lms.models import AreaAdministrator
    from lms.roles import AREA_ADMINISTRATORS, lms_roles_setup

    print(f"\n(c) the region dashboard {DASHBOARD}", flush=True)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    groups = lms_roles_setup()
    user = get_user_model().objects.create_user("bench-region-admin", password="x")
    user.groups.add(groups[AREA_ADMINISTRATORS])
    AreaAdministrator.objects.create(user=user, area=region)
    client = Client()
    client.force_login(user)

    # The dashboard sends each administrator on to their top area's page: that page is the
    # request measured (the redirect itself costs a scope lookup).
    url = DASHBOARD
    first = client.get(url)
    if first.status_code == 302 and first["Location"].startswith("/admin/"):
        url = first["Location"]
        first = client.get(url)
    if first.status_code != 200:
        note = (
            f"{DASHBOARD} answered HTTP {first.status_code} for the region administrator: "
            "the dashboard is not there yet (or refuses); not measured"
        )
        print(note, flush=True)
        return {"dashboard_status": first.status_code, "dashboard_note": note}
    print(f"{DASHBOARD} → {url}", flush=True)
    body = first.content.decode()
    # Counted by a wrapper: the request's start resets the debug cursor's log.
    queries: list[str] = []
    timed: list[tuple[float, str]] = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timed.append(((time.perf_counter() - started) * 1000, sql))

    with connection.execute_wrapper(count):
        client.get(url)
    # Where the request's database time goes: its slowest queries.
    for elapsed, sql in sorted(timed, reverse=True)[:5]:
        print(f"  {elapsed:7.1f} ms  {' '.join(sql.split())[:150]}", flush=True)
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise BenchError(f"{url} answered HTTP {response.status_code} under load")
    samples.sort()
    return {
        "dashboard_url": url,
        "dashboard_status": 200,
        "dashboard_ms": statistics.median(samples),
        "dashboard_p95_ms": samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))],
        "dashboard_queries": len(queries),
        "dashboard_bytes": len(first.content),
        "dashboard_names_region": region.name in body,
    }


# -- the report ------------------------------------------------------------------------------


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "BELOW"


def _report(f: dict, args) -> int:
    print()
    print(
        f"seed_scale --communities {args.communities} --with-activity: "
        f"{f['seed_scale_with_activity_s']:.1f} s"
    )
    print(
        f"teams {f['teams']:,}; compliant by the service {f['compliant_service']:,}, "
        f"by the SQL {f['compliant_sql']:,}; members {f['members_service']:,} / "
        f"{f['members_sql']:,}; teams whose members or result differ: {f['teams_differing']}"
    )
    print(
        f"region roll-up (teams, evaluated, compliant): service {f['rollup_region']}, "
        f"SQL {f['rollup_region_sql']}; {f['rollup_children']} cities, agree: "
        f"{'yes' if f['rollup_agree'] else 'NO'}; share {f['rollup_share']:.1%}, target "
        f"{f['rollup_target']}; failing most {f['rollup_failing']}"
    )
    rows = [
        [
            "(a) full re-evaluation teams_evaluate()",
            f"{f['evaluate_s']:.1f} s",
            f"{f['evaluate_sql_s']:.2f} s",
            f"{f['evaluate_s'] / f['evaluate_sql_s']:.1f}×",
        ],
        [
            "    of which gathering the figures (team_figures)",
            f"{f['team_figures_s']:.1f} s",
            f"{f['evaluate_sql_s']:.2f} s",
            f"{f['team_figures_s'] / f['evaluate_sql_s']:.1f}×",
        ],
        [
            "    first evaluation (creates the snapshots)",
            f"{f['evaluate_first_s']:.1f} s",
            "",
            "",
        ],
        [
            "(b) region roll-up area_overview",
            f"{ms(f['rollup_ms'])} ms",
            f"{ms(f['rollup_sql_ms'])} ms",
            f"{f['rollup_ms'] / f['rollup_sql_ms']:.1f}×",
        ],
        ["    area_rollup alone", f"{ms(f['area_rollup_ms'])} ms", "", ""],
        ["    child_rollups alone", f"{ms(f['child_rollups_ms'])} ms", "", ""],
    ]
    if f["rollup_sql_failing_ms"] is not None:
        rows.append(
            [
                "    (SQL adding the failing criteria per child, jsonb)",
                "",
                f"{ms(f['rollup_sql_failing_ms'])} ms",
                "",
            ]
        )
    if "dashboard_ms" in f:
        rows.append(
            [
                f"(c) GET {f['dashboard_url']} (region administrator)",
                f"{ms(f['dashboard_ms'])} ms (p95 {ms(f['dashboard_p95_ms'])}, "
                f"{f['dashboard_queries']} queries)",
                f"{ms(f['rollup_sql_ms'])} ms",
                f"{f['dashboard_ms'] / f['rollup_sql_ms']:.1f}×",
            ]
        )
    print()
    print(format_table(["measure (median)", "service", "one SQL query", "ratio"], rows))
    print()
    full = args.communities == FULL_SCALE
    scale = "" if full else f" (at {args.communities:,} communities, not the full scale)"
    print(
        f"aim: full re-evaluation under {AIM_EVALUATION:.0f} s — {f['evaluate_s']:.1f} s "
        f"{_verdict(f['evaluate_s'] < AIM_EVALUATION)}{scale}"
    )
    ratio = f["rollup_ms"] / f["rollup_sql_ms"]
    print(
        f"aim: roll-up within {AIM_ROLLUP_RATIO:.0f}× of raw SQL — {ratio:.1f}× "
        f"{_verdict(ratio <= AIM_ROLLUP_RATIO)}{scale}"
    )
    if "dashboard_ms" in f:
        print(
            f"aim: dashboard under {AIM_DASHBOARD:.0f} ms — {ms(f['dashboard_ms'])} ms "
            f"{_verdict(f['dashboard_ms'] < AIM_DASHBOARD)}{scale}"
        )
    else:
        print(f"aim: dashboard under {AIM_DASHBOARD:.0f} ms — not measured: {f['dashboard_note']}")
    if f["teams_differing"] or not f["rollup_agree"]:
        print(
            "FAILED: the hand-written SQL and the service disagree "
            f"(teams {f['teams_differing_sample']}…)",
            file=sys.stderr,
        )
        return 1
    return 0


def _close_connections() -> None:
    """Before the workspace drops a PostgreSQL scratch database."""
    if "django" in sys.modules:
        from django.db import connections

        connections.close_all()


if __name__ == "__main__":
    run(main)
