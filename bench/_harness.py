"""What every benchmark needs: a throwaway site, a real server, a load, a table of figures.

A benchmark script reads like this (see `bench/public_pages.py`)::

    def main() -> int:
        args = argument_parser(__doc__).parse_args()
        with Workspace("lesson") as site:
            site.prepare_demo_site()
            with Server(site, workers=args.workers) as server, LoadGenerator(args.clients) as load:
                members = [server.login("member") for _ in range(args.clients)]
                lesson = Target("lesson", "/courses/…/")
                results = load.compare(server, [lesson], duration=args.duration, sessions=members)
                server.check()  # raises BenchError if the server died or a worker restarted
        print(format_table(["target", "req/s"], [[r.target.name, f"{r.rps:.0f}"] for r in results]))
        return 0

    if __name__ == "__main__":
        run(main)  # Ctrl-C/SIGTERM clean up; BenchError → exit 1

Isolation: the site lives in a temporary directory (SQLite database, media and collected
static files) that is removed afterwards, so the developer's `db.sqlite3`, media and caches are
never touched. `BENCH_DATABASE_URL=postgres://user@host:5432/postgres` runs against PostgreSQL
instead: a scratch database is created through that URL and dropped afterwards (the role needs
CREATEDB). `BENCH_REDIS_URL=redis://127.0.0.1:6379/0` puts Django's cache (the public page cache)
on Redis under a per-run key prefix, deleted afterwards; otherwise each gunicorn worker has its
own local-memory cache. All traffic stays on 127.0.0.1.
"""

import argparse
import contextlib
import http.client
import http.cookies
import json
import math
import multiprocessing
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from array import array
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
DEFAULT_SETTINGS = "cms.settings.dev"
# Variables of the developer's shell that would point the benchmark at their own services or
# change the server under test behind the script's back.
INHERITED_ENV_DROPPED = frozenset(
    {
        "DATABASE_URL",
        "CACHE_URL",
        "REDIS_URL",
        "CACHE_KEY_PREFIX",
        "CELERY_BROKER_URL",
        "CELERY_RESULT_BACKEND",
        "DJANGO_SETTINGS_MODULE",
        "DEBUG",
        "MEDIA_ROOT",
        "STATIC_ROOT",
        "GUNICORN_CMD_ARGS",
        "WEB_CONCURRENCY",
    }
)
DEMO_PASSWORD = "demo1234"


class BenchError(Exception):
    """The benchmark could not produce figures: setup failed or the server broke."""


def python_executable() -> str:
    """The project's interpreter, also when the script was started with another one."""
    venv_python = REPO_ROOT / ".venv" / "bin" / "python"
    return str(venv_python) if venv_python.exists() else sys.executable


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


