"""Bad days, against the real PostgreSQL and Redis with a real Celery worker process.

- A worker killed while it renders certificates or enrolls an area is restarted and the
  job ends with every member handled exactly once: no duplicate, no gap.
- With Redis down the site serves pages and accepts work; the work is done once Redis
  is back.
- With PostgreSQL down /healthz answers 503, and a write cut off mid-transaction leaves
  nothing behind.

Redis and PostgreSQL "go down" behind a small TCP proxy the test stops, so the shared
services keep running.
"""

import collections
import hashlib
import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import urlsplit

from django.db import OperationalError, connection, connections
from django.urls import reverse
from django.utils import timezone

import pytest
import redis
from pypdf import PdfReader

from cms.celery import app as celery_app
from lms.models import (
    AreaAdministrator,
    AssignmentJob,
    Certificate,
    CertificateJob,
    CertificateStatus,
    CertificateTemplate,
    Enrollment,
    EnrollmentSource,
    EnrollmentStatus,
    JobStatus,
    SerialCounter,
)
from lms.services.enrollments import enrollment_assign_team
from tests.factories import (
    PASSWORD,
    AreaFactory,
    ArticlePageFactory,
    CourseIndexPageFactory,
    MemberFactory,
    TeamFactory,
    UserFactory,
    area_tree,
    course_with_lessons,
)

from .conftest import _need

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")
WAIT_SECONDS = 180  # the longest any step may take before the test gives up


def wait_for(condition, what: str, timeout: float = WAIT_SECONDS, every: float = 0.02):
    """Poll `condition` until it returns something true; fail naming `what` otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(every)


# -- a TCP proxy that can be switched off ------------------------------------------------


class TcpProxy:
    """Forwards a local port to a service; `stop()` drops every connection and refuses new
    ones (the service is "down"), `start()` listens again on the same port."""

    def __init__(self, upstream_port: int):
        self.upstream = ("127.0.0.1", upstream_port)
        self.port = 0
        self._listener = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> "TcpProxy":
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            _close(listener)  # shutdown wakes the thread blocked in accept()
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            _close(sock)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.upstream)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, upstream]
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            _close(source)
            _close(target)


def _close(sock: socket.socket) -> None:
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


# -- a real worker process ----------------------------------------------------------------


class Worker:
    """`celery worker` in a process group of its own (prefork, one pool process) on the test
    database and the test broker; a short visibility timeout brings back a dead worker's
    tasks in seconds instead of an hour."""

    def __init__(self, broker_url: str, log_path: Path, visibility_timeout: int = 2):
        self.log_path = log_path
        self.process = None
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.integration.worker_settings",
            "FAULTS_TEST_DATABASE": connection.settings_dict["NAME"],
            "CELERY_BROKER_URL": broker_url,
            "CELERY_VISIBILITY_TIMEOUT": str(visibility_timeout),
            "CELERY_RESTORE_INTERVAL": "1",
            "PYTHONUNBUFFERED": "1",
        }

    def start(self) -> "Worker":
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [
                    str(CELERY),
                    "-A",
                    "cms",
                    "worker",
                    "--pool=prefork",
                    "--concurrency=1",
                    "--loglevel=INFO",
                    "--without-gossip",
                    "--without-mingle",
                    f"--hostname=faults-{uuid.uuid4().hex[:6]}@%h",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

        def ready():
            if self.process.poll() is not None:
                pytest.fail(f"the worker exited:\n{self.log()}")
            return b" ready." in self.log_path.read_bytes()[offset:]

        wait_for(ready, "the worker to start", every=0.1)
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def kill(self) -> None:
        """SIGKILL to the whole worker (main process and pool): no chance to clean up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def kill_pool_process(self) -> None:
        """SIGKILL to the pool process running the task (as the out-of-memory killer would);
        the main process lives on and starts a new one."""
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        assert children, "the worker has no pool process"
        os.kill(int(children[0]), signal.SIGKILL)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()


def _purge(url: str) -> None:
    """Forget queued and unacknowledged messages (leftovers of an earlier run)."""
    client = redis.Redis.from_url(url)
    keys = [*client.scan_iter("celery*"), b"unacked", b"unacked_index", b"unacked_mutex"]
    client.delete(*keys)
    client.close()


