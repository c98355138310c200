"""Entries of the short-video contest, the judges' scores and the public's votes."""

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from lms.models.teams import private_storage


class EntryStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("未通过")


def entry_video_path(entry: "ContestEntry", filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"contest/{entry.contest_id}/{entry.upload_token}.{extension}"


class ContestEntryQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=EntryStatus.APPROVED)

    def with_votes(self):
        return self.annotate(vote_count=Count("votes", distinct=True))


class ContestEntry(models.Model):
    """One video submitted to a contest; the public sees it only once it is approved."""

    contest = models.ForeignKey(
        "publicity.ContestPage",
        verbose_name=_("大赛"),
        on_delete=models.PROTECT,
        related_name="entries",
    )
    title = models.CharField(_("作品名称"), max_length=60)
    description = models.TextField(_("作品简介"), max_length=500)
    team = models.ForeignKey(
        "lms.Team",
        verbose_name=_("展现的队伍"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contest_entries",
    )
    video = models.FileField(
        _("视频文件"), storage=private_storage, upload_to=entry_video_path, blank=True
    )
    video_type = models.CharField(_("视频格式"), max_length=40, blank=True)
    video_size = models.PositiveBigIntegerField(_("文件大小（字节）"), default=0)
    embed_url = models.URLField(_("视频链接"), blank=True)
    # Random name of the stored file, so that no path reveals another entry's.
    upload_token = models.CharField(max_length=32, editable=False)
    # Who sent it: shown to the reviewers, never on a public page.
    author_name = models.CharField(_("作者"), max_length=40)
    author_phone = models.CharField(_("联系电话"), max_length=20)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    status = models.CharField(
        _("审核状态"), max_length=10, choices=EntryStatus.choices, default=EntryStatus.PENDING
    )
    review_note = models.CharField(_("审核意见"), max_length=255, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    objects = ContestEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("参赛作品")
        verbose_name_plural = _("参赛作品")
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["contest", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(video="") | ~Q(embed_url=""), name="entry_has_video_or_link"
            )
        ]

    def __str__(self):
        return self.title


class JudgeScore(models.Model):
    """One judge's score of one entry on one published criterion."""

    entry = models.ForeignKey(ContestEntry, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(
        "publicity.ContestCriterion", on_delete=models.CASCADE, related_name="scores"
    )
    judge = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("评委"), on_delete=models.PROTECT, related_name="+"
    )
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=1)
    scored_at = models.DateTimeField(_("评分时间"), auto_now=True)

    class Meta:
        verbose_name = _("评委评分")
        verbose_name_plural = _("评委评分")
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "criterion", "judge"], name="one_score_per_judge_and_criterion"
            )
        ]

    def __str__(self):
        return f"{self.entry_id}/{self.criterion_id}: {self.score}"


class ContestVote(models.Model):
    """A signed-in person's public vote for an entry: one per person per entry."""

    entry = models.ForeignKey(ContestEntry, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    voted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("公众投票")
        verbose_name_plural = _("公众投票")
        constraints = [
            models.UniqueConstraint(fields=["entry", "user"], name="one_vote_per_person_and_entry")
        ]

    def __str__(self):
        return f"{self.entry_id}: {self.user_id}"
