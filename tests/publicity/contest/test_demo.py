"""The contest's demo data: an open contest with criteria, entries and votes; safe to rerun."""

import io

from django.test import Client

from wagtail.models import Locale

from publicity.demo import contest as demo
from publicity.models import ContestEntry, ContestPage, ContestVote, EntryStatus
from publicity.roles import JUDGES
from tests.factories import UserFactory


def test_the_demo_contest_is_open_with_entries_and_votes_and_reruns_cleanly(sections, people):
    for username in demo.VOTERS:
        UserFactory(username=username)

    demo.seed(io.StringIO(), index=sections["contest"])
    demo.seed(io.StringIO(), index=sections["contest"])

    chinese = ContestPage.objects.filter(locale=Locale.get_default())
    contest = chinese.get(slug=demo.SLUG)
    assert [(c.name, c.weight) for c in contest.criteria.all()] == [
        ("主题立意", 30),
        ("知识准确", 30),
        ("创意表现", 20),
        ("制作水平", 20),
    ]
    entries = ContestEntry.objects.filter(contest=contest)
    assert entries.count() == 3
    assert entries.filter(status=EntryStatus.APPROVED).count() == 2
    assert entries.filter(status=EntryStatus.PENDING).count() == 1
    assert ContestVote.objects.count() > 0
    assert chinese.count() == 1
    judge = people["judge"].__class__.objects.get(username="judge")
    assert judge.groups.filter(name=JUDGES).exists()

    html = Client().get(f"/contest/{demo.SLUG}/").content.decode()
    assert "征集中" in html
    for title, _text, _link, approved in demo.ENTRIES:
        assert (title in html) is approved
