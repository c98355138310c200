"""A member learning under load: the lesson (JSON API), marking progress, against a static file.

Builds a throwaway site (migrate and collectstatic in a temporary directory; no demo data) and
writes the benchmark's own data through the services: a course of --lessons lessons (a heading,
rich text, an image, key steps, a callout and two knowledge checks each), --members members each
with a user and a password, all enrolled. Then:

1. SQL queries per request, counted in a process of the site with the Django test client and
   CaptureQueriesContext: the lesson endpoint (first opening and again), marking progress and
   the member's enrollments, for a lesson of a 10- and of a 40-lesson course, by a member with 1
   and with 20 enrollments. Aim: the same count in every case (no N+1).
2. gunicorn serves the site on 127.0.0.1; one member per client process logs in through the
   login form, and the targets take turns under a closed-loop load: a static file (WhiteNoise in
   the same WSGI app, the trivial reference), /healthz, GET /api/v1/lessons/{id}, the HTML
   lesson page /learn/lessons/{id}/ when the site has one (skipped with a note if it answers
   404), and POST /api/v1/lessons/{id}/progress (session cookie plus CSRF token, as a browser
   sends it). Aim: the lesson and the progress endpoint each serve at least half as many
   requests per second as the static file.

Falling short of an aim is reported (BELOW), not a failure; the exit code is non-zero only when
the server fails or more than 1% of a target's requests fail.

    .venv/bin/python bench/learning.py [--lessons 10] [--members 20] [--workers 4] [--clients 3]

Environment: BENCH_DATABASE_URL (PostgreSQL scratch database instead of SQLite) and
BENCH_REDIS_URL (cache on Redis); see bench/_harness.py.
"""

import http.client
import json
import math
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import (
    DEMO_PASSWORD,
    REPO_ROOT,
    BenchError,
    LoadGenerator,
    Result,
    Server,
    Session,
    Target,
    Workspace,
    argument_parser,
    exit_status,
    format_table,
    machine_note,
    ms,
    python_executable,
    run,
    run_record,
    write_json,
)

AIM = 0.5  # lesson and progress req/s as a share of the static file's
IN_SITE = "--in-site"  # this script, run again inside the workspace to use Django itself
PROGRESS_BODY = b'{"completed": true, "seconds_spent": 30}'
STATIC = Target("static file", "/static/cms/css/site.css")
HEALTHZ = Target("healthz", "/healthz")
# Courses of the query-count table: (code, lessons); members with 1 and with 20 enrollments.
QUERY_COURSES = (("Q-10", 10), ("Q-40", 40))
ENROLLMENTS_MANY = 20


