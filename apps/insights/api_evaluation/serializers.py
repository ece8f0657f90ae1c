"""Serializers of /api/v1/ joint evaluation (联评联考): they parse and show; apps.insights.services decides.

One serializer per shape, shared by every endpoint that shows it: the enums (status, subject,
common, method) then get one name each in the OpenAPI schema.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api import ScopedPrimaryKeyRelatedField
from apps.insights import formulas, services
from apps.insights.api import VALUE_SCHEMA
from apps.insights.evaluation_selectors import figures_behind
from apps.insights.models import (
    COMMON_CHOICES,
    Evaluation,
    EvaluationScheme,
    EvaluationSubject,
    Indicator,
    IndicatorMethod,
    SchemeStatus,
    Score,
)
from apps.insights.scorecard import BY_CODE
from apps.organizations.models import OrganizationLevel
from apps.organizations.scoping import scoped
from apps.organizations.selectors import region_list

CENT = Decimal("0.01")
INDICATOR_STAYS = "指标不能移到其他方案；请在目标方案中新增指标。"


def scheme_choices(*, user) -> QuerySet:
    """Schemes a write or a filter may name: those the user sees (404-alike 400 for the others)."""
    return scoped(EvaluationScheme.objects.all(), user)


def _cents(value) -> str:
    return str(Decimal(value or 0).quantize(CENT))


# Figures ---------------------------------------------------------------------------------


class EvaluationFigureSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="指标代码，写在公式里。")
    label = serializers.CharField(help_text="中文名称。")
    unit = serializers.CharField(allow_blank=True, help_text="单位（% 为百分数）。")
    common = serializers.ChoiceField(choices=COMMON_CHOICES, help_text="所属“六共”。")


class FigureReadSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="指标代码。")
    label = serializers.CharField(help_text="中文名称。")
    unit = serializers.CharField(allow_blank=True)


class FigureShownSerializer(FigureReadSerializer):
    value = serializers.SerializerMethodField(
        help_text="计算时读到的数值：计数为整数，其余为十进制字符串；没有数据（如没有分母的比率）为 null。"
    )

    @extend_schema_field(VALUE_SCHEMA)
    def get_value(self, shown):
        return shown.value


def formula_figures(formula: str) -> list[dict]:
    """The figures a stored formula reads, with their names; none for a manual indicator."""
    if not formula:
        return []
    try:
        _, codes = formulas.parse(formula, set(BY_CODE))
    except DjangoValidationError:
        # A figure retired from the scorecard after the formula was written: show no names
        # rather than fail the whole scheme.
        return []
    return [{"code": code, "label": BY_CODE[code].label, "unit": BY_CODE[code].unit} for code in codes]


# Indicators ------------------------------------------------------------------------------


class EvaluationIndicatorSerializer(serializers.ModelSerializer):
    scheme = ScopedPrimaryKeyRelatedField(selector=scheme_choices, label="方案", help_text="草拟中的方案 ID。")
    common = serializers.ChoiceField(choices=COMMON_CHOICES, label="所属“六共”")
    method = serializers.ChoiceField(
        choices=IndicatorMethod.choices,
        label="评分方式",
        help_text="formula 按平台数据计算（须填 formula 和 target），manual 人工评分（两者都不填）。",
    )
    formula = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        label="计算公式",
        help_text="evaluation-figures/ 的指标代码与数字、+ - * /、括号，如 trainee_times / 100。",
    )
    target = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        required=False,
        allow_null=True,
        label="满分值",
        help_text="公式的值达到它即得满分，不足按比例；越低越好时不超过它得满分。",
    )
    figures = serializers.SerializerMethodField(help_text="公式读取的平台指标及其中文名称。")

    class Meta:
        model = Indicator
        fields = [
            "id",
            "scheme",
            "common",
            "name",
            "weight",
            "method",
            "formula",
            "figures",
            "target",
            "lower_is_better",
            "guidance",
            "position",
        ]
        extra_kwargs = {
            "weight": {"help_text": "分值；一个方案各指标合计 100 分。"},
            "guidance": {"required": False},
            "position": {"required": False, "help_text": "排序；不填排在最后。"},
        }
        # The service answers a duplicate name with a 409, as every duplicate is.
        validators: list = []

    @extend_schema_field(FigureReadSerializer(many=True))
    def get_figures(self, indicator: Indicator) -> list[dict]:
        return formula_figures(indicator.formula)

    def validate_scheme(self, scheme: EvaluationScheme) -> EvaluationScheme:
        if self.instance is not None and scheme.pk != self.instance.scheme_id:
            raise serializers.ValidationError(INDICATOR_STAYS)
        return scheme


# Schemes ---------------------------------------------------------------------------------


class EvaluationSchemeSerializer(serializers.ModelSerializer):
    region = ScopedPrimaryKeyRelatedField(
        selector=region_list,
        label="考评区划",
        help_text="考评下一级区划时为上级区划（省评市州、市州评县区）；考评群团组织时为组织所在区划。",
    )
    region_name = serializers.CharField(source="region.name", read_only=True)
    subject = serializers.ChoiceField(choices=EvaluationSubject.choices, label="考评对象")
    organization_level = serializers.ChoiceField(
        choices=OrganizationLevel.choices,
        required=False,
        allow_blank=True,
        default="",
        label="组织层级",
        help_text="考评群团组织时必填，考评区划时不填。",
    )
    status = serializers.ChoiceField(choices=SchemeStatus.choices, read_only=True, label="状态")
    notes = serializers.CharField(required=False, allow_blank=True, default="", label="说明")
    created_by_name = serializers.SerializerMethodField(help_text="制定人姓名。")
    indicator_count = serializers.SerializerMethodField()
    weight_total = serializers.SerializerMethodField(help_text="各指标分值合计；合计为 100 分才能发布。")
    evaluation_count = serializers.SerializerMethodField(help_text="参评对象数（发布后）。")
    indicators = EvaluationIndicatorSerializer(many=True, read_only=True)

    class Meta:
        model = EvaluationScheme
        fields = [
            "id",
            "year",
            "name",
            "region",
            "region_name",
            "subject",
            "organization_level",
            "status",
            "notes",
            "created_by_name",
            "created_at",
            "published_at",
            "computed_at",
            "indicator_count",
            "weight_total",
            "evaluation_count",
            "indicators",
        ]
        read_only_fields = ["created_at", "published_at", "computed_at"]
        validators: list = []

    def get_created_by_name(self, scheme: EvaluationScheme) -> str | None:
        return str(scheme.created_by) if scheme.created_by_id else None

    # The list selector's counts are subqueries: NULL for a scheme with nothing counted yet.
    def get_indicator_count(self, scheme: EvaluationScheme) -> int:
        return scheme.indicator_count or 0

    @extend_schema_field(serializers.DecimalField(max_digits=7, decimal_places=2))
    def get_weight_total(self, scheme: EvaluationScheme) -> str:
        return _cents(scheme.weight_total)

    def get_evaluation_count(self, scheme: EvaluationScheme) -> int:
        return scheme.evaluation_count or 0


class SchemeCopySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=0, max_value=32767, label="年度")
    name = serializers.CharField(max_length=128, label="方案名称")


# Evaluations and scores ------------------------------------------------------------------


class EvaluationScoreSerializer(serializers.ModelSerializer):
    evaluation = serializers.IntegerField(source="evaluation_id", read_only=True, help_text="考评结果 ID。")
    indicator = serializers.IntegerField(source="indicator_id", read_only=True, help_text="指标 ID。")
    indicator_name = serializers.CharField(source="indicator.name", read_only=True)
    common = serializers.ChoiceField(source="indicator.common", choices=COMMON_CHOICES, read_only=True)
    method = serializers.ChoiceField(source="indicator.method", choices=IndicatorMethod.choices, read_only=True)
    weight = serializers.DecimalField(
        source="indicator.weight", max_digits=5, decimal_places=2, read_only=True, help_text="该指标分值（满分）。"
    )
    value = serializers.DecimalField(
        max_digits=16,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text="公式的值；人工评分或没有数据时为 null。",
    )
    points = serializers.DecimalField(
        max_digits=6, decimal_places=2, read_only=True, allow_null=True, help_text="得分；人工评分尚未给出时为 null。"
    )
    figures = serializers.SerializerMethodField(help_text="得分所依据的平台数据。")
    evidence_file = serializers.SerializerMethodField(help_text="佐证材料的下载地址；没有时为 null。")
    scored_by_name = serializers.SerializerMethodField(help_text="人工评分人姓名。")

    class Meta:
        model = Score
        fields = [
            "id",
            "evaluation",
            "indicator",
            "indicator_name",
            "common",
            "method",
            "weight",
            "value",
            "points",
            "figures",
            "evidence",
            "evidence_file",
            "scored_by_name",
            "scored_at",
        ]
        read_only_fields = fields

    @extend_schema_field(FigureShownSerializer(many=True))
    def get_figures(self, score: Score) -> list[dict]:
        return FigureShownSerializer(figures_behind(score), many=True).data

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_evidence_file(self, score: Score) -> str | None:
        if not score.evidence_file:
            return None
        # Through the API, scoped like the score itself: evidence is not a public file.
        url = reverse("evaluation-score-evidence", kwargs={"pk": score.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url

    def get_scored_by_name(self, score: Score) -> str | None:
        return str(score.scored_by) if score.scored_by_id else None


class EvaluationSubjectSerializer(serializers.Serializer):
    type = serializers.SerializerMethodField(
        help_text="region（区划，id 为 regions/ 的 ID）或 organization（群团组织，id 为 organizations/ 的 ID）。"
    )
    id = serializers.SerializerMethodField()
    name = serializers.CharField(source="subject_name")

    def get_type(self, row: Evaluation) -> str:
        return EvaluationSubject.REGION if row.region_id else EvaluationSubject.ORGANIZATION

    def get_id(self, row: Evaluation) -> int:
        return row.region_id or row.organization_id


class EvaluationSerializer(serializers.ModelSerializer):
    scheme = serializers.IntegerField(source="scheme_id", read_only=True, help_text="方案 ID。")
    subject = EvaluationSubjectSerializer(source="*", read_only=True, help_text="参评对象。")
    total = serializers.DecimalField(max_digits=7, decimal_places=2, read_only=True, help_text="总分。")
    rank = serializers.IntegerField(read_only=True, allow_null=True, help_text="名次；总分相同名次相同（1、2、2、4）。")
    manual_pending = serializers.IntegerField(read_only=True, help_text="尚未给出的人工评分项数。")
    scores = EvaluationScoreSerializer(many=True, read_only=True, help_text="各指标得分，按指标顺序。")

    class Meta:
        model = Evaluation
        fields = ["id", "scheme", "subject", "total", "rank", "manual_pending", "computed_at", "scores"]
        read_only_fields = fields


class EvaluationQuerySerializer(serializers.Serializer):
    scheme = ScopedPrimaryKeyRelatedField(selector=scheme_choices, label="方案", help_text="方案 ID（必填）。")


class FigureQuerySerializer(serializers.Serializer):
    subject = serializers.ChoiceField(
        choices=EvaluationSubject.choices,
        default=EvaluationSubject.REGION,
        label="考评对象",
        help_text="region（默认）或 organization：考评群团组织的公式只能用可以归到组织的指标。",
    )


class ManualScoreSerializer(serializers.Serializer):
    points = serializers.DecimalField(
        max_digits=6,
        decimal_places=2,
        required=False,
        label="得分",
        help_text="0 至该指标分值之间，最多两位小数；首次评分必填。",
    )
    evidence = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        label="佐证说明",
        help_text="评分的依据，不能为空；首次评分必填。",
    )
    evidence_file = serializers.FileField(
        required=False,
        max_length=100,
        label="佐证材料",
        help_text=f"可选，multipart 上传；{'、'.join(services.EVIDENCE_EXTENSIONS)}，"
        f"不超过 {services.EVIDENCE_MAX_MB} MB。"
        "不上传时保留原有材料。",
    )
