"""Members taking the final exam at once: start, save 20 answers, submit; and no answer lost.

Builds a throwaway site (migrate and collectstatic in a temporary directory; no demo data) and
writes the benchmark's own data through the services: a live course of --lessons lessons, a
question bank of 24 questions (single choice, multiple choice, true/false), a final exam of 20
fixed questions (shuffled questions and options, 30-minute limit, unlimited attempts) and
--members members each with a user and a password, all enrolled. Then:

1. SQL queries per request, counted in a process of the site with the Django test client and
   CaptureQueriesContext: starting an attempt, saving an answer (first time and overwriting
   it), submitting, and /healthz. (Where the time of a request goes.)
2. gunicorn serves the site on 127.0.0.1. One extra member logs in through the login form and
   takes the exam once, to check the API's shapes (and that the open attempt's JSON carries
   no key or explanation). The members' sessions are made in the site's process, as the login
   form makes them (the form's password hash costs about a second of CPU per member, which
   is not what this measures and would double the run). Then all --members members run at
   once, each its own closed loop (the next request as soon as the previous response is read)
   with its own session cookie and CSRF token, spread as threads over --clients client
   processes. They move through the phases together (a barrier between phases, so each
   phase's figures are its own, not mixed with another request's):

       trivial view   GET /healthz, 10 requests each (plus 2 unmeasured first)
       start          POST /api/v1/exams/{exam}/attempts
       save answer    PUT  /api/v1/attempts/{attempt}/answers/{position}, 20 each, in turn,
                      {"choices": [key]} with a random option (two for a multiple choice)
       submit         POST /api/v1/attempts/{attempt}/submit
       trivial view   GET /healthz, 10 more each

   The trivial view is measured the same way, in the same run, before and after the exam, so
   a change in what else the machine does weighs on both. Answers saved per second is the
   save phase's requests answered per second; its p50/p95 are the latencies of single saves
   (with N members queueing for the server's workers, as in an exam hall: by Little's law
   about N / (requests per second), which is why --timeout defaults to 60 s here).
3. In a process of the site again, the database is read: every answer the server accepted
   (HTTP 2xx) must be in its attempt at its position with exactly the choices sent, and every
   attempt whose submit was accepted must be graded, once (its history shows one change from
   open to graded).

Aims: answers saved per second at least half the trivial view's requests per second; zero
lost answers. Falling short of the first is reported (BELOW), not a failure; the exit code is
non-zero when the server fails, more than 1% of a phase's requests fail, an accepted answer is
lost or an accepted submit left its attempt ungraded (or graded twice).

    .venv/bin/python bench/exam_load.py [--members 100] [--workers 4] [--clients 3] [--sqlite]

The load is counted, not timed: --duration, --requests, --warmup and --rounds do not apply.

Database: PostgreSQL, as an exam hall's server would run: BENCH_DATABASE_URL when set,
otherwise the local PostgreSQL at postgres://postgres@127.0.0.1:5432/postgres if it answers
(a scratch database is created there and dropped afterwards); SQLite in the temporary
directory when neither is there, or with --sqlite. BENCH_REDIS_URL puts the cache on Redis,
and with it the sessions (read through the cache, a query less per request); see
bench/_harness.py.
"""

import http.client
import itertools
import json
import math
import multiprocessing
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from array import array
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._harness import (
    DEMO_PASSWORD,
    REPO_ROOT,
    BenchError,
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

AIM = 0.5  # answers saved per second as a share of the trivial view's requests per second
IN_SITE = "--in-site"  # this script, run again inside the workspace to use Django itself
LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
ANSWERS = 20  # questions of the exam, each answered once by every member
BANK = 24  # questions in the bank
TRIVIAL_WARMUP = 2  # unmeasured trivial requests per member before anything is measured
TRIVIAL_EACH = 10  # measured trivial requests per member, before and again after the exam
BARRIER_TIMEOUT = 300.0  # seconds a phase may take before the run is abandoned
JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}

