"""The region tree, the federations, their organization units, host units and roles on the tree.

Regions and organizations are materialized-path trees (django-treebeard): a whole subtree
is one `path LIKE 'prefix%'` query. `path` is unique, and for unique CharFields Django on
PostgreSQL adds a second, varchar_pattern_ops ("_like") index, which serves those prefix
queries (the embedded SQLite scans: its LIKE ignores case, so it cannot use the index). Each node
also keeps its parent as a plain foreign key, so lists and the API show the parent
without reading the path back.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from treebeard.mp_tree import MP_Node

from apps.core.models import SyncedModel


class RegionLevel(models.TextChoices):
    PROVINCE = "province", "省"
    PREFECTURE = "prefecture", "市州"
    COUNTY = "county", "县区"
    TOWNSHIP = "township", "乡镇街道"
    VILLAGE = "village", "村社区"


REGION_LEVELS = list(RegionLevel)


class Region(MP_Node, SyncedModel):
    """An administrative division: 6-digit GB/T 2260 code down to county, 12-digit below."""

    sync_resource = "regions"
    scope_region_path = "path"

    code = models.CharField("区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=64)
    full_name = models.CharField("全称", max_length=255, blank=True, help_text="自省级起的完整名称")
    level = models.CharField("层级", max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name="上级区划", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]
        indexes = [
            models.Index(fields=["level", "code"], name="org_region_level_code"),
        ]

    def __str__(self) -> str:
        return self.name

    def tombstone_paths(self) -> tuple[str, str]:
        return self.path, ""

    @property
    def child_level(self) -> RegionLevel | None:
        index = REGION_LEVELS.index(self.level)
        return REGION_LEVELS[index + 1] if index + 1 < len(REGION_LEVELS) else None

    def contains(self, other: Region) -> bool:
        """True for this region itself and every region below it."""
        return other.path.startswith(self.path)


class Federation(SyncedModel):
    """A kind of mass organization (工会, 共青团, 妇联 …); reference data every user sees."""

    sync_resource = "federations"

    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("简称", max_length=32, unique=True)
    full_name = models.CharField("全称", max_length=64)
    unit_name_template = models.CharField(
        "组织命名规则",
        max_length=64,
        help_text="{region} 代入区划全称，例如“{region}总工会”“共青团{region}委员会”。",
    )
    sort_order = models.PositiveSmallIntegerField("排序", default=100)

    class Meta:
        verbose_name = "群团组织类别"
        verbose_name_plural = "群团组织类别"
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name

    def unit_name(self, region_display: str) -> str:
        return self.unit_name_template.format(region=region_display)


class HostUnitKind(models.TextChoices):
    ENTERPRISE = "enterprise", "企业"
    INDUSTRIAL_PARK = "industrial_park", "产业园区"
    BUSINESS_DISTRICT = "business_district", "商务楼宇/商圈"
    PROFESSIONAL_MARKET = "professional_market", "专业市场"
    INTERNET_FIRM = "internet_firm", "互联网企业"
    NEW_ECONOMIC_ORG = "new_economic_org", "新经济组织"
    NEW_SOCIAL_ORG = "new_social_org", "新社会组织"


class HostUnit(SyncedModel):
    """A place where grassroots units are set up: a firm, a park, a market, a social organization."""

    sync_resource = "host-units"
    scope_region_path = "region__path"

    name = models.CharField("名称", max_length=128)
    kind = models.CharField("类型", max_length=32, choices=HostUnitKind.choices)
    region = models.ForeignKey(Region, verbose_name="所在区划", on_delete=models.PROTECT, related_name="host_units")
    credit_code = models.CharField("统一社会信用代码", max_length=18, blank=True)
    head_count = models.PositiveIntegerField("从业人数", default=0)
    address = models.CharField("地址", max_length=255, blank=True)

    class Meta:
        verbose_name = "所在单位"
        verbose_name_plural = "所在单位"
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"], condition=~Q(credit_code=""), name="org_hostunit_unique_credit_code"
            ),
        ]
        indexes = [models.Index(fields=["region", "kind"], name="org_hostunit_region_kind")]

    def __str__(self) -> str:
        return self.name

    def tombstone_paths(self) -> tuple[str, str]:
        return self.region.path, ""


class OrganizationLevel(models.TextChoices):
    PROVINCE = "province", "省级"
    PREFECTURE = "prefecture", "市州级"
    COUNTY = "county", "县级"
    TOWNSHIP = "township", "乡镇街道级"
    VILLAGE = "village", "村社区级"
    GRASSROOTS = "grassroots", "基层（驻单位）"


class Organization(MP_Node, SyncedModel):
    """One federation's unit at one place: 青海省总工会, 西宁市城东区妇女联合会, a firm's union."""

    sync_resource = "organizations"
    scope_region_path = "region__path"
    scope_organization_path = "path"

    name = models.CharField("名称", max_length=128)
    federation = models.ForeignKey(
        Federation, verbose_name="群团类别", on_delete=models.PROTECT, related_name="organizations"
    )
    region = models.ForeignKey(Region, verbose_name="所在区划", on_delete=models.PROTECT, related_name="organizations")
    parent = models.ForeignKey(
        "self", verbose_name="上级组织", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    level = models.CharField("层级", max_length=16, choices=OrganizationLevel.choices)
    host_unit = models.ForeignKey(
        HostUnit,
        verbose_name="所在单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organizations",
    )

    class Meta:
        verbose_name = "群团组织"
        verbose_name_plural = "群团组织"
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["federation", "region", "name"], name="org_unique_name_in_region"),
        ]
        indexes = [
            models.Index(fields=["federation", "level"], name="org_organization_fed_level"),
        ]

    def __str__(self) -> str:
        return self.name

    def tombstone_paths(self) -> tuple[str, str]:
        return self.region.path, self.path


class Role(models.TextChoices):
    PROVINCE_ADMIN = "province_admin", "省级管理员"
    PREFECTURE_ADMIN = "prefecture_admin", "市州管理员"
    COUNTY_STAFF = "county_staff", "县级群团服务中心工作人员"
    STATION_STAFF = "station_staff", "群团服务站工作人员"
    FEDERATION_LIAISON = "federation_liaison", "群团组织联络员"


class RoleAssignment(models.Model):
    """A user's role on one node of the tree; it covers that node's whole subtree."""

    scope_region_path = ("region__path", "organization__region__path")
    scope_organization_path = "organization__path"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField("角色", max_length=32, choices=Role.choices)
    region = models.ForeignKey(
        Region, verbose_name="区划", null=True, blank=True, on_delete=models.CASCADE, related_name="role_assignments"
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name="组织",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    created_at = models.DateTimeField("授予时间", auto_now_add=True)

    class Meta:
        verbose_name = "角色授权"
        verbose_name_plural = "角色授权"
        ordering = ["user_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(region__isnull=False, organization__isnull=True)
                | Q(region__isnull=True, organization__isnull=False),
                name="org_role_on_one_node",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "region"], condition=Q(organization__isnull=True), name="org_role_unique_region"
            ),
            models.UniqueConstraint(
                fields=["user", "role", "organization"],
                condition=Q(region__isnull=True),
                name="org_role_unique_organization",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.node}"

    @property
    def node(self) -> Region | Organization | None:
        return self.region or self.organization
