"""/api/v1/ for talent co-cultivation (人才共育): trainings, sessions, attendance, rotations, experts.

Reads come from apps.talent.selectors, writes go through apps.talent.services with
`actor=request.user`; the serializers only parse. Scope: a course, its sessions and their
attendance are visible through the lead organization and to the users of every
co-organizer; attendance also through the cadre's region; a rotation through the home post's
organization and the receiving organization; an expert through their region. Out of scope
answers 404, and an id outside it in a body or a filter is a 400 "不存在". The one door open
without an account is certificates/verify/, which answers a code and nothing else.
"""

from __future__ import annotations

from types import SimpleNamespace

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.throttles import AnonThrottle
from apps.core.api import ConflictSerializer, ScopedReadOnlyViewSet
from apps.core.pagination import RankedPagination
from apps.organizations.scoping import scoped
from apps.talent import selectors, services
from apps.talent.api.filters import (
    AttendanceFilter,
    ExpertFilter,
    RotationFilter,
    TrainingCourseFilter,
    TrainingSessionFilter,
)
from apps.talent.api.serializers import (
    AttendanceSerializer,
    CadreHoursQuerySerializer,
    CadreHoursSerializer,
    CertificateCheckSerializer,
    CertificateSerializer,
    CodeQuerySerializer,
    CourseEnrollmentSerializer,
    DuePostSerializer,
    DueQuerySerializer,
    EngagementSerializer,
    ExpertiseFieldSerializer,
    ExpertSerializer,
    ExpertUpdateSerializer,
    InviteSerializer,
    MarkSheetSerializer,
    PeopleSerializer,
    PersonSerializer,
    RecordQuerySerializer,
    RecruitSerializer,
    RosterRowSerializer,
    RotationSerializer,
    TrainingCourseSerializer,
    TrainingRecordSerializer,
    TrainingSessionSerializer,
)
from apps.talent.models import EnrollmentStatus, ExpertiseField
from apps.talent.rules import add_months

COURSE_SCOPE = "可见范围：牵头组织在您的管辖范围内，或您所在的组织是联合主办。"
NOT_ON_ROSTER = "{name}不在本班学员名单中。"
UNKNOWN_CODE = "没有这个验证码的证书，请核对后重试。"


def _course_selector(*, user) -> QuerySet:
    return selectors.course_list(user=user)


def _session_selector(*, user) -> QuerySet:
    return selectors.session_list(user=user)


def _attendance_selector(*, user) -> QuerySet:
    return selectors.attendance_list(user=user)


def _rotation_selector(*, user) -> QuerySet:
    return selectors.rotation_list(user=user)


def _expert_selector(*, user) -> QuerySet:
    return selectors.expert_list(user=user)


def _expertise_fields(*, user) -> QuerySet:
    # Every signed-in user sees reference data whole; scoped() gives an anonymous user nothing.
    return scoped(ExpertiseField.objects.all(), user)


# Trainings -----------------------------------------------------------------------------


class TrainingFormatNegotiation(DefaultContentNegotiation):
    """On trainings/ `?format=` filters by training format (集中培训…), as the contract names filters after
    fields; DRF would take it for a renderer and answer 404, so here the Accept header alone chooses one."""

    settings = SimpleNamespace(URL_FORMAT_OVERRIDE=None)