TRIVIAL = Target("trivial view", "/healthz")
START = Target("start attempt", "/api/v1/exams/{exam}/attempts", method="POST")
SAVE = Target("save answer", "/api/v1/attempts/{attempt}/answers/{position}", method="PUT")
SUBMIT = Target("submit", "/api/v1/attempts/{attempt}/submit", method="POST")
PHASES = ("warm-up", "trivial 1", "start", "save", "submit", "trivial 2")
# Keys of the open attempt's JSON that would give the answer away.
SECRET_KEYS = ("answer", "correct", "correct_indexes", "is_correct", "explanation")


def main() -> int:
    parser = argument_parser(__doc__)
    bench = parser.add_argument_group("exam")
    bench.add_argument("--members", type=int, default=100, help="members taking the exam at once")
    bench.add_argument("--lessons", type=int, default=3, help="lessons of the course")
    bench.add_argument(
        "--sqlite", action="store_true", help="SQLite even when PostgreSQL is available"
    )
    # A hundred members queue for four workers: a start or submit may wait its turn for
    # seconds, and a client that gave up would turn a busy server into errors.
    parser.set_defaults(timeout=60.0)
    args = parser.parse_args()
    if not 1 <= args.members <= 900 or args.lessons < 1:
        parser.error("--members must be 1 to 900 and --lessons at least 1")
    began = time.perf_counter()
    machine = machine_note()
    database_note = choose_database(sqlite=args.sqlite)
    with Workspace("exam_load", keep=args.keep_temp) as site:
        print(f"machine: {machine}", flush=True)
        print(f"site: {site.describe()}", flush=True)
        if database_note:
            print(database_note, flush=True)
        steps = prepare(site)
        started = time.perf_counter()
        data = in_site(site, "seed", {"members": args.members, "lessons": args.lessons})
        steps["data"] = time.perf_counter() - started
        print("setup: " + ", ".join(f"{k} {v:.1f} s" for k, v in steps.items()), flush=True)
        queries = in_site(site, "queries", {"username": data["query_user"], "exam": data["exam"]})
        counts = queries["counts"]
        print()
        print("SQL queries per request (Django test client in the site's process):")
        print(format_table(["request", "queries"], [[k, str(v)] for k, v in counts.items()]))
        print("the queries of a save:")
        for sql in queries["save_sql"]:
            print(f"  {sql if len(sql) <= 150 else sql[:149] + '…'}")
        print(flush=True)

        with Server(
            site,
            workers=args.workers,
            worker_class=args.worker_class,
            threads=args.threads,
            preload=args.preload,
        ) as server:
            print(f"server: {server.describe()}", flush=True)
            probe = server.login(data["probe_user"], DEMO_PASSWORD)
            sessions = [Session(cookies) for cookies in data["sessions"]]
            print(
                f"signed in: {len(sessions)} members (sessions made in the site's process),"
                " one more through the login form",
                flush=True,
            )
            check_api(server, probe, data["exam"])
            processes = min(args.clients, args.members)
            print(
                f"load: {args.members} members at once, each a closed loop with its own session,"
                f" as threads of {processes} client processes; phases in step: {TRIVIAL_EACH}"
                f" trivial requests each, start, {ANSWERS} saves, submit, {TRIVIAL_EACH} trivial"
                " requests",
                flush=True,
            )
            logs = drive(server, sessions, data["exam"], processes, args.timeout)
            try:
                server.check()
                server_failure = None
            except BenchError as exc:
                server_failure = exc
        results, exam_seconds = tally(logs, args.members, data["exam"])
        saved = [s for log in logs for s in log.saved]
        submitted = [log.attempt for log in logs if log.attempt and log.submitted]
        started_attempts = [log.attempt for log in logs if log.attempt]
        check = in_site(
            site,
            "verify",
            {"saved": saved, "submitted": submitted, "started": started_attempts},
        )

    trivial, save = results[0], results[2]
    print()
    print(report(results))
    if sum(r.connections for r in results) > sum(r.requests for r in results) / 2:
        print(
            f"({args.worker_class} workers close the connection after each response: one TCP"
            " connection per request;\n --worker-class gthread keeps connections alive)"
        )
    print()
    answers_per_s = save.rps
    print(
        f"answers saved per second: {answers_per_s:.0f} (p50 {ms(save.percentile(50))} ms,"
        f" p95 {ms(save.percentile(95))} ms); trivial view {trivial.rps:.0f} req/s"
        f" (p50 {ms(trivial.percentile(50))} ms, p95 {ms(trivial.percentile(95))} ms)"
    )
    print(
        f"whole exam, first start to last submit: {exam_seconds:.1f} s,"
        f" {len(saved) / exam_seconds if exam_seconds else math.nan:.0f} answers/s"
    )
    print(
        f"answers accepted: {len(saved)} of {save.requests} sent; in the database afterwards:"
        f" {check['found']}; lost answers: {check['lost']}"
    )
    print(
        f"attempts: {len(started_attempts)} started, {len(submitted)} submits accepted,"
        f" {check['graded_once']} graded once, {len(check['grading_problems'])} not"
    )
    for problem in check["lost_examples"] + check["grading_problems"][:5]:
        print(f"  {problem}")
    print()
    ratio = answers_per_s / trivial.rps if trivial.rps else math.nan
    verdict = "PASS" if ratio >= AIM else "BELOW"
    print(f"aim: answers saved per second ≥ {AIM}× the trivial view — {ratio:.2f}× {verdict}")
    lost_verdict = "PASS" if check["lost"] == 0 else "FAILED"
    print(f"aim: zero lost answers — {check['lost']} lost {lost_verdict}")
    print(f"total {time.perf_counter() - began:.0f} s")

    if args.json:
        record = run_record("exam_load", args, machine, site)
        record["load"] = {
            "members": args.members,
            "client_processes": processes,
            "answers_per_member": ANSWERS,
            "trivial_requests_per_member": 2 * TRIVIAL_EACH,
            "timeout": args.timeout,
        }
        record.update(
            {
                "data": {"members": args.members, "lessons": args.lessons, "bank": BANK},
                "queries": queries,
                "results": [r.as_dict() for r in results],
                "exam_seconds": round(exam_seconds, 3),
                "answers": {
                    "accepted": len(saved),
                    "found": check["found"],
                    "lost": check["lost"],
                    "per_second": round(answers_per_s, 1),
                },
                "attempts": {
                    "started": len(started_attempts),
                    "submits_accepted": len(submitted),
                    "graded_once": check["graded_once"],
                    "grading_problems": check["grading_problems"],
                },
                "aims": {
                    "answers_vs_trivial": {"ratio": round(ratio, 3), "verdict": verdict},
                    "zero_lost": {"lost": check["lost"], "verdict": lost_verdict},
                },
            }
        )
        write_json(args.json, record)

    status = exit_status(results, server_failure)
    if check["lost"] or check["grading_problems"]:
        print(
            f"FAILED: {check['lost']} lost answers, {len(check['grading_problems'])} attempts"
            " not graded exactly once",
            file=sys.stderr,
        )
        status = 1
    return status


