"""Soak: a mixed workload on a multi-process server on PostgreSQL for a fixed time; afterwards
every write the server accepted is in the database exactly once.

Builds the site in its own PostgreSQL database `soak` (created through SOAK_DATABASE_URL, the
server's maintenance database, default postgres://postgres@127.0.0.1:5432/postgres; dropped
afterwards; without PostgreSQL the benchmark is skipped): migrate, collectstatic, the demo
data (`seed_demo`), then the benchmark's own data through the services: --members members
of the demo team 新竹社区应急响应队 with users, enrolled in a course with knowledge checks and
in the course of the demo's first final exam, which they may retake without limit; --drills
drills of their team open for check-in. Certificates are not issued automatically during the run
(rendering PDFs is bench/certificates.py's subject, and a worker's, not the web server's).

gunicorn serves it with --workers gthread workers (keep-alive); sign-in protection and every
rate limit are off. After SOAK_WARMUP seconds (default 10) of the same load unmeasured (each
worker's first requests load templates and catalogs), for SOAK_SECONDS (default 60) client
threads spread over --clients processes, each a closed loop on one keep-alive connection,
run together:

    public       anonymous: home, an article, a course outline, a team page, a certificate's
                 verification page
    learning     members: open a lesson (API), report progress (seconds spent), answer its
                 knowledge checks
    exam         members: start an attempt, save every answer, submit (the JSON API, as the
                 attempt page's autosave does)
    check-in     the leader's QR code refreshes (token.json) and members check in with it
                 (POST /api/v1/checkin), each check-in sent twice as a retry would
    admin        an area administrator: the compliance dashboard and the top-ten ranking
    healthz      GET /healthz, the baseline each kind's p95 is compared with

Each write carries what identifies it (the lesson and seconds reported, the attempt and
position and choices, the drill and member); a client keeps it only when the server
answered 2xx, and separately the writes whose answer never came (they may or may not have
been applied). Afterwards, in a process of the site, the database is read: every accepted
write must be there once — progress seconds add up exactly to those reported, every saved
answer holds the choices sent, every submitted attempt was graded once, every check-in is one
row — and nothing is there twice (one row per attempt number, per drill and member, and no
more seconds than were sent).

Exit code non-zero when an accepted write is lost or duplicated, a request got a 5xx, or a
server worker died; other errors are counted and printed.

    SOAK_SECONDS=30 .venv/bin/python bench/soak.py [--members 24] [--drills 40] [--workers 4]
        [--threads 4] [--clients 3] [--json PATH]
"""

import argparse
import http.client
import json
import math
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from array import array
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import contextlib
import itertools

from bench._harness import (
    REPO_ROOT,
    BenchError,
    Server,
    Session,
    Workspace,
    format_table,
    gunicorn_version,
    machine_note,
    ms,
    python_executable,
    run,
    write_json,
)

IN_SITE = "--in-site"  # this script, run again inside the workspace to use Django itself
DATABASE = "soak"
MAINTENANCE_URL = "postgres://postgres@127.0.0.1:5432/postgres"
JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}
KINDS = ("public", "learning", "exam", "check-in", "admin", "healthz")
# Threads per kind for each client process; healthz runs once in all.
THREADS_PER_PROCESS = {"public": 2, "learning": 2, "exam": 2, "check-in": 1, "admin": 1}
SETUP_TIMEOUT = 1800  # seconds a setup step may take
MAX_SECONDS_PER_REPORT = 30 * 60
# A check-in code is good for 30 to 60 seconds (lms.checkin); the leader's screen shows a
# new one before that.
TOKEN_REFRESH = 20  # lms.services.progress caps each progress report at this


# --- the site --------------------------------------------------------------------------------


class SoakWorkspace(Workspace):
    """The harness's throwaway site, on a PostgreSQL database of the fixed name `soak`."""

    def __init__(self, admin_url: str, *, keep: bool = False):
        super().__init__("soak", keep=keep)
        self._pg_admin_url = admin_url

    def _environment(self) -> dict[str, str]:
        env = super()._environment()
        # One address sends everything: sign-in lockouts and every per-address or per-user
        # limit would measure themselves, not the site.
        env.update(
            AXES_ENABLED="false",
            CERTIFICATE_LOOKUP_RATE="off",
            LOGIN_RATE="off",
            CHECKIN_RATE="off",
            API_RATE="off",
        )
        return env

    def _database_url(self) -> str:
        import psycopg
        from psycopg import sql

        try:
            with psycopg.connect(self._pg_admin_url, autocommit=True, connect_timeout=5) as conn:
                # A run killed before its cleanup left it behind: it is ours to replace.
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        sql.Identifier(DATABASE)
                    )
                )
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
        except psycopg.Error as exc:
            raise BenchError(f"cannot create database {DATABASE!r}: {exc}") from exc
        self._pg_database = DATABASE
        self.database = f"PostgreSQL, database {DATABASE}"
        parts = urllib.parse.urlsplit(self._pg_admin_url)
        return urllib.parse.urlunsplit(parts._replace(path=f"/{DATABASE}"))


