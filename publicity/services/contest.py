"""Writes of the short-video contest: entries, their review, the judges' scores, votes.

Entries, scores and votes belong to the contest in the default language (its source, see
`selectors.contest_source`), whichever language's page the visitor used.

Videos are accepted as a file or as a link to a video site. A file is checked twice: by its
extension and by its first bytes (an MP4/MOV file has an ``ftyp`` box at offset 4, a WebM
file starts with the EBML magic 1A 45 DF A3), so a renamed document is refused. Links must
be https and point at one of EMBED_HOSTS: the Chinese video sites a team is likely to use.
"""

import secrets
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.cache import language_variants, purge_paths
from lms.models import Team
from lms.ratelimit import rate_limit_hit
from publicity.errors import DomainError
from publicity.models.contest import ContestEntry, ContestVote, EntryStatus, JudgeScore
from publicity.selectors.contest import (
    contest_source,
    may_judge,
    may_review,
    votes_close_at,
)

# Extension → content type. The extension decides the type served back; the first bytes
# must agree with it.
VIDEO_TYPES = {"mp4": "video/mp4", "webm": "video/webm", "mov": "video/quicktime"}
EBML_MAGIC = b"\x1a\x45\xdf\xa3"
# QuickTime files written before the ftyp box existed open with one of these atoms instead.
QUICKTIME_ATOMS = {b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}
# Video sites whose links are accepted (a host or any of its subdomains): Tencent Video,
# bilibili (and its b23.tv short links), Douyin, Xigua Video, Youku, Kuaishou, WeChat Channels.
EMBED_HOSTS = (
    "v.qq.com",
    "bilibili.com",
    "b23.tv",
    "douyin.com",
    "ixigua.com",
    "youku.com",
    "kuaishou.com",
    "channels.weixin.qq.com",
)
# Public votes per signed-in person: (votes, seconds).
VOTE_RATE = getattr(settings, "CONTEST_VOTE_RATE", (30, 600))
MEGABYTE = 1024 * 1024
TENTH = Decimal("0.1")


# -- checks ----------------------------------------------------------------------------------


def _types_label() -> str:
    return _("MP4、WebM 或 MOV（.mp4、.webm、.mov）")


def _video_type(video: UploadedFile, limit_mb: int) -> str:
    """The content type of an uploaded video; DomainError when its type or size is wrong."""
    name = video.name or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in VIDEO_TYPES:
        raise DomainError(
            _("不支持该视频文件格式（%(ext)s）：只接受 %(types)s 格式的视频文件。")
            % {"ext": f".{extension}" if extension else _("无扩展名"), "types": _types_label()},
            field="video",
        )
    if video.size > limit_mb * MEGABYTE:
        raise DomainError(
            _(
                "视频文件过大（%(size).1f MB）：本次大赛的上限为 %(limit)s MB，"
                "请压缩后再提交，或改为填写视频链接。"
            )
            % {"size": video.size / MEGABYTE, "limit": limit_mb},
            field="video",
        )
    video.seek(0)
    head = video.read(12)
    video.seek(0)
    if extension == "webm":
        genuine = head[:4] == EBML_MAGIC
    elif extension == "mov":
        genuine = head[4:8] in QUICKTIME_ATOMS
    else:
        genuine = head[4:8] == b"ftyp"
    if not genuine:
        raise DomainError(
            _("文件内容不是 %(ext)s 视频（可能只是改了扩展名）：只接受 %(types)s 格式的视频文件。")
            % {"ext": extension.upper(), "types": _types_label()},
            field="video",
        )
    return VIDEO_TYPES[extension]


def embed_host_allowed(host: str) -> bool:
    host = host.lower().rstrip(".")
    return any(host == allowed or host.endswith(f".{allowed}") for allowed in EMBED_HOSTS)


def _embed_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise DomainError(_("视频链接须是以 https:// 开头的完整网址。"), field="embed_url")
    if not embed_host_allowed(parts.hostname):
        raise DomainError(
            _(
                "暂不支持该网站的视频链接：请使用腾讯视频、哔哩哔哩、抖音、西瓜视频、优酷、"
                "快手或微信视频号的分享链接。"
            ),
            field="embed_url",
        )
    return url