def _reset_producers() -> None:
    """Make the Celery app connect afresh (to a changed broker URL) on its next send."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker_url(postgres_committed, settings):
    """Tasks go to the real broker (not run in-process), from an empty queue."""
    url = _need("CELERY_BROKER_URL")
    settings.CELERY_TASK_ALWAYS_EAGER = False  # /healthz reads it
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.broker_url, conf.broker_write_url
    conf.task_always_eager = False
    conf.broker_url = conf.broker_write_url = url
    _reset_producers()
    _purge(url)
    yield url
    conf.task_always_eager, conf.broker_url, conf.broker_write_url = saved
    _reset_producers()
    _purge(url)


@pytest.fixture
def worker(broker_url, tmp_path, settings):
    workers = []

    def start(url: str = broker_url, visibility_timeout: int = 2) -> Worker:
        process = Worker(url, tmp_path / "worker.log", visibility_timeout)
        process.env["TEST_MEDIA_ROOT"] = str(settings.MEDIA_ROOT)
        workers.append(process)
        return process.start()

    yield start
    for process in workers:
        process.stop()


@contextmanager
def publishing_to(url: str):
    """The web process sends tasks to `url` for the duration."""
    conf = celery_app.conf
    original = conf.broker_url, conf.broker_write_url
    conf.broker_url = conf.broker_write_url = url
    _reset_producers()
    try:
        yield
    finally:
        conf.broker_url, conf.broker_write_url = original
        _reset_producers()


# -- the people and records ------------------------------------------------------------------


@pytest.fixture
def world(postgres_committed, site_tree):
    """A county with one team, its administrator, a course with a certificate template."""
    areas = area_tree()
    team = TeamFactory(community=areas["xinzhu_1"])
    admin = UserFactory(username="qingxiu-admin")
    AreaAdministrator.objects.create(user=admin, area=areas["qingxiu"])
    catalog = CourseIndexPageFactory(parent=site_tree["home"])
    course = course_with_lessons(
        catalog,
        code="GX-YJ-101",
        title="社区应急救护基础",
        lessons=1,
        certificate_validity_months=36,
    )
    CertificateTemplate.objects.create(
        name="自治区标准模板",
        is_default=True,
        issuing_organisation="广西壮族自治区应急管理厅",
        signatories="自治区应急管理厅培训中心主任 韦明",
    )
    yield {"areas": areas, "team": team, "admin": admin, "course": course, "site": site_tree}
    for certificate in Certificate.objects.exclude(pdf=""):
        certificate.pdf.delete(save=False)


def graduates(team, course, count: int) -> list:
    """`count` members of `team` who completed `course`."""
    members = MemberFactory.create_batch(count, team=team)
    for member in members:
        Enrollment.objects.create(
            member=member,
            course=course,
            source=EnrollmentSource.SELF,
            status=EnrollmentStatus.COMPLETED,
            completed_at=timezone.now(),
        )
    return members


def start_bulk_issue(client, world) -> CertificateJob:
    """The administrator starts bulk issuance for the county from its certificates page."""
    client.force_login(world["admin"])
    area = world["areas"]["qingxiu"]
    response = client.post(
        reverse("learn:area_certificates", kwargs={"pk": area.pk}),
        {"action": "bulk", "bulk-course": world["course"].pk},
    )
    job = CertificateJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("learn:certificate_job", kwargs={"pk": job.pk})
    return job


def job_state(client, job) -> dict:
    url = reverse("learn:certificate_job_status", kwargs={"pk": job.pk})
    return client.get(url).json()


def assert_serials_run_without_gap() -> None:
    """The county's serials run 1…n, n being the last number taken: no gap, no repeat."""
    serials = Certificate.objects.order_by("serial").values_list("serial", flat=True)
    numbers = [int(serial.rsplit("-", 1)[1]) for serial in serials]
    assert numbers == list(range(1, SerialCounter.objects.get().last + 1))


def assert_one_rendered_certificate_each(members, course) -> None:
    """Each member holds exactly one certificate of `course`, valid, with its own PDF."""
    certificates = list(Certificate.objects.filter(course=course).order_by("serial"))
    held = collections.Counter(c.member_id for c in certificates)
    assert held == collections.Counter({m.pk: 1 for m in members})
    assert {c.status for c in certificates} == {CertificateStatus.VALID}
    for certificate in certificates:
        assert certificate.pdf, f"{certificate.serial} has no PDF"
        with certificate.pdf.open("rb") as handle:
            data = handle.read()
        assert hashlib.sha256(data).hexdigest() == certificate.pdf_sha256
        title = PdfReader(io.BytesIO(data)).metadata.title
        assert title == f"{certificate.serial} {certificate.holder_name}"