@contextlib.contextmanager
def _shielded_from_ctrl_c() -> Iterator[None]:
    """Let cleanup finish even if Ctrl-C is pressed again while it runs."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: nothing to shield
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


# --- the site --------------------------------------------------------------------------------


class Workspace:
    """A throwaway copy of the site: its database, media and static files, and the environment
    that points `manage.py` and the server at them. Use it as a context manager."""

    def __init__(self, name: str, *, settings: str = DEFAULT_SETTINGS, keep: bool = False):
        self.name = name
        self.settings = settings
        self.keep = keep
        self.path: Path | None = None
        self.env: dict[str, str] = {}
        self.database = "SQLite"
        self.cache = "local memory (per worker)"
        self._pg_admin_url = os.environ.get("BENCH_DATABASE_URL", "")
        self._pg_database = ""
        self._redis_url = os.environ.get("BENCH_REDIS_URL", "")
        self._redis_prefix = ""

    def __enter__(self) -> "Workspace":
        self.path = Path(tempfile.mkdtemp(prefix=f"yjxf-bench-{self.name}-"))
        try:
            self.env = self._environment()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _environment(self) -> dict[str, str]:
        assert self.path is not None
        env = {k: v for k, v in os.environ.items() if k not in INHERITED_ENV_DROPPED}
        env.update(
            DJANGO_SETTINGS_MODULE=self.settings,
            DEBUG="false",
            DATABASE_URL=self._database_url(),
            MEDIA_ROOT=str(self.path / "media"),
            STATIC_ROOT=str(self.path / "static"),
            LOG_LEVEL=os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
            PYTHONUNBUFFERED="1",
            # A benchmark is one client making many requests: the per-person limits of the
            # sign-in form, check-in and the API would measure themselves, not the site.
            LOGIN_RATE="off",
            CHECKIN_RATE="off",
            API_RATE="off",
        )
        if self._redis_url:
            self._redis_prefix = f"yjxf-bench-{os.getpid()}-{secrets.token_hex(3)}"
            env.update(CACHE_URL=self._redis_url, CACHE_KEY_PREFIX=self._redis_prefix)
            self.cache = f"Redis {_redact(self._redis_url)} (prefix {self._redis_prefix})"
        return env

    def _database_url(self) -> str:
        assert self.path is not None
        if not self._pg_admin_url:
            return f"sqlite:///{self.path / 'bench.sqlite3'}"
        # The harness itself needs only the standard library (any python3 can run a benchmark;
        # the site runs in .venv); the drivers are imported where an opt-in service needs them.
        import psycopg
        from psycopg import sql

        name = f"yjxf_bench_{os.getpid()}_{secrets.token_hex(3)}"
        try:
            with psycopg.connect(self._pg_admin_url, autocommit=True, connect_timeout=5) as conn:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.Error as exc:
            raise BenchError(
                f"cannot create a scratch database via BENCH_DATABASE_URL: {exc}"
            ) from exc
        self._pg_database = name
        self.database = f"PostgreSQL {_redact(self._pg_admin_url)} (scratch database {name})"
        parts = urllib.parse.urlsplit(self._pg_admin_url)
        return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))

    def close(self) -> None:
        with _shielded_from_ctrl_c():
            if self._pg_database:
                self._drop_pg_database()
            if self._redis_prefix:
                self._delete_redis_keys()
            if self.path is not None and not self.keep:
                shutil.rmtree(self.path, ignore_errors=True)
            elif self.path is not None:
                print(f"kept {self.path}", file=sys.stderr)

    def _drop_pg_database(self) -> None:
        import psycopg
        from psycopg import sql

        name, self._pg_database = self._pg_database, ""
        try:
            with psycopg.connect(self._pg_admin_url, autocommit=True, connect_timeout=5) as conn:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
        except psycopg.Error as exc:
            print(f"warning: could not drop scratch database {name}: {exc}", file=sys.stderr)

    def _delete_redis_keys(self) -> None:
        import redis

        prefix, self._redis_prefix = self._redis_prefix, ""
        try:
            client = redis.Redis.from_url(self._redis_url, socket_timeout=5)
            keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
            if keys:
                client.delete(*keys)
        except redis.RedisError as exc:
            print(f"warning: could not delete Redis keys {prefix}:*: {exc}", file=sys.stderr)

    def manage(self, *args: str, timeout: float = 300) -> float:
        """Run `manage.py <args>` against this site; return the seconds it took."""
        started = time.perf_counter()
        try:
            proc = subprocess.run(
                [python_executable(), str(REPO_ROOT / "manage.py"), *args],
                cwd=REPO_ROOT,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise BenchError(
                f"manage.py {' '.join(args)} took longer than {timeout:.0f} s"
            ) from exc
        if proc.returncode != 0:
            raise BenchError(
                f"manage.py {' '.join(args)} failed (exit {proc.returncode}):\n"
                + _tail(proc.stdout + proc.stderr)
            )
        return time.perf_counter() - started

    def prepare_demo_site(self) -> dict[str, float]:
        """Migrate and load the demo data while collecting static files alongside; return each
        step's seconds. (`make check` runs the system checks; here they would only cost time.)"""
        with ThreadPoolExecutor(max_workers=1) as alongside:
            static = alongside.submit(self.manage, "collectstatic", "--noinput", "--skip-checks")
            steps = {
                "migrate": self.manage("migrate", "--noinput", "--skip-checks"),
                "seed_demo": self.manage("seed_demo", "--skip-checks"),
            }
            steps["collectstatic (alongside)"] = static.result()
        return steps

    def describe(self) -> str:
        return f"{self.path}; database {self.database}; cache {self.cache}"


