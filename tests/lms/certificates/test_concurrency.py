"""Concurrent issuance: real threads on their own connections (PostgreSQL; the in-memory
SQLite test database fails a second writer instead of making it wait)."""

import threading

from django.db import connection

import pytest

from lms.models import Certificate, CertificateSource, CertificateStatus
from lms.services.certificates import certificate_issue
from tests.factories import MemberFactory

threaded = pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="in-memory SQLite fails a second writer instead of making it wait",
)


def run_together(calls):
    """Start every call at once (a barrier), each on its own connection; results, errors."""
    barrier = threading.Barrier(len(calls))
    results, errors = [None] * len(calls), []

    def run(i):
        try:
            barrier.wait()
            results[i] = calls[i]()
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


@threaded
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_issuances_give_twenty_consecutive_serials(world, course, template):
    team = world["qingxiu_team"]
    members = [MemberFactory(team=team, name=f"并发队员{i}") for i in range(20)]
    calls = [
        (lambda m=m: certificate_issue(member=m, course=course, render=False)) for m in members
    ]
    results, errors = run_together(calls)
    assert errors == []
    serials = sorted(c.serial for c in results)
    numbers = [int(s.rsplit("-", 1)[1]) for s in serials]
    assert len(set(serials)) == 20
    assert numbers == list(range(1, 21))


@threaded
@pytest.mark.django_db(transaction=True)
def test_concurrent_issuance_to_one_member_gives_one_certificate(world, course, template):
    member = world["member"]
    calls = [
        (lambda: certificate_issue(member=member, course=course, render=False)) for _ in range(8)
    ]
    results, errors = run_together(calls)
    assert errors == []
    assert len({c.pk for c in results}) == 1
    assert Certificate.objects.filter(member=member, status=CertificateStatus.VALID).count() == 1
    # The losers gave their numbers back: the next serial follows on.
    nxt = certificate_issue(
        member=world["leader"], course=course, source=CertificateSource.MANUAL, render=False
    )
    assert nxt.serial.endswith("-000002")
