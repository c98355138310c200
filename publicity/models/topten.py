"""The announced top ten: a ranking frozen when the selection is made public."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lms.selectors.ranking import RankingFigures


class TopTenSelection(models.Model):
    """The ten best teams of one year for the region or one city, as announced."""

    year = models.PositiveSmallIntegerField(_("年度"))
    area = models.ForeignKey(
        "lms.Area", verbose_name=_("范围"), on_delete=models.PROTECT, related_name="+"
    )
    formula = models.TextField(_("评选公式"))
    note = models.TextField(_("公告说明"), blank=True)
    announced_at = models.DateTimeField(_("公布时间"), auto_now_add=True)
    announced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("公布人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("十佳评选")
        verbose_name_plural = _("十佳评选")
        ordering = ["-year", "area__path"]
        constraints = [
            models.UniqueConstraint(fields=["year", "area"], name="one_top_ten_per_year_and_area")
        ]

    def __str__(self):
        return f"{self.year} {self.area}"


class TopTenEntry(RankingFigures, models.Model):
    """One ranked team of a selection, with the figures behind its score as they were."""

    selection = models.ForeignKey(TopTenSelection, on_delete=models.CASCADE, related_name="entries")
    rank = models.PositiveSmallIntegerField(_("名次"))
    team = models.ForeignKey(
        "lms.Team", verbose_name=_("队伍"), on_delete=models.PROTECT, related_name="+"
    )
    team_name = models.CharField(_("队伍名称"), max_length=100)
    community_name = models.CharField(_("所在社区"), max_length=255)
    score = models.DecimalField(_("综合得分"), max_digits=6, decimal_places=2)
    # members, coverage, participation, hours_per_member, improvement: as at the announcement.
    figures = models.JSONField(_("评分数据"), default=dict)

    class Meta:
        verbose_name = _("十佳队伍")
        verbose_name_plural = _("十佳队伍")
        ordering = ["selection", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["selection", "rank"], name="one_team_per_rank"),
            models.UniqueConstraint(fields=["selection", "team"], name="team_ranked_once"),
        ]

    def __str__(self):
        return f"{self.rank}. {self.team_name}"

    @property
    def ranking_figures(self) -> dict:
        return self.figures