@extend_schema_view(
    list=extend_schema(summary="培训班列表", description=COURSE_SCOPE),
    retrieve=extend_schema(summary="培训班详情", description=COURSE_SCOPE),
    create=extend_schema(
        summary="新建培训班",
        description="牵头组织须在您的范围内；业务培训（is_common=false）须选所属群团；"
        "target_* 限定招收的干部（群团、层级、任职方式），不填为不限。课次用 training-sessions/ 添加。",
    ),
    update=extend_schema(summary="修改培训班", description="只有开班中的培训班可以修改；名额不能少于在册学员数。"),
    partial_update=extend_schema(summary="修改培训班（部分字段）"),
)
class TrainingCourseViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedReadOnlyViewSet):
    """培训班：几家群团联合主办（一家牵头），面向某类干部；学时只计出勤课次，达到 80% 结业发证。"""

    selector = staticmethod(_course_selector)
    serializer_class = TrainingCourseSerializer
    content_negotiation_class = TrainingFormatNegotiation
    filterset_class = TrainingCourseFilter
    search_fields = ["title"]
    ordering_fields = ["title", "updated_at", "id"]
    ordering = ["-id"]

    def perform_create(self, serializer) -> None:
        course = services.course_create(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=course.pk)

    def perform_update(self, serializer) -> None:
        course = serializer.instance
        data = dict(serializer.validated_data)
        co_organizers = data.pop("co_organizers", None)
        # Only what the client changed: a PUT echoing the course back rewrites nothing.
        changes = {name: value for name, value in data.items() if _differs(course, name, value)}
        course = services.course_update(actor=self.request.user, course=course, co_organizers=co_organizers, **changes)
        serializer.instance = self.get_queryset().get(pk=course.pk)

    @extend_schema(
        summary="批量报名",
        description=(
            "全部报上或一个不报：不符合培训对象、不是在职干部或已在名单中的人逐一列在 people 中（400）；"
            "名额不足时 409，说明还能报几人。退出过的学员可以重新报名。"
        ),
        request=PeopleSerializer,
        responses={201: CourseEnrollmentSerializer(many=True), 409: ConflictSerializer},
    )
    @action(detail=True, methods=["post"])
    def enroll(self, request, pk=None):
        course = self.get_object()
        body = PeopleSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        enrolled = services.course_enroll(actor=request.user, course=course, people=body.validated_data["people"])
        return Response(CourseEnrollmentSerializer(enrolled, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="学员退出",
        description="已取得结业证书的学员不能退出；已登记的考勤保留。",
        request=PersonSerializer,
        responses=CourseEnrollmentSerializer,
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        course = self.get_object()
        body = PersonSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        person = body.validated_data["person"]
        enrollment = (
            course.enrollments.filter(person=person, status=EnrollmentStatus.ENROLLED)
            .select_related("course", "person")
            .first()
        )
        if enrollment is None:
            raise ValidationError({"person": [NOT_ON_ROSTER.format(name=person.name)]})
        enrollment = services.enrollment_withdraw(actor=request.user, enrollment=enrollment)
        return Response(CourseEnrollmentSerializer(enrollment).data)

    @extend_schema(
        summary="学员名单",
        description="在册学员及各自的出勤学时（只计出勤课次）、是否达到结业要求、结业证书验证码。",
        filters=False,
        responses=RosterRowSerializer(many=True),
    )
    @action(detail=True, filter_backends=[], pagination_class=None)
    def roster(self, request, pk=None):
        return Response(RosterRowSerializer(selectors.course_roster(self.get_object()), many=True).data)

    @extend_schema(
        summary="结业",
        description="最后一次课结束后才能结业；出勤学时达到培训班学时 80% 的学员各得一张结业证书，返回本次发出的证书。",
        request=None,
        responses=CertificateSerializer(many=True),
    )
    @action(detail=True, methods=["post"])
    def finish(self, request, pk=None):
        issued = services.course_finish(actor=request.user, course=self.get_object())
        return Response(CertificateSerializer(issued, many=True).data)

    @extend_schema(
        summary="取消培训班",
        description="只有开班中的培训班可以取消；尚未开始的课次预约的场地随之退还，已登记的考勤保留。",
        request=None,
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        course = services.course_cancel(actor=request.user, course=self.get_object())
        return Response(self.get_serializer(self.get_queryset().get(pk=course.pk)).data)


def _differs(instance, name: str, value) -> bool:
    # Ids compared, so no query loads the current related rows.
    field = instance._meta.get_field(name)
    if field.is_relation:
        return getattr(instance, field.attname) != (value.pk if value is not None else None)
    return getattr(instance, name) != value


# Sessions ------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="培训课次列表", description=COURSE_SCOPE),
    retrieve=extend_schema(summary="培训课次详情", description=COURSE_SCOPE),
    create=extend_schema(
        summary="新建培训课次",
        description=(
            "线下课次填写地点（location）或选择场地房间（room），线上课次填写线上链接（online_url）。"
            "给出 room 时通过场地预约服务预约该房间，场地的规则同样适用（开放时间、闭馆日、提前预约期限）；"
            "房间已被占用时 409，conflicts 为占用的预约 ID。各课次学时合计不能超过培训班学时。"
        ),
        responses={201: TrainingSessionSerializer, 409: ConflictSerializer},
    ),
    destroy=extend_schema(
        summary="删除培训课次",
        description="已登记考勤的课次不能删除（409）；预约的场地随之退还。",
        responses={204: None, 409: ConflictSerializer},
    ),
)
class TrainingSessionViewSet(mixins.CreateModelMixin, mixins.DestroyModelMixin, ScopedReadOnlyViewSet):
    """培训课次：时间、学时、地点或线上链接、授课人；`?date_from=`、`?date_to=` 按开始日期。"""

    selector = staticmethod(_session_selector)
    serializer_class = TrainingSessionSerializer
    filterset_class = TrainingSessionFilter
    search_fields = ["title", "course__title"]
    ordering_fields = ["starts_at", "updated_at", "id"]
    ordering = ["starts_at"]

    def perform_create(self, serializer) -> None:
        session = services.session_create(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=session.pk)

    def perform_destroy(self, instance) -> None:
        services.session_delete(actor=self.request.user, session=instance)


# Attendance ----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="考勤列表", description=COURSE_SCOPE + "学员所在区划在您的范围内的考勤也可见。"),
    retrieve=extend_schema(summary="考勤详情"),
)
class AttendanceViewSet(ScopedReadOnlyViewSet):
    """考勤：每名在册学员每个课次一行；只有出勤（present）计入学时。"""

    selector = staticmethod(_attendance_selector)
    serializer_class = AttendanceSerializer
    filterset_class = AttendanceFilter
    search_fields = ["person__name"]
    ordering_fields = ["updated_at", "id"]
    ordering = ["id"]

    @extend_schema(
        summary="登记考勤（整张考勤表）",
        description=(
            "课次开始后登记；marks 每名学员一行，status 为 present 出勤、leave 请假、absent 缺勤。"
            "已登记过的学员按本次更正。全部写入或一行不写：不在本班名单中的人、不在您范围内的人员 ID"
            "都逐行列出（400）。返回本次登记的考勤。"
        ),
        request=MarkSheetSerializer,
        responses=AttendanceSerializer(many=True),
    )
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None)
    def mark(self, request):
        body = MarkSheetSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        session = body.validated_data["session"]
        marks = {mark["person"]: mark["status"] for mark in body.validated_data["marks"]}
        rows = services.attendance_mark(actor=request.user, session=session, marks=marks)
        # Read back through the selector: one query for the session, course and person of every row.
        marked = self.get_queryset().filter(pk__in=[row.pk for row in rows]).order_by("person__name", "id")
        return Response(AttendanceSerializer(marked, many=True).data)

    @extend_schema(
        summary="干部年度培训档案",
        description=(
            "某干部一年中参加的各培训班、在各班出勤的学时和结业证书，及年度学时要求和还差的学时。只计您能看到的培训班。"
        ),
        parameters=[RecordQuerySerializer],
        filters=False,
        responses=TrainingRecordSerializer,
    )
    @action(detail=False, filter_backends=[], pagination_class=None)
    def record(self, request):
        query = RecordQuerySerializer(data=request.query_params, context=self.get_serializer_context())
        query.is_valid(raise_exception=True)
        record = selectors.cadre_training_record(
            user=request.user,
            person=query.validated_data["person"],
            year=query.validated_data.get("year") or timezone.localdate().year,
        )
        return Response(TrainingRecordSerializer(record).data)

    @extend_schema(
        summary="干部年度学时",
        description=(
            "该年度在您范围内任职的干部及各自已获学时，学时少的在前；?behind=true 只列未达到年度学时要求的干部。"
            "按页返回（?page=、?page_size= 至多 200）。"
        ),
        parameters=[CadreHoursQuerySerializer],
        filters=False,
        responses=CadreHoursSerializer(many=True),
    )
    @action(detail=False, filter_backends=[], pagination_class=RankedPagination)
    def hours(self, request):
        query = CadreHoursQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        year = query.validated_data.get("year") or timezone.localdate().year
        cadres = selectors.cadre_training_list(user=request.user, year=year, behind_only=query.validated_data["behind"])
        page = self.paginate_queryset(cadres)
        context = {"required": selectors.required_hours(year)}
        return self.get_paginated_response(CadreHoursSerializer(page, many=True, context=context).data)


