"""/api/v1/ for co-building (组织共建): joint branches, the coverage report, joint meetings and their
follow-up items.

Reads come from apps.organizations.selectors, writes go through apps.organizations.services with
`actor=request.user`; the serializers only parse. Scope: a joint branch through its host unit's
region; a meeting through its region, its host and, for their users, every attending unit; a
follow-up through its organization and the meeting's host. Out of scope answers 404.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from apps.core.api import (
    ConflictSerializer,
    ScopedPrimaryKeyRelatedField,
    ScopedReadOnlyViewSet,
    ScopedViewSet,
    scoped_choices,
)
from apps.organizations import coverage_cache, selectors, services
from apps.organizations.api import HostUnitFilter
from apps.organizations.models import (
    Decision,
    Federation,
    FollowUp,
    FollowUpStatus,
    HostUnitKind,
    JointBranch,
    Meeting,
    MeetingKind,
    Organization,
)
from apps.organizations.scoping import scoped
from apps.organizations.selectors import host_unit_list, region_list

FEDERATION_UNKNOWN = "没有代码或 ID 为“{value}”的群团。"
FEDERATION_TYPE = "请填写群团的代码（如 union）或 ID。"
NAME_NOT_CHOSEN = "“{code}”不是本次联建的群团，请只为所选群团填写组织名称。"

JOINT_BRANCH_SCOPE = "可见范围：所在单位的区划在您的管辖范围内。"
MEETING_SCOPE = "可见范围：会议所在区划或召集单位在您的管辖范围内，或您所在的组织参会。"
FOLLOW_UP_SCOPE = "可见范围：承办单位或会议召集单位在您的管辖范围内。"
OVERDUE = "overdue 为 true 表示仍在办理中且已过完成时限；逾期事项每天提醒承办单位一次。"


# Scoped choices of the rows this module writes against ----------------------------------


def _decision_choices(*, user) -> QuerySet:
    """Decisions of meetings the user sees (decisions have no tree path of their own)."""
    return Decision.objects.filter(meeting__in=scoped(Meeting.objects.all(), user).values("pk"))


def _meeting_choices(*, user) -> QuerySet:
    return scoped(Meeting.objects.all(), user)


# Serializers ----------------------------------------------------------------------------


class FederationBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Federation
        fields = ["id", "code", "name"]
        read_only_fields = fields


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "integer"}]})
class FederationRefField(serializers.RelatedField):
    """A federation by its code (`union`, `women` …) or its id."""

    default_error_messages = {"does_not_exist": FEDERATION_UNKNOWN, "incorrect_type": FEDERATION_TYPE}

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Federation.objects.all())
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str) or not str(data).strip():
            self.fail("incorrect_type")
        value = str(data).strip()
        lookup = {"pk": int(value)} if value.isdigit() else {"code": value}
        try:
            return self.get_queryset().get(**lookup)
        except (Federation.DoesNotExist, ValueError, OverflowError):
            self.fail("does_not_exist", value=value[:32])

    def to_representation(self, value):
        return value.code


class BranchSerializer(serializers.ModelSerializer):
    federation_name = serializers.CharField(source="federation.name", read_only=True, label="群团")
    members = serializers.IntegerField(read_only=True, label="在册会员数", help_text="该组织现有（在册）会员人数。")

    class Meta:
        model = Organization
        fields = ["id", "name", "federation", "federation_name", "members"]
        read_only_fields = fields


class JointBranchSerializer(serializers.ModelSerializer):
    host_unit = ScopedPrimaryKeyRelatedField(selector=host_unit_list, label="所在单位")
    host_unit_name = serializers.CharField(source="host_unit.name", read_only=True, label="所在单位名称")
    host_unit_kind = serializers.CharField(source="host_unit.kind", read_only=True, label="所在单位类型")
    region = serializers.IntegerField(source="host_unit.region_id", read_only=True, label="所在区划 ID")
    federations = serializers.ListField(
        child=FederationRefField(),
        write_only=True,
        label="联建的群团",
        help_text="群团代码（如 union、youth_league、women）或 ID，至少两家；各自在所在单位建立基层组织。",
    )
    names = serializers.DictField(
        child=serializers.CharField(max_length=128),
        write_only=True,
        required=False,
        label="组织名称",
        help_text='可选：以群团代码为键的组织名称，如 {"union": "某园区联合工会"}；不填按惯例命名。',
    )
    branches = BranchSerializer(many=True, read_only=True, label="联建的群团组织")
    members = serializers.SerializerMethodField(label="覆盖会员数", help_text="各联建组织在册会员之和。")

    class Meta:
        model = JointBranch
        fields = [
            "id",
            "host_unit",
            "host_unit_name",
            "host_unit_kind",
            "region",
            "established_on",
            "note",
            "federations",
            "names",
            "branches",
            "members",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    @extend_schema_field(OpenApiTypes.INT)
    def get_members(self, joint: JointBranch) -> int:
        return sum(getattr(branch, "members", 0) or 0 for branch in joint.branches.all())

    def validate(self, attrs):
        chosen = {federation.code for federation in attrs.get("federations", [])}
        stray = [code for code in attrs.get("names", {}) if code not in chosen]
        if stray:
            raise serializers.ValidationError({"names": [NAME_NOT_CHOSEN.format(code=stray[0][:32])]})
        return attrs


class CoverageQuerySerializer(serializers.Serializer):
    region = ScopedPrimaryKeyRelatedField(
        selector=region_list,
        required=False,
        allow_null=True,
        label="区划",
        help_text="含全部下级区划；不填为全部范围。",
    )


class UnitCoverageSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="host_unit.pk", help_text="所在单位 ID（同 host_unit）。")
    host_unit = serializers.IntegerField(source="host_unit.pk", help_text="所在单位 ID。")
    host_unit_name = serializers.CharField(source="host_unit.name", help_text="所在单位名称。")
    region = serializers.IntegerField(source="host_unit.region_id", help_text="所在区划 ID。")
    region_name = serializers.CharField(source="host_unit.region.name", help_text="所在区划名称。")
    head_count = serializers.IntegerField(source="host_unit.head_count", help_text="从业人数。")
    required = FederationBriefSerializer(many=True, help_text="按覆盖要求应建组织的群团。")
    present = FederationBriefSerializer(many=True, help_text="已建组织的群团。")
    missing = FederationBriefSerializer(many=True, help_text="尚未建立组织的群团（缺口）。")


class KindCoverageSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=HostUnitKind.choices, help_text="所在单位类型。")
    label = serializers.CharField(help_text="类型名称。")
    units = serializers.IntegerField(help_text="有覆盖要求的单位数。")
    covered = serializers.IntegerField(help_text="应建组织全部建立的单位数。")
    gaps = serializers.IntegerField(help_text="未全覆盖的单位数；逐一列出见 coverage-gaps/?kind=。")
    share = serializers.FloatField(allow_null=True, help_text="覆盖率（0–1）；没有单位时为 null。")


class CoverageSerializer(serializers.Serializer):
    region = serializers.IntegerField(source="region.pk", allow_null=True, default=None, help_text="区划 ID。")
    units = serializers.IntegerField(help_text="有覆盖要求的单位数。")
    covered = serializers.IntegerField(help_text="全覆盖的单位数。")
    gaps = serializers.IntegerField(help_text="未全覆盖的单位数；逐一列出见 coverage-gaps/。")
    share = serializers.FloatField(allow_null=True, help_text="覆盖率（0–1）；没有单位时为 null。")
    kinds = KindCoverageSerializer(many=True, help_text="按单位类型分列；只列有单位的类型。")


class FollowUpSerializer(serializers.ModelSerializer):
    decision = ScopedPrimaryKeyRelatedField(
        selector=_decision_choices, label="议定事项", help_text="须是您可见的会议的议定事项。"
    )
    meeting = serializers.IntegerField(source="decision.meeting_id", read_only=True, label="会议 ID")
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(),
        label="承办单位",
        help_text="组织 ID（可为参会的其他群团组织）。",
    )
    organization_name = serializers.CharField(source="organization.name", read_only=True, label="承办单位名称")
    overdue = serializers.SerializerMethodField(label="是否逾期", help_text=OVERDUE)

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "decision",
            "meeting",
            "organization",
            "organization_name",
            "task",
            "due_date",
            "status",
            "done_on",
            "result",
            "overdue",
            "reminded_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "done_on", "result", "reminded_on", "created_at", "updated_at"]

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_overdue(self, item: FollowUp) -> bool:
        return item.is_overdue(timezone.localdate())


class FollowUpItemSerializer(serializers.Serializer):
    """One follow-up written inside a meeting or a decision."""

    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), label="承办单位", help_text="组织 ID（可为参会的其他群团组织）。"
    )
    task = serializers.CharField(max_length=255, allow_blank=True, label="落实任务")
    due_date = serializers.DateField(label="完成时限", help_text="不能早于会议日期。")


class DecisionSerializer(serializers.ModelSerializer):
    follow_ups = FollowUpSerializer(many=True, read_only=True, label="落实事项")

    class Meta:
        model = Decision
        fields = ["id", "text", "sort_order", "follow_ups"]
        read_only_fields = fields


class DecisionInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=500, allow_blank=True, label="议定事项")
    follow_ups = FollowUpItemSerializer(many=True, required=False, label="落实事项")


class MeetingSerializer(serializers.ModelSerializer):
    host = ScopedPrimaryKeyRelatedField(
        selector=selectors.organization_list, label="召集单位", help_text="须在您的管辖范围内。"
    )
    host_name = serializers.CharField(source="host.name", read_only=True, label="召集单位名称")
    region = ScopedPrimaryKeyRelatedField(
        selector=region_list, required=False, label="所在区划", help_text="不填为召集单位所在区划。"
    )
    attendees = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=Organization.objects.all(),
        required=False,
        label="参会单位",
        help_text="组织 ID（可为其他群团、其他地区的组织）；召集单位不必列出。",
    )
    decision_count = serializers.IntegerField(read_only=True, label="议定事项数")
    open_count = serializers.IntegerField(read_only=True, label="办理中的落实事项数")
    overdue_count = serializers.IntegerField(read_only=True, label="逾期的落实事项数")

    class Meta:
        model = Meeting
        fields = [
            "id",
            "kind",
            "title",
            "held_on",
            "region",
            "host",
            "host_name",
            "attendees",
            "minutes",
            "decision_count",
            "open_count",
            "overdue_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class MeetingDetailSerializer(MeetingSerializer):
    decisions = serializers.SerializerMethodField(label="议定事项", help_text="各议定事项及其落实事项。")

    class Meta(MeetingSerializer.Meta):
        fields = [*MeetingSerializer.Meta.fields, "decisions"]

    @extend_schema_field(DecisionSerializer(many=True))
    def get_decisions(self, meeting: Meeting) -> list:
        return DecisionSerializer(selectors.meeting_decisions(meeting), many=True, context=self.context).data


class MeetingCreateSerializer(MeetingDetailSerializer):
    decisions = DecisionInputSerializer(many=True, required=False, write_only=True, label="议定事项")

    def to_representation(self, instance):
        return MeetingDetailSerializer(instance, context=self.context).data


class CompleteSerializer(serializers.Serializer):
    result = serializers.CharField(max_length=500, allow_blank=True, label="办理结果")
    done_on = serializers.DateField(required=False, allow_null=True, label="办结日期", help_text="不填为今天。")


# Filters --------------------------------------------------------------------------------


class JointBranchFilter(filters.FilterSet):
    region = filters.ModelChoiceFilter(
        queryset=scoped_choices(region_list),
        field_name="host_unit__region",
        method="filter_region",
        label="所在区划 ID（含全部下级区划）",
    )
    host_unit = filters.ModelChoiceFilter(queryset=scoped_choices(host_unit_list), label="所在单位 ID")
    kind = filters.ChoiceFilter(field_name="host_unit__kind", choices=HostUnitKind.choices, label="所在单位类型")
    established_after = filters.DateFilter(
        field_name="established_on", lookup_expr="gte", label="联建日期不早于（YYYY-MM-DD）"
    )
    established_before = filters.DateFilter(
        field_name="established_on", lookup_expr="lte", label="联建日期不晚于（YYYY-MM-DD）"
    )

    class Meta:
        model = JointBranch
        fields = ["region", "host_unit", "kind", "established_after", "established_before"]

    def filter_region(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(host_unit__region__path__startswith=value.path)


class MeetingFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=MeetingKind.choices, label="会议类型")
    region = filters.ModelChoiceFilter(
        queryset=scoped_choices(region_list), method="filter_region", label="所在区划 ID（含全部下级区划）"
    )
    # Plain ids: a unit that attends may filter by a host outside its own scope.
    host = filters.NumberFilter(field_name="host", label="召集单位 ID")
    attendee = filters.NumberFilter(field_name="attendees", distinct=True, label="参会单位 ID")
    held_after = filters.DateFilter(field_name="held_on", lookup_expr="gte", label="召开日期不早于（YYYY-MM-DD）")
    held_before = filters.DateFilter(field_name="held_on", lookup_expr="lte", label="召开日期不晚于（YYYY-MM-DD）")

    class Meta:
        model = Meeting
        fields = ["kind", "region", "host", "attendee", "held_after", "held_before"]

    def filter_region(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(region__path__startswith=value.path)


class FollowUpFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=FollowUpStatus.choices, label="状态")
    organization = filters.NumberFilter(field_name="organization", label="承办单位 ID")
    meeting = filters.ModelChoiceFilter(
        queryset=scoped_choices(_meeting_choices), field_name="decision__meeting", label="会议 ID"
    )
    decision = filters.NumberFilter(field_name="decision", label="议定事项 ID")
    overdue = filters.BooleanFilter(method="filter_overdue", label="是否逾期（true / false）")

    class Meta:
        model = FollowUp
        fields = ["status", "organization", "meeting", "decision", "overdue"]

    def filter_overdue(self, queryset: QuerySet, name: str, value) -> QuerySet:
        late = Q(status=FollowUpStatus.OPEN, due_date__lt=timezone.localdate())
        return queryset.filter(late) if value else queryset.exclude(late)


# Viewsets -------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="联建列表", description=JOINT_BRANCH_SCOPE),
    retrieve=extend_schema(summary="联建详情", description=JOINT_BRANCH_SCOPE),
    create=extend_schema(
        summary="登记联建",
        description=(
            "几家群团同日在一个所在单位共同建立基层组织：每家在本地区的群团组织之下建一个基层组织，"
            "全部成功或全部不建。至少两家群团，联建日期不晚于今天。该单位已有某家群团的组织时 409，"
            "conflicts 为已有组织的 ID。"
        ),
        responses={201: JointBranchSerializer, 409: ConflictSerializer},
    ),
)
class JointBranchViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """联建：一个所在单位、共同建立的各群团基层组织、联建日期，以及各组织带来的会员覆盖。"""

    selector = staticmethod(selectors.joint_branch_list)
    serializer_class = JointBranchSerializer
    filterset_class = JointBranchFilter
    search_fields = ["host_unit__name", "note"]
    ordering_fields = ["established_on", "updated_at", "id"]
    ordering = ["-established_on"]

    def perform_create(self, serializer) -> None:
        data = dict(serializer.validated_data)
        joint = services.joint_branch_establish(actor=self.request.user, **data)
        serializer.instance = self.get_queryset().get(pk=joint.pk)


class _ReportSchema(AutoSchema):
    """coverage/ answers one report for the whole region, not a page of rows."""

    def _is_list_view(self, serializer=None) -> bool:
        return False


@extend_schema_view(
    list=extend_schema(
        summary="组织覆盖情况",
        description=(
            "范围内（?region= 含全部下级区划）按覆盖要求应建群团组织的所在单位：按单位类型统计"
            "应建单位数、全覆盖单位数、未全覆盖单位数和覆盖率。未全覆盖的单位逐一列在 coverage-gaps/。"
        ),
        parameters=[OpenApiParameter("region", type=int, description="区划 ID（含全部下级区划）；不填为全部范围。")],
        responses=CoverageSerializer,
    )
)
class CoverageViewSet(ScopedViewSet):
    """组织覆盖报告（只读）。"""

    selector = staticmethod(host_unit_list)
    serializer_class = CoverageSerializer
    filter_backends: list = []
    pagination_class = None
    schema = _ReportSchema()

    def list(self, request):
        query = CoverageQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        report = coverage_cache.served(user=request.user, region=query.validated_data.get("region"))
        return Response(CoverageSerializer(report).data)


def _gap_selector(*, user) -> QuerySet:
    return selectors.coverage_gaps(user=user)


@extend_schema_view(
    list=extend_schema(
        summary="未全覆盖的所在单位",
        description=(
            "按覆盖要求应建群团组织、但尚未全部建立的所在单位，按名称排序，逐一列出应建、已建和缺少的群团；"
            "?region= 含全部下级区划，?kind= 按单位类型。"
        ),
    )
)
class CoverageGapViewSet(mixins.ListModelMixin, ScopedViewSet):
    """组织覆盖缺口：一页一页列出，省级有数千个。"""

    selector = staticmethod(_gap_selector)
    serializer_class = UnitCoverageSerializer
    filterset_class = HostUnitFilter  # ?region= (its subtree) and ?kind=
    filter_backends = [filters.DjangoFilterBackend, OrderingFilter]  # the cursor takes its order from it
    ordering_fields = ["name", "id"]
    ordering = ["name"]

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(selectors.unit_coverage(page), many=True).data)


def _meeting_selector(*, user) -> QuerySet:
    return selectors.meeting_list(user=user)


@extend_schema_view(
    list=extend_schema(summary="联席会议列表", description=MEETING_SCOPE),
    retrieve=extend_schema(summary="联席会议详情", description=f"{MEETING_SCOPE}含议定事项及其落实事项。"),
    create=extend_schema(
        summary="登记联席会议",
        description=(
            "会议连同议定事项和落实事项一次登记；召集单位须在您的管辖范围内，落实事项的完成时限不能早于会议日期。"
        ),
        request=MeetingCreateSerializer,
        responses={201: MeetingDetailSerializer},
    ),
)
class MeetingViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """联席会议、工作例会、推进会、现场观摩会：召集单位、参会单位、纪要、议定事项及落实事项。"""

    selector = staticmethod(_meeting_selector)
    filterset_class = MeetingFilter
    search_fields = ["title"]
    ordering_fields = ["held_on", "updated_at", "id"]
    ordering = ["-held_on"]

    def get_serializer_class(self):
        if self.action == "create":
            return MeetingCreateSerializer
        if self.action == "retrieve":
            return MeetingDetailSerializer
        if self.action == "decisions":
            return DecisionInputSerializer
        return MeetingSerializer

    def perform_create(self, serializer) -> None:
        meeting = services.meeting_create(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=meeting.pk)

    @extend_schema(
        summary="添加议定事项",
        description="为会议添加一条议定事项，可一并给出落实事项；须能管理召集单位。",
        request=DecisionInputSerializer,
        responses={201: DecisionSerializer},
    )
    @action(detail=True, methods=["post"])
    def decisions(self, request, pk=None):
        meeting = self.get_object()
        body = DecisionInputSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        decision = services.decision_add(actor=request.user, meeting=meeting, **body.validated_data)
        decision = next(d for d in selectors.meeting_decisions(meeting) if d.pk == decision.pk)
        return Response(
            DecisionSerializer(decision, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )


def _follow_up_selector(*, user) -> QuerySet:
    return selectors.follow_up_list(user=user)


@extend_schema_view(
    list=extend_schema(summary="落实事项列表", description=f"{FOLLOW_UP_SCOPE}{OVERDUE}"),
    retrieve=extend_schema(summary="落实事项详情", description=FOLLOW_UP_SCOPE),
    create=extend_schema(
        summary="添加落实事项",
        description="为议定事项指派一个承办单位和完成时限；须能管理会议的召集单位，完成时限不能早于会议日期。",
        responses={201: FollowUpSerializer},
    ),
)
class FollowUpViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """议定事项交给各组织的落实事项：承办单位、任务、完成时限、办理状态与结果；逾期的标出。"""

    selector = staticmethod(_follow_up_selector)
    filterset_class = FollowUpFilter
    search_fields = ["task"]
    ordering_fields = ["due_date", "updated_at", "id"]
    ordering = ["due_date"]

    def get_serializer_class(self):
        if self.action == "complete":
            return CompleteSerializer
        return FollowUpSerializer

    def perform_create(self, serializer) -> None:
        item = services.follow_up_add(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=item.pk)

    def _answer(self, item: FollowUp) -> Response:
        item = self.get_queryset().get(pk=item.pk)
        return Response(FollowUpSerializer(item, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="办结落实事项",
        description="承办单位（或会议召集单位）报告办结及办理结果；办结日期不填为今天。已办结的再次办结 409。",
        request=CompleteSerializer,
        responses={200: FollowUpSerializer, 409: ConflictSerializer},
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        item = self.get_object()
        body = CompleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(services.follow_up_complete(actor=request.user, follow_up=item, **body.validated_data))

    @extend_schema(
        summary="重新办理",
        description="已办结的事项退回办理中（办结日期清空）；尚未办结时 400。",
        request=None,
        responses=FollowUpSerializer,
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._answer(services.follow_up_reopen(actor=request.user, follow_up=self.get_object()))
