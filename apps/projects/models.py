"""Integrated services (服务共融): service projects, bundles of them (捆绑打包) and the beneficiary ledger."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.core.models import SyncedModel
from apps.members.models import Gender, IdentityTag, Person
from apps.organizations.models import Organization, Region
from apps.resources.models import Fund, LedgerEntry


class PolicyStandard(models.Model):
    """A policy document and the standard it sets (补助标准, 服务规范); projects under one are bundled."""

    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=64, unique=True)
    document = models.CharField("政策文件", max_length=128, help_text="文件名称及文号。")
    standard = models.TextField("标准内容", blank=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=100)

    class Meta:
        verbose_name = "政策标准"
        verbose_name_plural = "政策标准"
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class WorkNature(models.Model):
    """The nature of the work (data): 建功立业, 维权服务, 品牌创新, 素质提升, …"""

    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=32, unique=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=100)

    class Meta:
        verbose_name = "工作性质"
        verbose_name_plural = "工作性质"
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class ContentCategory(models.Model):
    """What the service is (data): 干部培训, 职业技能竞赛, 家庭教育, 无障碍改造, 暖心工程, …"""

    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=32, unique=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=100)

    class Meta:
        verbose_name = "服务内容类别"
        verbose_name_plural = "服务内容类别"
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class ServiceType(models.Model):
    """A service a person can receive (data); a one-off one (a home retrofit) only once per person."""

    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=32, unique=True)
    unit = models.CharField("计量单位", max_length=8, default="人次")
    one_off = models.BooleanField("一次性服务（每人限一次）", default=False)
    category = models.ForeignKey(
        ContentCategory,
        verbose_name="内容类别",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_types",
    )
    sort_order = models.PositiveSmallIntegerField("排序", default=100)

    class Meta:
        verbose_name = "服务项目类型"
        verbose_name_plural = "服务项目类型"
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", "筹备中"
    ACTIVE = "active", "实施中"
    FINISHED = "finished", "已结项"
    CANCELLED = "cancelled", "已取消"


class Bundle(SyncedModel):
    """Projects run as one (捆绑打包): one lead, a shared budget and shared goals."""

    sync_resource = "bundles"
    scope_region_path = "lead_organization__region__path"
    scope_organization_path = "lead_organization__path"

    name = models.CharField("名称", max_length=128)
    lead_organization = models.ForeignKey(
        Organization, verbose_name="牵头组织", on_delete=models.PROTECT, related_name="led_bundles"
    )
    budget = models.DecimalField("统筹预算（元）", max_digits=14, decimal_places=2, default=0)
    description = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "捆绑项目"
        verbose_name_plural = "捆绑项目"
        ordering = ["-id"]
        constraints = [models.CheckConstraint(condition=Q(budget__gte=0), name="projects_bundle_budget_not_negative")]

    def __str__(self) -> str:
        return self.name

    def tombstone_paths(self) -> tuple[str, str]:
        return self.lead_organization.region.path, self.lead_organization.path

    @classmethod
    def scope_shared_q(cls, scope) -> Q:
        """A bundle shows to the users of every member project's lead organization."""
        q = Q(pk__in=[])
        for path in scope.organization_paths:
            q |= Q(pk__in=ServiceProject.objects.filter(lead_organization__path__startswith=path).values("bundle_id"))
        return q


class ServiceProject(SyncedModel):
    sync_resource = "projects"
    scope_region_path = "region__path"
    scope_organization_path = "lead_organization__path"

    name = models.CharField("项目名称", max_length=128)
    lead_organization = models.ForeignKey(
        Organization, verbose_name="牵头组织", on_delete=models.PROTECT, related_name="led_projects"
    )
    policy_standard = models.ForeignKey(
        PolicyStandard, verbose_name="政策标准", on_delete=models.PROTECT, related_name="projects"
    )
    work_nature = models.ForeignKey(
        WorkNature, verbose_name="工作性质", on_delete=models.PROTECT, related_name="projects"
    )
    content_category = models.ForeignKey(
        ContentCategory, verbose_name="服务内容", on_delete=models.PROTECT, related_name="projects"
    )
    service_types = models.ManyToManyField(ServiceType, verbose_name="提供的服务", related_name="projects")
    # The target group (服务对象): every part left empty takes everyone in.
    region = models.ForeignKey(
        Region, verbose_name="服务区域", on_delete=models.PROTECT, related_name="service_projects"
    )
    target_tags = models.ManyToManyField(IdentityTag, verbose_name="服务对象身份（任一）", blank=True)
    min_age = models.PositiveSmallIntegerField("最低年龄", null=True, blank=True)
    max_age = models.PositiveSmallIntegerField("年龄上限（不含）", null=True, blank=True)
    gender = models.CharField("性别", max_length=8, choices=Gender.choices, blank=True)
    fund = models.ForeignKey(
        Fund, verbose_name="经费来源", null=True, blank=True, on_delete=models.PROTECT, related_name="projects"
    )
    budget = models.DecimalField("预算（元）", max_digits=14, decimal_places=2, default=0)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期")
    status = models.CharField("状态", max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED)
    bundle = models.ForeignKey(
        Bundle, verbose_name="所属捆绑项目", null=True, blank=True, on_delete=models.SET_NULL, related_name="projects"
    )
    description = models.TextField("项目内容", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "服务项目"
        verbose_name_plural = "服务项目"
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(start_date__lte=models.F("end_date")), name="projects_period"),
            models.CheckConstraint(condition=Q(budget__gte=0), name="projects_budget_not_negative"),
        ]
        indexes = [
            models.Index(fields=["status", "start_date"], name="projects_status_start"),
            models.Index(fields=["content_category", "work_nature", "policy_standard"], name="projects_bundling_keys"),
        ]

    def __str__(self) -> str:
        return self.name

    def tombstone_paths(self) -> tuple[str, str]:
        return self.region.path, self.lead_organization.path

    @classmethod
    def scope_shared_q(cls, scope, prefix: str = "") -> Q:
        """A project shows to the users of every participating organization."""
        q = Q(pk__in=[])
        lookup = f"{prefix}in" if prefix else "pk__in"
        for path in scope.organization_paths:
            taking_part = ProjectParticipant.objects.filter(organization__path__startswith=path).values("project_id")
            q |= Q(**{lookup: taking_part})
        return q


