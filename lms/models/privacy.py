"""Personal data at rest and who looked at it: the encrypted ID number fields, the audit log."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms import id_crypto, idcard


@checks.register(checks.Tags.security)
def check_id_number_keys(app_configs, **kwargs):
    """Fail `manage.py check` (and startup of runserver) on keys Fernet cannot use."""
    try:
        id_crypto.check_keys()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="lms.E001")]
    return []


class EncryptedIdNumberField(models.CharField):
    """An ID number stored as a Fernet token and read back as the number.

    Tokens differ at every save, so the column cannot be searched: equality goes through
    the member's `id_number_digest` (`Member.objects.with_id_number`), and any other lookup
    on this field is refused rather than silently matching nothing.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 200)
        super().__init__(*args, **kwargs)

    def from_db_value(self, value, expression, connection):
        return id_crypto.decrypt(value) if value else value

    def get_db_prep_save(self, value, connection):
        return id_crypto.encrypt(value or "")

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            raise FieldError(
                "ID numbers are encrypted: look members up with Member.objects.with_id_number()."
            )
        return super().get_lookup(lookup_name)

    def formfield(self, **kwargs):
        return super().formfield(**{"max_length": 18, **kwargs})


class IdNumberDigestField(models.CharField):
    """The keyed HMAC of the model's `id_number`, filled at every save (bulk_create too)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("null", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def pre_save(self, model_instance, add):
        value = id_crypto.digest(idcard.normalize(model_instance.id_number))
        setattr(model_instance, self.attname, value)
        return value


class AccessAction(models.TextChoices):
    VIEW_ID_NUMBER = "view_id", _("查看完整身份证号")
    LIST_ID_NUMBERS = "list_ids", _("列表中查看完整身份证号")
    ROSTER_EXPORT = "roster", _("导出含完整身份证号的花名册")
    EXPORT = "export", _("导出个人数据")
    ERASE = "erase", _("删除个人信息")


class PersonalDataAccessQuerySet(models.QuerySet):
    def about(self, member) -> "PersonalDataAccessQuerySet":
        return self.filter(member=member)


class PersonalDataAccess(models.Model):
    """One time someone saw a full ID number, exported or erased a member's personal data."""

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as text too, so the log still names the person after their account is removed.
    username = models.CharField(_("账号"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=10, choices=AccessAction.choices)
    # The one member concerned; empty for a list or an export of many.
    member = models.ForeignKey(
        "lms.Member",
        verbose_name=_("队员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    member_count = models.PositiveIntegerField(_("涉及人数"), default=1)
    detail = models.CharField(_("说明"), max_length=200, blank=True)
    path = models.CharField(_("请求地址"), max_length=300, blank=True)
    ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)

    objects = PersonalDataAccessQuerySet.as_manager()

    class Meta:
        verbose_name = _("个人信息访问记录")
        verbose_name_plural = _("个人信息访问记录")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["member", "at"], name="pda_member_at")]

    def __str__(self):
        return f"{self.username} {self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"
