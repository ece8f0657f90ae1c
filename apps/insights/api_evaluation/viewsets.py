"""/api/v1/ for joint evaluation (联评联考): schemes and their indicators, the figure codes a formula
may read, the ranking with every score and the figures behind it, and manual scores with evidence.

Reads come from apps.insights.evaluation_selectors (scoped: a county sees its own row of the
city's ranking and the scheme through it, never its neighbours'); writes go through
apps.insights.services with `actor=request.user`, which answer 400, 409 or 403.
"""

from __future__ import annotations

import os

from django.db.models import Prefetch, QuerySet
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api import ConflictSerializer, ScopedReadOnlyViewSet, ScopedViewSet, ServiceModelViewSet
from apps.core.pagination import RankedPagination
from apps.insights import evaluation_selectors as selectors
from apps.insights import services
from apps.insights.api_evaluation.filters import IndicatorFilter, SchemeFilter
from apps.insights.api_evaluation.serializers import (
    EvaluationFigureSerializer,
    EvaluationIndicatorSerializer,
    EvaluationQuerySerializer,
    EvaluationSchemeSerializer,
    EvaluationScoreSerializer,
    EvaluationSerializer,
    FigureQuerySerializer,
    ManualScoreSerializer,
    SchemeCopySerializer,
)
from apps.insights.evaluation import figure_codes
from apps.insights.models import Evaluation, EvaluationScheme, Indicator, Score
from apps.insights.scorecard import BY_CODE
from apps.organizations.scoping import scoped

NO_EVIDENCE = "该评分没有佐证材料。"
POINTS_REQUIRED = "请填写得分。"

SCHEME_SCOPE = (
    "可见范围：方案的考评区划在您的管辖范围内，或您管辖范围内的区划、组织参与了该方案的考评"
    "（只看得到自己的那一行排名）。"
)
CONFLICT = {409: ConflictSerializer}


# Scoped reads ------------------------------------------------------------------------------


def _schemes(*, user) -> QuerySet:
    return (
        selectors.scheme_list(user=user)
        .select_related("created_by")
        .prefetch_related(Prefetch("indicators", queryset=Indicator.objects.order_by("position", "id")))
    )


def _indicators(*, user) -> QuerySet:
    return scoped(Indicator.objects.all(), user)


def _evaluations(*, user) -> QuerySet:
    return scoped(Evaluation.objects.all(), user)


def _scores(*, user) -> QuerySet:
    return scoped(Score.objects.select_related("indicator", "scored_by"), user)