def postgres_reachable(url: str) -> str:
    """Why PostgreSQL cannot be used at `url`, or "" when it can."""
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # no driver, no server, no such role
        return f"{type(exc).__name__}: {exc}".strip()
    return ""


def prepare(site: Workspace) -> dict[str, float]:
    """Migrate and load the demo data, collecting static files alongside; each step's seconds.
    (The harness's own version allows 5 minutes a step: a busy machine takes longer.)"""
    with ThreadPoolExecutor(max_workers=1) as alongside:
        static = alongside.submit(
            site.manage, "collectstatic", "--noinput", "--skip-checks", timeout=SETUP_TIMEOUT
        )
        steps = {
            "migrate": site.manage("migrate", "--noinput", "--skip-checks", timeout=SETUP_TIMEOUT),
            "seed_demo": site.manage("seed_demo", "--skip-checks", timeout=SETUP_TIMEOUT),
        }
        steps["collectstatic (alongside)"] = static.result()
    return steps


def in_site(site: Workspace, step: str, params: dict) -> dict:
    """Run one of the steps at the end of this file in a Python process of the site."""
    try:
        proc = subprocess.run(
            [python_executable(), __file__, IN_SITE, step],
            cwd=REPO_ROOT,
            env=site.env,
            input=json.dumps(params),
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"step {step!r} took longer than 900 s") from exc
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-25:])
        raise BenchError(f"step {step!r} failed (exit {proc.returncode}):\n{tail}")
    return json.loads(lines[-1])


# --- the load --------------------------------------------------------------------------------


@dataclass
class Tally:
    """The requests of one label (e.g. "exam: save answer")."""

    kind: str
    latencies_ms: array = field(default_factory=lambda: array("d"))
    statuses: Counter = field(default_factory=Counter)
    failures: Counter = field(default_factory=Counter)

    def merge(self, other: "Tally") -> None:
        self.latencies_ms.extend(other.latencies_ms)
        self.statuses.update(other.statuses)
        self.failures.update(other.failures)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values()) + sum(self.failures.values())

    @property
    def errors(self) -> int:
        bad = sum(n for status, n in self.statuses.items() if status // 100 != 2)
        return bad + sum(self.failures.values())

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return math.nan
        ordered = sorted(self.latencies_ms)
        return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


@dataclass
class Writes:
    """What a client sent that changes the database: accepted (2xx) or unanswered."""

    # [username, lesson, seconds]
    progress: list = field(default_factory=list)
    progress_unanswered: list = field(default_factory=list)
    # [attempt, position, choices], the last accepted per (attempt, position)
    answers: list = field(default_factory=list)
    answers_unanswered: list = field(default_factory=list)  # [attempt, position]
    attempts: list = field(default_factory=list)  # ids of started attempts
    submitted: list = field(default_factory=list)  # ids whose submit was accepted
    starts_unanswered: list = field(default_factory=list)  # usernames
    checkins: list = field(default_factory=list)  # [drill, username, created]
    checkins_unanswered: list = field(default_factory=list)  # [drill, username]

    def merge(self, other: "Writes") -> None:
        for name in self.__dataclass_fields__:
            getattr(self, name).extend(getattr(other, name))


@dataclass
class Log:
    tallies: dict = field(default_factory=dict)
    writes: Writes = field(default_factory=Writes)
    broken: list = field(default_factory=list)  # why a thread stopped early

    def tally(self, kind: str, label: str) -> Tally:
        if label not in self.tallies:
            self.tallies[label] = Tally(kind)
        return self.tallies[label]

    def merge(self, other: "Log") -> None:
        for label, tally in other.tallies.items():
            self.tally(tally.kind, label).merge(tally)
        self.writes.merge(other.writes)
        self.broken.extend(other.broken)


class NoResponse(Exception):
    """The request got no response (connection reset, timeout): its effect is unknown."""


class Client:
    """One keep-alive connection; each request may carry another visitor's cookies."""

    def __init__(self, host: str, port: int, log: Log, kind: str, timeout: float):
        self.conn = http.client.HTTPConnection(host, port, timeout=timeout)
        self.log = log
        self.kind = kind

    def call(
        self,
        label: str,
        method: str,
        path: str,
        *,
        session: Session | None = None,
        body: dict | None = None,
    ) -> tuple[int, bytes]:
        headers = {"User-Agent": "yjxf-soak"}
        if session is not None:
            headers.update(session.headers(csrf=method != "GET"))
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers.update(JSON_HEADERS)
        tally = self.log.tally(self.kind, f"{self.kind}: {label}")
        began = time.perf_counter()
        try:
            self.conn.request(method, path, body=payload, headers=headers)
            response = self.conn.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException) as exc:
            tally.failures[type(exc).__name__] += 1
            self.conn.close()
            time.sleep(0.05)  # a refusing server must not turn the loop into a spin
            raise NoResponse(type(exc).__name__) from exc
        tally.latencies_ms.append((time.perf_counter() - began) * 1000)
        tally.statuses[response.status] += 1
        return response.status, content