def choose_database(*, sqlite: bool) -> str:
    """PostgreSQL unless told otherwise: BENCH_DATABASE_URL, else the local server if it
    answers. Returns a note to print when the choice is not the obvious one."""
    if sqlite:
        os.environ.pop("BENCH_DATABASE_URL", None)
        return "note: --sqlite: the issue's figures are for PostgreSQL"
    if os.environ.get("BENCH_DATABASE_URL"):
        return ""
    try:
        import psycopg

        with psycopg.connect(LOCAL_POSTGRES, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # no driver, no server, no such role: SQLite it is
        return f"note: no PostgreSQL at {LOCAL_POSTGRES} ({type(exc).__name__}); on SQLite"
    os.environ["BENCH_DATABASE_URL"] = LOCAL_POSTGRES
    return ""


def prepare(site: Workspace) -> dict[str, float]:
    """Migrate, collecting static files alongside; no demo data (the benchmark makes its own)."""
    with ThreadPoolExecutor(max_workers=1) as alongside:
        static = alongside.submit(site.manage, "collectstatic", "--noinput", "--skip-checks")
        steps = {"migrate": site.manage("migrate", "--noinput", "--skip-checks")}
        steps["collectstatic (alongside)"] = static.result()
    return steps


def check_api(server: Server, session: Session, exam: int) -> None:
    """One member takes the exam once before the load: the endpoints answer as expected, and
    the open attempt's JSON gives no answer away."""
    client = _Client(server.host, server.port, session, timeout=30)
    status, body = client.call("POST", START.path.format(exam=exam), b"")
    if status // 100 != 2:
        raise BenchError(f"POST {START.path.format(exam=exam)} answered HTTP {status}: {body!r}")
    attempt = json.loads(body)
    questions = attempt.get("questions") or []
    if "id" not in attempt or len(questions) != ANSWERS:
        raise BenchError(f"the attempt JSON is not as expected: {body[:400]!r}")
    leaked = sorted(_keys(attempt) & set(SECRET_KEYS))
    if leaked:
        raise BenchError(f"the open attempt's JSON carries {', '.join(leaked)}")
    question = questions[0]
    path = SAVE.path.format(attempt=attempt["id"], position=question["position"])
    choice = json.dumps({"choices": [question["options"][0]["key"]]}).encode()
    status, body = client.call("PUT", path, choice)
    if status // 100 != 2:
        raise BenchError(f"PUT {path} answered HTTP {status}: {body[:400]!r}")
    path = SUBMIT.path.format(attempt=attempt["id"])
    status, body = client.call("POST", path, b"")
    if status // 100 != 2:
        raise BenchError(f"POST {path} answered HTTP {status}: {body[:400]!r}")


def _keys(value) -> set[str]:
    """Every key of a JSON document, at any depth."""
    if isinstance(value, dict):
        return set(value).union(*(_keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_keys(v) for v in value))
    return set()


def in_site(site: Workspace, step: str, params: dict) -> dict:
    """Run one of the steps below in a Python process of the site; return what it printed.
    The parameters go through stdin (the saved answers are too many for a command line)."""
    try:
        proc = subprocess.run(
            [python_executable(), __file__, IN_SITE, step],
            cwd=REPO_ROOT,
            env=site.env,
            input=json.dumps(params),
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"step {step!r} took longer than 600 s") from exc
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-25:])
        raise BenchError(f"step {step!r} failed (exit {proc.returncode}):\n{tail}")
    return json.loads(lines[-1])


