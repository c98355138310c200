"""Reads of the short-video contests: the list, a contest's source, entries, votes, results.

A contest page exists in every language (an alias or a translation of the Chinese page);
entries, scores and votes always belong to the contest in the default language, its
"source", so every read here goes through `contest_source` first.
"""

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wagtail.models import Locale

from cms.roles import REVIEWERS
from publicity.models.contest import ContestEntry, ContestVote, EntryStatus, JudgeScore

# The judges' group (publicity.roles.JUDGES; named here too, since roles imports the models
# that import these selectors).
JUDGES = "短视频评委"
CENT = Decimal("0.01")

STATE_LABELS = {
    "upcoming": _("即将开始"),
    "open": _("征集中"),
    "closed": _("已截止"),
    "results": _("结果已公布"),
}


# -- who may do what -------------------------------------------------------------------------


def _in_group(user, name: str) -> bool:
    if not user or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name=name).exists()


def may_review(user) -> bool:
    """Reviewers (审核员) and superusers approve or reject entries."""
    return _in_group(user, REVIEWERS)


def may_judge(user) -> bool:
    """Judges (短视频评委) and superusers score approved entries."""
    return _in_group(user, JUDGES)


def may_see_pending(user) -> bool:
    """Who may watch an entry before it is approved: its reviewers and the judges."""
    return may_review(user) or may_judge(user)


# -- contests ----------------------------------------------------------------------------------


def contest_source(contest):
    """The contest in the default locale: `contest` itself, the page it aliases, or its
    default-locale translation. Entries, scores and votes always belong to it."""
    default = Locale.get_default()
    if contest.locale_id == default.pk:
        return contest
    model = type(contest)
    source = model.objects.filter(
        translation_key=contest.translation_key, locale_id=default.pk
    ).first()
    if source is None and contest.alias_of_id:
        source = model.objects.filter(pk=contest.alias_of_id).first()
    return source or contest


def votes_close_at(contest) -> datetime.datetime:
    return contest.votes_close_at or contest.closes_at


def contest_is_open(contest, now: datetime.datetime | None = None) -> bool:
    """Entries are accepted from opens_at up to (not including) closes_at."""
    now = now or timezone.now()
    return contest.opens_at <= now < contest.closes_at


def votes_are_open(contest, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    return contest.votes_enabled and contest.opens_at <= now < votes_close_at(contest)


def contest_state(contest, now: datetime.datetime | None = None) -> str:
    """upcoming, open, closed or results (published)."""
    now = now or timezone.now()
    if contest.results_published:
        return "results"
    if now < contest.opens_at:
        return "upcoming"
    if now < contest.closes_at:
        return "open"
    return "closed"


@dataclass(frozen=True)
class ContestCard:
    """A contest as the contest index lists it."""

    page: object
    state: str
    entries: int

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])


def contests(index) -> list[ContestCard]:
    """Live contests under the index: open ones first, then the newest."""
    ContestPage = apps.get_model("publicity", "ContestPage")
    pages = list(ContestPage.objects.child_of(index).live().specific().order_by("-opens_at"))
    now = timezone.now()
    sources = {page.pk: contest_source(page) for page in pages}
    counts = dict(
        ContestEntry.objects.approved()
        .filter(contest_id__in=[s.pk for s in sources.values()])
        .values("contest_id")
        .annotate(n=Count("pk"))
        .values_list("contest_id", "n")
    )
    cards = [
        ContestCard(
            page=page,
            state=contest_state(sources[page.pk], now),
            entries=counts.get(sources[page.pk].pk, 0),
        )
        for page in pages
    ]
    # Stable sort: the open ones move up, each group stays newest first.
    return sorted(cards, key=lambda card: card.state != "open")


# -- entries and votes ---------------------------------------------------------------------------


def approved_entries(contest) -> QuerySet:
    """The contest's approved entries with their vote counts, newest first."""
    return (
        ContestEntry.objects.filter(contest=contest_source(contest))
        .approved()
        .with_votes()
        .select_related("team")
        .order_by("-submitted_at", "-pk")
    )


def public_entry(contest, pk: int) -> ContestEntry | None:
    """An approved entry of the contest, with its vote count; None otherwise."""
    return approved_entries(contest).filter(pk=pk).first()


def entry_any_status(contest, pk: int) -> ContestEntry | None:
    """Any entry of the contest, whatever its status (for its reviewers and judges)."""
    return ContestEntry.objects.filter(contest=contest_source(contest), pk=pk).first()


def has_voted(entry: ContestEntry, user) -> bool:
    if not user or not user.is_authenticated:
        return False
    return ContestVote.objects.filter(entry=entry, user=user).exists()