def _public(client: Client, data: dict, stop_at: float, rng: random.Random) -> None:
    pages = list(data["public"].items())
    while time.time() < stop_at:
        label, path = pages[rng.randrange(len(pages))]
        with contextlib.suppress(NoResponse):
            client.call(label, "GET", path)


def _healthz(client: Client, data: dict, stop_at: float, rng: random.Random) -> None:
    while time.time() < stop_at:
        with contextlib.suppress(NoResponse):
            client.call("GET /healthz", "GET", "/healthz")


def _admin(client: Client, data: dict, stop_at: float, rng: random.Random) -> None:
    session = Session(data["admin_session"])
    pages = list(data["admin"].items())
    while time.time() < stop_at:
        label, path = pages[rng.randrange(len(pages))]
        with contextlib.suppress(NoResponse):
            client.call(label, "GET", path, session=session)


def _learning(client: Client, data: dict, stop_at: float, rng: random.Random, member) -> None:
    username, cookies = member
    session = Session(cookies)
    writes = client.log.writes
    while time.time() < stop_at:
        lesson = data["lessons"][rng.randrange(len(data["lessons"]))]
        try:
            status, body = client.call(
                "open lesson", "GET", f"/api/v1/lessons/{lesson['id']}", session=session
            )
        except NoResponse:
            continue
        if status != 200:
            continue
        checks = [b for b in json.loads(body)["body"] if b.get("type") == "knowledge_check"]
        # Distinct amounts, so that a report applied twice or not at all shows in the sum.
        seconds = rng.randint(1, MAX_SECONDS_PER_REPORT)
        try:
            status, _ = client.call(
                "report progress",
                "POST",
                f"/api/v1/lessons/{lesson['id']}/progress",
                session=session,
                body={"completed": True, "seconds_spent": seconds},
            )
        except NoResponse:
            writes.progress_unanswered.append([username, lesson["id"], seconds])
        else:
            if status // 100 == 2:
                writes.progress.append([username, lesson["id"], seconds])
        for check in checks:
            if time.time() >= stop_at:
                break
            options = len(check["value"]["options"])
            with contextlib.suppress(NoResponse):
                client.call(
                    "answer knowledge check",
                    "POST",
                    f"/api/v1/lessons/{lesson['id']}/checks/{check['id']}",
                    session=session,
                    body={"choices": [rng.randint(1, options)]},
                )


def _exam(client: Client, data: dict, stop_at: float, rng: random.Random, member) -> None:
    username, cookies = member
    session = Session(cookies)
    writes = client.log.writes
    while time.time() < stop_at:
        try:
            status, body = client.call(
                "start attempt", "POST", f"/api/v1/exams/{data['exam']}/attempts", session=session
            )
        except NoResponse:
            writes.starts_unanswered.append(username)
            continue
        if status // 100 != 2:
            client.log.broken.append(f"{username}: start answered {status}: {body[:200]!r}")
            return
        attempt = json.loads(body)
        writes.attempts.append(attempt["id"])
        saved: dict[int, list] = {}
        for question in attempt["questions"]:
            if time.time() >= stop_at:
                break
            keys = [option["key"] for option in question["options"]]
            choices = sorted(rng.sample(keys, 2 if question.get("type") == "multiple" else 1))
            position = question["position"]
            try:
                status, _ = client.call(
                    "save answer",
                    "PUT",
                    f"/api/v1/attempts/{attempt['id']}/answers/{position}",
                    session=session,
                    body={"choices": choices},
                )
            except NoResponse:
                writes.answers_unanswered.append([attempt["id"], position])
                continue
            if status // 100 == 2:
                saved[position] = choices
        writes.answers.extend([attempt["id"], p, c] for p, c in saved.items())
        if time.time() >= stop_at:
            break  # left open, as a member whose time ran out; its answers still count
        try:
            status, _ = client.call(
                "submit", "POST", f"/api/v1/attempts/{attempt['id']}/submit", session=session
            )
        except NoResponse:
            continue
        if status // 100 == 2:
            writes.submitted.append(attempt["id"])