# --- the load: client processes, a thread per member -----------------------------------------


@dataclass
class _Tally:
    """One member's requests of one phase."""

    latencies_ms: array = field(default_factory=lambda: array("d"))
    statuses: Counter = field(default_factory=Counter)
    failures: Counter = field(default_factory=Counter)
    connections: int = 0
    started: float = math.nan
    finished: float = math.nan


@dataclass
class _MemberLog:
    """What one member did: each phase's tally, its attempt, and the answers accepted."""

    index: int
    tallies: dict[str, _Tally] = field(default_factory=lambda: {p: _Tally() for p in PHASES})
    attempt: int | None = None
    submitted: bool = False
    saved: list[list] = field(default_factory=list)  # [attempt, position, choices]
    broken: str = ""  # why the member stopped early, if it did


class _Client:
    """A member's HTTP client: its cookies and CSRF token, one connection reused while the
    server keeps it open."""

    def __init__(self, host: str, port: int, session: Session, timeout: float):
        self.conn = http.client.HTTPConnection(host, port, timeout=timeout)
        self.headers = {"User-Agent": "yjxf-bench", **session.headers()}
        self.unsafe_headers = {**session.headers(csrf=True), **JSON_HEADERS}

    def call(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        headers = self.headers if method == "GET" else {**self.headers, **self.unsafe_headers}
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            raise

    def timed(
        self, tally: _Tally, method: str, path: str, body: bytes | None = None
    ) -> tuple[int, bytes] | None:
        """One request, counted in the tally; None when it got no response."""
        if self.conn.sock is None:
            tally.connections += 1
        began = time.perf_counter()
        try:
            status, payload = self.call(method, path, body)
        except (OSError, http.client.HTTPException) as exc:
            tally.failures[type(exc).__name__] += 1
            return None
        tally.latencies_ms.append((time.perf_counter() - began) * 1000)
        tally.statuses[status] += 1
        return status, payload


def _member(client: _Client, log: _MemberLog, exam: int, barrier) -> None:
    """One member's exam, phase by phase, waiting for the others between phases."""
    rng = random.Random(log.index)
    questions: list[dict] = []

    def phase(name: str) -> _Tally:
        barrier.wait(BARRIER_TIMEOUT)
        tally = log.tallies[name]
        tally.started = time.time()
        return tally

    def trivial(name: str, count: int) -> None:
        tally = phase(name)
        for _ in range(count):
            client.timed(tally, TRIVIAL.method, TRIVIAL.path)
        tally.finished = time.time()

    trivial("warm-up", TRIVIAL_WARMUP)
    trivial("trivial 1", TRIVIAL_EACH)

    tally = phase("start")
    answer = client.timed(tally, START.method, START.path.format(exam=exam), b"")
    tally.finished = time.time()
    if answer and answer[0] // 100 == 2:
        attempt = json.loads(answer[1])
        log.attempt = attempt["id"]
        questions = attempt["questions"]

    tally = phase("save")
    for question in questions:
        keys = [option["key"] for option in question["options"]]
        choices = rng.sample(keys, 2 if question["type"] == "multiple" else 1)
        path = SAVE.path.format(attempt=log.attempt, position=question["position"])
        answer = client.timed(tally, SAVE.method, path, json.dumps({"choices": choices}).encode())
        if answer and answer[0] // 100 == 2:
            log.saved.append([log.attempt, question["position"], choices])
    tally.finished = time.time()

    tally = phase("submit")
    if log.attempt is not None:
        answer = client.timed(tally, SUBMIT.method, SUBMIT.path.format(attempt=log.attempt), b"")
        log.submitted = bool(answer and answer[0] // 100 == 2)
    tally.finished = time.time()

    trivial("trivial 2", TRIVIAL_EACH)


def _client_process(host, port, members, exam, barrier, results, timeout) -> None:
    """A client process: its members as threads, all at once; their logs go back in a queue."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    logs = []

    def member(index: int, session: Session) -> None:
        log = _MemberLog(index)
        logs.append(log)
        client = _Client(host, port, session, timeout)
        try:
            _member(client, log, exam, barrier)
        except threading.BrokenBarrierError:
            log.broken = "another member's failure stopped the run"
        except Exception as exc:  # a member that cannot go on must not leave the others waiting
            log.broken = f"{type(exc).__name__}: {exc}"
            barrier.abort()
        finally:
            client.conn.close()

    threads = [threading.Thread(target=member, args=m, daemon=True) for m in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put(logs)


def drive(
    server: Server, sessions: list[Session], exam: int, processes: int, timeout: float
) -> list[_MemberLog]:
    """Run every member's exam from `processes` client processes; return the members' logs."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(len(sessions))
    results = context.Queue()
    shares = [
        [(i, sessions[i]) for i in range(p, len(sessions), processes)] for p in range(processes)
    ]
    clients = [
        context.Process(
            target=_client_process,
            args=(server.host, server.port, share, exam, barrier, results, timeout),
            daemon=True,
        )
        for share in shares
    ]
    logs: list[_MemberLog] = []
    try:
        for client in clients:
            client.start()
        pending = len(clients)
        while pending:
            try:
                logs.extend(results.get(timeout=1))
                pending -= 1
            except queue.Empty:
                dead = [c for c in clients if c.exitcode not in (None, 0)]
                if dead:
                    raise BenchError(f"a client process died (exit {dead[0].exitcode})") from None
        for client in clients:
            client.join()
    finally:
        for client in clients:
            if client.is_alive():
                client.terminate()
                client.join()
    broken = [log for log in logs if log.broken]
    if broken:
        reasons = Counter(log.broken for log in broken)
        raise BenchError(
            f"{len(broken)} members stopped early: "
            + "; ".join(f"{n} × {reason}" for reason, n in reasons.most_common(3))
        )
    return sorted(logs, key=lambda log: log.index)


def tally(logs: list[_MemberLog], members: int, exam: int) -> tuple[list[Result], float]:
    """Each phase's figures as the harness's results (trivial, start, save, submit), and the
    seconds from the first start to the last submit."""

    def result(target: Target, phase: str) -> Result:
        tallies = [log.tallies[phase] for log in logs if not math.isnan(log.tallies[phase].started)]
        statuses = sum((t.statuses for t in tallies), Counter())
        failures = sum((t.failures for t in tallies), Counter())
        ok = sum(n for status, n in statuses.items() if status // 100 == 2)
        return Result(
            target=target,
            clients=members,
            requests=sum(statuses.values()) + sum(failures.values()),
            errors=sum(statuses.values()) - ok + sum(failures.values()),
            elapsed=max(t.finished for t in tallies) - min(t.started for t in tallies),
            latencies_ms=sorted(x for t in tallies for x in t.latencies_ms),
            statuses=statuses,
            failures=failures,
            tracked=Counter(),
            connections=sum(t.connections for t in tallies),
        )

    start = Target(START.name, START.path.format(exam=exam), method=START.method)
    results = [
        result(TRIVIAL, "trivial 1") + result(TRIVIAL, "trivial 2"),
        result(start, "start"),
        result(SAVE, "save"),
        result(SUBMIT, "submit"),
    ]
    exam_seconds = max(log.tallies["submit"].finished for log in logs) - min(
        log.tallies["start"].started for log in logs
    )
    return results, exam_seconds


# --- the report ------------------------------------------------------------------------------


def report(results: list[Result]) -> str:
    trivial_rps = results[0].rps
    rows = [
        [
            r.target.name,
            f"{r.target.method} {r.target.path}",
            str(r.requests),
            str(r.errors),
            f"{r.rps:.0f}",
            ms(r.percentile(50)),
            ms(r.percentile(95)),
            f"{r.rps / trivial_rps:.2f}×" if trivial_rps else "—",
        ]
        for r in results
    ]
    headers = ["phase", "request", "requests", "errors", "req/s", "p50 ms", "p95 ms", "× trivial"]
    return format_table(headers, rows, left=2)


# --- inside the site: Django is imported only here, in a process the workspace's env points ---


def _seed(params: dict) -> dict:
    """The course, its question bank and final exam, and the members who take it."""
    import datetime

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
    from django.test import Client
    from django.utils.crypto import get_random_string

    from wagtail.models import Page

    from courses.models import (
        CourseIndexPage,
        CoursePage,
        Exam,
        ExamKind,
        ExamQuestion,
        LessonPage,
        Question,
        QuestionCategory,
        QuestionType,
        SelectionMode,
    )
    from lms import idcard
    from lms.models import MemberCategory, TeamStatus
    from lms.services.areas import area_create
    from lms.services.enrollments import enrollment_create
    from lms.services.members import member_create
    from lms.services.teams import team_create

    catalog = Page.get_first_root_node().add_child(
        instance=CourseIndexPage(title="培训课程", slug="courses")
    )
    course = catalog.add_child(
        instance=CoursePage(
            title="现场急救 基准",
            slug="bench",
            code="BENCH",
            hazard_category="first_aid",
            summary="止血、包扎、心肺复苏。",
            objectives="<ul><li>掌握现场止血</li></ul>",
        )
    )
    for n in range(1, params["lessons"] + 1):
        paragraph = f"<p>现场急救第{n}课：保持冷静，确认环境安全，<b>先救命后治伤</b>。</p>"
        course.add_child(
            instance=LessonPage(
                title=f"第{n}课",
                slug=f"lesson-{n}",
                estimated_minutes=10,
                body=[
                    ("heading", {"text": f"第{n}课 要点", "level": "h2"}),
                    ("paragraph", paragraph),
                ],
            )
        )

    category = QuestionCategory.objects.create(name="现场急救")
    questions = []
    for n in range(1, BANK + 1):
        kind = (QuestionType.SINGLE,) * 4 + (QuestionType.MULTIPLE, QuestionType.TRUE_FALSE)
        question = Question(
            course=course,
            category=category,
            type=kind[n % 6],
            stem=f"第{n}题：发现有人大出血时，下列做法哪项正确？",
            answer={"multiple": "AC", "true_false": "A"}.get(kind[n % 6], "B"),
            explanation="直接压迫是最有效的现场止血方法。",
        )
        if question.type != QuestionType.TRUE_FALSE:
            question.option_a = "用干净的布直接按压伤口"
            question.option_b = "等待救护车到来"
            question.option_c = "抬高受伤的肢体"
            question.option_d = "给伤者喝水"
            if question.type == QuestionType.MULTIPLE:
                question.option_e = "反复查看伤口"
        question.full_clean()
        question.save()
        questions.append(question)
    exam = Exam(
        title="现场急救 结业考试",
        kind=ExamKind.FINAL,
        course=course,
        selection=SelectionMode.FIXED,
        pass_mark=60,
        time_limit_minutes=30,
        max_attempts=0,
    )
    exam.full_clean()
    exam.save()
    for n, question in enumerate(questions[:ANSWERS]):
        ExamQuestion.objects.create(exam=exam, question=question, points=5, sort_order=n)

    region = area_create(name="基准测试自治区", code="990000")
    city = area_create(parent=region, name="基准市", code="990100")
    county = area_create(parent=city, name="基准区", code="990101")
    township = area_create(parent=county, name="基准街道", code="990101001")
    community = area_create(parent=township, name="基准社区", code="990101001001")
    team = team_create(community=community, name="基准社区应急响应队", status=TeamStatus.ACTIVE)
    password = make_password(DEMO_PASSWORD)  # hashed once: every member has the same
    born = datetime.date(1985, 6, 15)

    def member(number: int, username: str) -> None:
        first17 = f"990101{born:%Y%m%d}{number:03d}"
        enrollment_create(
            member=member_create(
                team=team,
                name=f"队员{number}",
                gender="M" if number % 2 else "F",
                birth_date=born,
                phone=f"138{number:08d}",
                id_number=first17 + idcard.check_char(first17),
                category=MemberCategory.VOLUNTEER,
                user=get_user_model().objects.create(username=username, password=password),
            ),
            course=course,
            source="self",
        )

    usernames = [f"bench{i:03d}" for i in range(params["members"])]
    for number, username in enumerate([*usernames, "probe", "query"], start=1):
        member(number, username)

    def signed_in(username: str) -> dict[str, str]:
        """The cookies a browser holds after logging in: the session, the CSRF secret."""
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        return {
            settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value,
            settings.CSRF_COOKIE_NAME: get_random_string(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS),
        }

    return {
        "exam": exam.pk,
        "sessions": [signed_in(username) for username in usernames],
        "probe_user": "probe",
        "query_user": "query",
    }


def _queries(params: dict) -> dict:
    """Count the SQL queries of each request of an exam with the test client."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username=params["username"]))

    statements: dict[str, list[str]] = {}

    def count(method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        options = {"data": json.dumps(body or {}), "content_type": "application/json"}
        with CaptureQueriesContext(connection) as queries:
            response = getattr(client, method)(path, **(options if method != "get" else {}))
        if response.status_code // 100 != 2:
            raise RuntimeError(
                f"{method} {path}: HTTP {response.status_code}: {response.content!r}"
            )
        statements[f"{method.upper()} {path}"] = [q["sql"] for q in queries.captured_queries]
        return len(queries), response.json()

    count("get", TRIVIAL.path)  # a process's first request fills per-process caches
    counts = {"GET /healthz (trivial view)": count("get", TRIVIAL.path)[0]}
    n, attempt = count("post", START.path.format(exam=params["exam"]))
    counts["start attempt"] = n
    first, second = attempt["questions"][:2]
    for label, question in (("save answer", first), ("save answer (another)", second)):
        path = SAVE.path.format(attempt=attempt["id"], position=question["position"])
        counts[label] = count("put", path, {"choices": [question["options"][0]["key"]]})[0]
    path = SAVE.path.format(attempt=attempt["id"], position=first["position"])
    counts["save answer (overwrite)"] = count(
        "put", path, {"choices": [first["options"][-1]["key"]]}
    )[0]
    counts["submit"] = count("post", SUBMIT.path.format(attempt=attempt["id"]))[0]
    # The statements of the hottest request, to show where a save's time goes.
    return {"counts": counts, "save_sql": statements[f"PUT {path}"]}


def _verify(params: dict) -> dict:
    """Every accepted answer in the database as sent; every accepted submit graded once."""
    import django

    django.setup()
    from lms.models import Attempt, AttemptAnswer, AttemptStatus

    answers = {
        (a.attempt_id, a.position): a
        for a in AttemptAnswer.objects.filter(attempt_id__in=params["started"]).select_related(
            "question"
        )
    }
    found, lost_examples = 0, []
    for attempt, position, choices in params["saved"]:
        row = answers.get((attempt, position))
        stored = None if row is None else row.response
        if row is not None and _same_choices(stored, choices):
            found += 1
        elif len(lost_examples) < 5:
            lost_examples.append(
                f"attempt {attempt} position {position}: sent {choices}, stored {stored!r}"
            )
    problems = []
    graded_once = 0
    for attempt in Attempt.objects.filter(pk__in=params["submitted"]):
        statuses = list(
            attempt.history.order_by("history_date", "history_id").values_list("status", flat=True)
        )
        gradings = sum(
            1
            for before, after in itertools.pairwise(statuses)
            if before == AttemptStatus.OPEN and after != AttemptStatus.OPEN
        )
        if attempt.status != AttemptStatus.OPEN and attempt.score is not None and gradings == 1:
            graded_once += 1
        else:
            problems.append(
                f"attempt {attempt.pk}: status {attempt.status}, score {attempt.score},"
                f" graded {gradings} times"
            )
    missing = set(params["submitted"]) - set(
        Attempt.objects.filter(pk__in=params["submitted"]).values_list("pk", flat=True)
    )
    problems += [f"attempt {pk}: not in the database" for pk in sorted(missing)]
    return {
        "found": found,
        "lost": len(params["saved"]) - found,
        "lost_examples": lost_examples,
        "graded_once": graded_once,
        "grading_problems": problems,
    }


def _same_choices(stored, choices: list) -> bool:
    """Whether the stored response is the choices sent: the API's option keys are the
    authored indexes the database keeps, sorted."""
    return stored is not None and sorted(map(str, stored)) == sorted(map(str, choices))


def _in_site_main() -> None:
    step, params = sys.argv[2], json.loads(sys.stdin.read())
    result = {"seed": _seed, "queries": _queries, "verify": _verify}[step](params)
    print(json.dumps(result))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == IN_SITE:
        _in_site_main()
    else:
        run(main)