class ProjectRole(models.TextChoices):
    CO_LEAD = "co_lead", "联合牵头"
    PARTNER = "partner", "协同实施"
    SUPPORT = "support", "配合参与"


class ProjectParticipant(models.Model):
    project = models.ForeignKey(
        ServiceProject, verbose_name="项目", on_delete=models.CASCADE, related_name="participants"
    )
    organization = models.ForeignKey(
        Organization, verbose_name="组织", on_delete=models.PROTECT, related_name="project_participations"
    )
    role = models.CharField("角色", max_length=16, choices=ProjectRole.choices, default=ProjectRole.PARTNER)

    class Meta:
        verbose_name = "参与组织"
        verbose_name_plural = "参与组织"
        constraints = [models.UniqueConstraint(fields=["project", "organization"], name="projects_one_role_per_org")]

    def __str__(self) -> str:
        return f"{self.organization} · {self.get_role_display()}"


class GoalMetric(models.TextChoices):
    PEOPLE = "people", "服务人数"
    RECORDS = "records", "服务人次"
    QUANTITY = "quantity", "服务量"
    SPENDING = "spending", "支出金额（元）"


class Goal(models.Model):
    """A target figure of a project or (shared) of a bundle; progress is counted from the records."""

    project = models.ForeignKey(
        ServiceProject, verbose_name="项目", null=True, blank=True, on_delete=models.CASCADE, related_name="goals"
    )
    bundle = models.ForeignKey(
        Bundle, verbose_name="捆绑项目", null=True, blank=True, on_delete=models.CASCADE, related_name="goals"
    )
    name = models.CharField("目标", max_length=64)
    metric = models.CharField("统计口径", max_length=16, choices=GoalMetric.choices)
    service_type = models.ForeignKey(
        ServiceType,
        verbose_name="服务（服务量口径）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="goals",
    )
    target = models.DecimalField("目标值", max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = "目标"
        verbose_name_plural = "目标"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(project__isnull=False, bundle__isnull=True) | Q(project__isnull=True, bundle__isnull=False),
                name="projects_goal_of_project_or_bundle",
            ),
            models.CheckConstraint(condition=Q(target__gt=0), name="projects_goal_target_positive"),
            models.CheckConstraint(
                condition=~Q(metric="quantity") | Q(service_type__isnull=False), name="projects_quantity_goal_service"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}：{self.target.normalize():f}"


class ServiceRecord(SyncedModel):
    """A person received a service from a project on a date: the beneficiary ledger."""

    sync_resource = "service-records"
    scope_region_path = ("person__region__path", "organization__region__path")
    scope_organization_path = ("organization__path", "project__lead_organization__path")

    project = models.ForeignKey(
        ServiceProject, verbose_name="项目", on_delete=models.PROTECT, related_name="service_records"
    )
    person = models.ForeignKey(
        Person, verbose_name="服务对象", on_delete=models.PROTECT, related_name="service_records"
    )
    service_type = models.ForeignKey(
        ServiceType, verbose_name="服务", on_delete=models.PROTECT, related_name="service_records"
    )
    # Copied from the service type: the constraint below needs it on the row.
    one_off = models.BooleanField("一次性服务", default=False, editable=False)
    organization = models.ForeignKey(
        Organization, verbose_name="服务单位", on_delete=models.PROTECT, related_name="service_records"
    )
    date = models.DateField("服务日期")
    quantity = models.DecimalField("数量", max_digits=10, decimal_places=2, default=1)
    amount = models.DecimalField("折合金额（元）", max_digits=12, decimal_places=2, null=True, blank=True)
    note = models.CharField("说明", max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "服务记录"
        verbose_name_plural = "服务记录"
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "service_type"], condition=Q(one_off=True), name="projects_one_off_once_per_person"
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="projects_record_quantity_positive"),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="projects_record_amount_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["project", "date"], name="projects_record_project_date"),
            models.Index(fields=["person", "date"], name="projects_record_person_date"),
            # The lists walk newest first (-date, -id) off this one.
            models.Index(fields=["date", "id"], name="projects_record_date_id"),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} · {self.service_type.name}（{self.date}）"

    def tombstone_paths(self) -> tuple[str, str]:
        return self.person.region.path, self.organization.path


class ProjectExpense(models.Model):
    """A project's spending: the expenditure entry it made in its fund's ledger."""

    project = models.ForeignKey(ServiceProject, verbose_name="项目", on_delete=models.PROTECT, related_name="expenses")
    entry = models.OneToOneField(
        LedgerEntry, verbose_name="账目", on_delete=models.PROTECT, related_name="project_expense"
    )
    # The entry's date, kept here too (ledger entries are never edited): spending is listed and
    # grouped by it, and an index on this table serves that without reading the ledger.
    date = models.DateField("支出日期", editable=False)

    class Meta:
        verbose_name = "项目支出"
        verbose_name_plural = "项目支出"
        ordering = ["-id"]
        indexes = [models.Index(fields=["date", "id"], name="projects_expense_date_id")]

    def __str__(self) -> str:
        return f"{self.project} · {self.entry}"
