"""Full-scale synthetic data: how long `seed_scale` takes, and what a subtree count costs.

In a throwaway database (SQLite in a temporary directory, or a PostgreSQL scratch database
through BENCH_DATABASE_URL; removed afterwards) this migrates, times `manage.py seed_scale` at
the action plan's scale (16,197 communities, ~485,000 members), then counts one city's members
with the ORM (`Member.objects.within(city).count()`) and with hand-written SQL, alternating,
and reports the median of each. The SQL reference is the query an engineer would write for
speed: the city's subtree as a range of `path`, which an index answers. For comparison it also
times the same SQL with `LIKE 'path%'` (what `path__startswith` compiles to) and the ORM with a
`path__range` filter.

Aims: the full scale is built in under 3 minutes; the ORM subtree count is within 1.5× of the
raw SQL. Falling short is reported (BELOW), not a failure; the exit code is non-zero only when
the benchmark cannot run or the counts disagree.

    .venv/bin/python bench/seed_scale.py [--communities 16197] [--repeat 20] [--with-activity]
                                         [--keep-temp]

--with-activity times `seed_scale --with-activity` instead (certificates, drills, documents,
equipment, insurance and service hours as well; the figures bench/compliance.py evaluates).

Environment: BENCH_DATABASE_URL=postgres://user@host:5432/db runs on PostgreSQL: a scratch
database is created through that URL and dropped afterwards (see bench/_harness.py).
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
)

FULL_SCALE = 16197
AIM_SECONDS = 180.0  # full scale built in under 3 minutes
AIM_RATIO = 1.5  # ORM subtree count at most 1.5× the raw SQL's time
CITY_CODE = "990100"  # the synthetic region's first (largest) city
# The queries compared, by label.
ORM = "ORM  Member.objects.within(city).count()"
ORM_RANGE = "ORM  Member.objects.filter(team__community__path__range=…).count()"
RAW = "SQL  JOIN … WHERE path >= %s AND path <= %s  (reference)"
RAW_LIKE = "SQL  JOIN … WHERE path LIKE 'path%'"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--communities", type=int, default=FULL_SCALE)
    parser.add_argument("--repeat", type=int, default=20, help="timed runs of each query")
    parser.add_argument(
        "--with-activity", action="store_true", help="seed the teams' activity as well"
    )
    parser.add_argument("--keep-temp", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    began = time.perf_counter()
    print(f"machine: {machine_note()}", flush=True)
    with Workspace("seed_scale", settings="cms.settings.dev", keep=args.keep_temp) as site:
        print(f"site: {site.describe()}", flush=True)
        for name in INHERITED_ENV_DROPPED:
            os.environ.pop(name, None)
        os.environ.update(site.env)  # cms.settings.dev, DEBUG=false, the scratch database
        try:
            build = _build(args.communities, with_activity=args.with_activity)
            timings, counts, city = _subtree_counts(args.repeat)
        finally:
            _close_connections()

    print()
    rows = [[label, f"{counts[label]:,}", ms(timings[label])] for label in timings]
    print(f"subtree member count of {city}, median of {args.repeat} runs each (alternating):")
    print(format_table(["query", "members", "median ms"], rows))
    if len(set(counts.values())) != 1:
        raise BenchError(f"the queries disagree on the count: {counts}")

    print()
    wall, cpu = build
    if args.communities == FULL_SCALE:
        verdict = "PASS" if wall < AIM_SECONDS else "BELOW"
    else:
        verdict = f"not measured ({args.communities:,} communities, not the full scale)"
    what = "full scale with activity" if args.with_activity else "full scale"
    print(f"aim: {what} built in under 3 minutes — {wall:.1f} s (CPU {cpu:.1f} s) {verdict}")
    ratio = timings[ORM] / timings[RAW]
    verdict = "PASS" if ratio <= AIM_RATIO else "BELOW"
    print(f"aim: ORM subtree count within {AIM_RATIO}× of raw SQL — {ratio:.2f}× {verdict}")
    print(f"total {time.perf_counter() - began:.0f} s")
    return 0


def _build(communities: int, *, with_activity: bool = False) -> tuple[float, float]:
    """Migrate and run seed_scale in this process; return seed_scale's wall and CPU seconds."""
    # Django is imported here, not at the top: the workspace's environment must be set first.
    import django

    django.setup()
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    print(f"migrate {time.perf_counter() - started:.1f} s", flush=True)

    flag = " --with-activity" if with_activity else ""
    print(f"seed_scale --communities {communities}{flag}:", flush=True)
    started, cpu_started = time.perf_counter(), time.process_time()
    call_command(
        "seed_scale",
        communities=communities,
        seed=1,
        with_activity=with_activity,
        stdout=sys.stdout,
    )
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(f"seed_scale {wall:.1f} s (CPU of this process {cpu:.1f} s)", flush=True)
    return wall, cpu


def _subtree_counts(repeat: int) -> tuple[dict[str, float], dict[str, int], str]:
    from django.db import connection

    from lms.models import Area, Member

    city = Area.objects.get(code=CITY_CODE)
    # Every descendant's path starts with the city's and continues with 0-9A-Z only.
    low, high = (
        city.path,
        city.path + Area.alphabet[-1] * (Area._meta.get_field("path").max_length - len(city.path)),
    )
    joins = (
        "SELECT COUNT(*) FROM lms_member m JOIN lms_team t ON t.id = m.team_id "
        "JOIN lms_area a ON a.id = t.community_id WHERE "
    )

    def sql(where: str, params: list) -> int:
        with connection.cursor() as cursor:
            cursor.execute(joins + where, params)
            return cursor.fetchone()[0]

    queries = {
        ORM: lambda: Member.objects.within(city).count(),
        ORM_RANGE: lambda: Member.objects.filter(team__community__path__range=(low, high)).count(),
        RAW: lambda: sql("a.path >= %s AND a.path <= %s", [low, high]),
        RAW_LIKE: lambda: sql("a.path LIKE %s", [city.path + "%"]),
    }
    samples: dict[str, list[float]] = {label: [] for label in queries}
    counts = {label: query() for label, query in queries.items()}  # warm-up
    for _ in range(repeat):
        for label, query in queries.items():
            started = time.perf_counter()
            query()
            samples[label].append((time.perf_counter() - started) * 1000)
    timings = {label: statistics.median(values) for label, values in samples.items()}
    return timings, counts, f"{city.name} ({city.code})"


def _close_connections() -> None:
    """Before the workspace drops a PostgreSQL scratch database."""
    if "django" in sys.modules:
        from django.db import connections

        connections.close_all()


if __name__ == "__main__":
    run(main)