def _redact(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urllib.parse.urlunsplit(parts._replace(netloc=netloc))
    return url


# --- the server ------------------------------------------------------------------------------

# Loaded by gunicorn: each worker leaves a file once the app is imported (readiness, and a count
# of restarts), and the master stops itself if the benchmark dies without stopping it.
_GUNICORN_CONFIG = """\
import os
import signal
import threading
import time

BENCH_PID = {bench_pid}
READY_DIR = {ready_dir!r}


def when_ready(server):
    def watch():
        while os.getppid() == BENCH_PID:
            time.sleep(1)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="bench-watchdog", daemon=True).start()


def post_worker_init(worker):
    open(os.path.join(READY_DIR, str(worker.pid)), "w").close()


def worker_exit(server, worker):
    # Skip the interpreter's final garbage collection of a Django heap: on a busy machine it
    # takes seconds, and gunicorn would wait for it before stopping.
    os._exit(0)
"""


@dataclass
class Session:
    """Cookies of a logged-in visitor, for the headers of a `Target`."""

    cookies: dict[str, str]

    def headers(self, *, csrf: bool = False) -> dict[str, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if csrf:
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        return headers


class Server:
    """gunicorn serving the site's WSGI app on 127.0.0.1, on a port the kernel picked."""

    def __init__(
        self,
        workspace: Workspace,
        *,
        workers: int = 4,
        worker_class: str = "sync",
        threads: int = 1,
        preload: bool = True,
        app: str = "cms.wsgi:application",
        ready_path: str = "/healthz",
        boot_timeout: float = 60,
        extra_args: Sequence[str] = (),
    ):
        self.workspace = workspace
        self.workers = workers
        self.worker_class = worker_class
        self.threads = threads
        self.preload = preload
        self.app = app
        self.ready_path = ready_path
        self.boot_timeout = boot_timeout
        self.extra_args = list(extra_args)
        self.host = HOST
        self.port = 0
        self.boot_seconds = 0.0
        self.proc: subprocess.Popen | None = None
        self._log = None
        self._dir = Path()  # set by start(): a directory of its own in the workspace

    def __enter__(self) -> "Server":
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def log_path(self) -> Path:
        return self._dir / "server.log"

    @property
    def ready_dir(self) -> Path:
        return self._dir / "ready"

    def describe(self) -> str:
        threads = f" × {self.threads} threads" if self.threads > 1 else ""
        preload = ", preloaded" if self.preload else ""
        return (
            f"gunicorn {self.app}, {self.workers} {self.worker_class} workers{threads}{preload} "
            f"on http://{self.host}:{self.port} (ready in {self.boot_seconds:.1f} s)"
        )

    def start(self) -> None:
        self._dir = Path(tempfile.mkdtemp(prefix="gunicorn-", dir=self.workspace.path))
        self.ready_dir.mkdir()
        config = self._dir / "gunicorn.conf.py"
        config.write_text(
            _GUNICORN_CONFIG.format(bench_pid=os.getpid(), ready_dir=str(self.ready_dir))
        )
        # Bind here and hand the socket over: no race for a "free" port with other programs.
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((self.host, 0))
            listener.listen(2048)
            self.port = listener.getsockname()[1]
            fd = listener.fileno()
            command = [
                python_executable(),
                "-m",
                "gunicorn",
                self.app,
                f"--config={config}",
                f"--bind=fd://{fd}",
                f"--workers={self.workers}",
                f"--worker-class={self.worker_class}",
                f"--threads={self.threads}",
                *(["--preload"] if self.preload else []),
                "--graceful-timeout=2",
                "--no-control-socket",
                "--error-logfile=-",
                "--log-level=info",
                *self.extra_args,
            ]
            self._log = open(self.log_path, "wb")  # noqa: SIM115 (closed in stop())
            started = time.perf_counter()
            # Its own session: Ctrl-C reaches only the benchmark, which then stops it in order.
            self.proc = subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                env=self.workspace.env,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                pass_fds=(fd,),
                start_new_session=True,
            )
        finally:
            listener.close()
        self._wait_until_ready()
        self.boot_seconds = time.perf_counter() - started

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.boot_timeout
        while len(self._booted_workers()) < self.workers:
            self._fail_if_exited()
            if time.monotonic() > deadline:
                waited = f"{self.boot_timeout:.0f} s"
                raise BenchError(f"gunicorn workers not ready after {waited}:\n{self.log_tail()}")
            time.sleep(0.05)
        last_problem = ""
        while time.monotonic() < deadline:
            self._fail_if_exited()
            try:
                status = self.get(self.ready_path)[0]
                if status == 200:
                    return
                last_problem = f"HTTP {status}"
            except (OSError, http.client.HTTPException) as exc:
                last_problem = repr(exc)
            time.sleep(0.1)
        raise BenchError(
            f"{self.ready_path} never answered 200 ({last_problem}):\n{self.log_tail()}"
        )

    def _booted_workers(self) -> list[str]:
        return os.listdir(self.ready_dir)

    def _fail_if_exited(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            raise BenchError(
                f"gunicorn exited with code {self.proc.returncode}:\n{self.log_tail()}"
            )

    def check(self) -> None:
        """Raise BenchError if the server died or any worker was restarted (crash, timeout)."""
        self._fail_if_exited()
        restarts = len(self._booted_workers()) - self.workers
        if restarts > 0:
            raise BenchError(f"{restarts} gunicorn worker(s) restarted:\n{self.log_tail()}")

    def log_tail(self, lines: int = 25) -> str:
        try:
            return _tail(self.log_path.read_text(errors="replace"), lines)
        except OSError:  # not started, or the workspace is gone
            return "(no server log)"

    def stop(self) -> None:
        with _shielded_from_ctrl_c():
            proc, self.proc = self.proc, None
            if proc is not None and proc.poll() is None:
                # Quick shutdown (SIGINT to gunicorn): the master stops its workers at once.
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)  # the group it leads: master, workers
                    proc.wait(timeout=5)
            if self._log is not None:
                self._log.close()
                self._log = None

    def get(
        self, path: str, headers: dict[str, str] | None = None, timeout: float = 10
    ) -> tuple[int, dict[str, str], bytes]:
        """One GET on a fresh connection: status, headers (lower-case names), body."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request("GET", path, headers=headers or {})
            response = conn.getresponse()
            body = response.read()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, body
        finally:
            conn.close()

    def login(self, username: str, password: str = DEMO_PASSWORD) -> Session:
        """Log in through the site's login form, as a browser would; return the session."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            conn.request("GET", "/accounts/login/")
            response = conn.getresponse()
            page = response.read().decode("utf-8", errors="replace")
            cookies = _set_cookies(response)
            match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
            if response.status != 200 or match is None or "csrftoken" not in cookies:
                raise BenchError(f"login page: HTTP {response.status}, no CSRF token")
            form = urllib.parse.urlencode(
                {"csrfmiddlewaretoken": match[1], "username": username, "password": password}
            )
            session = Session(cookies)
            conn.request(
                "POST",
                "/accounts/login/",
                body=form,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    **session.headers(),
                },
            )
            response = conn.getresponse()
            response.read()
            cookies.update(_set_cookies(response))
            if response.status != 302 or "sessionid" not in cookies:
                raise BenchError(f"login as {username!r} failed: HTTP {response.status}")
            return Session(cookies)
        finally:
            conn.close()


