"""The administrative tree: region → city → county → township → community."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet


class AreaLevel(models.IntegerChoices):
    # The value is the node's depth in the tree.
    REGION = 1, _("自治区")
    CITY = 2, _("市")
    COUNTY = 3, _("县（市、区）")
    TOWNSHIP = 4, _("乡镇（街道）")
    COMMUNITY = 5, _("社区（村）")


def subtree_filter(prefix: str, path: str) -> dict:
    """Lookups selecting every node whose `path` starts with `path` (the node and below).

    A half-open range rather than `startswith`: on SQLite, LIKE is case-insensitive and
    cannot use the index on path; a range can, on every database. Paths use 0-9A-Z, all
    of which sort before "~".
    """
    return {f"{prefix}path__gte": path, f"{prefix}path__lt": path + "~"}


class AreaQuerySet(MP_NodeQuerySet):
    def within(self, area: "Area") -> "AreaQuerySet":
        """The area and everything below it: one indexed range lookup on `path`."""
        return self.filter(**subtree_filter("", area.path))

    def at_level(self, level: int) -> "AreaQuerySet":
        return self.filter(depth=level)


class AreaManager(MP_NodeManager.from_queryset(AreaQuerySet)):
    def get_queryset(self):
        return AreaQuerySet(self.model, using=self._db).order_by("path")


class Area(MP_Node):
    """One administrative area, with its official division code (行政区划代码)."""

    name = models.CharField(_("名称"), max_length=60)
    code = models.CharField(
        _("行政区划代码"),
        max_length=12,
        unique=True,
        help_text=_("6 位（自治区、市、县）、9 位（乡镇）或 12 位（社区、村）数字"),
    )

    node_order_by = ["code"]
    objects = AreaManager()

    class Meta:
        verbose_name = _("行政区域")
        verbose_name_plural = _("行政区域")

    def __str__(self):
        return self.name

    @property
    def level(self) -> int:
        return self.depth

    def get_level_display(self) -> str:
        return AreaLevel(self.depth).label if self.depth in AreaLevel.values else ""

    @property
    def full_name(self) -> str:
        """Names from the city down, as written on an address: 南宁市青秀区新竹街道…"""
        names = [a.name for a in self.get_ancestors() if a.depth > AreaLevel.REGION]
        return "".join([*names, self.name])

    @property
    def county_code(self) -> str:
        return self.code[:6]
