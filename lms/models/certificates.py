"""Certificates (培训合格证书): issued by rule, verifiable by anyone, revocable, expiring.

A certificate's record is written first, in the transaction that issues it (serial and
verification code included); its PDF is rendered afterwards by a Celery task, stored
once and never rendered again.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from simple_history.models import HistoricalRecords

from .jobs import BackgroundJob
from .teams import private_storage


class CertificateLayout(models.TextChoices):
    """Page layouts: one template file each in templates/lms/certificates/."""

    CLASSIC = "classic", _("经典横版（金色边框）")
    MODERN = "modern", _("简洁竖版")


class CertificateTemplate(models.Model):
    """What a certificate looks like and who issues it; chosen per course."""

    name = models.CharField(_("模板名称"), max_length=60, unique=True)
    layout = models.CharField(
        _("版式"),
        max_length=20,
        choices=CertificateLayout.choices,
        default=CertificateLayout.CLASSIC,
    )
    title = models.CharField(_("证书标题"), max_length=30, default="培训合格证书")
    issuing_organisation = models.CharField(
        _("发证机构"), max_length=100, default="广西壮族自治区应急管理厅"
    )
    body = models.TextField(
        _("正文"),
        max_length=400,
        default=(
            "{name} 同志于 {completed} 完成《{course}》培训（{hours} 学时），经考核合格，特发此证。"
        ),
        help_text=_("可用占位符：{name} 姓名、{course} 课程、{hours} 学时、{completed} 结业日期"),
    )
    background = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("背景图"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    seal = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("印章图"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("透明背景的 PNG，盖在发证机构上方"),
    )
    signatories = models.TextField(
        _("签发人"),
        blank=True,
        help_text=_("每行一位，如：自治区应急管理厅培训中心主任 张三"),
    )
    is_default = models.BooleanField(
        _("默认模板"), default=False, help_text=_("课程未指定模板时使用")
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("证书模板")
        verbose_name_plural = _("证书模板")
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_template"
            )
        ]

    def __str__(self):
        return self.name

    @property
    def signatory_lines(self) -> list[str]:
        return [line.strip() for line in self.signatories.splitlines() if line.strip()]

    @classmethod
    def for_course(cls, course) -> "CertificateTemplate":
        """The course's template, else the default one, else a built-in default (created)."""
        if course.certificate_template_id:
            return course.certificate_template
        template = cls.objects.filter(is_default=True).first()
        if template is None:
            template, _created = cls.objects.get_or_create(
                name="默认模板", defaults={"is_default": True}
            )
        return template


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("有效")
    EXPIRED = "expired", _("已过期")
    REVOKED = "revoked", _("已撤销")
    SUPERSEDED = "superseded", _("已被新证书取代")


class CertificateSource(models.TextChoices):
    AUTO = "auto", _("结业自动发放")
    MANUAL = "manual", _("管理员发放")
    BULK = "bulk", _("批量发放")


def new_verification_code() -> str:
    """22 URL-safe characters (about 128 bits): not guessable, not derived from the serial."""
    return secrets.token_urlsafe(16)


class CertificateQuerySet(models.QuerySet):
    def valid(self) -> "CertificateQuerySet":
        return self.filter(status=CertificateStatus.VALID)

    def rendered(self) -> "CertificateQuerySet":
        return self.exclude(pdf="")