# -- 1. a worker killed mid-job ---------------------------------------------------------


def test_worker_killed_while_rendering_certificates_resumes_without_duplicate_or_gap(
    client, world, worker
):
    members = graduates(world["team"], world["course"], 60)  # three chunks of 20
    job = start_bulk_issue(client, world)
    first = worker()

    # Killed once a chunk is issued but not all of its files are stored.
    unrendered = Certificate.objects.filter(course=world["course"], pdf="")
    wait_for(unrendered.exists, "the first chunk to be issued")
    first.kill()
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and job.done < job.total
    assert unrendered.exists()

    worker()  # a new worker gets the unacknowledged task back from the broker
    wait_for(lambda: job_state(client, job)["finished"], "the job to finish")

    state = job_state(client, job)
    assert state["status"] == "done" and state["percent"] == 100
    assert state["done"] == state["total"] == state["issued"] == 60
    assert_one_rendered_certificate_each(members, world["course"])
    assert_serials_run_without_gap()
    assert SerialCounter.objects.get().last == 60


def _area_with_teams(world, count: int, size: int) -> list:
    """`count` more teams (one per new community) of `size` members under the county."""
    township = world["areas"]["xinzhu"]
    teams = [world["team"]]
    for n in range(count - 1):
        community = AreaFactory.child(township, f"社区{n}", f"450103001{n + 100:03d}")
        teams.append(TeamFactory(community=community))
    members = []
    for team in teams:
        members += MemberFactory.create_batch(size, team=team)
    return members


@pytest.mark.parametrize("kill", ["worker", "pool_process"])
def test_worker_killed_during_bulk_assignment_resumes_without_duplicate_or_gap(
    client, world, worker, kill
):
    members = _area_with_teams(world, count=40, size=3)
    client.force_login(world["admin"])
    area = world["areas"]["qingxiu"]
    response = client.post(
        reverse("learn:area_assign", kwargs={"area_pk": area.pk}),
        {"course": world["course"].pk},
    )
    job = AssignmentJob.objects.get()
    assert response.status_code == 302 and job.teams_total == 40

    # Killing the pool process must bring the task back at once, not by the broker
    # delivering it again after the visibility timeout: that is made too long to matter.
    running = worker(visibility_timeout=2 if kill == "worker" else 3600)
    jobs = AssignmentJob.objects.filter(pk=job.pk)
    wait_for(lambda: jobs.filter(teams_done__gt=0).exists(), "the first team to be enrolled")
    if kill == "worker":
        running.kill()
    else:
        running.kill_pool_process()  # the main process puts the task back on the queue
    assert jobs.get().teams_done < 40
    if kill == "worker":
        worker()
    wait_for(lambda: jobs.get().finished, "the job to finish")

    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.percent == 100
    assert job.teams_done == 40 and job.enrollments_created == len(members)
    enrolled = collections.Counter(
        Enrollment.objects.filter(course=world["course"]).values_list("member_id", flat=True)
    )
    assert enrolled == collections.Counter({m.pk: 1 for m in members})


# -- 2. Redis down ------------------------------------------------------------------------


@pytest.fixture
def redis_behind_proxy(broker_url, settings):
    """Cache, sessions and the broker all on Redis through a proxy that can be stopped,
    configured as production configures them (cache errors are misses)."""
    url = urlsplit(broker_url)
    proxy = TcpProxy(url.port or 6379).start()
    proxied = f"redis://127.0.0.1:{proxy.port}{url.path}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": proxied,
            "KEY_PREFIX": f"faults-{uuid.uuid4().hex[:6]}",
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": 2,
                "SOCKET_TIMEOUT": 2,
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    # Sessions: with REDIS_URL set, base.py already reads them through this cache.
    with publishing_to(proxied):
        yield proxy
    proxy.stop()