def _checkin(client: Client, data: dict, stop_at: float, rng: random.Random, members) -> None:
    """The leader's screen shows the code of each drill in turn; this thread's members scan it,
    each twice (the retry of a dropped connection): one check-in, whatever they resend."""
    leader = Session(data["leader_session"])
    writes = client.log.writes
    drills = list(data["drills"])
    rng.shuffle(drills)
    rounds = 0

    def code(drill: int) -> str | None:
        try:
            status, body = client.call(
                "QR code (leader)", "GET", f"/learn/drills/{drill}/qr/token.json", session=leader
            )
        except NoResponse:
            return None
        return json.loads(body)["token"] if status == 200 else None

    while time.time() < stop_at:
        for drill in drills:
            token, shown_at = code(drill), time.time()
            for username, cookies in members:
                if time.time() >= stop_at:
                    return
                if token is None or time.time() - shown_at > TOKEN_REFRESH:
                    token, shown_at = code(drill), time.time()  # the screen shows a new code
                    if token is None:
                        continue
                for label in ("check in", "check in again") if rounds == 0 else ("check in",):
                    try:
                        status, body = client.call(
                            label,
                            "POST",
                            "/api/v1/checkin",
                            session=Session(cookies),
                            body={"kind": "drill", "id": drill, "token": token},
                        )
                    except NoResponse:
                        writes.checkins_unanswered.append([drill, username])
                        continue
                    if status // 100 == 2:
                        writes.checkins.append([drill, username, json.loads(body)["created"]])
        rounds += 1


def _client_process(job: dict) -> Log:
    """One client process: a thread per simulated person, all until the stop time."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    data = job["data"]
    threads, logs = [], []

    def start(kind: str, target, *extra) -> None:
        log = Log()
        logs.append(log)
        rng = random.Random(f"{job['phase']}-{job['index']}-{len(logs)}")
        client = Client(job["host"], job["port"], log, kind, job["timeout"])

        def body() -> None:
            time.sleep(max(0.0, job["start_at"] - time.time()))
            try:
                target(client, data, job["stop_at"], rng, *extra)
            except Exception as exc:  # a thread that broke is reported, not silently lost
                log.broken.append(f"{kind}: {type(exc).__name__}: {exc}")
            finally:
                client.conn.close()

        threads.append(threading.Thread(target=body, name=kind))

    for _ in range(THREADS_PER_PROCESS["public"]):
        start("public", _public)
    for _ in range(THREADS_PER_PROCESS["admin"]):
        start("admin", _admin)
    for member in job["learners"]:
        start("learning", _learning, member)
    for member in job["examinees"]:
        start("exam", _exam, member)
    if job["checkin_members"]:
        start("check-in", _checkin, job["checkin_members"])
    if job["index"] == 0:
        start("healthz", _healthz)
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    merged = Log()
    for log in logs:
        merged.merge(log)
    return merged


def drive(
    server: Server, data: dict, processes: int, seconds: float, timeout: float, *, phase: str
) -> Log:
    """Every client process at once for `seconds`; their logs merged."""
    members = list(data["members"].items())
    learners, examinees, checkers = [], [], []
    # Members are shared out so that no two threads act as the same person at once.
    per = THREADS_PER_PROCESS
    for _ in range(processes):
        learners.append(members[: per["learning"]])
        del members[: per["learning"]]
        examinees.append(members[: per["exam"]])
        del members[: per["exam"]]
    for index, member in enumerate(members):
        if not checkers or len(checkers) < processes:
            checkers.append([])
        checkers[index % processes].append(member)
    start_at = time.time() + 3.0  # every process has started its threads by then
    jobs = [
        {
            "index": index,
            "phase": phase,
            "host": server.host,
            "port": server.port,
            "timeout": timeout,
            "start_at": start_at,
            "stop_at": start_at + seconds,
            "data": data,
            "learners": learners[index],
            "examinees": examinees[index],
            "checkin_members": checkers[index] if index < len(checkers) else [],
        }
        for index in range(processes)
    ]
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with context.Pool(processes) as pool:
        parts = pool.map(_client_process, jobs, chunksize=1)
    log = Log()
    for part in parts:
        log.merge(part)
    return log


# --- the report ------------------------------------------------------------------------------


def report(log: Log, seconds: float) -> tuple[str, dict]:
    """The table of every label and each kind's total, with p95 against /healthz."""
    baseline = log.tallies.get("healthz: GET /healthz")
    base_p95 = baseline.percentile(95) if baseline else math.nan
    rows, figures = [], {}

    def row(name: str, tally: Tally) -> None:
        p95 = tally.percentile(95)
        ratio = p95 / base_p95 if base_p95 and not math.isnan(base_p95) else math.nan
        rows.append(
            [
                name,
                str(tally.requests),
                f"{tally.requests / seconds:.1f}",
                ms(tally.percentile(50)),
                ms(p95),
                str(tally.errors),
                "—" if math.isnan(ratio) else f"{ratio:.1f}×",
            ]
        )
        figures[name] = {
            "requests": tally.requests,
            "rps": round(tally.requests / seconds, 2),
            "p50_ms": round(tally.percentile(50), 2),
            "p95_ms": round(p95, 2),
            "errors": tally.errors,
            "server_errors": tally.server_errors,
            "statuses": {str(k): v for k, v in sorted(tally.statuses.items())},
            "failures": dict(tally.failures),
            "p95_vs_healthz": None if math.isnan(ratio) else round(ratio, 2),
        }

    everything = Tally("all")
    for kind in KINDS:
        labels = sorted(label for label, t in log.tallies.items() if t.kind == kind)
        total = Tally(kind)
        for label in labels:
            row(label, log.tallies[label])
            total.merge(log.tallies[label])
        if len(labels) > 1:
            row(f"{kind} (all)", total)
        everything.merge(total)
    row("total", everything)
    headers = ["requests of", "requests", "req/s", "p50 ms", "p95 ms", "errors", "p95 ÷ healthz"]
    return format_table(headers, rows), figures