def entries_for_review(*, contest=None, status: str = "", query: str = "") -> QuerySet:
    """Entries as the admin lists them: any contest and status, searchable by title,
    description, author, phone and team."""
    entries = (
        ContestEntry.objects.with_votes()
        .select_related("contest", "team")
        .order_by("-submitted_at", "-pk")
    )
    if contest is not None:
        entries = entries.filter(contest=contest_source(contest))
    if status:
        entries = entries.filter(status=status)
    query = (query or "").strip()
    if query:
        entries = entries.filter(
            Q(title__icontains=query)
            | Q(description__icontains=query)
            | Q(author_name__icontains=query)
            | Q(author_phone__icontains=query)
            | Q(team__name__icontains=query)
        )
    return entries


# -- embed links ---------------------------------------------------------------------------------

_BILIBILI_VIDEO = re.compile(r"/video/(BV[0-9A-Za-z]{10})")
_QQ_VIDEO = re.compile(r"/x/(?:cover/[^/]+|page)/([0-9A-Za-z]+)\.html")


@dataclass(frozen=True)
class EmbedView:
    """How an entry's embed link is shown: a player in an iframe where the host offers one
    that may be framed, else a link to watch it on the host's site."""

    url: str
    host: str
    player_url: str = ""


def embed_view(url: str) -> EmbedView | None:
    if not url:
        return None
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    player = ""
    if host == "player.bilibili.com" or (
        host == "v.qq.com" and parts.path.startswith("/txp/iframe/")
    ):
        player = url
    elif host.endswith("bilibili.com") and (match := _BILIBILI_VIDEO.search(parts.path)):
        player = f"https://player.bilibili.com/player.html?bvid={match.group(1)}&autoplay=0"
    elif host == "v.qq.com" and (match := _QQ_VIDEO.search(parts.path)):
        player = f"https://v.qq.com/txp/iframe/player.html?vid={match.group(1)}"
    elif host.endswith("bilibili.com") and "bvid" in parse_qs(parts.query):
        player = url
    return EmbedView(url=url, host=host.removeprefix("www."), player_url=player)


# -- judging and results ---------------------------------------------------------------------------


def contest_criteria(contest) -> list:
    """The source contest's criteria in their published order."""
    return list(contest_source(contest).criteria.all())


def judge_scores_of(entry: ContestEntry, judge) -> dict[int, Decimal]:
    """One judge's scores of one entry: criterion id → score."""
    return dict(
        JudgeScore.objects.filter(entry=entry, judge=judge).values_list("criterion_id", "score")
    )


def entries_scored_by(contest, judge) -> set[int]:
    """The ids of the contest's entries this judge has scored."""
    return set(
        JudgeScore.objects.filter(entry__contest=contest_source(contest), judge=judge)
        .values_list("entry_id", flat=True)
        .distinct()
    )


def judges_total() -> int:
    """How many people sit on the judging panel (active members of the judges' group)."""
    return get_user_model().objects.filter(groups__name=JUDGES, is_active=True).count()


def judging_progress(contest) -> dict[int, int]:
    """Per approved entry of the contest: how many judges have scored it."""
    return dict(
        JudgeScore.objects.filter(
            entry__contest=contest_source(contest), entry__status=EntryStatus.APPROVED
        )
        .values("entry_id")
        .annotate(judges=Count("judge_id", distinct=True))
        .values_list("entry_id", "judges")
    )


@dataclass
class RankedEntry:
    """One approved entry in the results: the judges' mean per criterion, their sum, votes."""

    rank: int
    entry: ContestEntry
    means: list[Decimal | None] = field(default_factory=list)
    total: Decimal = Decimal("0.00")
    votes: int = 0
    judges: int = 0

    @property
    def scored(self) -> bool:
        return self.judges > 0


def results_ranking(contest) -> list[RankedEntry]:
    """The approved entries ranked by total score (the sum over the criteria of the judges'
    mean, each criterion scored 0..weight); ties by votes, then by who submitted first."""
    source = contest_source(contest)
    criteria = list(source.criteria.all())
    entries = list(
        ContestEntry.objects.filter(contest=source).approved().with_votes().select_related("team")
    )
    means: dict[tuple[int, int], Decimal] = {
        (row["entry_id"], row["criterion_id"]): Decimal(str(row["mean"]))
        for row in JudgeScore.objects.filter(entry__in=entries)
        .values("entry_id", "criterion_id")
        .annotate(mean=Avg("score"))
    }
    progress = judging_progress(source)
    rows = []
    for entry in entries:
        entry_means = [means.get((entry.pk, c.pk)) for c in criteria]
        total = sum((m for m in entry_means if m is not None), Decimal("0"))
        rows.append(
            RankedEntry(
                rank=0,
                entry=entry,
                means=[m.quantize(CENT) if m is not None else None for m in entry_means],
                total=total.quantize(CENT),
                votes=entry.vote_count,
                judges=progress.get(entry.pk, 0),
            )
        )
    rows.sort(key=lambda r: (-r.total, -r.votes, r.entry.submitted_at, r.entry.pk))
    for rank, row in enumerate(rows, start=1):
        row.rank = rank
    return rows
