"""/api/v1/ for activities, registrations and volunteer records (see ../shared/API.md).

Reads come from apps.activities.selectors, writes go through apps.activities.services; the
serializers only parse. Scope: an activity is visible through its region, its lead
organization, and to the users of every organization taking part (Activity.scope_shared_q);
a registration also through the person's region. Out of scope answers 404.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from apps.activities import services
from apps.activities.api.filters import ActivityFilter, VolunteerRecordFilter
from apps.activities.api.serializers import (
    ActivitySerializer,
    CheckInSerializer,
    CorrectSerializer,
    RegisterSerializer,
    RegistrationSerializer,
    TotalsQuerySerializer,
    VolunteerRecordSerializer,
    VolunteerTotalSerializer,
)
from apps.activities.models import ActivityParticipant
from apps.activities.selectors import (
    activity_list,
    activity_rows,
    registration_list,
    volunteer_record_list,
    volunteer_totals,
)
from apps.core.api import ScopedModelPermissions, ScopedReadOnlyViewSet
from apps.members.selectors import person_list

SCOPE_RULE = "可见范围：活动区划或牵头组织在您的管辖范围内，或您所在的组织参与了该活动（联合办）。"


def _activity_selector(*, user):
    return activity_list(user=user).prefetch_related(
        Prefetch("participants", queryset=ActivityParticipant.objects.order_by("id")), "target_tags"
    )


def _registration_selector(*, user):
    return registration_list(user=user)


def _volunteer_record_selector(*, user):
    return volunteer_record_list(user=user)


class ActivityPermissions(ScopedModelPermissions):
    """Register and check-in are decided by the services (registration permissions), not by change_activity."""

    def has_object_permission(self, request, view, obj) -> bool:
        if getattr(view, "action", None) in ("register", "check_in"):
            return True
        return super().has_object_permission(request, view, obj)


@extend_schema_view(
    list=extend_schema(summary="活动列表", description=SCOPE_RULE),
    retrieve=extend_schema(summary="活动详情", description=SCOPE_RULE),
    create=extend_schema(
        summary="新建活动（草稿）",
        description="给出 room 时按活动时间预约该功能室；冲突时 409。联合办至少一个参与组织。",
    ),
)
class ActivityViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """联合办、牵头办活动；`?federation=` 含牵头和参与的活动，`?theme=` 含子主题。"""

    selector = staticmethod(_activity_selector)
    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter
    permission_classes = [ActivityPermissions]
    search_fields = ["title"]
    ordering_fields = ["start", "updated_at", "id"]
    ordering = ["-start"]

    def perform_create(self, serializer) -> None:
        data = dict(serializer.validated_data)
        participants = [(row["organization"], row["role"]) for row in data.pop("participants", [])]
        activity = services.activity_create(actor=self.request.user, participants=participants, **data)
        serializer.instance = self.get_queryset().get(pk=activity.pk)

    def _activity_to_write(self):
        """The activity in scope, without the list's filters and prefetches: a sign-up needs only the
        row (the service locks it again), and under a rush of sign-ups those cost more than the write."""
        activity = get_object_or_404(activity_rows(user=self.request.user), pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, activity)
        return activity

    @extend_schema(summary="发布活动", description="只有草稿可以发布；发布后开放报名。", request=None)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        activity = services.activity_publish(actor=request.user, activity=self.get_object())
        return Response(self.get_serializer(self.get_queryset().get(pk=activity.pk)).data)

    @extend_schema(summary="取消活动", description="取消后释放所预约的功能室。", request=None)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        activity = services.activity_cancel(actor=request.user, activity=self.get_object())
        return Response(self.get_serializer(self.get_queryset().get(pk=activity.pk)).data)

    @extend_schema(
        summary="报名",
        description=(
            "名额未满为 registered，否则进入候补（waiting），position 为报名顺序。"
            "不在面向人群时 400（person 说明原因）；已报名时 409。"
        ),
        request=RegisterSerializer,
        responses={201: RegistrationSerializer},
    )
    @action(detail=True, methods=["post"])
    def register(self, request, pk=None):
        activity = self._activity_to_write()
        body = RegisterSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        registration = services.registration_create(
            actor=request.user, activity=activity, person=body.validated_data["person"]
        )
        return Response(RegistrationSerializer(registration).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="签到",
        description="按报名 ID、签到码或身份证号签到；签到时间为开始前 30 分钟至结束，其余时间 400。",
        request=CheckInSerializer,
        responses=RegistrationSerializer,
    )
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        activity = self.get_object()
        body = CheckInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        registrations = registration_list(user=request.user, activity=activity)
        data = body.validated_data
        if data.get("registration"):
            registrations = registrations.filter(pk=data["registration"])
        elif data.get("code"):
            registrations = registrations.filter(code=data["code"])
        else:
            registrations = registrations.filter(person__in=person_list(user=request.user, id_number=data["id_number"]))
        registration = registrations.first()
        if registration is None:
            raise Http404
        registration = services.registration_check_in(actor=request.user, registration=registration)
        return Response(RegistrationSerializer(registration).data)


@extend_schema_view(list=extend_schema(summary="报名列表"), retrieve=extend_schema(summary="报名详情"))
class RegistrationViewSet(ScopedReadOnlyViewSet):
    """活动报名；取消后名额顺延给候补第一位。"""

    selector = staticmethod(_registration_selector)
    serializer_class = RegistrationSerializer
    ordering_fields = ["position", "updated_at", "id"]
    ordering = ["id"]

    @extend_schema(
        summary="取消报名",
        description="返回因此转正的候补报名；没有人转正时返回 204。",
        request=None,
        responses={200: RegistrationSerializer, 204: None},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        promoted = services.registration_cancel(actor=request.user, registration=self.get_object())
        if promoted is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(RegistrationSerializer(promoted).data)


@extend_schema_view(list=extend_schema(summary="志愿时长列表"), retrieve=extend_schema(summary="志愿时长详情"))
class VolunteerRecordViewSet(ScopedReadOnlyViewSet):
    """志愿服务类活动签退时记录的志愿时长，每日封顶；可更正并留痕。"""

    selector = staticmethod(_volunteer_record_selector)
    serializer_class = VolunteerRecordSerializer
    filterset_class = VolunteerRecordFilter
    ordering_fields = ["hours", "updated_at", "id"]
    ordering = ["-id"]

    @extend_schema(
        summary="更正志愿时长",
        description="须填写原因；原时长、新时长、原因和更正人记入更正记录。",
        request=CorrectSerializer,
        responses=VolunteerRecordSerializer,
    )
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        record = self.get_object()
        body = CorrectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        record = services.volunteer_hours_correct(actor=request.user, record=record, **body.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=record.pk)).data)

    @extend_schema(
        summary="志愿时长合计",
        description="?by=person 按人员，?by=organization 按计入组织；与列表同一范围、同一批记录。",
        parameters=[TotalsQuerySerializer],
        filters=False,
        responses=VolunteerTotalSerializer(many=True),
    )
    @action(detail=False, filter_backends=[], pagination_class=None)
    def totals(self, request):
        query = TotalsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        by = query.validated_data["by"]
        name = {"person": "person__name", "organization": "organization__name"}[by]
        rows = [
            {"id": row[f"{by}_id"], "name": row[name], "hours": row["hours"], "activities": row["activities"]}
            for row in volunteer_totals(user=request.user, by=by)
        ]
        return Response(VolunteerTotalSerializer(rows, many=True).data)