def main() -> int:
    parser = argument_parser(__doc__)
    bench = parser.add_argument_group("learning")
    bench.add_argument("--lessons", type=int, default=10, help="lessons of the course under load")
    bench.add_argument("--members", type=int, default=20, help="members enrolled in it")
    args = parser.parse_args()
    if args.lessons < 1 or args.members < 1:
        parser.error("--lessons and --members must be at least 1")
    began = time.perf_counter()
    machine = machine_note()
    with Workspace("learning", keep=args.keep_temp) as site:
        print(f"machine: {machine}", flush=True)
        print(f"site: {site.describe()}", flush=True)
        steps = prepare(site)
        started = time.perf_counter()
        data = in_site(site, "seed", {"lessons": args.lessons, "members": args.members})
        steps["data"] = time.perf_counter() - started
        print("setup: " + ", ".join(f"{k} {v:.1f} s" for k, v in steps.items()), flush=True)
        counts = in_site(site, "queries", {k: data[k] for k in ("scenarios", "warmup")})
        print()
        print("SQL queries per request (Django test client in the site's process):")
        print(query_table(counts))
        print(flush=True)

        lesson = data["lesson_id"]
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
            users = data["usernames"][: args.clients]
            sessions = [server.login(username, DEMO_PASSWORD) for username in users]
            print(f"logged in: {len(sessions)} members, one per client process", flush=True)
            targets, notes = choose_targets(server, sessions[0], lesson)
            how = f"{args.requests} requests" if args.requests else f"{args.duration:g} s"
            print(
                f"load: {args.clients} client processes, closed loop; per target {args.warmup:g} s"
                f" warm-up, then {how} in {args.rounds} turns taken with the other targets",
                flush=True,
            )
            results = load.compare(
                server,
                targets,
                duration=args.duration,
                requests=args.requests,
                rounds=args.rounds,
                warmup=args.warmup,
                timeout=args.timeout,
                sessions=sessions,
            )
            try:
                server.check()
                server_failure = None
            except BenchError as exc:
                server_failure = exc

    print()
    print(report(results))
    for note in notes:
        print(note)
    if sum(r.connections for r in results) > sum(r.requests for r in results) / 2:
        print(
            f"({args.worker_class} workers close the connection after each response: one TCP"
            " connection per request;\n --worker-class gthread keeps connections alive)"
        )
    print()
    static = results[0]
    aims = {}
    for result in results:
        if result.target.name.startswith(("lesson", "mark progress")):
            ratio = result.rps / static.rps if static.rps else math.nan
            verdict = "PASS" if ratio >= AIM else "BELOW"
            aims[result.target.name] = {"vs_static": round(ratio, 3), "verdict": verdict}
            print(f"aim: {result.target.name} ≥ {AIM}× static — {ratio:.2f}× {verdict}")
    constant = queries_constant(counts)
    verdict = "PASS" if constant else "BELOW"
    aims["queries_constant"] = {"verdict": verdict}
    print(
        "aim: SQL queries per request the same at 10 and 40 lessons, 1 and 20 enrollments — "
        f"{'constant' if constant else 'they grow'} {verdict}"
    )
    print(f"total {time.perf_counter() - began:.0f} s")

    if args.json:
        record = run_record("learning", args, machine, site)
        record.update(
            {
                "data": {"lessons": args.lessons, "members": args.members},
                "queries": counts,
                "results": [r.as_dict() for r in results],
                "notes": notes,
                "aims": aims,
            }
        )
        write_json(args.json, record)

    return exit_status(results, server_failure)


def prepare(site: Workspace) -> dict[str, float]:
    """Migrate, collecting static files alongside; no demo data (the benchmark makes its own)."""
    with ThreadPoolExecutor(max_workers=1) as alongside:
        static = alongside.submit(site.manage, "collectstatic", "--noinput", "--skip-checks")
        steps = {"migrate": site.manage("migrate", "--noinput", "--skip-checks")}
        steps["collectstatic (alongside)"] = static.result()
    return steps


def choose_targets(server: Server, session: Session, lesson: int) -> tuple[list[Target], list[str]]:
    """The targets, each checked once first; the HTML lesson page only if the site has one."""
    json_headers = {"Content-Type": "application/json", "Accept": "application/json"}
    lesson_api = Target("lesson (JSON API)", f"/api/v1/lessons/{lesson}")
    lesson_html = Target("lesson (HTML page)", f"/learn/lessons/{lesson}/")
    progress = Target(
        "mark progress (POST)",
        f"/api/v1/lessons/{lesson}/progress",
        method="POST",
        body=PROGRESS_BODY,
        headers=json_headers,
    )
    notes = []
    for target in (STATIC, HEALTHZ, lesson_api, progress):
        status, body = _request(server, target, session)
        if status != target.expect_status:
            raise BenchError(
                f"{target.method} {target.path} answered HTTP {status}:\n{body[:400]!r}"
            )
    if b'"explanation"' in _request(server, lesson_api, session)[1]:
        raise BenchError("the lesson JSON carries a knowledge check's explanation")
    targets = [STATIC, HEALTHZ, lesson_api]
    status, _body = _request(server, lesson_html, session)
    if status == 200:
        targets.append(lesson_html)
    else:
        notes.append(
            f"note: {lesson_html.path} answered HTTP {status}, not 200: the HTML lesson page "
            "is not there yet; skipped"
        )
    targets.append(progress)
    return targets, notes


