"""Who administers which part of the tree."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AreaAdministrator(models.Model):
    """A user's administration of an area subtree (a county office, a city office…)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="area_roles",
    )
    area = models.ForeignKey(
        "lms.Area",
        verbose_name=_("管辖区域"),
        on_delete=models.CASCADE,
        related_name="administrators",
    )
    can_view_id_numbers = models.BooleanField(
        _("可查看完整身份证号"),
        default=False,
        help_text=_("仅授予确需核验身份的人员；其他人只看到打码后的号码。"),
    )
    created_at = models.DateTimeField(_("授权时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("区域管理员")
        verbose_name_plural = _("区域管理员")
        constraints = [
            models.UniqueConstraint(fields=["user", "area"], name="unique_area_role_per_user")
        ]

    def __str__(self):
        return f"{self.user} · {self.area}"
