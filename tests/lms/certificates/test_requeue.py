"""Work started while the broker is unreachable: accepted, kept, and sent again later
(lms.services.jobs). The same against real Redis: tests/integration/test_faults.py."""

import datetime
from unittest import mock

from django.urls import reverse

import pytest
from celery.canvas import Signature
from kombu.exceptions import OperationalError

from lms.models import Certificate, CertificateJob
from lms.services.jobs import jobs_requeue

from .conftest import complete

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _remove_stored_pdfs():
    """The private storage is shared by the test run: leave no files behind."""
    yield
    for certificate in Certificate.objects.exclude(pdf=""):
        certificate.pdf.delete(save=False)


NOW = datetime.timedelta(0)


def broker_down():
    return mock.patch.object(Signature, "delay", side_effect=OperationalError("refused"))


def start_bulk_issue(client, world, course):
    client.force_login(world["qingxiu_admin"])
    return client.post(
        reverse("learn:area_certificates", kwargs={"pk": world["areas"]["qingxiu"].pk}),
        {"action": "bulk", "bulk-course": course.pk},
    )


def test_a_job_started_with_the_broker_down_waits_and_runs_when_sent_again(
    client, world, course, template, django_capture_on_commit_callbacks
):
    complete(world["member"], course)
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        response = start_bulk_issue(client, world, course)
    job = CertificateJob.objects.get()
    assert response.status_code == 302  # the request succeeds: the job is committed
    assert job.status == "pending" and not Certificate.objects.exists()

    assert jobs_requeue() == 0  # not yet: its own message may still be on its way
    assert jobs_requeue(older_than=NOW) == 1  # eager here: sending it runs it
    job.refresh_from_db()
    assert job.status == "done" and job.issued == 1
    certificate = Certificate.objects.get()
    assert certificate.member == world["member"] and certificate.pdf


def test_the_sweeper_sends_each_item_once_per_window_and_retries_an_unsent_one(
    world, course, issue
):
    certificate = issue(world["member"])  # its render task was never sent
    with broker_down():
        assert jobs_requeue(older_than=NOW) == 0  # still down: tried again next time
    with mock.patch.object(Signature, "delay") as delay:
        assert jobs_requeue(older_than=NOW) == 1
        assert jobs_requeue(older_than=NOW) == 0
    delay.assert_called_once()
    assert certificate.pdf.name == ""
