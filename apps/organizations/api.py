"""/api/v1/ for the tree: regions, federations, organizations, host units, deletion tombstones.

Thin by design: serializers parse and validate input, the viewsets read through the scoped
selectors and write through apps.organizations.services (see ../shared/API.md).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404

from apps.core.api import (
    ConflictSerializer,
    ScopedPrimaryKeyRelatedField,
    ScopedReadOnlyViewSet,
    ScopedViewSet,
    ServiceModelViewSet,
    scoped_choices,
)
from apps.core.filters import UpdatedSinceFilter
from apps.core.models import Deletion
from apps.organizations import services
from apps.organizations.models import (
    Federation,
    HostUnit,
    HostUnitKind,
    Organization,
    OrganizationLevel,
    Region,
    RegionLevel,
)
from apps.organizations.selectors import deletion_list, federation_list, host_unit_list, organization_list, region_list

# Serializers ----------------------------------------------------------------------------


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name", "full_name", "level", "parent", "updated_at"]
        read_only_fields = fields


class FederationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Federation
        fields = ["id", "code", "name", "full_name", "sort_order", "updated_at"]
        read_only_fields = fields


class OrganizationSerializer(serializers.ModelSerializer):
    federation = serializers.PrimaryKeyRelatedField(queryset=Federation.objects.all(), label="群团类别")
    region = ScopedPrimaryKeyRelatedField(selector=region_list, label="所在区划")
    parent = ScopedPrimaryKeyRelatedField(
        selector=organization_list,
        required=False,
        allow_null=True,
        label="上级组织",
        help_text="只有省级组织可以没有上级组织。",
    )
    host_unit = ScopedPrimaryKeyRelatedField(
        selector=host_unit_list,
        required=False,
        allow_null=True,
        label="所在单位",
        help_text="填写时为驻该单位的基层组织。",
    )

    class Meta:
        model = Organization
        fields = ["id", "name", "federation", "region", "parent", "level", "host_unit", "updated_at"]
        read_only_fields = ["level", "updated_at"]
        # The service checks a duplicate name and answers 409; DRF's own check would say 400.
        validators: list = []


class OrganizationUpdateSerializer(OrganizationSerializer):
    """An organization keeps its federation; everything else may move."""

    federation = serializers.PrimaryKeyRelatedField(read_only=True, label="群团类别")


class HostUnitSerializer(serializers.ModelSerializer):
    region = ScopedPrimaryKeyRelatedField(selector=region_list, label="所在区划")
    # Normalized and checked by the service (spaces, lower case, GB 32100 check digit).
    credit_code = serializers.CharField(
        required=False, allow_blank=True, max_length=64, label="统一社会信用代码", help_text="18 位，可留空。"
    )

    class Meta:
        model = HostUnit
        fields = ["id", "name", "kind", "region", "credit_code", "head_count", "address", "updated_at"]
        read_only_fields = ["updated_at"]


class DeletionSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(source="object_id", read_only=True, help_text="被删除记录的 ID。")

    class Meta:
        model = Deletion
        fields = ["model", "id", "deleted_at"]
        read_only_fields = fields
        extra_kwargs = {"model": {"help_text": "资源名，例如 organizations、host-units。"}}


# Filters --------------------------------------------------------------------------------


class RegionFilter(filters.FilterSet):
    parent = filters.ModelChoiceFilter(queryset=scoped_choices(region_list), label="上级区划 ID")
    level = filters.ChoiceFilter(choices=RegionLevel.choices, label="层级")

    class Meta:
        model = Region
        fields = ["parent", "level"]


def _in_region_subtree(queryset: QuerySet, name: str, value) -> QuerySet:
    return queryset.filter(region__path__startswith=value.path)


class OrganizationFilter(filters.FilterSet):
    federation = filters.ModelChoiceFilter(queryset=Federation.objects.all(), label="群团类别 ID")
    region = filters.ModelChoiceFilter(
        queryset=scoped_choices(region_list), method=_in_region_subtree, label="所在区划 ID（含全部下级区划）"
    )
    parent = filters.ModelChoiceFilter(queryset=scoped_choices(organization_list), label="上级组织 ID")
    level = filters.ChoiceFilter(choices=OrganizationLevel.choices, label="层级")
    host_unit = filters.ModelChoiceFilter(queryset=scoped_choices(host_unit_list), label="所在单位 ID")

    class Meta:
        model = Organization
        fields = ["federation", "region", "parent", "level", "host_unit"]


class HostUnitFilter(filters.FilterSet):
    region = filters.ModelChoiceFilter(
        queryset=scoped_choices(region_list), method=_in_region_subtree, label="所在区划 ID（含全部下级区划）"
    )
    kind = filters.ChoiceFilter(choices=HostUnitKind.choices, label="类型")

    class Meta:
        model = HostUnit
        fields = ["region", "kind"]


class DeletionFilter(filters.FilterSet):
    model = filters.CharFilter(label="资源名，例如 organizations")

    class Meta:
        model = Deletion
        fields = ["model"]


# Viewsets -------------------------------------------------------------------------------
#
# `ordering_fields` hold only (nearly) unique fields: the cursor pages ties by offset, and
# DRF caps that offset at 1000, so ordering by `level` or `kind` could not walk past it.


@extend_schema_view(
    list=extend_schema(summary="行政区划列表"),
    retrieve=extend_schema(summary="行政区划详情"),
)
class RegionViewSet(ScopedReadOnlyViewSet):
    """行政区划（只读），仅含本人管辖范围内的区划。"""

    selector = staticmethod(region_list)
    serializer_class = RegionSerializer
    filterset_class = RegionFilter
    search_fields = ["name", "full_name", "^code"]
    ordering_fields = ["code", "name", "updated_at"]
    ordering = ["code"]

    @extend_schema(summary="下级区划", responses=RegionSerializer(many=True))
    @action(detail=True)
    def children(self, request, pk=None):
        # The list filters apply to the children, not to finding the region itself.
        region = get_object_or_404(self.get_queryset(), pk=pk)
        self.check_object_permissions(request, region)
        children = self.filter_queryset(self.get_queryset().filter(parent=region))
        page = self.paginate_queryset(children)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@extend_schema_view(
    list=extend_schema(summary="群团组织类别列表"),
    retrieve=extend_schema(summary="群团组织类别详情"),
)
class FederationViewSet(ScopedReadOnlyViewSet):
    """群团组织类别（工会、共青团、妇联……），所有登录用户可见，只读。"""

    selector = staticmethod(federation_list)
    serializer_class = FederationSerializer
    search_fields = ["name", "full_name"]
    ordering_fields = ["sort_order", "name", "updated_at"]
    ordering = ["sort_order"]


@extend_schema_view(
    list=extend_schema(summary="群团组织列表"),
    retrieve=extend_schema(summary="群团组织详情"),
    create=extend_schema(summary="新建群团组织", responses={201: OrganizationSerializer, 409: ConflictSerializer}),
    update=extend_schema(
        summary="修改群团组织", responses={200: OrganizationUpdateSerializer, 409: ConflictSerializer}
    ),
    partial_update=extend_schema(
        summary="修改群团组织（部分字段）", responses={200: OrganizationUpdateSerializer, 409: ConflictSerializer}
    ),
    destroy=extend_schema(summary="删除群团组织", responses={204: None, 409: ConflictSerializer}),
)
class OrganizationViewSet(ServiceModelViewSet):
    """各群团、各层级的组织；`?region=` 含该区划的全部下级区划。"""

    selector = staticmethod(organization_list)
    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilter
    search_fields = ["name"]
    ordering_fields = ["name", "updated_at", "id"]
    # Tree order: every unit right after its parent.
    ordering = ["path"]
    create_service = staticmethod(services.organization_create)
    update_service = staticmethod(services.organization_update)
    delete_service = staticmethod(services.organization_delete)
    service_instance_kwarg = "organization"

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return OrganizationUpdateSerializer
        return OrganizationSerializer


@extend_schema_view(
    list=extend_schema(summary="所在单位列表"),
    retrieve=extend_schema(summary="所在单位详情"),
    create=extend_schema(summary="新建所在单位", responses={201: HostUnitSerializer, 409: ConflictSerializer}),
    update=extend_schema(summary="修改所在单位", responses={200: HostUnitSerializer, 409: ConflictSerializer}),
    partial_update=extend_schema(
        summary="修改所在单位（部分字段）", responses={200: HostUnitSerializer, 409: ConflictSerializer}
    ),
    destroy=extend_schema(summary="删除所在单位", responses={204: None, 409: ConflictSerializer}),
)
class HostUnitViewSet(ServiceModelViewSet):
    """企业、园区、商圈、市场、新经济组织和新社会组织；`?region=` 含全部下级区划。"""

    selector = staticmethod(host_unit_list)
    serializer_class = HostUnitSerializer
    filterset_class = HostUnitFilter
    search_fields = ["name", "=credit_code"]
    ordering_fields = ["name", "updated_at", "id"]
    ordering = ["name"]
    create_service = staticmethod(services.host_unit_create)
    update_service = staticmethod(services.host_unit_update)
    delete_service = staticmethod(services.host_unit_delete)
    service_instance_kwarg = "host_unit"


@extend_schema_view(list=extend_schema(summary="已删除记录（增量同步）"))
class DeletionViewSet(mixins.ListModelMixin, ScopedViewSet):
    """已删除记录的墓碑：客户端据此删除本地副本。`?updated_since=` 按删除时间筛选。"""

    selector = staticmethod(deletion_list)
    serializer_class = DeletionSerializer
    filterset_class = DeletionFilter
    filter_backends = [filters.DjangoFilterBackend, UpdatedSinceFilter]
    updated_field = "deleted_at"
