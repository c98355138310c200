"""Public pages under load: a static file, the home page and an article, from one server.

Builds a throwaway demo site (migrate, seed_demo, collectstatic in a temporary directory),
serves it with gunicorn on 127.0.0.1 (static files by WhiteNoise inside the same WSGI app), then
puts the targets under a closed-loop load from separate client processes, taking turns in short
rounds so that whatever else the machine is doing weighs on each alike, and prints requests,
errors, req/s, p50/p95 latency, each page's req/s relative to the static file's, and the share
of page-cache hits. Anonymous pages come from the page cache after their first request in each
worker; the warm-up fills it.

Aim: the cached article serves at least half as many requests per second as the static file.
Falling short is reported (BELOW) but is not a failure; the exit code is non-zero only when the
server fails or more than 1% of a target's requests fail.

    .venv/bin/python bench/public_pages.py [--workers 4] [--clients 3] [--duration 5]

Environment: BENCH_DATABASE_URL (PostgreSQL scratch database instead of SQLite) and
BENCH_REDIS_URL (page cache on Redis instead of per-worker local memory); see bench/_harness.py.
"""

import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import (
    BenchError,
    LoadGenerator,
    Result,
    Server,
    Target,
    Workspace,
    argument_parser,
    exit_status,
    format_table,
    machine_note,
    ms,
    percent,
    run,
    run_record,
    write_json,
)

AIM = 0.5  # cached article req/s as a share of the static file's
PAGE_CACHE_HEADER = "X-Page-Cache"

STATIC = Target("static file", "/static/cms/css/site.css")
HOME = Target("home page", "/", track_header=PAGE_CACHE_HEADER)
ARTICLE = Target("article", "/articles/flood-safety/", track_header=PAGE_CACHE_HEADER)
TARGETS = (STATIC, HOME, ARTICLE)


def main() -> int:
    args = argument_parser(__doc__).parse_args()
    began = time.perf_counter()
    machine = machine_note()
    with Workspace("public_pages", keep=args.keep_temp) as site:
        print(f"machine: {machine}", flush=True)
        print(f"site: {site.describe()}", flush=True)
        steps = site.prepare_demo_site()
        print("setup: " + ", ".join(f"{k} {v:.1f} s" for k, v in steps.items()), flush=True)
        with (
            Server(
                site,
                workers=args.workers,
                worker_class=args.worker_class,
                threads=args.threads,
                preload=args.preload,
            ) as server,
            LoadGenerator(args.clients) as load,
        ):
            print(f"server: {server.describe()}", flush=True)
            for target in TARGETS:
                status = server.get(target.path)[0]
                if status != target.expect_status:
                    raise BenchError(f"{target.path} answered HTTP {status}, not 200")
            how = f"{args.requests} requests" if args.requests else f"{args.duration:g} s"
            print(
                f"load: {args.clients} client processes, closed loop; per target {args.warmup:g} s"
                f" warm-up, then {how} in {args.rounds} turns taken with the other targets",
                flush=True,
            )
            results = load.compare(
                server,
                TARGETS,
                duration=args.duration,
                requests=args.requests,
                rounds=args.rounds,
                warmup=args.warmup,
                timeout=args.timeout,
            )
            try:
                server.check()
                server_failure = None
            except BenchError as exc:
                server_failure = exc

    static, article = results[0], results[-1]
    ratio = article.rps / static.rps if static.rps else math.nan
    print()
    print(report(results))
    verdict = "PASS" if ratio >= AIM else "BELOW"
    note = ""
    if article.share("hit") < 0.99:
        note = f" (only {percent(article.share('hit'))} of article responses were cache hits)"
    requests = sum(r.requests for r in results)
    if sum(r.connections for r in results) > requests / 2:
        print(
            f"({args.worker_class} workers close the connection after each response: one TCP"
            " connection per request;\n --worker-class gthread keeps connections alive)"
        )
    print(f"\naim: cached article ≥ {AIM}× static — {ratio:.2f}× {verdict}{note}")
    print(f"total {time.perf_counter() - began:.0f} s")

    if args.json:
        record = run_record("public_pages", args, machine, site)
        record.update(
            {
                "results": [r.as_dict() for r in results],
                "aim": {"article_vs_static": round(ratio, 3), "target": AIM, "verdict": verdict},
            }
        )
        write_json(args.json, record)

    return exit_status(results, server_failure)


def report(results: list[Result]) -> str:
    static_rps = results[0].rps
    rows = [
        [
            r.target.name,
            r.target.path,
            str(r.requests),
            str(r.errors),
            f"{r.rps:.0f}",
            ms(r.percentile(50)),
            ms(r.percentile(95)),
            f"{r.rps / static_rps:.2f}×" if static_rps else "—",
            percent(r.share("hit")) if r.target.track_header else "—",
        ]
        for r in results
    ]
    headers = ["target", "path", "requests", "errors", "req/s", "p50 ms", "p95 ms"]
    return format_table([*headers, "× static", "cache hits"], rows, left=2)


if __name__ == "__main__":
    run(main)
