"""/api/v1/ for service projects, bundles (捆绑打包), service records and their reference data.

Reads come from apps.projects.selectors, writes go through apps.projects.services with
`actor=request.user`; the serializers only parse. Scope: a project is visible through its
service region, its lead organization, and to the users of every organization taking part;
a bundle through its lead and the leads of its members; a service record through the
person's region, the serving unit and the project's lead. Out of scope answers 404.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.api import ConflictSerializer, ScopedReadOnlyViewSet, ServiceModelViewSet
from apps.core.pagination import RankedPagination
from apps.organizations.scoping import scoped
from apps.projects import selectors, services
from apps.projects.api.filters import ProjectFilter, ServiceRecordFilter
from apps.projects.api.serializers import (
    BundleFiguresSerializer,
    BundleProjectSerializer,
    BundleSerializer,
    BundleUpdateSerializer,
    ContentCategorySerializer,
    FiguresSerializer,
    GoalSerializer,
    PolicyStandardSerializer,
    ProjectExpenseSerializer,
    ProjectSerializer,
    ProjectUpdateSerializer,
    ServiceRecordSerializer,
    ServiceTypeSerializer,
    SuggestionQuerySerializer,
    SuggestionSerializer,
    WorkNatureSerializer,
)
from apps.projects.models import (
    ContentCategory,
    Goal,
    PolicyStandard,
    ServiceProject,
    ServiceType,
    WorkNature,
)

PROJECT_SCOPE = "可见范围：服务区域或牵头组织在您的管辖范围内，或您所在的组织参与了该项目。"
BUNDLE_SCOPE = "可见范围：牵头组织或任一成员项目的牵头组织在您的管辖范围内。"
SUGGESTIONS = (
    "您范围内尚未捆绑、未结项的项目中可以捆绑的组合，按四条标准评分：政策标准相同、服务对象重叠、"
    "工作性质相近、服务内容相同，每条 25 分；服务内容相同是前提。matched / unmatched 列出符合和不符合的标准。"
    "按分数从高到低分页返回（?page=、?page_size= 至多 200）。一步建成：POST bundles/，name 取 suggested_name，"
    "lead_organization 取 suggested_lead_organization，projects 取 projects 的 id；"
    "统筹预算和共同目标默认为各成员项目之和。"
)


def _project_selector(*, user) -> QuerySet:
    return selectors.project_detail_queryset(user=user)


def _bundle_selector(*, user) -> QuerySet:
    return selectors.bundle_list(user=user).prefetch_related(
        Prefetch("goals", queryset=Goal.objects.order_by("id")),
        Prefetch("projects", queryset=ServiceProject.objects.only("pk", "bundle_id").order_by("id")),
    )


def _service_record_selector(*, user) -> QuerySet:
    return selectors.service_record_list(user=user)


def _goal_input(data: dict) -> dict:
    return {name: data[name] for name in ("name", "metric", "target", "service_type") if name in data}


# Projects -----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="服务项目列表", description=PROJECT_SCOPE),
    retrieve=extend_schema(summary="服务项目详情", description=PROJECT_SCOPE),
    create=extend_schema(
        summary="新建服务项目（筹备中）",
        description="至少提供一项服务；有预算须选经费来源；牵头组织、服务区域和经费须在您的范围内。",
    ),
    update=extend_schema(summary="修改服务项目", responses=ProjectUpdateSerializer),
    partial_update=extend_schema(summary="修改服务项目（部分字段）", responses=ProjectUpdateSerializer),
)
class ProjectViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedReadOnlyViewSet):
    """服务项目：政策标准、服务对象、工作性质、服务内容、预算和目标；`?federation=` 含牵头和参与的项目。"""

    selector = staticmethod(_project_selector)
    filterset_class = ProjectFilter
    search_fields = ["name"]
    ordering_fields = ["start_date", "name", "updated_at", "id"]
    ordering = ["-start_date"]

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return ProjectUpdateSerializer
        return ProjectSerializer

    def perform_create(self, serializer) -> None:
        data = dict(serializer.validated_data)
        data["participants"] = [(row["organization"], row["role"]) for row in data.pop("participants", [])]
        data["goals"] = [_goal_input(goal) for goal in data.pop("goals", [])]
        project = services.project_create(actor=self.request.user, **data)
        serializer.instance = self.get_queryset().get(pk=project.pk)

    def perform_update(self, serializer) -> None:
        project = serializer.instance
        data = dict(serializer.validated_data)
        many = {name: data.pop(name) for name in ("service_types", "target_tags", "participants") if name in data}
        if "participants" in many:
            many["participants"] = [(row["organization"], row["role"]) for row in many["participants"]]
        # Only what the client changed (as ServiceModelViewSet does): a PUT echoing the project
        # back rewrites nothing; the many-to-many parts, when given, are replaced whole.
        changes = {name: value for name, value in data.items() if _differs(project, name, value)}
        project = services.project_update(actor=self.request.user, project=project, **many, **changes)
        serializer.instance = self.get_queryset().get(pk=project.pk)

    def _set_status(self, request, action: str) -> Response:
        project = services.project_set_status(actor=request.user, project=self.get_object(), action=action)
        return Response(self.get_serializer(self.get_queryset().get(pk=project.pk)).data)

    @extend_schema(summary="启动项目", description="筹备中 → 实施中；实施中的项目才能登记服务和记支出。", request=None)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._set_status(request, "start")

    @extend_schema(summary="项目结项", description="实施中 → 已结项；期满的项目每天自动结项。", request=None)
    @action(detail=True, methods=["post"])
    def finish(self, request, pk=None):
        return self._set_status(request, "finish")

    @extend_schema(summary="取消项目", description="筹备中或实施中 → 已取消；已有的服务记录保留。", request=None)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._set_status(request, "cancel")

    @extend_schema(
        summary="项目完成情况",
        description="服务人数（同一人计一次）、服务人次、净支出、预算余额、各项服务量和各目标的完成情况。",
        filters=False,
        responses=FiguresSerializer,
    )
    @action(detail=True, filter_backends=[], pagination_class=None)
    def figures(self, request, pk=None):
        return Response(FiguresSerializer(selectors.project_figures(self.get_object())).data)

    @extend_schema(
        summary="记项目支出",
        description=(
            "在项目的经费中记一笔支出，受款组织为项目牵头组织；只有实施中的项目可以记支出，"
            "累计不能超过预算。经费的规则同样适用：余额、已结账期间、凭证号不能重复（409）。"
        ),
        request=ProjectExpenseSerializer,
        responses={201: ProjectExpenseSerializer, 409: ConflictSerializer},
    )
    @action(detail=True, methods=["post"])
    def expenses(self, request, pk=None):
        project = self.get_object()
        body = ProjectExpenseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        expense = services.project_expense_record(actor=request.user, project=project, **body.validated_data["entry"])
        return Response(ProjectExpenseSerializer(expense).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="添加项目目标",
        description="统计口径：people 服务人数、records 服务人次、quantity 某项服务的服务量（须给出 service_type）、"
        "spending 支出金额。",
        request=GoalSerializer,
        responses={201: GoalSerializer},
    )
    @action(detail=True, methods=["post"])
    def goals(self, request, pk=None):
        project = self.get_object()
        body = GoalSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        goal = services.goal_add(actor=request.user, project=project, **_goal_input(body.validated_data))
        return Response(GoalSerializer(goal).data, status=status.HTTP_201_CREATED)


def _differs(instance, name: str, value) -> bool:
    # Ids compared, so no query loads the current related rows.
    field = instance._meta.get_field(name)
    if field.is_relation:
        return getattr(instance, field.attname) != (value.pk if value is not None else None)
    return getattr(instance, name) != value


# Bundles ------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="捆绑项目列表", description=BUNDLE_SCOPE),
    retrieve=extend_schema(summary="捆绑项目详情", description=BUNDLE_SCOPE),
    create=extend_schema(
        summary="新建捆绑项目",
        description=(
            "把至少两个服务内容相同的项目作为一个项目实施；可直接用 bundles/suggestions/ 的一条建议一步建成。"
            "统筹预算不填为成员预算之和，共同目标为成员目标之和。项目已属于其他捆绑项目时 409，"
            "conflicts 为这些项目的 ID。"
        ),
        responses={201: BundleSerializer, 409: ConflictSerializer},
    ),
    update=extend_schema(summary="修改捆绑项目", responses=BundleUpdateSerializer),
    partial_update=extend_schema(summary="修改捆绑项目（部分字段）", responses=BundleUpdateSerializer),
    destroy=extend_schema(summary="解除捆绑", description="只删除捆绑项目本身；各成员项目连同其服务记录继续单独实施。"),
)
class BundleViewSet(ServiceModelViewSet):
    """捆绑项目：一个牵头组织、统筹预算和共同目标；成员项目各自的数字汇总到捆绑项目，同一人只计一次。"""

    selector = staticmethod(_bundle_selector)
    search_fields = ["name"]
    ordering_fields = ["name", "updated_at", "id"]
    ordering = ["-id"]
    update_service = staticmethod(services.bundle_update)
    delete_service = staticmethod(services.bundle_delete)
    service_instance_kwarg = "bundle"

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return BundleUpdateSerializer
        if self.action in ("add_project", "remove_project"):
            return BundleProjectSerializer
        return BundleSerializer

    def perform_create(self, serializer) -> None:
        bundle = services.bundle_create(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=bundle.pk)

    def perform_update(self, serializer) -> None:
        super().perform_update(serializer)
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    @extend_schema(
        summary="捆绑项目完成情况",
        description=(
            "totals 为合计：被几个成员项目服务的人只计一次，目标为共同目标；members 为各成员项目自己的数字；"
            "people_counted_twice 为成员人数相加比合计多出的人数。"
        ),
        filters=False,
        responses=BundleFiguresSerializer,
    )
    @action(detail=True, filter_backends=[], pagination_class=None)
    def figures(self, request, pk=None):
        figures = selectors.bundle_figures(self.get_object())
        body = {
            "totals": figures.totals,
            "members": figures.members,
            "members_budget": figures.members_budget,
            "people_counted_twice": figures.people_counted_twice,
        }
        return Response(BundleFiguresSerializer(body).data)

    @extend_schema(
        summary="加入成员项目",
        description="项目须与现有成员服务内容相同、尚未捆绑、未结项；已属于其他捆绑项目时 409。",
        request=BundleProjectSerializer,
        responses={200: BundleSerializer, 409: ConflictSerializer},
    )
    @action(detail=True, methods=["post"], url_path="add-project")
    def add_project(self, request, pk=None):
        bundle = self.get_object()
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.bundle_add_project(actor=request.user, bundle=bundle, project=body.validated_data["project"])
        return Response(
            BundleSerializer(self.get_queryset().get(pk=bundle.pk), context=self.get_serializer_context()).data
        )

    @extend_schema(
        summary="移出成员项目",
        description="项目带着自己的服务记录离开，捆绑项目的数字不再计入它们。",
        request=BundleProjectSerializer,
        responses=BundleSerializer,
    )
    @action(detail=True, methods=["post"], url_path="remove-project")
    def remove_project(self, request, pk=None):
        bundle = self.get_object()
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.bundle_remove_project(actor=request.user, bundle=bundle, project=body.validated_data["project"])
        return Response(
            BundleSerializer(self.get_queryset().get(pk=bundle.pk), context=self.get_serializer_context()).data
        )

    @extend_schema(
        summary="添加共同目标",
        description="统计口径同项目目标；完成情况按全部成员项目的服务记录计算，同一人只计一次。",
        request=GoalSerializer,
        responses={201: GoalSerializer},
    )
    @action(detail=True, methods=["post"])
    def goals(self, request, pk=None):
        bundle = self.get_object()
        body = GoalSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        goal = services.goal_add(actor=request.user, bundle=bundle, **_goal_input(body.validated_data))
        return Response(GoalSerializer(goal).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="捆绑建议",
        description=SUGGESTIONS,
        parameters=[
            OpenApiParameter("content_category", type=int, description="只看该服务内容类别 ID 的建议。"),
            OpenApiParameter("min_score", type=int, description="只看不低于该分数的建议（0–100），默认 0。"),
        ],
        filters=False,
        responses=SuggestionSerializer(many=True),
    )
    @action(detail=False, filter_backends=[], pagination_class=RankedPagination)
    def suggestions(self, request):
        query = SuggestionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        suggestions = selectors.bundle_suggestion_list(user=request.user, **query.validated_data)
        page = self.paginate_queryset(suggestions)
        return self.get_paginated_response(SuggestionSerializer(page, many=True).data)


# Service records ----------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="服务记录列表"),
    retrieve=extend_schema(summary="服务记录详情"),
    create=extend_schema(
        summary="登记服务",
        description=(
            "某人在某日从某项目接受了一次服务。项目须在实施中、日期在项目期间内且不晚于今天、服务为项目所提供、"
            "服务单位为项目的牵头或参与组织、服务对象在项目服务对象范围内（否则 400，person 说明原因）。"
            "一次性服务（如电热炕改造）每人只能接受一次，无论来自哪个项目：第二次 409，conflicts 为已有记录的 ID。"
        ),
        responses={201: ServiceRecordSerializer, 409: ConflictSerializer},
    ),
    destroy=extend_schema(summary="删除误登记的服务记录", description="项目和捆绑项目的数字随之变化。"),
)
class ServiceRecordViewSet(mixins.CreateModelMixin, mixins.DestroyModelMixin, ScopedReadOnlyViewSet):
    """受益人台账：谁、在哪天、从哪个项目、由哪个单位接受了什么服务；`?bundle=` 含其全部成员项目。"""

    selector = staticmethod(_service_record_selector)
    serializer_class = ServiceRecordSerializer
    filterset_class = ServiceRecordFilter
    search_fields = ["person__name", "note"]
    ordering_fields = ["date", "updated_at", "id"]
    ordering = ["-date"]

    def perform_create(self, serializer) -> None:
        serializer.instance = services.service_record_create(actor=self.request.user, **serializer.validated_data)

    def perform_destroy(self, instance) -> None:
        services.service_record_delete(actor=self.request.user, record=instance)


# Reference data -----------------------------------------------------------------------


class ReferenceViewSet(ScopedReadOnlyViewSet):
    """Small lists every signed-in user sees whole: no pages, and `?updated_since=` returns them all."""

    filter_backends: list = []
    pagination_class = None


# Every signed-in user sees reference data whole; scoped() gives an anonymous user nothing.


def _policy_standards(*, user) -> QuerySet:
    return scoped(PolicyStandard.objects.all(), user)


def _work_natures(*, user) -> QuerySet:
    return scoped(WorkNature.objects.all(), user)


def _content_categories(*, user) -> QuerySet:
    return scoped(ContentCategory.objects.all(), user)


def _service_types(*, user) -> QuerySet:
    return scoped(ServiceType.objects.all(), user)


@extend_schema_view(list=extend_schema(summary="政策标准列表"), retrieve=extend_schema(summary="政策标准详情"))
class PolicyStandardViewSet(ReferenceViewSet):
    """政策文件及其规定的标准（省级在管理后台维护）；同一政策标准下的项目可以捆绑。"""

    selector = staticmethod(_policy_standards)
    serializer_class = PolicyStandardSerializer


@extend_schema_view(list=extend_schema(summary="工作性质列表"), retrieve=extend_schema(summary="工作性质详情"))
class WorkNatureViewSet(ReferenceViewSet):
    """建功立业、维权服务、品牌创新、素质提升、关爱帮扶……"""

    selector = staticmethod(_work_natures)
    serializer_class = WorkNatureSerializer


@extend_schema_view(list=extend_schema(summary="服务内容类别列表"), retrieve=extend_schema(summary="服务内容类别详情"))
class ContentCategoryViewSet(ReferenceViewSet):
    """干部培训、职业技能竞赛、家庭教育、无障碍改造、暖心工程……"""

    selector = staticmethod(_content_categories)
    serializer_class = ContentCategorySerializer


@extend_schema_view(list=extend_schema(summary="服务列表"), retrieve=extend_schema(summary="服务详情"))
class ServiceTypeViewSet(ReferenceViewSet):
    """项目可提供的服务，含计量单位；one_off 为一次性服务（每人限一次）。"""

    selector = staticmethod(_service_types)
    serializer_class = ServiceTypeSerializer