def test_with_redis_down_the_site_serves_and_work_waits_for_its_return(
    client, world, worker, redis_behind_proxy
):
    site = world["site"]
    ArticlePageFactory(parent=site["index"], title="暴雨自救指南", slug="rainstorm")
    members = graduates(world["team"], world["course"], 3)
    learner = UserFactory(username="learner")
    members[0].user = learner
    members[0].save()
    assert client.get("/healthz").json()["status"] == "ok"

    redis_behind_proxy.stop()

    # Public pages, the health check, signing in, a learner's page.
    assert "暴雨自救指南" in client.get("/articles/rainstorm/").content.decode()
    assert client.get("/").status_code == 200
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "degraded"
    assert health.json()["cache"]["ok"] is False and health.json()["broker"]["ok"] is False
    response = client.post(reverse("login"), {"username": "learner", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("learn:certificates")).status_code == 200

    # Work is accepted while the broker is unreachable and waits, committed, for it.
    job = start_bulk_issue(client, world)
    assert job_state(client, job)["status"] == "pending"
    team_url = reverse("learn:team_certificates", kwargs={"pk": world["team"].pk})
    other_course = course_with_lessons(
        world["course"].get_parent(), code="GX-YJ-102", title="防汛基础", lessons=1
    )
    Enrollment.objects.create(
        member=members[1],
        course=other_course,
        source=EnrollmentSource.SELF,
        status=EnrollmentStatus.COMPLETED,
    )
    response = client.post(
        team_url,
        {"action": "issue", "issue-member": members[1].pk, "issue-course": other_course.pk},
    )
    single = Certificate.objects.get(course=other_course)
    assert response.status_code == 302 and not single.pdf

    # Redis is back: the sweeper (every minute under beat; sent here at once) sends the
    # waiting work again and the worker does it.
    redis_behind_proxy.start()
    worker()
    celery_app.send_task("lms.tasks.jobs_requeue", kwargs={"older_than_seconds": 0})
    wait_for(lambda: job_state(client, job)["finished"], "the job to finish")
    assert job_state(client, job)["status"] == "done"
    assert_one_rendered_certificate_each(members, world["course"])
    wait_for(lambda: Certificate.objects.get(pk=single.pk).pdf, "the single certificate's PDF")
    assert_serials_run_without_gap()


# -- 3. PostgreSQL down --------------------------------------------------------------------


@contextmanager
def database_behind(proxy: TcpProxy):
    """The request thread's default connection goes through `proxy` for the duration."""
    original = connections["default"]
    settings_dict = {**original.settings_dict, "HOST": "127.0.0.1", "PORT": str(proxy.port)}
    proxied = original.__class__(settings_dict, alias="default")
    connections["default"] = proxied
    try:
        yield proxied
    finally:
        proxied.close()
        connections["default"] = original


@pytest.fixture
def postgres_proxy(postgres_committed):
    proxy = TcpProxy(int(connection.settings_dict.get("PORT") or 5432)).start()
    yield proxy
    proxy.stop()


def test_with_the_database_down_healthz_says_503(client, postgres_proxy):
    with database_behind(postgres_proxy):
        assert client.get("/healthz").json()["database"]["ok"] is True
        postgres_proxy.stop()
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down" and body["database"]["ok"] is False


def test_a_write_cut_off_by_the_database_leaves_nothing_half_written(world, postgres_proxy):
    team, course = world["team"], world["course"]
    members = MemberFactory.create_batch(6, team=team)
    inserts = []

    def drop_after_two_enrollments(execute, sql, params, many, context):
        # The connection goes away in the middle of the transaction, rows already sent.
        if sql.startswith('INSERT INTO "lms_enrollment"'):
            inserts.append(sql)
            if len(inserts) == 3:
                postgres_proxy.stop()
        return execute(sql, params, many, context)

    with (
        database_behind(postgres_proxy) as proxied,
        proxied.execute_wrapper(drop_after_two_enrollments),
        pytest.raises(OperationalError),
    ):
        enrollment_assign_team(team=team, course=course, actor=world["admin"])
    assert len(inserts) == 3
    assert not Enrollment.objects.filter(course=course).exists()

    # Back up: the same write, done again, is whole.
    postgres_proxy.start()
    with database_behind(postgres_proxy):
        created = enrollment_assign_team(team=team, course=course, actor=world["admin"])
    assert created == len(members)
    enrolled = Enrollment.objects.filter(course=course).values_list("member_id", flat=True)
    assert sorted(enrolled) == sorted(m.pk for m in members)