def _set_cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    jar = http.cookies.SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


# --- the load --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One kind of request to put under load."""

    name: str
    path: str
    method: str = "GET"
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    expect_status: int = 200
    # A response header whose values are counted, e.g. "X-Page-Cache" (hit/miss).
    track_header: str | None = None


@dataclass(frozen=True)
class _Job:
    host: str
    port: int
    target: Target
    session: Session | None
    start_at: float  # time.time() at which every client begins
    stop_at: float | None  # time.time() after which no request is sent (duration mode)
    requests: int | None  # requests this client sends (count mode)
    timeout: float


@dataclass
class _ClientResult:
    latencies_ms: array
    statuses: Counter
    failures: Counter
    tracked: Counter
    connections: int
    started: float
    finished: float


def _init_client() -> None:
    # Ctrl-C is the parent's to handle; the parent stops its clients with SIGTERM.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _client(job: _Job) -> _ClientResult:
    """A closed loop: send the next request as soon as the previous response has been read."""
    target = job.target
    headers = {"User-Agent": "yjxf-bench", **target.headers}
    if job.session is not None:
        headers.update(job.session.headers(csrf=target.method not in ("GET", "HEAD")))
    track = target.track_header
    conn = http.client.HTTPConnection(job.host, job.port, timeout=job.timeout)
    latencies, statuses, failures, tracked = array("d"), Counter(), Counter(), Counter()
    connections = sent = 0
    time.sleep(max(0.0, job.start_at - time.time()))
    started = time.time()
    while True:
        if job.requests is not None and sent >= job.requests:
            break
        if job.stop_at is not None and time.time() >= job.stop_at:
            break
        sent += 1
        if conn.sock is None:  # a closed connection (server's "Connection: close") reopens
            connections += 1
        began = time.perf_counter()
        try:
            conn.request(target.method, target.path, body=target.body, headers=headers)
            response = conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as exc:
            failures[type(exc).__name__] += 1
            conn.close()
            time.sleep(0.01)  # a refusing server must not turn the loop into a spin
            continue
        latencies.append((time.perf_counter() - began) * 1000)
        statuses[response.status] += 1
        if track:
            tracked[response.getheader(track, "(none)")] += 1
    finished = time.time()
    conn.close()
    return _ClientResult(latencies, statuses, failures, tracked, connections, started, finished)