def _phone(phone: str) -> str:
    digits = "".join(ch for ch in (phone or "") if ch not in " -")
    if digits.startswith("+86"):
        digits = digits[3:]
    mobile = len(digits) == 11 and digits.startswith("1") and digits.isdigit()
    landline = 10 <= len(digits) <= 12 and digits.startswith("0") and digits.isdigit()
    if not (mobile or landline):
        raise DomainError(
            _("联系电话应为 11 位手机号码，或带区号的固定电话。"), field="author_phone"
        )
    return digits


def _full_clean(instance, exclude=None) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(messages[0], field=field) from exc


# -- keeping the public pages true ----------------------------------------------------------


def contest_public_paths(contest, entries=()) -> list[str]:
    """The cached public paths showing the contest: its index, overview and results, and the
    given entries' pages, in every language."""
    source = contest_source(contest)
    subpaths = ["", "results/", *(f"entries/{entry.pk}/" for entry in entries)]
    paths = []
    for page in [source, *source.get_translations()]:
        parts = page.get_url_parts()
        if not parts:
            continue
        base = parts[2]
        parent_parts = page.get_parent().get_url_parts()
        if parent_parts:
            paths.extend(language_variants(parent_parts[2]))
        for sub in subpaths:
            paths.extend(language_variants(base + sub))
    return list(dict.fromkeys(paths))


def _purge_later(contest, entries=()) -> None:
    paths = contest_public_paths(contest, entries)
    transaction.on_commit(lambda: purge_paths(paths))


# -- entries ----------------------------------------------------------------------------------


@transaction.atomic
def contest_entry_submit(
    *,
    contest,
    user,
    title: str,
    description: str,
    team: Team | None = None,
    video: UploadedFile | None = None,
    embed_url: str = "",
    author_name: str,
    author_phone: str,
) -> ContestEntry:
    """A new entry, pending review. `user` is None for an anonymous visitor."""
    contest = contest_source(contest)
    now = timezone.now()
    if not contest.live or now < contest.opens_at:
        raise DomainError(_("大赛尚未开始征集作品。"))
    if now >= contest.closes_at:
        raise DomainError(_("大赛已截止投稿。"))
    title = (title or "").strip()
    description = (description or "").strip()
    author_name = (author_name or "").strip()
    if not title:
        raise DomainError(_("请填写作品名称。"), field="title")
    if not description:
        raise DomainError(_("请填写作品简介。"), field="description")
    if not author_name:
        raise DomainError(_("请填写作者姓名。"), field="author_name")
    author_phone = _phone(author_phone)
    embed_url = _embed_url(embed_url)
    if not video and not embed_url:
        raise DomainError(_("请上传视频文件，或填写视频链接。"), field="video")
    video_type = _video_type(video, contest.max_video_mb) if video else ""

    entry = ContestEntry(
        contest=contest,
        title=title,
        description=description,
        team=team,
        embed_url=embed_url,
        video_type=video_type,
        video_size=video.size if video else 0,
        upload_token=secrets.token_hex(16),
        author_name=author_name,
        author_phone=author_phone,
        submitted_by=user if user is not None and user.is_authenticated else None,
    )
    _full_clean(entry, exclude=["video", "upload_token"])
    try:
        if video:
            extension = video.name.rsplit(".", 1)[-1].lower()
            entry.video.save(f"video.{extension}", video, save=False)
        entry.save()
    except Exception:
        # Nothing stored: not the row (rolled back), nor the file.
        if entry.video:
            entry.video.storage.delete(entry.video.name)
        raise
    return entry