class Certificate(models.Model):
    """One member's certificate for one course. At most one is valid per member and course."""

    member = models.ForeignKey(
        "lms.Member",
        verbose_name=_("持证人"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    course = models.ForeignKey(
        "courses.CoursePage", verbose_name=_("课程"), on_delete=models.PROTECT, related_name="+"
    )
    serial = models.CharField(_("证书编号"), max_length=32, unique=True)
    code = models.CharField(
        _("验证码"), max_length=32, unique=True, default=new_verification_code, editable=False
    )
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=CertificateStatus.choices,
        default=CertificateStatus.VALID,
        db_index=True,
    )
    source = models.CharField(_("发放方式"), max_length=10, choices=CertificateSource.choices)
    issued_on = models.DateField(_("发证日期"), default=timezone.localdate)
    expires_on = models.DateField(_("有效期至"), null=True, blank=True, db_index=True)
    completed_on = models.DateField(_("结业日期"), null=True, blank=True)
    # Snapshots: what the certificate says stays what it said when it was issued.
    holder_name = models.CharField(_("持证人姓名"), max_length=40)
    course_title = models.CharField(_("课程名称"), max_length=255)
    credit_hours = models.DecimalField(_("学时"), max_digits=4, decimal_places=1, default=0)
    issuing_organisation = models.CharField(_("发证机构"), max_length=100)
    county_code = models.CharField(_("县级区划代码"), max_length=6)
    template = models.ForeignKey(
        CertificateTemplate,
        verbose_name=_("证书模板"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发放人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The issued file: written once by the render task, then never changed.
    pdf = models.FileField(
        _("证书文件"), upload_to="certificates/%Y/", storage=private_storage, blank=True
    )
    pdf_sha256 = models.CharField(_("PDF 的 SHA-256"), max_length=64, blank=True)
    pdf_signed = models.BooleanField(_("已数字签名"), default=False)
    rendered_at = models.DateTimeField(_("生成时间"), null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self",
        verbose_name=_("取代它的证书"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True)
    revoked_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤销人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Expiry reminders already sent (so the daily task sends each once).
    reminded_90_at = models.DateTimeField(_("到期前 90 天提醒时间"), null=True, blank=True)
    reminded_30_at = models.DateTimeField(_("到期前 30 天提醒时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = CertificateQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["code"])

    class Meta:
        verbose_name = _("证书")
        verbose_name_plural = _("证书")
        ordering = ["-issued_on", "-pk"]
        constraints = [
            # Concurrent issuance cannot give one member two valid certificates of a course.
            models.UniqueConstraint(
                fields=["member", "course"],
                condition=Q(status="valid"),
                name="one_valid_certificate_per_course",
            )
        ]
        indexes = [models.Index(fields=["course", "status"])]

    def __str__(self):
        return f"{self.serial} · {self.holder_name}"

    @property
    def masked_name(self) -> str:
        """张*三 / 张* : the public page never shows a whole name."""
        return mask_name(self.holder_name)

    @property
    def is_valid(self) -> bool:
        return self.status == CertificateStatus.VALID

    @property
    def verify_path(self) -> str:
        """The public verification page (/verify/<code>/)."""
        return reverse("verify", kwargs={"code": self.code})

    @property
    def verify_url(self) -> str:
        """The verification page's full address: what the certificate's QR code opens."""
        return settings.SITE_URL + self.verify_path

    @property
    def download_name(self) -> str:
        return f"{self.serial}-{self.holder_name}.pdf"


def mask_name(name: str) -> str:
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


class SerialCounter(models.Model):
    """The last sequence number used per year and county: serials are consecutive."""

    year = models.PositiveSmallIntegerField()
    county_code = models.CharField(max_length=6)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("证书编号计数器")
        verbose_name_plural = _("证书编号计数器")
        constraints = [
            models.UniqueConstraint(fields=["year", "county_code"], name="one_counter_per_county")
        ]

    def __str__(self):
        return f"{self.year}-{self.county_code}: {self.last}"


class CertificateJob(BackgroundJob):
    """Bulk issuance for a team or an area: every member who completed the course."""

    course = models.ForeignKey(
        "courses.CoursePage", verbose_name=_("课程"), on_delete=models.CASCADE, related_name="+"
    )
    team = models.ForeignKey(
        "lms.Team", verbose_name=_("队伍"), null=True, blank=True, on_delete=models.CASCADE
    )
    area = models.ForeignKey(
        "lms.Area", verbose_name=_("区域"), null=True, blank=True, on_delete=models.CASCADE
    )
    reissue = models.BooleanField(
        _("重新发证"), default=False, help_text=_("已有有效证书的队员也发新证，旧证标记为已取代")
    )
    total = models.PositiveIntegerField(_("应发数量"), default=0)
    done = models.PositiveIntegerField(_("已处理"), default=0)
    issued = models.PositiveIntegerField(_("新发证书"), default=0)
    # The last member handled, so a restarted task continues after it (members go in id order).
    last_member_id = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta(BackgroundJob.Meta):
        verbose_name = _("批量发证任务")
        verbose_name_plural = _("批量发证任务")
        constraints = [
            models.CheckConstraint(
                condition=Q(team__isnull=False) | Q(area__isnull=False), name="job_has_target"
            )
        ]

    def __str__(self):
        return f"{self.team or self.area} · {self.course}"
