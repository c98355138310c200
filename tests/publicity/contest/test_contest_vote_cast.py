"""Public votes: signed-in people only, one per person per entry, while votes are open."""

import datetime

from django.test import Client
from django.utils import timezone

import pytest

from publicity.errors import DomainError
from publicity.models import ContestVote, EntryStatus
from publicity.services.contest import contest_vote_cast

from .conftest import make_contest, make_entry


def _entry_url(entry) -> str:
    return f"/contest/shorts/entries/{entry.pk}/"


def test_a_signed_in_person_votes_once_and_the_count_shows(contest, people):
    entry = make_entry(contest)
    client = Client()
    client.force_login(people["voter"])

    response = client.post(f"{_entry_url(entry)}vote/", follow=True)

    html = response.content.decode()
    assert "投票成功" in html
    assert "1 票" in html
    assert "您已为这部作品投票" in html
    assert ContestVote.objects.filter(entry=entry, user=people["voter"]).count() == 1


def test_a_second_vote_by_the_same_person_is_refused_with_a_message(contest, people):
    entry = make_entry(contest)
    client = Client()
    client.force_login(people["voter"])
    client.post(f"{_entry_url(entry)}vote/")

    response = client.post(f"{_entry_url(entry)}vote/", follow=True)

    assert "您已为这部作品投过票" in response.content.decode()
    assert ContestVote.objects.filter(entry=entry).count() == 1
    with pytest.raises(DomainError, match="您已为这部作品投过票"):
        contest_vote_cast(entry=entry, user=people["voter"])
    # Another person may still vote for it.
    contest_vote_cast(entry=entry, user=people["voter2"])
    assert ContestVote.objects.filter(entry=entry).count() == 2


def test_an_anonymous_vote_goes_to_sign_in_and_counts_nothing(contest):
    entry = make_entry(contest)
    response = Client().post(f"{_entry_url(entry)}vote/")
    assert response.status_code == 302
    assert response["Location"] == (f"/accounts/login/?next=/contest/shorts/entries/{entry.pk}/")
    assert not ContestVote.objects.exists()


def test_voting_takes_a_post(contest, people):
    entry = make_entry(contest)
    client = Client()
    client.force_login(people["voter"])
    assert client.get(f"{_entry_url(entry)}vote/").status_code == 405
    assert not ContestVote.objects.exists()


def test_no_votes_after_the_votes_close(sections, people):
    now = timezone.now()
    contest = make_contest(sections["contest"], votes_close_at=now - datetime.timedelta(hours=1))
    entry = make_entry(contest)
    client = Client()
    client.force_login(people["voter"])

    response = client.post(f"{_entry_url(entry)}vote/", follow=True)

    html = response.content.decode()
    assert "投票已截止" in html
    assert "投一票" not in html  # no button any more
    assert not ContestVote.objects.exists()


def test_no_votes_when_the_contest_has_none(sections, people):
    contest = make_contest(sections["contest"], votes_enabled=False)
    entry = make_entry(contest)
    with pytest.raises(DomainError, match="不设公众投票"):
        contest_vote_cast(entry=entry, user=people["voter"])


def test_no_votes_for_an_entry_not_approved(contest, people):
    entry = make_entry(contest, status=EntryStatus.PENDING)
    with pytest.raises(DomainError):
        contest_vote_cast(entry=entry, user=people["voter"])
    client = Client()
    client.force_login(people["voter"])
    assert client.post(f"{_entry_url(entry)}vote/").status_code == 404
    assert not ContestVote.objects.exists()


def test_votes_are_rate_limited_per_person(contest, people, monkeypatch):
    monkeypatch.setattr("publicity.services.contest.VOTE_RATE", (2, 600))
    entries = [make_entry(contest, title=f"作品{n}") for n in range(3)]
    contest_vote_cast(entry=entries[0], user=people["voter"])
    contest_vote_cast(entry=entries[1], user=people["voter"])
    with pytest.raises(DomainError, match="投票过于频繁"):
        contest_vote_cast(entry=entries[2], user=people["voter"])
    # Someone else is not held back.
    contest_vote_cast(entry=entries[2], user=people["voter2"])
    assert ContestVote.objects.count() == 3


def test_a_vote_refreshes_the_cached_count(contest, people, django_capture_on_commit_callbacks):
    entry = make_entry(contest)
    visitor = Client()
    assert "0 票" in visitor.get(_entry_url(entry)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        contest_vote_cast(entry=entry, user=people["voter"])
    assert "1 票" in visitor.get(_entry_url(entry)).content.decode()
    assert "1 票" in visitor.get("/contest/shorts/").content.decode()