# --- the command line ------------------------------------------------------------------------


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text}")
    return value


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=positive_int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=positive_int, default=4, help="threads per worker")
    parser.add_argument("--clients", type=positive_int, default=3, help="client processes")
    parser.add_argument("--members", type=positive_int, default=24, help="members of the run")
    parser.add_argument("--drills", type=positive_int, default=40, help="drills to check in to")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    parser.add_argument("--keep-temp", action="store_true", help="keep the temporary files")
    args = parser.parse_args()
    seconds = float(os.environ.get("SOAK_SECONDS", "60"))
    warmup = float(os.environ.get("SOAK_WARMUP", "10"))
    per = THREADS_PER_PROCESS
    needed = args.clients * (per["learning"] + per["exam"]) + 1
    if args.members < needed:
        parser.error(f"--members must be at least {needed} for {args.clients} client processes")
    admin_url = (
        os.environ.get("SOAK_DATABASE_URL")
        or os.environ.get("BENCH_DATABASE_URL")
        or MAINTENANCE_URL
    )
    problem = postgres_reachable(admin_url)
    if problem:
        # The figures are for PostgreSQL only; a machine without it has nothing to measure.
        print(f"skipped: no PostgreSQL at {admin_url} ({problem}); set SOAK_DATABASE_URL")
        return 0

    began = time.perf_counter()
    machine = machine_note()
    with SoakWorkspace(admin_url, keep=args.keep_temp) as site:
        print(f"machine: {machine}", flush=True)
        print(f"site: {site.describe()}", flush=True)
        steps = prepare(site)
        started = time.perf_counter()
        data = in_site(site, "seed", {"members": args.members, "drills": args.drills})
        steps["soak data"] = time.perf_counter() - started
        print("setup: " + ", ".join(f"{k} {v:.1f} s" for k, v in steps.items()), flush=True)
        with Server(
            site,
            workers=args.workers,
            worker_class="gthread",
            threads=args.threads,
            extra_args=[f"--timeout={max(30, int(args.timeout) + 10)}"],
        ) as server:
            print(f"server: {server.describe()}", flush=True)
            probe(server, data)
            print(
                f"load: {warmup:g} s warm-up, then {seconds:g} s measured; {args.clients} client"
                " processes, each with threads of"
                f" {per['public']} anonymous readers, {per['learning']} learners,"
                f" {per['exam']} examinees, {per['admin']} administrator, the leader and"
                f" {args.members - args.clients * (per['learning'] + per['exam'])} members"
                " checking in (shared out); one /healthz thread",
                flush=True,
            )
            # Each worker's first requests load templates, URL patterns and catalogs: warm up
            # unmeasured (its writes are checked all the same), then measure.
            warm = drive(server, data, args.clients, warmup, args.timeout, phase="warm-up")
            log = drive(server, data, args.clients, seconds, args.timeout, phase="measured")
            try:
                server.check()
                server_failure = None
            except BenchError as exc:
                server_failure = exc
        writes = Writes()
        writes.merge(warm.writes)  # first: a later write of the same answer is the last
        writes.merge(log.writes)
        check = in_site(site, "verify", {"writes": writes.__dict__, "data": data})

    table, figures = report(log, seconds)
    print()
    print(table)
    print()
    print(
        f"integrity (warm-up and measured): accepted writes {check['accepted']},"
        f" found {check['found']},"
        f" lost {check['lost']}, duplicated {check['duplicated']}"
        f" (unanswered, effect unknown: {check['unanswered']})"
    )
    for name, part in check["parts"].items():
        print(
            f"  {name}: accepted {part['accepted']}, found {part['found']},"
            f" lost {part['lost']}, duplicated {part['duplicated']}"
        )
    for problem in check["problems"][:10]:
        print(f"  {problem}")
    for broken in (warm.broken + log.broken)[:10]:
        print(f"  thread stopped: {broken}")
    server_errors = sum(f["server_errors"] for name, f in figures.items() if name == "total")
    print(f"5xx responses: {server_errors}")
    print(f"total {time.perf_counter() - began:.0f} s")

    if args.json:
        write_json(
            args.json,
            {
                "benchmark": "soak",
                "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "machine": machine,
                "server": {
                    "gunicorn": gunicorn_version(),
                    "workers": args.workers,
                    "threads": args.threads,
                    "database": site.database,
                },
                "seconds": seconds,
                "figures": figures,
                "integrity": check,
            },
        )

    status = 0
    if server_failure is not None:
        print(f"FAILED: {server_failure}", file=sys.stderr)
        status = 1
    if check["lost"] or check["duplicated"]:
        print(
            f"FAILED: {check['lost']} lost and {check['duplicated']} duplicated writes",
            file=sys.stderr,
        )
        status = 1
    if server_errors:
        print(f"FAILED: {server_errors} responses were 5xx", file=sys.stderr)
        status = 1
    if warm.broken or log.broken:
        stopped = len(warm.broken) + len(log.broken)
        print(f"FAILED: {stopped} client threads stopped early", file=sys.stderr)
        status = 1
    return status


