"""/api/v1/ for people, memberships and cadre posts (see ../shared/API.md).

Serializers parse and validate input; every write goes through apps.members.services
(registration enrolls, transfers keep history); reads come from the scoped selectors.

ID numbers: written in full, read as `id_number_masked`. The full number is returned only
by `people/{id}/` (the detail, never a list), only to holders of
`members.view_full_id_number`, and only through services.person_full_id_number, which
writes an audit line. A disability certificate number starts with the full ID number, so
it is write-only too and reads back masked.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.api import (
    ConflictSerializer,
    ScopedReadOnlyViewSet,
    ServiceModelViewSet,
)
from apps.members import idnumbers, services
from apps.members.api.filters import (
    CadrePostFilter,
    MembershipFilter,
    PersonFilter,
)
from apps.members.api.serializers import (
    CadrePostSerializer,
    CadrePostUpdateSerializer,
    EnrollmentSerializer,
    MembershipEndSerializer,
    MembershipSerializer,
    MembershipTransferSerializer,
    PersonDetailSerializer,
    PersonEraseSerializer,
    PersonSerializer,
    PersonUpdateSerializer,
    PersonWrittenSerializer,
    person_list_data,
)
from apps.members.models import (
    Person,
)
from apps.members.selectors import (
    cadre_post_list,
    membership_list,
    person_list,
    person_list_values,
    person_tag_codes,
)


@extend_schema_view(
    list=extend_schema(summary="人员列表"),
    retrieve=extend_schema(summary="人员详情"),
    create=extend_schema(
        summary="登记人员并同步吸收入会",
        description="按各群团的入会规则同步吸收；身份证号已登记时返回 409，conflicts 为已登记人员的 ID。",
        responses={201: PersonWrittenSerializer, 409: ConflictSerializer},
    ),
    update=extend_schema(summary="修改人员信息", responses={200: PersonUpdateSerializer, 409: ConflictSerializer}),
    partial_update=extend_schema(
        summary="修改人员信息（部分字段）", responses={200: PersonUpdateSerializer, 409: ConflictSerializer}
    ),
    destroy=extend_schema(
        summary="删除人员",
        description="只有没有任何会员记录的人员可以删除；否则返回 409，请改为办理退出。",
        responses={204: None, 409: ConflictSerializer},
    ),
)
class PersonViewSet(ServiceModelViewSet):
    """服务对象和群团会员，一人一次登记；身份证号只返回脱敏形式。"""

    selector = staticmethod(person_list)
    filterset_class = PersonFilter
    search_fields = ["name"]
    ordering_fields = ["name", "updated_at", "id"]
    ordering = ["-id"]
    delete_service = staticmethod(services.person_delete)
    service_instance_kwarg = "person"

    def get_serializer_class(self):
        if self.action == "retrieve":
            return PersonDetailSerializer
        if self.action == "create":
            return PersonWrittenSerializer
        if self.action in ("update", "partial_update"):
            return PersonUpdateSerializer
        if self.action == "enroll":
            return EnrollmentSerializer
        if self.action == "erase":
            return PersonEraseSerializer
        return PersonSerializer

    def list(self, request, *args, **kwargs):
        # The same rows, filters, cursor pages and JSON as ListModelMixin with PersonSerializer,
        # read as plain values: no model instances, the tags in the page's own query (bench scenario 2).
        rows = self.paginate_queryset(person_list_values(self.filter_queryset(self.get_queryset())))
        data = person_list_data(rows, person_tag_codes(rows))
        return self.get_paginated_response(data)

    def perform_create(self, serializer) -> None:
        person, enrollment = services.person_register(actor=self.request.user, **serializer.validated_data)
        person.enrollment = enrollment
        serializer.instance = person

    def perform_update(self, serializer) -> None:
        person = serializer.instance
        changes = {
            name: value for name, value in serializer.validated_data.items() if _person_differs(person, name, value)
        }
        person, enrollment = services.person_update(actor=self.request.user, person=person, **changes)
        person.enrollment = enrollment
        serializer.instance = person

    @extend_schema(
        summary="按入会规则同步吸收",
        description="对该人员应用各群团的入会规则：新建应有的会员关系、超龄的离籍，并说明未吸收的原因。可重复调用。",
        request=None,
        responses=EnrollmentSerializer,
    )
    @action(detail=True, methods=["post"])
    def enroll(self, request, pk=None):
        person = self.get_object()
        enrollment = services.person_enroll(person=person)
        return Response(EnrollmentSerializer(enrollment, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="应本人请求匿名化人员信息",
        description=(
            "不可恢复：姓名、身份证号、手机号、出生月日等个人信息被清除，会员关系、活动、志愿时长等统计数据保留；"
            "原身份证号不再能查到此人，再次登记将新建人员。需“可应本人请求匿名化人员信息”权限（省级管理员），"
            "记入审计日志。已匿名化的返回 409。"
        ),
        request=PersonEraseSerializer,
        responses={200: PersonSerializer, 409: ConflictSerializer},
    )
    @action(detail=True, methods=["post"])
    def erase(self, request, pk=None):
        person = self.get_object()
        payload = self.get_serializer(data=request.data)
        payload.is_valid(raise_exception=True)
        erased = services.person_erase(actor=request.user, person=person, **payload.validated_data)
        return Response(PersonSerializer(erased, context=self.get_serializer_context()).data)


def _person_differs(person: Person, name: str, value) -> bool:
    if name == "identity_tags":
        return {tag.pk for tag in person.identity_tags.all()} != {tag.pk for tag in value}
    if name in ("region", "employer"):
        return getattr(person, f"{name}_id") != (value.pk if value is not None else None)
    if name == "id_number":
        # Compared as the service would store it; anything malformed goes on to be refused.
        return idnumbers.normalize(value) != person.id_number
    if name == "disability_certificate_number":
        # Not a column: the ID number and the class it stores (Person.disability_certificate_masked).
        held = f"{person.id_number}{person.disability_class}" if person.disability_class else ""
        return idnumbers.normalize(value) != held
    return getattr(person, name) != value


@extend_schema_view(
    list=extend_schema(summary="会员关系列表"),
    retrieve=extend_schema(summary="会员关系详情"),
    create=extend_schema(
        summary="登记会员关系",
        description="同一人员在同一群团只能有一条在册关系；已有时返回 409，如需更换组织请办理转移。",
        responses={201: MembershipSerializer, 409: ConflictSerializer},
    ),
)
class MembershipViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """人员在各群团组织中的会员关系；结束和转移的关系保留为历史，状态只能经转移、结束办理。"""

    selector = staticmethod(membership_list)
    serializer_class = MembershipSerializer
    filterset_class = MembershipFilter
    search_fields = ["person__name", "organization__name"]
    ordering_fields = ["joined_on", "updated_at", "id"]
    ordering = ["id"]

    def get_serializer_class(self):
        if self.action == "transfer":
            return MembershipTransferSerializer
        if self.action == "end":
            return MembershipEndSerializer
        return MembershipSerializer

    def perform_create(self, serializer) -> None:
        serializer.instance = services.membership_create(actor=self.request.user, **serializer.validated_data)

    @extend_schema(
        summary="转移会员关系",
        description="转到同一群团的另一组织：原关系标为已转出并保留，返回新关系（transferred_from 指向原关系）。",
        request=MembershipTransferSerializer,
        responses={201: MembershipSerializer, 409: ConflictSerializer},
    )
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        membership = self.get_object()
        payload = self.get_serializer(data=request.data)
        payload.is_valid(raise_exception=True)
        moved = services.membership_transfer(actor=request.user, membership=membership, **payload.validated_data)
        return Response(
            MembershipSerializer(moved, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="结束会员关系",
        description="办理退出或超龄离籍；关系保留为历史。",
        request=MembershipEndSerializer,
        responses=MembershipSerializer,
    )
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        membership = self.get_object()
        payload = self.get_serializer(data=request.data)
        payload.is_valid(raise_exception=True)
        ended = services.membership_end(actor=request.user, membership=membership, **payload.validated_data)
        return Response(MembershipSerializer(ended, context=self.get_serializer_context()).data)


@extend_schema_view(
    list=extend_schema(summary="干部任职列表"),
    retrieve=extend_schema(summary="干部任职详情"),
    create=extend_schema(summary="新增干部任职", responses={201: CadrePostSerializer, 409: ConflictSerializer}),
    update=extend_schema(summary="修改干部任职", responses={200: CadrePostUpdateSerializer, 409: ConflictSerializer}),
    partial_update=extend_schema(
        summary="修改干部任职（部分字段）", responses={200: CadrePostUpdateSerializer, 409: ConflictSerializer}
    ),
    destroy=extend_schema(summary="删除干部任职", responses={204: None}),
)
class CadrePostViewSet(ServiceModelViewSet):
    """人员在群团组织的专职、挂职、兼职、轮岗和公益岗位任职；`?current=true` 为今天在任的任职。"""

    selector = staticmethod(cadre_post_list)
    filterset_class = CadrePostFilter
    search_fields = ["title", "person__name"]
    ordering_fields = ["start_date", "updated_at", "id"]
    ordering = ["-start_date"]
    create_service = staticmethod(services.cadre_post_create)
    update_service = staticmethod(services.cadre_post_update)
    delete_service = staticmethod(services.cadre_post_delete)
    service_instance_kwarg = "post"

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return CadrePostUpdateSerializer
        return CadrePostSerializer
