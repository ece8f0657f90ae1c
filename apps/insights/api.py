"""/api/v1/people/{id}/record/ (一人一档, one person's whole record across the apps) and
/api/v1/scorecard/ (the 六共 scorecard of a region).

apps.insights.selectors.person_record gathers it, one scoped query per section, and answers
404 for a person outside the viewer's scope; an item outside the scope is simply absent, as
in its own list. It sits under `people/` without apps/members knowing of it: the route is
declared in qunzhi/api_urls.py before the router's.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.insights import scorecard_cache
from apps.insights.scorecard import FIGURES, default_region, scorecard_region
from apps.insights.selectors import person_record
from apps.members.models import Person
from apps.organizations.api_cobuilding import FederationBriefSerializer

RECORD = (
    "一个人在各群团的全部记录：会员关系及其历史（membership）、干部任职（cadre_post）、活动报名与参加"
    "（registration）、志愿服务时长（volunteer）、从各项目接受的服务（service），每条注明其所属组织。"
    "sections 按类别分组，timeline 为同样的条目按日期从新到旧排列。只包含您管辖范围内的条目；"
    "人员不在您的范围内时 404。查询次数不随档案大小增长。"
)


class RecordPersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["id", "name", "id_number_masked", "gender", "birth_date", "region"]
        read_only_fields = fields


class RecordOrganizationSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    federation = serializers.IntegerField(source="federation_id", help_text="群团类别 ID。")
    federation_name = serializers.CharField(source="federation.name", help_text="群团类别名称。")


class RecordItemSerializer(serializers.Serializer):
    kind = serializers.CharField(
        help_text="membership、cadre_post、registration、volunteer、service、training、rotation、"
        "expert 或 expert_engagement。"
    )
    object_id = serializers.IntegerField(help_text="该条目在其所属资源中的 ID（memberships/、service-records/ ……）。")
    date = serializers.DateField(help_text="开始（入会、任职、活动、服务）日期。")
    end_date = serializers.DateField(allow_null=True, help_text="结束日期；没有或尚未结束时为 null。")
    title = serializers.CharField()
    detail = serializers.CharField(allow_blank=True)
    status = serializers.CharField(allow_blank=True, help_text="状态说明（中文）。")
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, allow_null=True, help_text="计入本类合计的数量（如志愿时长），没有时为 null。"
    )
    organization = RecordOrganizationSerializer(allow_null=True, help_text="条目所属的组织。")


class RecordSectionSerializer(serializers.Serializer):
    kind = serializers.CharField()
    title = serializers.CharField()
    total_label = serializers.CharField(allow_blank=True, help_text="合计的名称；本类没有合计时为空。")
    total = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True, help_text="本类条目 amount 之和；没有合计时为 null。"
    )
    items = RecordItemSerializer(many=True)


class PersonRecordSerializer(serializers.Serializer):
    person = RecordPersonSerializer()
    sections = RecordSectionSerializer(many=True)
    timeline = RecordItemSerializer(many=True, help_text="全部条目，按日期从新到旧。")


class PersonRecordView(APIView):
    """一人一档。"""

    permission_classes = [IsAuthenticated]

    @extend_schema(summary="一人一档", description=RECORD, responses=PersonRecordSerializer)
    def get(self, request, pk: int):
        return Response(PersonRecordSerializer(person_record(user=request.user, person_id=pk)).data)


# The 六共 scorecard -------------------------------------------------------------------------

SCORECARD = (
    "六共指标：组织共建、阵地共用、资源共享、活动共办、服务共融、人才共育，由平台数据直接计算。"
    "region 为区划 ID（默认您管辖范围的最上级），start、end 为统计区间（默认本年）。total 为该区划合计，"
    "own_level 为本级（直属该区划、不属于任何下级区划的数据），children 为各下级区划；可加总的指标"
    "total 等于 own_level 与 children 之和，比率由其分子分母计算，受益人数按人去重。只统计您管辖范围内的数据；"
    "区划不在范围内时 404。"
)


class ScorecardQuerySerializer(serializers.Serializer):
    region = serializers.IntegerField(required=False, help_text="区划 ID。")
    start = serializers.DateField(required=False, help_text="统计开始日期（含），默认本年 1 月 1 日。")
    end = serializers.DateField(required=False, help_text="统计结束日期（含），默认本年 12 月 31 日。")

    def validate(self, data):
        today = timezone.localdate()
        data.setdefault("start", dt.date(today.year, 1, 1))
        data.setdefault("end", dt.date(today.year, 12, 31))
        if data["end"] < data["start"]:
            raise serializers.ValidationError({"end": "结束日期不能早于开始日期。"})
        if (data["end"] - data["start"]).days > 3660:
            raise serializers.ValidationError({"end": "统计区间不能超过十年。"})
        return data


class ScorecardFigureSerializer(serializers.Serializer):
    code = serializers.CharField()
    common = serializers.CharField(
        help_text="所属“共”：organizations、venues、resources、activities、projects、talent。"
    )
    label = serializers.CharField()
    unit = serializers.CharField()
    is_share = serializers.BooleanField(help_text="是否为比率（百分比，由分子分母计算，不可加总）。")
    headline = serializers.BooleanField(help_text="是否为该“共”的首要指标。")


class ScorecardRegionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()


VALUE_SCHEMA = {"oneOf": [{"type": "integer"}, {"type": "string"}], "nullable": True}


class ScorecardAreaSerializer(serializers.Serializer):
    region = ScorecardRegionSerializer(allow_null=True)
    label = serializers.CharField()
    values = serializers.SerializerMethodField(
        help_text="指标代码 → 数值：计数为整数，金额、时长和比率（百分数）为十进制字符串；没有分母的比率为 null。"
    )

    @extend_schema_field(
        {
            "type": "object",
            "additionalProperties": {"oneOf": [{"type": "integer"}, {"type": "string"}], "nullable": True},
        }
    )
    def get_values(self, area) -> dict:
        return {code: str(value) if isinstance(value, Decimal) else value for code, value in area.values.items()}


class ScorecardTrendSerializer(serializers.Serializer):
    months = serializers.ListField(child=serializers.CharField(), help_text="统计区间内的月份（YYYY-MM）。")
    series = serializers.DictField(
        child=serializers.ListField(child=serializers.IntegerField()),
        help_text="指标代码 → 各月数值，与 months 一一对应（会议、功能室使用、活动、服务人次、参训人次）。",
    )


class ScorecardSerializer(serializers.Serializer):
    region = ScorecardRegionSerializer()
    start = serializers.DateField(source="period.start")
    end = serializers.DateField(source="period.end")
    figures = ScorecardFigureSerializer(many=True)
    total = ScorecardAreaSerializer()
    own_level = ScorecardAreaSerializer()
    children = ScorecardAreaSerializer(many=True)
    trend = ScorecardTrendSerializer()


REGION_NOT_FOUND = OpenApiResponse(description="区划不存在或超出您的管辖范围。")


def _region_asked(user, params: dict):
    """`?region=` in the viewer's scope (404 outside), or the top of their scope."""
    if "region" in params:
        return scorecard_region(user, params["region"])
    region = default_region(user)
    if region is None:
        raise NotFound("您没有可查看的区划。")
    return region