def probe(server: Server, data: dict) -> None:
    """Each page of the mix once before the load: a wrong URL or permission is a setup error,
    not a thousand errors in the table."""
    checks = [(path, None) for path in data["public"].values()]
    checks += [(path, data["admin_session"]) for path in data["admin"].values()]
    checks.append((f"/learn/drills/{data['drills'][0]}/qr/token.json", data["leader_session"]))
    for path, cookies in checks:
        headers = Session(cookies).headers() if cookies else {}
        status = server.get(path, headers=headers, timeout=60)[0]
        if status != 200:
            raise BenchError(f"GET {path} answered HTTP {status} before the load")


# --- inside the site: Django is imported only here, in a process the workspace's env points ---


def _seed(params: dict) -> dict:
    """The run's members, their enrollments and drills, on top of the demo data; and the
    addresses of the pages each kind of visitor reads."""
    import datetime

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from cms.models import ArticlePage
    from courses.models import CoursePage, Exam, ExamKind, LessonPage
    from lms import idcard
    from lms.admin_views.compliance_hooks import top_area
    from lms.models import Certificate, CertificateStatus, DrillScenario, MemberCategory, Team
    from lms.scope import scope_for
    from lms.services.drills import drill_create
    from lms.services.enrollments import enrollment_create
    from lms.services.members import member_create
    from publicity.models import TeamPage

    User = get_user_model()
    team = Team.objects.get(name="新竹社区应急响应队")
    leader = User.objects.get(username="leader")
    # Certificates are rendered by Celery workers in production; here they would be
    # rendered inside web requests (no broker), which is not what this measures.
    CoursePage.objects.update(certificate_auto_issue=False)
    learning_course = next(
        course
        for course in CoursePage.objects.live().order_by("path")
        if any(
            block.block_type == "knowledge_check"
            for lesson in LessonPage.objects.child_of(course).live()
            for block in lesson.body
        )
    )
    exam = (
        Exam.objects.filter(kind=ExamKind.FINAL, active=True, course__live=True)
        .order_by("pk")
        .first()
    )
    Exam.objects.filter(pk=exam.pk).update(max_attempts=0)  # as many attempts as time allows

    password = make_password(get_random_string(20))  # no one signs in with it: sessions below
    born = datetime.date(1990, 3, 1)
    members = {}
    for number in range(1, params["members"] + 1):
        username = f"soak{number:03d}"
        first17 = f"450103{born:%Y%m%d}{number % 1000:03d}"
        member = member_create(
            team=team,
            name=f"压测队员{number}",
            gender="M" if number % 2 else "F",
            birth_date=born,
            phone=f"137{number:08d}",
            id_number=first17 + idcard.check_char(first17),
            category=MemberCategory.VOLUNTEER,
            user=User.objects.create(username=username, password=password),
        )
        for course in {learning_course.pk: learning_course, exam.course_id: exam.course}.values():
            enrollment_create(member=member, course=course.specific, source="self")
        members[username] = member

    now = timezone.now()
    drills = [
        drill_create(
            by=leader,
            title=f"压测演练{n}",
            scenario=DrillScenario.values[n % len(DrillScenario.values)],
            teams=[team],
            starts_at=now + datetime.timedelta(minutes=10),
            ends_at=now + datetime.timedelta(hours=2),
            place="新竹社区广场",
            organiser="新竹社区应急响应队",
        ).pk
        for n in range(1, params["drills"] + 1)
    ]

    def signed_in(user) -> dict[str, str]:
        """The cookies a browser holds after signing in: the session, the CSRF secret."""
        client = Client()
        client.force_login(user)
        return {
            settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value,
            settings.CSRF_COOKIE_NAME: get_random_string(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS),
        }

    administrator = User.objects.get(username="county")
    area = top_area(scope_for(administrator))
    article = ArticlePage.objects.live().filter(locale__language_code="zh-hans").first()
    team_page = TeamPage.objects.live().filter(locale__language_code="zh-hans").first()
    certificate = Certificate.objects.filter(status=CertificateStatus.VALID).first()
    lessons = [
        {"id": lesson.pk}
        for lesson in LessonPage.objects.child_of(learning_course).live().order_by("path")
    ]
    return {
        "public": {
            "home": "/",
            "article": article.url,
            "course outline": learning_course.url,
            "team page": team_page.url,
            "certificate verification": f"/verify/{certificate.code}/",
        },
        "admin": {
            # /admin/compliance/ redirects to the administrator's own area: its page directly.
            "compliance dashboard": reverse("compliance_area", args=[area.pk]),
            "rankings": reverse("compliance_ranking"),
        },
        "admin_session": signed_in(administrator),
        "leader_session": signed_in(leader),
        "members": {username: signed_in(m.user) for username, m in members.items()},
        "exam": exam.pk,
        "lessons": lessons,
        "drills": drills,
    }