@transaction.atomic
def contest_entry_review(
    *, entry: ContestEntry, user, approve: bool, note: str = ""
) -> ContestEntry:
    """Approve an entry (it becomes public) or reject it with a note saying why."""
    if not may_review(user):
        raise DomainError(_("只有审核员可以审核参赛作品。"))
    note = (note or "").strip()
    if not approve and not note:
        raise DomainError(_("不通过时请填写审核意见，说明原因。"), field="note")
    entry = ContestEntry.objects.select_for_update().get(pk=entry.pk)
    was_public = entry.status == EntryStatus.APPROVED
    entry.status = EntryStatus.APPROVED if approve else EntryStatus.REJECTED
    entry.review_note = note
    entry.reviewed_by = user
    entry.reviewed_at = timezone.now()
    _full_clean(entry, exclude=["video", "upload_token"])
    entry.save(update_fields=["status", "review_note", "reviewed_by", "reviewed_at"])
    if approve or was_public:
        _purge_later(entry.contest, [entry])
    return entry


# -- judging ----------------------------------------------------------------------------------


def _score(value, criterion) -> Decimal:
    try:
        score = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise DomainError(
            _("「%(name)s」的分数不是有效的数字。") % {"name": criterion.name},
            field=f"criterion_{criterion.pk}",
        ) from exc
    if not score.is_finite() or not (0 <= score <= criterion.weight):
        raise DomainError(
            _("「%(name)s」的分数应在 0 到 %(weight)s 分之间。")
            % {"name": criterion.name, "weight": criterion.weight},
            field=f"criterion_{criterion.pk}",
        )
    if score != score.quantize(TENTH):
        raise DomainError(
            _("「%(name)s」的分数最多保留一位小数。") % {"name": criterion.name},
            field=f"criterion_{criterion.pk}",
        )
    return score.quantize(TENTH)


@transaction.atomic
def judge_scores_save(*, entry: ContestEntry, judge, scores: dict) -> list[JudgeScore]:
    """One judge's scores of one approved entry, on every published criterion at once."""
    if not may_judge(judge):
        raise DomainError(_("只有短视频评委可以为作品评分。"))
    if entry.status != EntryStatus.APPROVED:
        raise DomainError(_("只能为已通过审核的作品评分。"))
    contest = entry.contest
    if contest.results_published:
        raise DomainError(_("大赛结果已公布，评分已锁定。"))
    criteria = list(contest.criteria.all())
    given = {int(key): value for key, value in scores.items()}
    if set(given) - {c.pk for c in criteria}:
        raise DomainError(_("评分项不属于本次大赛的评审标准。"))
    missing = [c.name for c in criteria if given.get(c.pk) in (None, "")]
    if missing:
        raise DomainError(
            _("请为每一项评审标准打分，尚缺：%(names)s。") % {"names": "、".join(missing)}
        )
    saved = []
    for criterion in criteria:
        score = _score(given[criterion.pk], criterion)
        row, _created = JudgeScore.objects.update_or_create(
            entry=entry, criterion=criterion, judge=judge, defaults={"score": score}
        )
        saved.append(row)
    return saved


# -- votes ------------------------------------------------------------------------------------


@transaction.atomic
def contest_vote_cast(*, entry: ContestEntry, user) -> ContestVote:
    """A signed-in person's vote for an approved entry: one per person per entry."""
    if user is None or not user.is_authenticated:
        raise DomainError(_("请先登录再投票。"))
    contest = entry.contest
    now = timezone.now()
    if not contest.votes_enabled:
        raise DomainError(_("本次大赛不设公众投票。"))
    if now < contest.opens_at:
        raise DomainError(_("投票尚未开始。"))
    if now >= votes_close_at(contest):
        raise DomainError(_("投票已截止。"))
    if entry.status != EntryStatus.APPROVED:
        raise DomainError(_("这部作品不接受投票。"))
    already = _("您已为这部作品投过票，每人每部作品限投一票。")
    if ContestVote.objects.filter(entry=entry, user=user).exists():
        raise DomainError(already)
    limit, period = VOTE_RATE
    hit = rate_limit_hit("contest-vote", str(user.pk), limit=limit, period=period)
    if not hit.allowed:
        raise DomainError(
            _("投票过于频繁，请 %(minutes)s 分钟后再试。")
            % {"minutes": max(1, round(hit.retry_after / 60))}
        )
    try:
        with transaction.atomic():
            vote = ContestVote.objects.create(entry=entry, user=user)
    except IntegrityError as exc:  # a second vote racing the first
        raise DomainError(already) from exc
    _purge_later(contest, [entry])
    return vote