class ScorecardView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="六共指标",
        description=SCORECARD,
        parameters=[ScorecardQuerySerializer],
        responses={200: ScorecardSerializer, 404: REGION_NOT_FOUND},
    )
    def get(self, request):
        query = ScorecardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        region = _region_asked(request.user, params)
        card, trend = scorecard_cache.served(user=request.user, region=region, start=params["start"], end=params["end"])
        figures = [
            {
                "code": f.code,
                "common": f.common,
                "label": f.label,
                "unit": f.unit,
                "is_share": f.share_of is not None,
                "headline": f.headline,
            }
            for f in FIGURES
        ]
        data = {
            "region": card.region,
            "period": card.period,
            "figures": figures,
            "total": card.total,
            "own_level": card.own_level,
            "children": card.children,
            "trend": {"months": trend.labels(), "series": trend.series},
        }
        return Response(ScorecardSerializer(data).data)


# Member rollups ------------------------------------------------------------------------------

MEMBER_ROLLUP = (
    "会员统计：该区划及各下级区划在册会员关系数，按群团分列（以所在组织的区划归属）；people 为至少有一条"
    "在册关系的人数（按人去重）。region 为区划 ID（默认您管辖范围的最上级）。只统计您管辖范围内的数据；"
    "区划不在范围内时 404。全区划的统计最多延迟 10 分钟。"
)


class RollupQuerySerializer(serializers.Serializer):
    region = serializers.IntegerField(required=False, help_text="区划 ID。")


class RollupAreaSerializer(serializers.Serializer):
    region = ScorecardRegionSerializer(allow_null=True)
    label = serializers.CharField()
    members = serializers.DictField(child=serializers.IntegerField(), help_text="群团代码 → 在册会员关系数。")
    memberships = serializers.IntegerField(help_text="各群团在册会员关系合计。")


class MemberRollupSerializer(serializers.Serializer):
    region = ScorecardRegionSerializer()
    federations = FederationBriefSerializer(many=True)
    people = serializers.IntegerField(help_text="至少有一条在册会员关系的人数。")
    total = RollupAreaSerializer()
    own_level = RollupAreaSerializer()
    children = RollupAreaSerializer(many=True)


class MemberRollupView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="会员统计",
        description=MEMBER_ROLLUP,
        parameters=[RollupQuerySerializer],
        responses={200: MemberRollupSerializer, 404: REGION_NOT_FOUND},
    )
    def get(self, request):
        query = RollupQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        region = _region_asked(request.user, query.validated_data)
        return Response(MemberRollupSerializer(scorecard_cache.served_rollup(user=request.user, region=region)).data)