# Certificates --------------------------------------------------------------------------


class CertificateCheckThrottle(AnonThrottle):
    """Codes are 80 random bits; the limit still keeps anyone from trying them by the thousand.

    Per client address as the login lockouts see it (a forged X-Forwarded-For does not reset it).
    """

    scope = "certificate_check"

    def get_rate(self) -> str:
        return "30/minute"


class CertificateVerifyView(APIView):
    """结业证书核验：无需登录，凭证书上的验证码查看证书是否真实。

    Not a viewset: nothing is listed or read by id, only one certificate by its code.
    """

    permission_classes = [AllowAny]
    # No credentials are read: a stale token from an app must not turn a public check into a 401.
    authentication_classes: list = []
    throttle_classes = [CertificateCheckThrottle]

    @extend_schema(
        summary="核验结业证书",
        description=(
            "无需登录。验证码正确时返回持证人（姓名只显示第一个字）、培训班、学时、主办单位和发证日期；"
            "验证码不存在或被篡改时 404。每个地址每分钟至多 30 次，超出 429。"
        ),
        parameters=[CodeQuerySerializer],
        auth=[],
        responses={200: CertificateCheckSerializer, 404: OpenApiResponse(description="没有这个验证码的证书。")},
    )
    def get(self, request):
        query = CodeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        certificate = selectors.certificate_by_code(query.validated_data["code"])
        if certificate is None:
            raise NotFound(UNKNOWN_CODE)
        return Response(CertificateCheckSerializer(certificate).data)