@dataclass
class Result:
    """The figures of one target under load."""

    target: Target
    clients: int
    requests: int
    errors: int
    elapsed: float
    latencies_ms: list[float]  # sorted, completed responses only
    statuses: Counter
    failures: Counter  # exceptions instead of a response, by type
    tracked: Counter
    connections: int

    @property
    def rps(self) -> float:
        return self.requests / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 1.0

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile of the latencies, in milliseconds (nan without any)."""
        if not self.latencies_ms:
            return math.nan
        rank = max(1, math.ceil(p / 100 * len(self.latencies_ms)))
        return self.latencies_ms[rank - 1]

    def share(self, header_value: str) -> float:
        """Share of responses whose tracked header had this value."""
        total = sum(self.tracked.values())
        return self.tracked[header_value] / total if total else math.nan

    def __add__(self, other: "Result") -> "Result":
        """The figures of two stretches of load on the same target, as one."""
        if other.target != self.target:
            raise ValueError("results of different targets")
        return Result(
            target=self.target,
            clients=self.clients,
            requests=self.requests + other.requests,
            errors=self.errors + other.errors,
            elapsed=self.elapsed + other.elapsed,
            latencies_ms=sorted(self.latencies_ms + other.latencies_ms),
            statuses=self.statuses + other.statuses,
            failures=self.failures + other.failures,
            tracked=self.tracked + other.tracked,
            connections=self.connections + other.connections,
        )

    def as_dict(self) -> dict:
        return {
            "target": self.target.name,
            "method": self.target.method,
            "path": self.target.path,
            "clients": self.clients,
            "requests": self.requests,
            "errors": self.errors,
            "seconds": round(self.elapsed, 3),
            "rps": round(self.rps, 1),
            "p50_ms": round(self.percentile(50), 3),
            "p95_ms": round(self.percentile(95), 3),
            "p99_ms": round(self.percentile(99), 3),
            "max_ms": round(self.latencies_ms[-1], 3) if self.latencies_ms else None,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "failures": dict(self.failures),
            "tracked": {self.target.track_header: dict(self.tracked)}
            if self.target.track_header
            else {},
            "connections": self.connections,
        }


class LoadGenerator:
    """A pool of client processes, separate from the server's, reused across targets."""

    def __init__(self, clients: int = 3):
        if clients < 1:
            raise ValueError("clients must be at least 1")
        self.clients = clients
        self._pool = None

    def __enter__(self) -> "LoadGenerator":
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        self._pool = context.Pool(self.clients, initializer=_init_client)
        return self

    def __exit__(self, exc_type, *exc_info) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        with _shielded_from_ctrl_c():
            if exc_type is None:
                pool.close()
            else:
                pool.terminate()
            pool.join()

    def run(
        self,
        server: Server,
        target: Target,
        *,
        duration: float | None = 5.0,
        requests: int | None = None,
        timeout: float = 10.0,
        sessions: Sequence[Session] = (),
    ) -> Result:
        """Put `target` under load from every client at once, either for `duration` seconds or
        until `requests` requests (shared among the clients) have been answered. With
        `sessions`, client i sends the cookies (and, except for GET, the CSRF token) of session
        i modulo their number: a logged-in visitor per client."""
        if self._pool is None:
            raise RuntimeError("use LoadGenerator as a context manager")
        if requests is None and duration is None:
            raise ValueError("give a duration or a number of requests")
        start_at = time.time() + 0.05  # every client process has picked up its job by then
        stop_at = start_at + duration if requests is None and duration is not None else None
        if requests is not None:
            share, extra = divmod(requests, self.clients)
            counts = [share + (i < extra) for i in range(self.clients)]
        else:
            counts = [None] * self.clients
        jobs = [
            _Job(
                server.host,
                server.port,
                target,
                sessions[i % len(sessions)] if sessions else None,
                start_at,
                stop_at,
                count,
                timeout,
            )
            for i, count in enumerate(counts)
        ]
        parts = self._pool.map(_client, jobs, chunksize=1)
        latencies = sorted(x for part in parts for x in part.latencies_ms)
        statuses = sum((part.statuses for part in parts), Counter())
        failures = sum((part.failures for part in parts), Counter())
        bad_statuses = sum(n for status, n in statuses.items() if status != target.expect_status)
        return Result(
            target=target,
            clients=self.clients,
            requests=sum(statuses.values()) + sum(failures.values()),
            errors=bad_statuses + sum(failures.values()),
            elapsed=max(p.finished for p in parts) - min(p.started for p in parts),
            latencies_ms=latencies,
            statuses=statuses,
            failures=failures,
            tracked=sum((part.tracked for part in parts), Counter()),
            connections=sum(part.connections for part in parts),
        )

    def compare(
        self,
        server: Server,
        targets: Sequence[Target],
        *,
        duration: float = 5.0,
        requests: int | None = None,
        rounds: int = 5,
        warmup: float = 1.0,
        timeout: float = 10.0,
        sessions: Sequence[Session] = (),
    ) -> list[Result]:
        """Measure several targets for comparison: after a warm-up of each, take turns in
        `rounds` short stretches (A B C A B C …), so that a change in what else the machine is
        doing weighs on every target alike; each target gets `duration` seconds (or `requests`
        requests) in all. Returns one result per target, in order."""
        if requests is not None:
            rounds = min(rounds, requests)
        options = {"timeout": timeout, "sessions": sessions}
        if warmup > 0:
            for target in targets:
                self.run(server, target, duration=warmup, **options)
        totals: list[Result | None] = [None] * len(targets)
        for round_ in range(rounds):
            for i, target in enumerate(targets):
                if requests is not None:
                    share = requests // rounds + (round_ < requests % rounds)
                    part = self.run(server, target, requests=share, **options)
                else:
                    part = self.run(server, target, duration=duration / rounds, **options)
                totals[i] = part if totals[i] is None else totals[i] + part
        return [total for total in totals if total is not None]


