"""The backup the README prescribes can be restored: `pg_dump --format=custom` of the
database, `pg_restore` into a new, empty database, and the same records are there.

Runs on PostgreSQL only (skipped on SQLite, a failure under REQUIRE_SERVICES), with the
client tools on PATH; their major version must be at least the server's, as pg_dump
refuses a newer server.
"""

import os
import re
import shutil
import subprocess
import uuid
from contextlib import contextmanager

from django.db import connection
from django.utils import timezone

import psycopg
import pytest
from psycopg import sql

from lms.models import (
    Certificate,
    CertificateTemplate,
    Enrollment,
    EnrollmentSource,
    EnrollmentStatus,
    Member,
)
from lms.services.certificates import certificate_issue
from tests.factories import (
    ArticlePageFactory,
    CourseIndexPageFactory,
    MemberFactory,
    TeamFactory,
    area_tree,
    course_with_lessons,
)

# Committed before pg_dump runs: pg_dump reads the database from its own connection.
pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _client_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        message = f"{name} not on PATH (Debian: apt-get install postgresql-client)"
        if os.environ.get("REQUIRE_SERVICES"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def _major(tool: str) -> int:
    output = subprocess.run([tool, "--version"], capture_output=True, text=True, check=True)
    return int(re.search(r"\(PostgreSQL\) (\d+)", output.stdout)[1])


def _libpq_env() -> tuple[dict[str, str], dict]:
    """The environment that points pg_dump/pg_restore at the test server, and the
    connection keywords for psycopg (same host, port, user, password)."""
    db = connection.settings_dict
    keywords = {
        "host": db["HOST"] or "127.0.0.1",
        "port": str(db["PORT"] or 5432),
        "user": db["USER"] or "postgres",
    }
    env = {
        **os.environ,
        "PGHOST": keywords["host"],
        "PGPORT": keywords["port"],
        "PGUSER": keywords["user"],
    }
    if db["PASSWORD"]:
        env["PGPASSWORD"] = keywords["password"] = db["PASSWORD"]
    return env, keywords


@contextmanager
def scratch_database(keywords: dict, name: str):
    """An empty database of that name on the same server, dropped afterwards."""
    with psycopg.connect(dbname="postgres", autocommit=True, **keywords) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **keywords) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _row_counts(cursor) -> dict[str, int]:
    """Rows of every table in the public schema."""
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    tables = [row[0] for row in cursor.fetchall()]
    counts = {}
    for table in tables:
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        counts[table] = cursor.fetchone()[0]
    return counts


@pytest.fixture
def records(postgres, site_tree):
    """A member with a certificate, and a published article: the records a restore must keep."""
    areas = area_tree()
    team = TeamFactory(community=areas["xinzhu_1"])
    member = MemberFactory(team=team, name="韦备份", phone="13900001234")
    MemberFactory(team=team, name="覃恢复")
    catalog = CourseIndexPageFactory(parent=site_tree["home"])
    course = course_with_lessons(catalog, code="GX-BAK-1", title="备份演练课程", lessons=2)
    CertificateTemplate.objects.create(name="自治区标准模板", is_default=True)
    Enrollment.objects.create(
        member=member,
        course=course,
        status=EnrollmentStatus.COMPLETED,
        completed_at=timezone.now(),
        source=EnrollmentSource.SELF,
    )
    certificate = certificate_issue(member=member, course=course, render=False)
    article = ArticlePageFactory(parent=site_tree["index"], title="汛期避险须知", slug="flood")
    return {"member": member, "certificate": certificate, "article": article}


def test_a_custom_format_dump_restores_into_a_new_database_with_the_same_records(records, tmp_path):
    pg_dump, pg_restore = _client_tool("pg_dump"), _client_tool("pg_restore")
    server_major = connection.pg_version // 10000
    assert _major(pg_dump) >= server_major, "pg_dump is older than the server: it would refuse"
    assert _major(pg_restore) >= server_major
    env, keywords = _libpq_env()
    source = connection.settings_dict["NAME"]
    dump = tmp_path / "yjxf.dump"

    subprocess.run(
        [pg_dump, "--format=custom", "--no-owner", f"--file={dump}", source],
        env=env,
        check=True,
        capture_output=True,
    )
    assert dump.stat().st_size > 0

    with scratch_database(keywords, f"{source}_restore_{uuid.uuid4().hex[:8]}") as target:
        restored = subprocess.run(
            [pg_restore, "--no-owner", "--exit-on-error", f"--dbname={target}", str(dump)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert restored.returncode == 0, restored.stderr

        with (
            psycopg.connect(dbname=source, **keywords) as before,
            psycopg.connect(dbname=target, **keywords) as after,
        ):
            original_counts = _row_counts(before.cursor())
            restored_counts = _row_counts(after.cursor())
            cursor = after.cursor()

            member = records["member"]
            cursor.execute(
                sql.SQL("SELECT name, phone, team_id FROM {} WHERE id = %s").format(
                    sql.Identifier(Member._meta.db_table)
                ),
                [member.pk],
            )
            member_row = cursor.fetchone()

            certificate = records["certificate"]
            cursor.execute(
                sql.SQL("SELECT member_id, status, code FROM {} WHERE serial = %s").format(
                    sql.Identifier(Certificate._meta.db_table)
                ),
                [certificate.serial],
            )
            certificate_row = cursor.fetchone()

            cursor.execute(
                "SELECT title, url_path, live FROM wagtailcore_page WHERE id = %s",
                [records["article"].pk],
            )
            article_row = cursor.fetchone()

    assert restored_counts == original_counts
    assert original_counts[Member._meta.db_table] == 2
    assert original_counts[Certificate._meta.db_table] == 1
    assert member_row == ("韦备份", "13900001234", member.team_id)
    assert certificate_row == (member.pk, certificate.status, certificate.code)
    assert article_row == ("汛期避险须知", records["article"].url_path, True)
