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

from django.db.models import Q, QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.fields import SkipField
from rest_framework.response import Response

from apps.core.api import (
    ConflictSerializer,
    ScopedPrimaryKeyRelatedField,
    ScopedReadOnlyViewSet,
    ServiceModelViewSet,
    scoped_choices,
)
from apps.core.crypto import keyed_hash
from apps.members import idnumbers, services
from apps.members.models import (
    CadrePost,
    Gender,
    IdentityTag,
    Membership,
    MembershipStatus,
    Person,
    PostType,
)
from apps.members.selectors import cadre_post_list, membership_list, person_list
from apps.organizations.models import Federation
from apps.organizations.selectors import host_unit_list, organization_list, region_list

FULL_ID_PERM = "members.view_full_id_number"
TAGS_HELP = (
    "身份标签代码列表，例如 worker（职工）、farmer_herder（农牧民）、student（学生）、"
    "migrant_worker（农民工）、gig_worker（新就业形态劳动者）、retired（退休）、disabled（残疾人）、"
    "volunteer（志愿者）、veteran（退役军人）；标签由省级管理员维护。"
)

# Serializers ----------------------------------------------------------------------------


class MembershipSerializer(serializers.ModelSerializer):
    person = ScopedPrimaryKeyRelatedField(selector=person_list, label="人员")
    organization = ScopedPrimaryKeyRelatedField(selector=organization_list, label="所在组织")
    organization_name = serializers.CharField(source="organization.name", read_only=True, label="组织名称")

    class Meta:
        model = Membership
        fields = [
            "id",
            "person",
            "organization",
            "organization_name",
            "federation",
            "status",
            "joined_on",
            "ended_on",
            "source",
            "note",
            "transferred_from",
            "updated_at",
        ]
        read_only_fields = ["federation", "status", "ended_on", "transferred_from", "updated_at"]
        extra_kwargs = {
            "joined_on": {"required": False, "help_text": "默认为今天。"},
            "note": {"required": False},
            "federation": {"help_text": "与所在组织的群团类别相同。"},
            "transferred_from": {"help_text": "转移前的会员关系 ID；据此可追溯全部历史。"},
        }
        # One active membership per federation is the service's check, answered with a 409.
        validators: list = []


class EnrollmentNoteSerializer(serializers.Serializer):
    federation = serializers.IntegerField(source="federation.pk", help_text="群团类别 ID。")
    federation_name = serializers.CharField(source="federation.name", help_text="群团类别名称。")
    reason = serializers.CharField(help_text="未吸收的原因。")


class EnrollmentSerializer(serializers.Serializer):
    """What joint enrollment did: memberships created, memberships aged out, and why not elsewhere."""

    created = MembershipSerializer(many=True, read_only=True, help_text="本次新建的会员关系。")
    aged_out = MembershipSerializer(many=True, read_only=True, help_text="本次因超龄离籍的会员关系。")
    skipped = EnrollmentNoteSerializer(many=True, read_only=True, help_text="各群团未吸收的原因。")


def _masked_certificate(person: Person) -> str:
    certificate = person.disability_certificate_number
    return idnumbers.mask(certificate[:18]) + certificate[18:] if certificate else ""


class PersonSerializer(serializers.ModelSerializer):
    # Long enough for the number as people type it (spaces, dashes, full-width); the service
    # normalizes and validates it, with its own message per fault.
    id_number = serializers.CharField(
        write_only=True,
        allow_blank=True,
        max_length=64,
        label="身份证号",
        help_text="18 位身份证号（全角数字、小写 x、空格均可）；读取时只返回 id_number_masked。",
    )
    gender = serializers.ChoiceField(
        choices=Gender.choices, required=False, label="性别", help_text="由身份证号得出；填写时须与之一致。"
    )
    birth_date = serializers.DateField(required=False, label="出生日期", help_text="由身份证号得出；填写时须与之一致。")
    region = ScopedPrimaryKeyRelatedField(selector=region_list, label="居住地", help_text="任一层级的区划 ID。")
    employer = ScopedPrimaryKeyRelatedField(
        selector=host_unit_list, required=False, allow_null=True, label="工作单位", help_text="所在单位 ID。"
    )
    identity_tags = serializers.SlugRelatedField(
        many=True,
        slug_field="code",
        queryset=IdentityTag.objects.all(),
        required=False,
        label="身份",
        help_text=TAGS_HELP,
    )
    disability_certificate_number = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=64,
        label="残疾人证号",
        help_text=(
            "20 位：身份证号加残疾类别和等级；身份含 disabled 时必填。读取时只返回 disability_certificate_masked。"
        ),
    )
    disability_certificate_masked = serializers.SerializerMethodField(label="残疾人证号（脱敏）")

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "id_number",
            "id_number_masked",
            "gender",
            "birth_date",
            "ethnicity",
            "phone",
            "region",
            "employer",
            "identity_tags",
            "disability_certificate_number",
            "disability_certificate_masked",
            "updated_at",
        ]
        read_only_fields = ["id_number_masked", "updated_at"]
        # The unique ID number is the service's check, answered with a 409.
        validators: list = []

    def get_disability_certificate_masked(self, person: Person) -> str:
        return _masked_certificate(person)


class PersonWrittenSerializer(PersonSerializer):
    """A registration or a change, answered with the person and what enrollment did."""

    enrollment = EnrollmentSerializer(read_only=True, help_text="按入会规则同步吸收的结果。")

    class Meta(PersonSerializer.Meta):
        fields = [*PersonSerializer.Meta.fields, "enrollment"]


class PersonUpdateSerializer(PersonWrittenSerializer):
    """A change may leave the ID number out: clients without the permission never see it."""

    id_number = serializers.CharField(
        write_only=True,
        required=False,
        max_length=64,
        label="身份证号",
        help_text="只在更正身份证号时填写。",
    )