# --- the report ------------------------------------------------------------------------------


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, left: int = 1) -> str:
    """A plain-text table: the first `left` columns left-aligned, the figures right-aligned."""
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            str(c).ljust(w) if i < left else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([line(headers), "  ".join("-" * w for w in widths), *map(line, rows)])


def ms(value: float) -> str:
    if math.isnan(value):
        return "—"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def percent(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.0%}"


def write_json(path: str, payload: dict) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")


MAX_ERROR_RATE = 0.01


def run_record(benchmark: str, args, machine: str, site) -> dict:
    """What every benchmark's --json report starts with: when, where, the server and load."""
    return {
        "benchmark": benchmark,
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"at_start": machine, "python": platform.python_version()},
        "server": {
            "gunicorn": gunicorn_version(),
            "workers": args.workers,
            "worker_class": args.worker_class,
            "threads": args.threads,
            "preload": args.preload,
            "database": site.database,
            "cache": site.cache,
        },
        "load": {
            "clients": args.clients,
            "duration": None if args.requests else args.duration,
            "requests": args.requests,
            "warmup": args.warmup,
            "rounds": args.rounds,
        },
    }


def exit_status(results, server_failure: Exception | None) -> int:
    """Raise a server failure; else 1 when any target's error rate passed MAX_ERROR_RATE."""
    if server_failure is not None:
        raise server_failure
    failing = [r for r in results if r.error_rate > MAX_ERROR_RATE]
    for r in failing:
        expected = r.target.expect_status
        detail = dict(r.failures) | {f"HTTP {k}": v for k, v in r.statuses.items() if k != expected}
        print(f"FAILED: {r.target.name}: {r.error_rate:.1%} errors {detail}", file=sys.stderr)
    return 1 if failing else 0


