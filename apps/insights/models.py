"""Joint evaluation (联评联考): a yearly scheme of weighted indicators under the six commons, and each
evaluated region's or organization's score on every indicator with the figures behind it.

It lives with the scorecard rather than in apps.organizations because its formulas read the
scorecard's figures, and only insights may read every app (../shared/ARCHITECTURE.md layers).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.core.models import SyncedModel
from apps.organizations.models import Organization, OrganizationLevel, Region

COMMON_CHOICES = [
    ("organizations", "组织共建"),
    ("venues", "阵地共用"),
    ("resources", "资源共享"),
    ("activities", "活动共办"),
    ("projects", "服务共融"),
    ("talent", "人才共育"),
]


class EvaluationSubject(models.TextChoices):
    REGION = "region", "下一级区划"
    ORGANIZATION = "organization", "群团组织"


class SchemeStatus(models.TextChoices):
    DRAFT = "draft", "草拟中"
    PUBLISHED = "published", "已发布（评分中）"
    CLOSED = "closed", "已定档"


class EvaluationScheme(SyncedModel):
    """One year's scheme for one area: who is evaluated, on what, with which weights.

    Region schemes rank the child regions of `region` (the province ranks its 市州, a 市州 its
    counties); organization schemes rank the organizations of `organization_level` under `region`.
    """

    sync_resource = "evaluation-schemes"
    scope_region_path = "region__path"

    year = models.PositiveSmallIntegerField("年度")
    name = models.CharField("方案名称", max_length=128)
    region = models.ForeignKey(
        Region, verbose_name="考评区划", on_delete=models.PROTECT, related_name="evaluation_schemes"
    )
    subject = models.CharField("考评对象", max_length=16, choices=EvaluationSubject.choices)
    organization_level = models.CharField(
        "组织层级", max_length=16, choices=OrganizationLevel.choices, blank=True, help_text="考评群团组织时必填"
    )
    status = models.CharField("状态", max_length=16, choices=SchemeStatus.choices, default=SchemeStatus.DRAFT)
    notes = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="制定人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    computed_at = models.DateTimeField("最近计算时间", null=True, blank=True)

    class Meta:
        verbose_name = "联评联考方案"
        verbose_name_plural = "联评联考方案"
        ordering = ["-year", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year", "name"], name="insights_scheme_unique_name"),
            models.CheckConstraint(
                condition=Q(subject=EvaluationSubject.REGION, organization_level="")
                | Q(subject=EvaluationSubject.ORGANIZATION) & ~Q(organization_level=""),
                name="insights_scheme_level_for_organizations",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}年度{self.name}"

    @property
    def is_draft(self) -> bool:
        return self.status == SchemeStatus.DRAFT

    def tombstone_paths(self) -> tuple[str, str]:
        return self.region.path, ""

    @classmethod
    def scope_shared_q(cls, scope) -> Q:
        """Those evaluated see the scheme they are ranked by."""
        return Q(pk__in=Evaluation.objects.filter(Evaluation.in_scope_q(scope)).values("scheme_id"))


class IndicatorMethod(models.TextChoices):
    FORMULA = "formula", "按平台数据计算"
    MANUAL = "manual", "人工评分（附佐证）"


class Indicator(SyncedModel):
    """One weighted indicator. A formula reads the scorecard's figures by code, e.g.
    `coverage_share` or `trainee_times / 100`; its value earns the full weight at `target`."""

    sync_resource = "evaluation-indicators"
    scope_region_path = "scheme__region__path"

    scheme = models.ForeignKey(
        EvaluationScheme, verbose_name="方案", on_delete=models.CASCADE, related_name="indicators"
    )
    common = models.CharField("所属“六共”", max_length=16, choices=COMMON_CHOICES)
    name = models.CharField("指标", max_length=128)
    weight = models.DecimalField(
        "分值", max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    method = models.CharField("评分方式", max_length=16, choices=IndicatorMethod.choices)
    formula = models.CharField("计算公式", max_length=200, blank=True, help_text="用指标代码与 + - * / ( ) 组成")
    target = models.DecimalField("满分值", max_digits=14, decimal_places=2, null=True, blank=True)
    lower_is_better = models.BooleanField(
        "越低越好", default=False, help_text="不超过满分值得满分，超过时按 满分值÷实际值 折算"
    )
    guidance = models.TextField("评分细则", blank=True)
    position = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "考评指标"
        verbose_name_plural = "考评指标"
        ordering = ["scheme", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "name"], name="insights_indicator_unique_name"),
            models.CheckConstraint(
                condition=Q(method=IndicatorMethod.MANUAL, formula="")
                | Q(method=IndicatorMethod.FORMULA, target__gt=0) & ~Q(formula="")
                | Q(method=IndicatorMethod.FORMULA, lower_is_better=True, target__gte=0) & ~Q(formula=""),
                name="insights_indicator_formula_or_manual",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.weight}分）"

    @property
    def is_manual(self) -> bool:
        return self.method == IndicatorMethod.MANUAL

    def tombstone_paths(self) -> tuple[str, str]:
        return self.scheme.region.path, ""

    @classmethod
    def scope_shared_q(cls, scope) -> Q:
        return Q(scheme__in=EvaluationScheme.objects.filter(EvaluationScheme.scope_shared_q(scope)))


class Evaluation(SyncedModel):
    """One evaluated region or organization under a scheme: its total and rank."""

    sync_resource = "evaluations"
    scope_region_path = ("region__path", "organization__region__path")
    scope_organization_path = "organization__path"

    scheme = models.ForeignKey(
        EvaluationScheme, verbose_name="方案", on_delete=models.CASCADE, related_name="evaluations"
    )
    region = models.ForeignKey(
        Region, verbose_name="区划", null=True, blank=True, on_delete=models.PROTECT, related_name="evaluations"
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name="群团组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evaluations",
    )
    total = models.DecimalField("总分", max_digits=7, decimal_places=2, default=Decimal("0"))
    rank = models.PositiveIntegerField("名次", null=True, blank=True)
    manual_pending = models.PositiveSmallIntegerField("待人工评分", default=0)
    computed_at = models.DateTimeField("计算时间", null=True, blank=True)

    class Meta:
        verbose_name = "考评结果"
        verbose_name_plural = "考评结果"
        ordering = ["scheme", "rank", "id"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "region"], name="insights_evaluation_one_per_region"),
            models.UniqueConstraint(fields=["scheme", "organization"], name="insights_evaluation_one_per_org"),
            models.CheckConstraint(
                condition=Q(region__isnull=False, organization__isnull=True)
                | Q(region__isnull=True, organization__isnull=False),
                name="insights_evaluation_region_or_org",
            ),
        ]
        indexes = [models.Index(fields=["scheme", "rank"], name="insights_evaluation_rank")]

    def __str__(self) -> str:
        return f"{self.subject_name}（{self.scheme}）"

    @property
    def subject_name(self) -> str:
        return self.region.name if self.region_id else self.organization.name

    def tombstone_paths(self) -> tuple[str, str]:
        if self.region_id:
            return self.region.path, ""
        return self.organization.region.path, self.organization.path

    @staticmethod
    def in_scope_q(scope, prefix: str = "") -> Q:
        """The evaluations a scope covers, for the scheme's and the scores' shared visibility."""
        q = Q(pk__in=[])
        for path in scope.region_paths + scope.organization_region_paths:
            q |= Q(**{f"{prefix}region__path__startswith": path})
        for path in scope.region_paths:
            q |= Q(**{f"{prefix}organization__region__path__startswith": path})
        for path in scope.organization_paths:
            q |= Q(**{f"{prefix}organization__path__startswith": path})
        return q


class Score(SyncedModel):
    """One evaluation's score on one indicator: the formula's value and the figures it read, or a
    manual score with its evidence."""

    sync_resource = "evaluation-scores"
    scope_region_path = ("evaluation__region__path", "evaluation__organization__region__path")
    scope_organization_path = "evaluation__organization__path"

    evaluation = models.ForeignKey(Evaluation, verbose_name="考评结果", on_delete=models.CASCADE, related_name="scores")
    indicator = models.ForeignKey(Indicator, verbose_name="指标", on_delete=models.CASCADE, related_name="scores")
    value = models.DecimalField("计算值", max_digits=16, decimal_places=2, null=True, blank=True)
    figures = models.JSONField("所依据的数据", default=dict, blank=True)
    points = models.DecimalField("得分", max_digits=6, decimal_places=2, null=True, blank=True)
    evidence = models.TextField("佐证说明", blank=True)
    evidence_file = models.FileField("佐证材料", upload_to="evaluation/%Y/", blank=True)
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="评分人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    scored_at = models.DateTimeField("评分时间", null=True, blank=True)

    class Meta:
        verbose_name = "指标得分"
        verbose_name_plural = "指标得分"
        ordering = ["evaluation", "indicator__position", "indicator_id"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "indicator"], name="insights_score_once"),
            models.CheckConstraint(
                condition=Q(points__gte=0) | Q(points__isnull=True), name="insights_score_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation.subject_name} · {self.indicator.name}"

    def tombstone_paths(self) -> tuple[str, str]:
        return self.evaluation.tombstone_paths()


class MonthlyFigure(models.Model):
    """A scorecard figure's value for the rows of one region in one closed month: what the
    province-wide scorecard sums instead of scanning a million rows (apps.insights.summaries)."""

    code = models.CharField("指标代码", max_length=32)
    region = models.ForeignKey(Region, verbose_name="区划", on_delete=models.CASCADE, related_name="+")
    month = models.DateField("月份")
    # Durations are kept in seconds, so sums of months and regions round once, as the live query does.
    value = models.DecimalField("数值", max_digits=20, decimal_places=2)

    class Meta:
        verbose_name = "月度指标汇总"
        verbose_name_plural = "月度指标汇总"
        constraints = [
            models.UniqueConstraint(fields=["code", "region", "month"], name="insights_monthly_figure_once"),
        ]
        indexes = [models.Index(fields=["month", "code"], name="insights_monthly_month_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.month:%Y-%m} {self.value}"


class SummaryState(models.Model):
    """One row: the last closed month the monthly figures hold, and when they were worked out."""

    through_month = models.DateField("汇总至月份")
    refreshed_at = models.DateTimeField("汇总时间")

    class Meta:
        verbose_name = "汇总状态"
        verbose_name_plural = "汇总状态"

    def __str__(self) -> str:
        return f"汇总至 {self.through_month:%Y-%m}（{timezone.localtime(self.refreshed_at):%Y-%m-%d %H:%M}）"
