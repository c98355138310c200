"""Races the attempt engine must win: two submits at once, two starts at once, saves
against a submit.

Two kinds of test. The threaded ones run real threads on their own connections
(transaction=True); they need a database that makes a second writer wait, which the
in-memory SQLite test database does not (its shared-cache table locks fail at once with
"database table is locked"), so they run on PostgreSQL. The interleaved ones run on both:
they stop the first call at the worst moment (after it has read the attempt as open,
before it writes) and run the second call to the end right there: the race the guards
exist for, made deterministic.
"""

import threading
from decimal import Decimal

from django.db import connection

import pytest

from lms.models import Attempt, AttemptAnswer, AttemptStatus
from lms.services import attempts as attempts_service
from lms.services.attempts import (
    AttemptClosedError,
    answer_save,
    attempt_start,
    attempt_submit,
)

from .conftest import right_choices

threaded = pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="in-memory SQLite fails a second writer instead of making it wait",
)


def answer_all_right(attempt):
    for answer in attempt.answers.select_related("question"):
        answer_save(
            attempt=attempt, position=answer.position, choices=right_choices(answer.question)
        )


def graded_once(attempt) -> bool:
    gradings = Attempt.history.filter(id=attempt.pk).exclude(status=AttemptStatus.OPEN)
    answers = AttemptAnswer.history.filter(attempt_id=attempt.pk)
    return gradings.count() == 1 and answers.count() == attempt.answers.count()


# -- interleaved (SQLite and PostgreSQL) ---------------------------------------------------


@pytest.mark.django_db
def test_a_submit_arriving_mid_grading_does_not_grade_again(world, exam, enrolled, monkeypatch):
    """The first submit has read the attempt as open; before it writes, a second submit
    (a double tap) runs to the end. The first must then find it graded and stop."""
    attempt = attempt_start(member=world["member"], exam=exam)
    answer_all_right(attempt)
    original = attempts_service._is_past  # called right after the attempt is read
    second = []

    def interleave(attempt_read, now):
        if not second:
            second.append(None)  # once: the second submit runs this too
            second[0] = attempt_submit(attempt=Attempt.objects.get(pk=attempt.pk))
        return original(attempt_read, now)

    monkeypatch.setattr(attempts_service, "_is_past", interleave)
    first = attempt_submit(attempt=attempt)

    assert second and second[0].status == AttemptStatus.SUBMITTED
    assert first.score == second[0].score == Decimal(4)
    assert first.submitted_at == second[0].submitted_at
    assert graded_once(attempt)


@pytest.mark.django_db
def test_a_start_arriving_mid_start_returns_the_same_attempt(world, exam, enrolled, monkeypatch):
    """Both starts found no open attempt; the second creates one while the first is still
    drawing its paper. The first hits the one-open-attempt constraint and returns it."""
    original = attempts_service._refusal  # called after the look for an open attempt
    inner = []

    def interleave(**kwargs):
        if not inner:
            inner.append(None)  # once: the second start runs this too
            inner[0] = attempt_start(member=world["member"], exam=exam)
        return original(**kwargs)

    monkeypatch.setattr(attempts_service, "_refusal", interleave)
    outer = attempt_start(member=world["member"], exam=exam)

    assert outer.pk == inner[0].pk
    assert outer.resumed is True
    assert Attempt.objects.filter(member=world["member"], exam=exam).count() == 1
    assert AttemptAnswer.objects.filter(attempt=outer).count() == 4


# -- threaded (PostgreSQL) -----------------------------------------------------------------

THREADS = 4


def race(jobs) -> list:
    """Run each job in its own thread, released at the same moment; results or exceptions."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(i):
        try:
            barrier.wait()
            results[i] = jobs[i]()
        except Exception as exc:  # collected and asserted on by the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def slow_grading(monkeypatch):
    """Widen the window between reading the attempt and writing its grade."""
    original = attempts_service.answer_score

    def slow(**kwargs):
        threading.Event().wait(0.02)
        return original(**kwargs)

    monkeypatch.setattr(attempts_service, "answer_score", slow)


@threaded
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submits_give_one_grade(world, exam, enrolled, slow_grading):
    attempt = attempt_start(member=world["member"], exam=exam)
    answer_all_right(attempt)
    stale = Attempt.objects.get(pk=attempt.pk)  # every thread holds an "open" copy

    results = race([lambda: attempt_submit(attempt=stale)] * THREADS)

    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    assert {r.pk for r in results} == {attempt.pk}
    assert {r.score for r in results} == {Decimal(4)}
    assert len({r.submitted_at for r in results}) == 1
    assert graded_once(attempt)


@threaded
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_starts_give_one_attempt(world, exam, enrolled):
    results = race([lambda: attempt_start(member=world["member"], exam=exam)] * THREADS)

    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    assert len({r.pk for r in results}) == 1
    assert Attempt.objects.filter(member=world["member"], exam=exam).count() == 1
    assert AttemptAnswer.objects.filter(attempt__member=world["member"]).count() == 4


@threaded
@pytest.mark.django_db(transaction=True)
def test_saves_racing_a_submit_are_either_graded_or_refused(world, exam, enrolled, slow_grading):
    """No answer is stored after grading without counting: each save either lands before
    the grade (and is in it) or is refused."""
    attempt = attempt_start(member=world["member"], exam=exam)
    answers = list(attempt.answers.select_related("question").order_by("position"))

    def save(answer):
        return lambda: answer_save(
            attempt=attempt, position=answer.position, choices=right_choices(answer.question)
        )

    results = race([save(a) for a in answers] + [lambda: attempt_submit(attempt=attempt)])

    unexpected = [
        r for r in results if isinstance(r, Exception) and not isinstance(r, AttemptClosedError)
    ]
    assert not unexpected, unexpected
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUBMITTED
    for answer in attempt.answers.all():
        assert bool(answer.response) == bool(answer.is_correct)
    saved = sum(1 for r in results[:-1] if not isinstance(r, Exception))
    assert attempt.score == Decimal(saved)
