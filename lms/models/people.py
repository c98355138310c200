"""People: team members (队员) and instructors (师资)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from simple_history.models import HistoricalRecords

from lms import id_crypto, idcard

from .areas import subtree_filter
from .privacy import EncryptedIdNumberField, IdNumberDigestField


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class MemberCategory(models.TextChoices):
    """Where members come from, as the action plan lists them."""

    COMMUNITY_STAFF = "community_staff", _("社区工作人员")
    VETERAN = "veteran", _("退役军人")
    RETIRED_FIREFIGHTER = "retired_firefighter", _("退出消防员")
    UNIT_STAFF = "unit_staff", _("辖区单位工作人员")
    MEDICAL = "medical", _("社区医疗服务中心医疗人员")
    SECURITY = "security", _("物业保安")
    VOLUNTEER = "volunteer", _("其他志愿者")
    PURCHASED_SERVICE = "purchased_service", _("政府购买服务人员")


class MemberQuerySet(models.QuerySet):
    def active(self, on=None) -> "MemberQuerySet":
        on = on or timezone.localdate()
        return self.filter(models.Q(left_on__isnull=True) | models.Q(left_on__gt=on))

    def within(self, area) -> "MemberQuerySet":
        return self.filter(**subtree_filter("team__community__", area.path))

    def by_pinyin(self) -> "MemberQuerySet":
        return self.order_by("name_pinyin", "pk")

    def with_id_number(self, number: str) -> "MemberQuerySet":
        """The member registered under this ID number (spaces and a lowercase x forgiven)."""
        return self.filter(id_number_digest=id_crypto.digest(idcard.normalize(number)) or "-")

    def with_id_numbers(self, numbers) -> "MemberQuerySet":
        digests = {id_crypto.digest(idcard.normalize(n)) for n in numbers if n}
        return self.filter(id_number_digest__in=digests)

    def erased(self) -> "MemberQuerySet":
        return self.filter(erased_at__isnull=False)


class Member(models.Model):
    """A member of a community response team."""

    team = models.ForeignKey(
        "lms.Team", verbose_name=_("所属队伍"), on_delete=models.PROTECT, related_name="members"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member",
    )
    name = models.CharField(_("姓名"), max_length=40)
    # Filled by the services from `name` (pypinyin), so lists sort as Chinese readers expect.
    name_pinyin = models.CharField(_("姓名拼音"), max_length=160, editable=False, db_index=True)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    phone = models.CharField(_("手机号"), max_length=20, db_index=True)
    # Encrypted at rest; found and kept unique by its keyed digest. Empty once erased.
    id_number = EncryptedIdNumberField(_("身份证号"))
    id_number_digest = IdNumberDigestField(_("身份证号摘要"), unique=True)
    category = models.CharField(_("人员类别"), max_length=24, choices=MemberCategory.choices)
    joined_on = models.DateField(_("入队日期"), default=timezone.localdate)
    left_on = models.DateField(_("离队日期"), null=True, blank=True)
    skills = models.CharField(_("技能特长"), max_length=200, blank=True)
    # Set when the member's personal data was erased after they left (services.privacy).
    erased_at = models.DateTimeField(_("个人信息删除时间"), null=True, blank=True, editable=False)

    objects = MemberQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["name_pinyin"])

    class Meta:
        verbose_name = _("队员")
        verbose_name_plural = _("队员")
        ordering = ["name_pinyin", "pk"]
        indexes = [models.Index(fields=["team", "left_on"], name="member_team_active")]

    def __str__(self):
        return self.name

    @property
    def id_number_masked(self) -> str:
        return idcard.mask(self.id_number)

    @property
    def is_active(self) -> bool:
        return self.left_on is None or self.left_on > timezone.localdate()

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None


class QualificationLevel(models.TextChoices):
    REGION = "region", _("自治区级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")
    ASSISTANT = "assistant", _("助教")


class Instructor(models.Model):
    """An instructor (师资) who teaches courses in the areas they serve."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="instructor",
    )
    name = models.CharField(_("姓名"), max_length=40)
    name_pinyin = models.CharField(_("姓名拼音"), max_length=160, editable=False, db_index=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    organisation = models.CharField(_("工作单位"), max_length=100, blank=True)
    qualification_level = models.CharField(
        _("资质等级"), max_length=12, choices=QualificationLevel.choices
    )
    # Hazard types (cms.HazardType values) the instructor is qualified to teach.
    specialties = models.JSONField(_("专长灾种"), default=list, blank=True)
    areas = models.ManyToManyField(
        "lms.Area", verbose_name=_("服务区域"), related_name="instructors"
    )
    courses = models.ManyToManyField(
        "courses.CoursePage",
        verbose_name=_("可授课程"),
        related_name="instructors",
        blank=True,
    )
    taught_hours = models.DecimalField(
        _("累计授课学时"), max_digits=8, decimal_places=1, default=0, editable=False
    )
    active = models.BooleanField(_("在聘"), default=True)

    history = HistoricalRecords(m2m_fields=[areas, courses], excluded_fields=["name_pinyin"])

    class Meta:
        verbose_name = _("师资")
        verbose_name_plural = _("师资")
        ordering = ["name_pinyin", "pk"]

    def __str__(self):
        return self.name