def _verify(params: dict) -> dict:
    """Every accepted write in the database once; nothing there twice."""
    import django

    django.setup()
    from django.db.models import Count

    from lms.models import (
        Attempt,
        AttemptAnswer,
        AttemptStatus,
        DrillParticipation,
        LessonProgress,
    )

    writes, data = params["writes"], params["data"]
    usernames = list(data["members"])
    problems: list[str] = []
    parts = {}

    # Progress: the seconds stored per member and lesson are exactly those accepted (plus, at
    # most, those of reports whose answer never came).
    accepted, unanswered, reports = Counter(), Counter(), Counter()
    for username, lesson, seconds in writes["progress"]:
        accepted[(username, lesson)] += min(seconds, MAX_SECONDS_PER_REPORT)
        reports[(username, lesson)] += 1
    for username, lesson, seconds in writes["progress_unanswered"]:
        unanswered[(username, lesson)] += min(seconds, MAX_SECONDS_PER_REPORT)
    stored = defaultdict(list)
    for username, lesson, seconds in LessonProgress.objects.filter(
        enrollment__member__user__username__in=usernames
    ).values_list("enrollment__member__user__username", "lesson_id", "seconds_spent"):
        stored[(username, lesson)].append(seconds)
    # Counted report by report: the reports of a member and lesson add up in one row.
    found = lost = duplicated = 0
    for key, sent in accepted.items():
        rows = stored.get(key, [])
        got = sum(rows)
        if len(rows) > 1 or got > sent + unanswered[key]:
            duplicated += reports[key]
            problems.append(f"progress {key}: {sent} s accepted, {got} s in {len(rows)} rows")
        elif got < sent:
            lost += reports[key]
            problems.append(f"progress {key}: {sent} s accepted, {got} s stored")
        else:
            found += reports[key]
    parts["progress reports"] = {
        "accepted": len(writes["progress"]),
        "found": found,
        "lost": lost,
        "duplicated": duplicated,
    }

    # Attempts: each started one there, one row per member, exam and attempt number.
    attempt_ids = set(writes["attempts"])
    rows = set(Attempt.objects.filter(pk__in=attempt_ids).values_list("pk", flat=True))
    doubled = (
        Attempt.objects.filter(member__user__username__in=usernames)
        .values("member", "exam", "number")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    open_twice = (
        Attempt.objects.filter(member__user__username__in=usernames, status=AttemptStatus.OPEN)
        .values("member", "exam")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    parts["attempts started"] = {
        "accepted": len(attempt_ids),
        "found": len(rows),
        "lost": len(attempt_ids - rows),
        "duplicated": doubled + open_twice,
    }
    if doubled or open_twice:
        problems.append(f"attempts: {doubled} numbers used twice, {open_twice} open twice")

    # Answers: each accepted one stored at its position with the choices sent.
    unknown = {tuple(x) for x in writes["answers_unanswered"]}
    answers = {
        (a.attempt_id, a.position): a.response
        for a in AttemptAnswer.objects.filter(attempt_id__in=attempt_ids)
    }
    last = {(attempt, position): choices for attempt, position, choices in writes["answers"]}
    found = lost = 0
    checked = 0
    for (attempt, position), choices in last.items():
        if (attempt, position) in unknown:
            continue  # a later save of the same answer went unanswered: either may be stored
        checked += 1
        stored_choices = answers.get((attempt, position))
        if stored_choices is not None and sorted(map(str, stored_choices)) == sorted(
            map(str, choices)
        ):
            found += 1
        else:
            lost += 1
            if lost <= 5:
                problems.append(
                    f"answer {attempt}/{position}: sent {choices}, stored {stored_choices!r}"
                )
    duplicated_answers = (
        AttemptAnswer.objects.filter(attempt_id__in=attempt_ids)
        .values("attempt", "position")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    parts["answers saved"] = {
        "accepted": checked,
        "found": found,
        "lost": lost,
        "duplicated": duplicated_answers,
    }

    # Submits: graded, once (the history shows one change from open).
    graded_once = lost = duplicated = 0
    for attempt in Attempt.objects.filter(pk__in=writes["submitted"]):
        statuses = list(
            attempt.history.order_by("history_date", "history_id").values_list("status", flat=True)
        )
        gradings = sum(
            1
            for before, after in itertools.pairwise(statuses)
            if before == AttemptStatus.OPEN and after != AttemptStatus.OPEN
        )
        if attempt.status == AttemptStatus.OPEN or attempt.score is None or gradings == 0:
            lost += 1
            problems.append(f"attempt {attempt.pk}: submitted but {attempt.status}")
        elif gradings > 1:
            duplicated += 1
            problems.append(f"attempt {attempt.pk}: graded {gradings} times")
        else:
            graded_once += 1
    lost += len(set(writes["submitted"]) - rows)
    parts["submits"] = {
        "accepted": len(writes["submitted"]),
        "found": graded_once,
        "lost": lost,
        "duplicated": duplicated,
    }

    # Check-ins: one row per accepted drill and member, "created" answered at most once.
    accepted_keys = {(drill, username) for drill, username, _created in writes["checkins"]}
    created = Counter((d, u) for d, u, c in writes["checkins"] if c)
    rows = Counter(
        DrillParticipation.objects.filter(
            drill_id__in=data["drills"], member__user__username__in=usernames
        ).values_list("drill_id", "member__user__username")
    )
    unknown = {tuple(x) for x in writes["checkins_unanswered"]}
    lost = sum(1 for key in accepted_keys if rows[key] == 0)
    duplicated = sum(1 for key, n in rows.items() if n > 1) + sum(
        1 for n in created.values() if n > 1
    )
    strays = [key for key in rows if key not in accepted_keys and key not in unknown]
    duplicated += len(strays)
    if lost or duplicated:
        problems.append(f"check-ins: {lost} missing, {duplicated} doubled or unexplained rows")
    parts["check-ins"] = {
        "accepted": len(accepted_keys),
        "found": sum(1 for key in accepted_keys if rows[key] == 1),
        "lost": lost,
        "duplicated": duplicated,
    }

    return {
        "accepted": sum(p["accepted"] for p in parts.values()),
        "found": sum(p["found"] for p in parts.values()),
        "lost": sum(p["lost"] for p in parts.values()),
        "duplicated": sum(p["duplicated"] for p in parts.values()),
        "unanswered": sum(
            len(writes[k])
            for k in (
                "progress_unanswered",
                "answers_unanswered",
                "starts_unanswered",
                "checkins_unanswered",
            )
        ),
        "parts": parts,
        "problems": problems,
    }


def _in_site_main() -> None:
    step, params = sys.argv[2], json.loads(sys.stdin.read())
    result = {"seed": _seed, "verify": _verify}[step](params)
    print(json.dumps(result))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == IN_SITE:
        _in_site_main()
    else:
        run(main)