def machine_note() -> str:
    """CPUs and load average, with a warning when other work competes with the benchmark."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg()[0]
    note = f"{cpus} CPUs, load average {load:.1f}"
    if cpus and load > cpus / 2:
        note += " (busy: other work competes for the CPUs, figures will be noisy)"
    return note


def gunicorn_version() -> str:
    proc = subprocess.run(
        [python_executable(), "-m", "gunicorn", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    return (proc.stdout or proc.stderr).strip()


# --- the command line ------------------------------------------------------------------------


def _positive(kind: Callable[[str], float]) -> Callable[[str], float]:
    def parse(text: str) -> float:
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive: {text}")
        return value

    parse.__name__ = kind.__name__
    return parse


def argument_parser(description: str | None) -> argparse.ArgumentParser:
    """The options every benchmark shares; a script may add its own."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    server = parser.add_argument_group("server")
    server.add_argument("--workers", type=_positive(int), default=4, help="gunicorn workers")
    server.add_argument(
        "--worker-class", default="sync", help="gunicorn worker class (sync, gthread…)"
    )
    server.add_argument("--threads", type=_positive(int), default=1, help="threads per worker")
    server.add_argument(
        "--no-preload",
        dest="preload",
        action="store_false",
        help="import the app in each worker instead of once before forking (slower boot)",
    )
    load = parser.add_argument_group("load")
    load.add_argument(
        "--clients", type=_positive(int), default=3, help="client processes (closed loop each)"
    )
    load.add_argument(
        "--duration", type=_positive(float), default=5.0, help="seconds of load per target"
    )
    load.add_argument(
        "--requests",
        type=_positive(int),
        default=None,
        help="requests per target instead of a duration",
    )
    load.add_argument(
        "--warmup", type=float, default=1.0, help="seconds of unmeasured load per target first"
    )
    load.add_argument(
        "--rounds",
        type=_positive(int),
        default=5,
        help="the targets take turns in this many stretches of load",
    )
    load.add_argument("--timeout", type=_positive(float), default=10.0, help="seconds per request")
    output = parser.add_argument_group("output")
    output.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    output.add_argument(
        "--keep-temp", action="store_true", help="keep the temporary site (for debugging)"
    )
    return parser


def _terminate_as_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def run(main: Callable[[], int]) -> None:
    """Run a benchmark's main(): Ctrl-C and SIGTERM unwind through every cleanup; a BenchError
    is reported in one message. Exit codes: main's own, 1 on BenchError, 130 when interrupted."""
    signal.signal(signal.SIGTERM, _terminate_as_interrupt)
    try:
        code = main()
    except KeyboardInterrupt:
        print("\ninterrupted; server stopped and temporary files removed", file=sys.stderr)
        code = 130
    except BenchError as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        code = 1
    sys.exit(code)