class FullIdNumberField(serializers.CharField):
    """The full ID number: only for holders of the permission, read through the audited service.

    Absent from the output otherwise (SkipField), not null: nothing in the body hints at it.
    Used by the detail's serializer only, which no write uses.
    """

    def __init__(self, **kwargs):
        # Not read_only: the schema then lists it as optional, which is what it is.
        super().__init__(source="*", required=False, **kwargs)

    def get_attribute(self, person: Person) -> str:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None or not user.has_perm(FULL_ID_PERM):
            raise SkipField
        return services.person_full_id_number(actor=user, person=person)

    def to_representation(self, value: str) -> str:
        return value


class PersonDetailSerializer(PersonSerializer):
    id_number = FullIdNumberField(
        label="完整身份证号",
        help_text="仅对有“可查看完整身份证号”权限的用户返回，且每次查看记入审计日志；否则无此字段。",
    )


class MembershipTransferSerializer(serializers.Serializer):
    organization = ScopedPrimaryKeyRelatedField(
        selector=organization_list, label="转入组织", help_text="同一群团类别的另一组织。"
    )
    on = serializers.DateField(required=False, label="转移日期", help_text="默认为今天。")
    note = serializers.CharField(required=False, allow_blank=True, max_length=255, label="说明")


class MembershipEndSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[(MembershipStatus.LAPSED, "已退出"), (MembershipStatus.AGED_OUT, "超龄离籍")],
        required=False,
        label="结束状态",
        help_text="默认为 lapsed（已退出）。",
    )
    on = serializers.DateField(required=False, label="结束日期", help_text="默认为今天。")
    note = serializers.CharField(required=False, allow_blank=True, max_length=255, label="说明")


class CadrePostSerializer(serializers.ModelSerializer):
    person = ScopedPrimaryKeyRelatedField(selector=person_list, label="人员")
    organization = ScopedPrimaryKeyRelatedField(selector=organization_list, label="任职组织")

    class Meta:
        model = CadrePost
        fields = ["id", "person", "organization", "post_type", "title", "start_date", "end_date", "updated_at"]
        read_only_fields = ["updated_at"]
        validators: list = []


class CadrePostUpdateSerializer(CadrePostSerializer):
    """A post stays with its person; a post for someone else is a new post."""

    person = serializers.PrimaryKeyRelatedField(read_only=True, label="人员")


# Filters --------------------------------------------------------------------------------


def _in_region_subtree(queryset: QuerySet, name: str, value) -> QuerySet:
    return queryset.filter(region__path__startswith=value.path)


class PersonFilter(filters.FilterSet):
    id_number = filters.CharFilter(method="filter_id_number", label="身份证号（精确匹配，全角、小写 x、空格均可）")
    region = filters.ModelChoiceFilter(
        queryset=scoped_choices(region_list), method=_in_region_subtree, label="居住地区划 ID（含全部下级区划）"
    )
    federation = filters.ModelChoiceFilter(
        queryset=Federation.objects.all(),
        field_name="memberships__federation",
        method="filter_federation",
        label="在册会员所属群团类别 ID",
    )
    identity_tag = filters.ModelChoiceFilter(
        queryset=IdentityTag.objects.all(), to_field_name="code", field_name="identity_tags", label="身份标签代码"
    )

    class Meta:
        model = Person
        fields = ["id_number", "region", "federation", "identity_tag"]

    def filter_id_number(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # The keyed hash of the normalized number: an index hit, the ciphertext is never searched.
        return queryset.filter(id_number_hash=keyed_hash(idnumbers.normalize(value)))

    def filter_federation(self, queryset: QuerySet, name: str, value) -> QuerySet:
        # At most one active membership per federation: the join never repeats a person.
        return queryset.filter(memberships__federation=value, memberships__status=MembershipStatus.ACTIVE)


class MembershipFilter(filters.FilterSet):
    person = filters.ModelChoiceFilter(queryset=scoped_choices(person_list), label="人员 ID")
    organization = filters.ModelChoiceFilter(queryset=scoped_choices(organization_list), label="所在组织 ID")
    federation = filters.ModelChoiceFilter(queryset=Federation.objects.all(), label="群团类别 ID")
    status = filters.ChoiceFilter(choices=MembershipStatus.choices, label="状态")

    class Meta:
        model = Membership
        fields = ["person", "organization", "federation", "status"]


class CadrePostFilter(filters.FilterSet):
    person = filters.ModelChoiceFilter(queryset=scoped_choices(person_list), label="人员 ID")
    organization = filters.ModelChoiceFilter(queryset=scoped_choices(organization_list), label="任职组织 ID")
    post_type = filters.ChoiceFilter(choices=PostType.choices, label="任职方式")
    current = filters.BooleanFilter(
        method="filter_current", label="true：今天在任的任职；false：已结束或尚未开始的任职"
    )

    class Meta:
        model = CadrePost
        fields = ["person", "organization", "post_type", "current"]

    def filter_current(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        today = timezone.localdate()
        current = Q(start_date__lte=today) & (Q(end_date__isnull=True) | Q(end_date__gte=today))
        return queryset.filter(current) if value else queryset.exclude(current)


# Viewsets -------------------------------------------------------------------------------


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
        return PersonSerializer

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


def _person_differs(person: Person, name: str, value) -> bool:
    if name == "identity_tags":
        return {tag.pk for tag in person.identity_tags.all()} != {tag.pk for tag in value}
    if name in ("region", "employer"):
        return getattr(person, f"{name}_id") != (value.pk if value is not None else None)
    if name == "id_number":
        # Compared as the service would store it; anything malformed goes on to be refused.
        return idnumbers.normalize(value) != person.id_number
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