# Schemes -----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="联评联考方案列表", description=SCHEME_SCOPE),
    retrieve=extend_schema(
        summary="联评联考方案详情",
        description=f"{SCHEME_SCOPE}含各项指标、分值合计，以及每项公式读取的平台指标及其中文名称。",
    ),
    create=extend_schema(
        summary="新建联评联考方案",
        description=(
            "新方案为草拟中，再用 evaluation-indicators/ 添加指标。考评区划须在您的管辖范围内，且有可考评的"
            "下一级区划（或该层级的群团组织）；同一区划同一年度方案名称重复时 409。"
        ),
        responses={201: EvaluationSchemeSerializer, **CONFLICT},
    ),
    destroy=extend_schema(
        summary="删除联评联考方案",
        description="只能删除草拟中的方案；已发布的方案及其评分是档案，删除时 409。",
        responses={204: None, **CONFLICT},
    ),
)
class EvaluationSchemeViewSet(mixins.CreateModelMixin, mixins.DestroyModelMixin, ScopedReadOnlyViewSet):
    """联评联考方案：某年度、某区划对下一级区划或群团组织的考评，指标分值合计 100 分。

    方案本身发布前后都不修改；要调整的是它的指标（草拟中），明年的方案从复制开始。
    """

    selector = staticmethod(_schemes)
    serializer_class = EvaluationSchemeSerializer
    filterset_class = SchemeFilter
    search_fields = ["name"]
    ordering_fields = ["year", "name", "id"]
    ordering = ["-year", "name"]

    def perform_create(self, serializer) -> None:
        scheme = services.scheme_create(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=scheme.pk)

    def perform_destroy(self, instance) -> None:
        services.scheme_delete(actor=self.request.user, scheme=instance)

    def _answer(self, scheme: EvaluationScheme, code: int = status.HTTP_200_OK) -> Response:
        scheme = self.get_queryset().get(pk=scheme.pk)
        return Response(EvaluationSchemeSerializer(scheme, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        summary="发布方案",
        description=(
            "指标分值合计须为 100 分（否则 400）。发布后指标不能再改，每个参评对象生成一行并按平台数据计算"
            "得分和名次；人工评分项待评。已发布时 409。"
        ),
        request=None,
        responses={200: EvaluationSchemeSerializer, **CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._answer(services.scheme_publish(actor=request.user, scheme=self.get_object()))

    @extend_schema(
        summary="重新计算",
        description=(
            "按今天的平台数据重新计算公式得分、总分和名次，人工评分保持不变（每晚也会自动计算）。"
            "方案未发布或已定档时 409。"
        ),
        request=None,
        responses={200: EvaluationSchemeSerializer, **CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def compute(self, request, pk=None):
        return self._answer(services.scheme_compute(actor=request.user, scheme=self.get_object()))

    @extend_schema(
        summary="定档",
        description="本年度结果定档，不再评分或重新计算；还有人工评分未给出、方案未发布或已定档时 409。",
        request=None,
        responses={200: EvaluationSchemeSerializer, **CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._answer(services.scheme_close(actor=request.user, scheme=self.get_object()))

    @extend_schema(
        summary="复制为新方案",
        description=(
            "以本方案的考评区划、对象和全部指标新建一个草拟中的方案（通常为下一年度），可先调整指标再发布。"
            "同一区划同一年度名称重复时 409。"
        ),
        request=SchemeCopySerializer,
        responses={201: EvaluationSchemeSerializer, **CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def copy(self, request, pk=None):
        scheme = self.get_object()
        body = SchemeCopySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        copy = services.scheme_copy(actor=request.user, scheme=scheme, **body.validated_data)
        return self._answer(copy, status.HTTP_201_CREATED)


# Indicators --------------------------------------------------------------------------------

INDICATOR_RULES = (
    "只有草拟中的方案可以增删改指标（否则 409）；各指标分值合计不能超过 100 分。按平台数据计算的指标"
    "填写公式（evaluation-figures/ 的指标代码与 + - * /、括号）和满分值，人工评分的两者都不填。"
    "同一方案指标名称重复时 409。"
)


@extend_schema_view(
    list=extend_schema(summary="考评指标列表", description="?scheme= 为某个方案的指标，按排序。"),
    retrieve=extend_schema(summary="考评指标详情"),
    create=extend_schema(
        summary="添加考评指标", description=INDICATOR_RULES, responses={201: EvaluationIndicatorSerializer, **CONFLICT}
    ),
    update=extend_schema(
        summary="修改考评指标", description=INDICATOR_RULES, responses={200: EvaluationIndicatorSerializer, **CONFLICT}
    ),
    partial_update=extend_schema(
        summary="修改考评指标（部分字段）",
        description=INDICATOR_RULES,
        responses={200: EvaluationIndicatorSerializer, **CONFLICT},
    ),
    destroy=extend_schema(
        summary="删除考评指标",
        description="只有草拟中的方案可以删除指标（否则 409）。",
        responses={204: None, **CONFLICT},
    ),
)
class EvaluationIndicatorViewSet(ServiceModelViewSet):
    """方案的考评指标：所属“六共”、分值、按平台数据计算（公式与满分值）或人工评分，以及评分细则。"""

    selector = staticmethod(_indicators)
    serializer_class = EvaluationIndicatorSerializer
    filterset_class = IndicatorFilter
    search_fields = ["name"]
    ordering_fields = ["position", "id"]
    # scheme_id, not scheme: the cursor keeps the first field's raw value.
    ordering = ["scheme_id", "position"]
    create_service = staticmethod(services.indicator_add)
    update_service = staticmethod(services.indicator_update)
    delete_service = staticmethod(services.indicator_remove)
    service_instance_kwarg = "indicator"


# Figures -----------------------------------------------------------------------------------


class EvaluationFigureView(APIView):
    """公式可用的平台指标（六共指标）：参考数据，不是某个范围内的记录，登录即可查看。"""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="公式可用的平台指标",
        description=(
            "写考评指标公式时可用的指标代码、中文名称、单位和所属“六共”。?subject=organization 为考评群团"
            "组织时可用的（只有能归到某个组织的指标，如群众之家属于地方而不属于某个群团，不能用）。"
        ),
        parameters=[FigureQuerySerializer],
        responses=EvaluationFigureSerializer(many=True),
    )
    def get(self, request):
        query = FigureQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        figures = [BY_CODE[code] for code in figure_codes(query.validated_data["subject"])]
        return Response(EvaluationFigureSerializer(figures, many=True).data)


# Evaluations and scores --------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="考评排名",
        description=(
            "?scheme= 必填：该方案的参评对象，名次在前（总分相同名次相同）。每行含总分、名次、待人工评分项数"
            "和各指标得分及其依据的平台数据。只列出您管辖范围内的参评对象：县区只看得到自己的那一行。"
            "按页返回（?page=、?page_size=）；查询次数不随行数增长。"
        ),
        parameters=[EvaluationQuerySerializer],
    ),
    retrieve=extend_schema(summary="考评结果详情", description="不在您管辖范围内时 404。"),
)
class EvaluationViewSet(ScopedReadOnlyViewSet):
    """联评联考结果：一个参评区划或群团组织在某方案下的总分、名次和各指标得分。"""

    selector = staticmethod(_evaluations)
    serializer_class = EvaluationSerializer
    filter_backends: list = []
    pagination_class = RankedPagination

    def list(self, request):
        query = EvaluationQuerySerializer(data=request.query_params, context=self.get_serializer_context())
        query.is_valid(raise_exception=True)
        page = self.paginate_queryset(selectors.ranking(user=request.user, scheme=query.validated_data["scheme"]))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def get_object(self) -> Evaluation:
        pk = self.kwargs["pk"]
        if not (pk.isascii() and pk.isdigit()):
            raise NotFound()
        row = selectors.evaluation_get(user=self.request.user, pk=pk)
        self.check_object_permissions(self.request, row)
        return row


@extend_schema_view(
    retrieve=extend_schema(summary="指标得分详情", description="不在您管辖范围内时 404。"),
    partial_update=extend_schema(
        summary="人工评分",
        description=(
            "给人工评分指标打分：得分在 0 至该指标分值之间，须写佐证说明，可上传佐证材料（multipart）。"
            "未给出的字段保持原样（如只补传佐证材料）；首次评分须给出得分和佐证说明。"
            "由方案所在层级评分，参评对象不能给自己评分（400）；按平台数据计算的指标不能人工评分（400）；"
            "方案未发布或已定档时 409。评分后总分和名次随即更新。"
        ),
        request={"multipart/form-data": ManualScoreSerializer, "application/json": ManualScoreSerializer},
        responses={200: EvaluationScoreSerializer, **CONFLICT},
    ),
)
class EvaluationScoreViewSet(mixins.RetrieveModelMixin, ScopedViewSet):
    """一个参评对象在一项指标上的得分：公式的值及所依据的平台数据，或人工评分及其佐证。"""

    selector = staticmethod(_scores)
    serializer_class = EvaluationScoreSerializer

    def partial_update(self, request, pk=None):
        score = self.get_object()
        body = ManualScoreSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        # A true PATCH: what is left out stays as scored (a file added to a score already given).
        points = data.get("points", score.points)
        if points is None:
            raise ValidationError({"points": [POINTS_REQUIRED]})
        services.score_manual(
            actor=request.user,
            score=score,
            points=points,
            evidence=data.get("evidence", score.evidence),
            evidence_file=data.get("evidence_file"),
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=score.pk)).data)

    @extend_schema(
        summary="下载佐证材料",
        description="与得分相同的可见范围；没有材料时 404。",
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    @action(detail=True, filter_backends=[], pagination_class=None)
    def evidence(self, request, pk=None):
        score = self.get_object()
        if not score.evidence_file:
            raise NotFound(NO_EVIDENCE)
        try:
            handle = score.evidence_file.open("rb")
        except OSError:
            raise NotFound(NO_EVIDENCE) from None
        return FileResponse(handle, as_attachment=True, filename=os.path.basename(score.evidence_file.name))