# Rotations -----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="轮岗交流列表", description="可见范围：原任职组织或轮岗组织在您的管辖范围内。"),
    retrieve=extend_schema(summary="轮岗交流详情"),
    create=extend_schema(
        summary="安排轮岗",
        description=(
            "干部从原任职（from_post）到另一组织任职一段时间。原任职须满最短任职期限、轮岗期限在该任职方式的"
            "最短和最长期限之间（400，逐字段说明）；与该干部已有的轮岗安排或同类任职期间重叠时 409，"
            "conflicts 为重叠的轮岗或任职 ID。轮岗组织与原任职不属同一群团时为跨群团交流（across_federations）。"
        ),
        responses={201: RotationSerializer, 409: ConflictSerializer},
    ),
)
class RotationViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """轮岗交流：计划中 → 轮岗中（开始时建立轮岗任职）→ 已结束；跨群团交流单独统计。"""

    selector = staticmethod(_rotation_selector)
    serializer_class = RotationSerializer
    filterset_class = RotationFilter
    search_fields = ["person__name", "title"]
    ordering_fields = ["start_date", "updated_at", "id"]
    ordering = ["-start_date"]

    def perform_create(self, serializer) -> None:
        rotation = services.rotation_plan(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=rotation.pk)

    def _after(self, rotation) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=rotation.pk)).data)

    @extend_schema(
        summary="开始轮岗",
        description="计划中 → 轮岗中，在轮岗组织建立轮岗期间的任职；开始日期未到时 400。到期的轮岗每天也会自动开始。",
        request=None,
    )
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._after(services.rotation_start(actor=request.user, rotation=self.get_object()))

    @extend_schema(
        summary="结束轮岗",
        description="轮岗中 → 已结束，回到原岗位；提前结束时轮岗任职在今天结束。期满的轮岗每天也会自动结束。",
        request=None,
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        return self._after(services.rotation_complete(actor=request.user, rotation=self.get_object()))

    @extend_schema(summary="取消轮岗", description="只有计划中的轮岗可以取消。", request=None)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._after(services.rotation_cancel(actor=request.user, rotation=self.get_object()))

    @extend_schema(
        summary="到期应轮岗的干部",
        description=(
            "您范围内的现任职中，按该任职方式的最长任职期限，在 within_days 天内期满（含已超期）"
            "且尚无轮岗安排的，期满早的在前。post 即安排轮岗时的 from_post。按页返回（?page=、?page_size=）。"
        ),
        parameters=[DueQuerySerializer],
        filters=False,
        responses=DuePostSerializer(many=True),
    )
    @action(detail=False, filter_backends=[], pagination_class=RankedPagination)
    def due(self, request):
        query = DueQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        posts = selectors.rotation_due_list(user=request.user, within_days=query.validated_data["within_days"])
        page = self.paginate_queryset(posts)
        for post in page:
            post.due_date = add_months(post.start_date, post.max_months)
        return self.get_paginated_response(DuePostSerializer(page, many=True).data)


# Experts -------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="土专家列表", description="可见范围：专家所在区划在您的管辖范围内。"),
    retrieve=extend_schema(summary="土专家详情"),
    create=extend_schema(
        summary="专家入库",
        description="每人只能入库一次（409）；所在区划不填为人员户籍所在区划，须在您的范围内。",
        responses={201: ExpertSerializer, 409: ConflictSerializer},
    ),
    update=extend_schema(summary="修改专家信息", responses=ExpertUpdateSerializer),
    partial_update=extend_schema(
        summary="修改专家信息（部分字段）",
        description="fields 给出即整体替换；is_active=false 出库（使用记录保留）。",
        responses=ExpertUpdateSerializer,
    ),
)
class ExpertViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedReadOnlyViewSet):
    """土专家库：专长领域、所在区划、资质、可邀请情况；可邀请授课或吸收进干部队伍，留有使用记录。"""

    selector = staticmethod(_expert_selector)
    filterset_class = ExpertFilter
    search_fields = ["person__name", "specialty"]
    ordering_fields = ["joined_on", "updated_at", "id"]
    ordering = ["-joined_on"]

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return ExpertUpdateSerializer
        return ExpertSerializer

    def perform_create(self, serializer) -> None:
        expert = services.expert_register(actor=self.request.user, **serializer.validated_data)
        serializer.instance = self.get_queryset().get(pk=expert.pk)

    def perform_update(self, serializer) -> None:
        data = dict(serializer.validated_data)
        expert = services.expert_update(
            actor=self.request.user, expert=serializer.instance, fields=data.pop("fields", None), **data
        )
        serializer.instance = self.get_queryset().get(pk=expert.pk)

    @extend_schema(
        summary="邀请授课",
        description="专家成为该课次的授课人，并记入使用记录；已出库或暂不可邀请时 400，已是授课人时 409。",
        request=InviteSerializer,
        responses={201: EngagementSerializer, 409: ConflictSerializer},
    )
    @action(detail=True, methods=["post"])
    def invite(self, request, pk=None):
        expert = self.get_object()
        body = InviteSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        engagement = services.expert_invite(actor=request.user, expert=expert, **body.validated_data)
        return Response(_engagement(engagement), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="吸收进干部队伍",
        description="在该组织为专家建立任职（同类任职期间不能重叠，409），并记入使用记录。",
        request=RecruitSerializer,
        responses={201: EngagementSerializer, 409: ConflictSerializer},
    )
    @action(detail=True, methods=["post"])
    def recruit(self, request, pk=None):
        expert = self.get_object()
        body = RecruitSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        engagement = services.expert_recruit(actor=request.user, expert=expert, **body.validated_data)
        return Response(_engagement(engagement), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="专家使用记录",
        description="每次受邀授课和每次任用，新的在前。",
        filters=False,
        responses=EngagementSerializer(many=True),
    )
    @action(detail=True, filter_backends=[], pagination_class=None)
    def engagements(self, request, pk=None):
        return Response(EngagementSerializer(selectors.expert_engagements(self.get_object()), many=True).data)


def _engagement(engagement) -> dict:
    engagement = selectors.expert_engagements(engagement.expert).get(pk=engagement.pk)
    return EngagementSerializer(engagement).data


@extend_schema_view(list=extend_schema(summary="专长领域列表"), retrieve=extend_schema(summary="专长领域详情"))
class ExpertiseFieldViewSet(ScopedReadOnlyViewSet):
    """土专家的专长领域（农牧业、手工艺、非遗……），省级在管理后台维护；专家的 fields 用其 code。"""

    selector = staticmethod(_expertise_fields)
    serializer_class = ExpertiseFieldSerializer
    filter_backends: list = []
    pagination_class = None