def _request(server: Server, target: Target, session: Session) -> tuple[int, bytes]:
    """One request as a client process would send it (cookies; CSRF token unless GET)."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        headers = {**target.headers, **session.headers(csrf=target.method != "GET")}
        conn.request(target.method, target.path, body=target.body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def in_site(site: Workspace, step: str, params: dict) -> dict:
    """Run one of the steps below in a Python process of the site; return what it printed."""
    try:
        proc = subprocess.run(
            [python_executable(), __file__, IN_SITE, step, json.dumps(params)],
            cwd=REPO_ROOT,
            env=site.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"step {step!r} took longer than 300 s") from exc
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-25:])
        raise BenchError(f"step {step!r} failed (exit {proc.returncode}):\n{tail}")
    return json.loads(lines[-1])


# --- the report ------------------------------------------------------------------------------

COUNT_COLUMNS = {
    "open": "GET lesson (first)",
    "lesson": "GET lesson (again)",
    "progress": "POST progress",
    "enrollments": "GET /me/enrollments",
}


def query_table(counts: dict) -> str:
    rows = [
        [
            row["label"],
            str(row["lessons"]),
            str(row["enrollments_of_member"]),
            *(str(row[key]) for key in COUNT_COLUMNS),
        ]
        for row in counts["rows"]
    ]
    headers = ["lesson of", "lessons", "enrollments", *COUNT_COLUMNS.values()]
    return format_table(headers, rows)


def queries_constant(counts: dict) -> bool:
    return all(len({row[key] for row in counts["rows"]}) == 1 for key in COUNT_COLUMNS)


def report(results: list[Result]) -> str:
    static_rps = results[0].rps
    rows = [
        [
            r.target.name,
            f"{r.target.method} {r.target.path}",
            str(r.requests),
            str(r.errors),
            f"{r.rps:.0f}",
            ms(r.percentile(50)),
            ms(r.percentile(95)),
            f"{r.rps / static_rps:.2f}×" if static_rps else "—",
        ]
        for r in results
    ]
    headers = ["target", "request", "requests", "errors", "req/s", "p50 ms", "p95 ms", "× static"]
    return format_table(headers, rows, left=2)


# --- inside the site: Django is imported only here, in a process the workspace's env points ---


def _seed(params: dict) -> dict:
    """The course under load, its members, and what the query-count table needs."""
    import datetime
    import io

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.files.images import ImageFile

    from wagtail.images import get_image_model
    from wagtail.models import Page

    from PIL import Image as PILImage

    from courses.models import CourseIndexPage, CoursePage, LessonPage
    from lms import idcard
    from lms.api.learning import IMAGE_RENDITION
    from lms.models import MemberCategory, TeamStatus
    from lms.services.areas import area_create
    from lms.services.enrollments import enrollment_create
    from lms.services.members import member_create
    from lms.services.teams import team_create

    buffer = io.BytesIO()
    PILImage.new("RGB", (1600, 1200), (200, 60, 40)).save(buffer, "PNG")
    image = get_image_model().objects.create(
        title="止血示意图", file=ImageFile(buffer, name="bench-bleeding.png")
    )
    image.get_rendition(IMAGE_RENDITION)  # made once here, as the first visitor would

    def body(n: int) -> list:
        check = {
            "question": "大出血时首先应该？",
            "options": ["等待救护车", "直接压迫止血", "给伤者喝水"],
            "correct": [2],
            "explanation": "直接压迫是最有效的现场止血方法。",
        }
        paragraph = "<p>现场急救第{n}课：保持冷静，确认环境安全，<b>先救命后治伤</b>。</p>"
        return [
            ("heading", {"text": f"第{n}课 要点", "level": "h2"}),
            ("paragraph", paragraph.format(n=n)),
            ("image", {"image": image, "caption": "按压位置"}),
            ("paragraph", "<p>用干净的布或纱布直接按压伤口，持续按压，不要反复查看。</p>"),
            ("key_steps", {"title": "关键步骤", "steps": ["评估环境", "按压止血", "拨打120"]}),
            ("callout", {"kind": "warning", "title": "注意", "text": "<p>不要拔出异物。</p>"}),
            ("do_dont", {"do": ["持续按压", "抬高伤肢"], "dont": ["反复查看伤口"]}),
            ("knowledge_check", check),
            ("knowledge_check", {**check, "question": "按压止血时应该？"}),
        ]

    catalog = Page.get_first_root_node().add_child(
        instance=CourseIndexPage(title="培训课程", slug="courses")
    )

    def course(code: str, lessons: int) -> tuple[CoursePage, list[int]]:
        page = catalog.add_child(
            instance=CoursePage(
                title=f"现场急救 {code}",
                slug=code.lower(),
                code=code,
                hazard_category="first_aid",
                summary="止血、包扎、心肺复苏。",
                objectives="<ul><li>掌握现场止血</li></ul>",
            )
        )
        ids = [
            page.add_child(
                instance=LessonPage(
                    title=f"第{n}课", slug=f"lesson-{n}", estimated_minutes=10, body=body(n)
                )
            ).pk
            for n in range(1, lessons + 1)
        ]
        return page, ids

    region = area_create(name="基准测试自治区", code="990000")
    city = area_create(parent=region, name="基准市", code="990100")
    county = area_create(parent=city, name="基准区", code="990101")
    township = area_create(parent=county, name="基准街道", code="990101001")
    community = area_create(parent=township, name="基准社区", code="990101001001")
    team = team_create(community=community, name="基准社区应急响应队", status=TeamStatus.ACTIVE)
    password = make_password(DEMO_PASSWORD)  # hashed once: every member has the same
    born = datetime.date(1985, 6, 15)
    serial = iter(range(1, 1000))

    def member(username: str):
        number = next(serial)
        first17 = f"990101{born:%Y%m%d}{number:03d}"
        return member_create(
            team=team,
            name=f"队员{number}",
            gender="M" if number % 2 else "F",
            birth_date=born,
            phone=f"138{number:08d}",
            id_number=first17 + idcard.check_char(first17),
            category=MemberCategory.VOLUNTEER,
            user=get_user_model().objects.create(username=username, password=password),
        )

    load_course, load_lessons = course("BENCH", params["lessons"])
    usernames = []
    for i in range(params["members"]):
        usernames.append(f"bench{i:03d}")
        enrollment_create(member=member(usernames[-1]), course=load_course, source="self")

    # The query-count table: a lesson in the middle of a 10- and of a 40-lesson course, opened
    # by a member enrolled only there and by one with ENROLLMENTS_MANY enrollments.
    courses = {code: course(code, n) for code, n in QUERY_COURSES}
    fillers = [course(f"F-{i}", 2) for i in range(ENROLLMENTS_MANY - len(courses))]
    many = member("query-many")
    for page, _ids in [*courses.values(), *fillers]:
        enrollment_create(member=many, course=page, source="self")
    scenarios = []
    for code, (page, ids) in courses.items():
        one = member(f"query-one-{code.lower()}")
        enrollment_create(member=one, course=page, source="self")
        for username, enrollments in ((one.user.username, 1), ("query-many", ENROLLMENTS_MANY)):
            scenarios.append(
                {
                    "label": code,
                    "lessons": len(ids),
                    "lesson_id": ids[len(ids) // 2],
                    "username": username,
                    "enrollments_of_member": enrollments,
                }
            )
    return {
        "lesson_id": load_lessons[len(load_lessons) // 2],
        "usernames": usernames,
        "scenarios": scenarios,
        # Opened once before counting: a process's first request fills per-process caches
        # (content types and the like), which the counts must not include.
        "warmup": {"username": "query-many", "lesson_id": fillers[0][1][0]},
    }


def _queries(params: dict) -> dict:
    """Count the SQL queries of each request with the test client, as a member would send it."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    def count(client: Client, method: str, path: str, **kwargs) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = getattr(client, method)(path, **kwargs)
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code}: {response.content[:300]!r}")
        return len(queries)

    warmup = Client(HTTP_HOST="127.0.0.1")
    warmup.force_login(get_user_model().objects.get(username=params["warmup"]["username"]))
    for path in ("/api/v1/me/enrollments", f"/api/v1/lessons/{params['warmup']['lesson_id']}"):
        count(warmup, "get", path)
    rows = []
    for scenario in params["scenarios"]:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(get_user_model().objects.get(username=scenario["username"]))
        url = f"/api/v1/lessons/{scenario['lesson_id']}"
        row = dict(scenario)
        row["open"] = count(client, "get", url)
        row["lesson"] = count(client, "get", url)
        if b'"explanation"' in client.get(url).content:
            raise RuntimeError("the lesson JSON carries a knowledge check's explanation")
        row["progress"] = count(
            client, "post", f"{url}/progress", data=PROGRESS_BODY, content_type="application/json"
        )
        row["enrollments"] = count(client, "get", "/api/v1/me/enrollments")
        rows.append(row)
    return {"rows": rows}


def _in_site_main() -> None:
    step, params = sys.argv[2], json.loads(sys.argv[3])
    result = {"seed": _seed, "queries": _queries}[step](params)
    print(json.dumps(result))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == IN_SITE:
        _in_site_main()
    else:
        run(main)
