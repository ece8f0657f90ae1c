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
        indexes = [
            models.Index(fields=["region", "kind"], name="org_hostunit_region_kind"),
            # The lists' order: a page is read off the index, not sorted out of every unit.
            models.Index(fields=["name", "id"], name="org_hostunit_name_id"),
        ]

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


# Co-building (组织共建): joint branches, the coverage they should reach, joint meetings ----------


class CoverageRule(models.Model):
    """Which federations' branches a host unit of a kind and size should have (组织覆盖): data.

    A host unit follows the rule of its kind with the largest `min_head_count` it reaches.
    """

    host_unit_kind = models.CharField("单位类型", max_length=32, choices=HostUnitKind.choices)
    min_head_count = models.PositiveIntegerField("从业人数不少于", default=0)
    federations = models.ManyToManyField(Federation, verbose_name="应建组织的群团", related_name="+")
    note = models.CharField("依据", max_length=128, blank=True)

    class Meta:
        verbose_name = "组织覆盖要求"
        verbose_name_plural = "组织覆盖要求"
        ordering = ["host_unit_kind", "min_head_count"]
        constraints = [
            models.UniqueConstraint(fields=["host_unit_kind", "min_head_count"], name="org_coverage_rule_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_host_unit_kind_display()}（{self.min_head_count} 人以上）"


class JointBranch(SyncedModel):
    """联建: several federations set up their branches in one host unit together, on one day."""

    sync_resource = "joint-branches"
    scope_region_path = "host_unit__region__path"

    host_unit = models.ForeignKey(
        HostUnit, verbose_name="所在单位", on_delete=models.PROTECT, related_name="joint_branches"
    )
    established_on = models.DateField("联建日期")
    branches = models.ManyToManyField(Organization, verbose_name="联建的群团组织", related_name="joint_branches")
    note = models.CharField("说明", max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "联建"
        verbose_name_plural = "联建"
        ordering = ["-established_on", "-id"]
        indexes = [models.Index(fields=["established_on"], name="org_jointbranch_date")]

    def __str__(self) -> str:
        return f"{self.host_unit.name}联建（{self.established_on}）"

    def tombstone_paths(self) -> tuple[str, str]:
        return self.host_unit.region.path, ""


class MeetingKind(models.TextChoices):
    JOINT = "joint", "联席会议"
    REGULAR = "regular", "工作例会"
    PROMOTION = "promotion", "推进会"
    ON_SITE = "on_site", "现场观摩会"


class Meeting(SyncedModel):
    """A joint meeting: who hosted, who attended, what was decided; decisions carry follow-ups."""

    sync_resource = "meetings"
    scope_region_path = "region__path"
    scope_organization_path = "host__path"

    kind = models.CharField("会议类型", max_length=16, choices=MeetingKind.choices)
    title = models.CharField("会议名称", max_length=128)
    held_on = models.DateField("召开日期")
    region = models.ForeignKey(Region, verbose_name="所在区划", on_delete=models.PROTECT, related_name="meetings")
    host = models.ForeignKey(
        Organization, verbose_name="召集单位", on_delete=models.PROTECT, related_name="hosted_meetings"
    )
    attendees = models.ManyToManyField(
        Organization, verbose_name="参会单位", blank=True, related_name="attended_meetings"
    )
    minutes = models.TextField("会议纪要", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "联席会议"
        verbose_name_plural = "联席会议"
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["region", "held_on"], name="org_meeting_region_date")]

    def __str__(self) -> str:
        return f"{self.title}（{self.held_on}）"

    def tombstone_paths(self) -> tuple[str, str]:
        return self.region.path, self.host.path

    @classmethod
    def scope_shared_q(cls, scope) -> Q:
        """A meeting shows to the users of every attending unit."""
        q = Q(pk__in=[])
        links = Meeting.attendees.through.objects
        for path in scope.organization_paths:
            q |= Q(pk__in=links.filter(organization__path__startswith=path).values("meeting_id"))
        return q


class Decision(models.Model):
    """One decision of a meeting (议定事项)."""

    meeting = models.ForeignKey(Meeting, verbose_name="会议", on_delete=models.CASCADE, related_name="decisions")
    text = models.CharField("议定事项", max_length=500)
    sort_order = models.PositiveSmallIntegerField("序号", default=1)

    class Meta:
        verbose_name = "议定事项"
        verbose_name_plural = "议定事项"
        ordering = ["meeting", "sort_order", "id"]

    def __str__(self) -> str:
        return self.text[:40]


class FollowUpStatus(models.TextChoices):
    OPEN = "open", "办理中"
    DONE = "done", "已办结"


class FollowUp(SyncedModel):
    """A task a decision gives one organization, due on a day; overdue when still open after it."""

    sync_resource = "follow-ups"
    scope_region_path = ("organization__region__path", "decision__meeting__region__path")
    scope_organization_path = ("organization__path", "decision__meeting__host__path")

    decision = models.ForeignKey(Decision, verbose_name="议定事项", on_delete=models.CASCADE, related_name="follow_ups")
    organization = models.ForeignKey(
        Organization, verbose_name="承办单位", on_delete=models.PROTECT, related_name="follow_ups"
    )
    task = models.CharField("落实任务", max_length=255)
    due_date = models.DateField("完成时限")
    status = models.CharField("状态", max_length=8, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN)
    done_on = models.DateField("办结日期", null=True, blank=True)
    result = models.CharField("办理结果", max_length=500, blank=True)
    reminded_on = models.DateField("逾期提醒日期", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "落实事项"
        verbose_name_plural = "落实事项"
        ordering = ["due_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", done_on__isnull=True) | Q(status="done", done_on__isnull=False),
                name="org_followup_done_has_date",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_date"], name="org_followup_status_due")]

    def __str__(self) -> str:
        return f"{self.organization.name}：{self.task}"

    def tombstone_paths(self) -> tuple[str, str]:
        return self.organization.region.path, self.organization.path

    def is_overdue(self, today) -> bool:
        return self.status == FollowUpStatus.OPEN and self.due_date < today
