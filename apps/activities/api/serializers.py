"""Serializers of activities, registrations and volunteer records: they parse input, the services decide."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from apps.activities.models import (
    Activity,
    ActivityParticipant,
    ParticipantRole,
    Registration,
    Theme,
    VolunteerRecord,
)
from apps.core.api import ScopedPrimaryKeyRelatedField
from apps.members.models import IdentityTag
from apps.members.selectors import person_list
from apps.organizations.models import Organization
from apps.organizations.selectors import organization_list, region_list
from apps.venues.selectors import room_list

CHECK_IN_WHO = "请给出报名 ID（registration）、签到码（code）或身份证号（id_number）之一。"


class ParticipantSerializer(serializers.ModelSerializer):
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), label="组织", help_text="参与组织 ID（可为其他群团的组织）。"
    )
    role = serializers.ChoiceField(choices=ParticipantRole.choices, label="角色")

    class Meta:
        model = ActivityParticipant
        fields = ["organization", "role"]


class ActivitySerializer(serializers.ModelSerializer):
    lead_organization = ScopedPrimaryKeyRelatedField(selector=organization_list, label="牵头（主办）组织")
    region = ScopedPrimaryKeyRelatedField(selector=region_list, label="活动区划")
    theme = serializers.PrimaryKeyRelatedField(queryset=Theme.objects.all(), label="主题")
    organizations = ParticipantSerializer(
        many=True, source="participants", required=False, label="参与组织", help_text="联合办至少一个。"
    )
    target_tags = serializers.SlugRelatedField(
        many=True,
        slug_field="code",
        queryset=IdentityTag.objects.all(),
        required=False,
        label="面向身份",
        help_text="身份标签代码；具有任一身份即可报名，留空为不限。",
    )
    room = ScopedPrimaryKeyRelatedField(
        selector=room_list,
        write_only=True,
        required=False,
        allow_null=True,
        label="功能室",
        help_text="给出时按活动时间通过场地预约服务预约该功能室。",
    )
    registered_count = serializers.IntegerField(read_only=True, label="已报名人数")

    class Meta:
        model = Activity
        fields = [
            "id",
            "title",
            "mode",
            "lead_organization",
            "organizations",
            "theme",
            "region",
            "venue",
            "room",
            "address",
            "start",
            "end",
            "capacity",
            "registered_count",
            "status",
            "signup_opens",
            "signup_closes",
            "target_tags",
            "min_age",
            "max_age",
            "updated_at",
        ]
        read_only_fields = ["venue", "status", "updated_at"]

    def validate(self, attrs: dict) -> dict:
        for name in ("start", "end", "signup_opens", "signup_closes"):
            if name in attrs and timezone.is_naive(attrs[name]):
                attrs[name] = timezone.make_aware(attrs[name])
        return attrs


class RegistrationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Registration
        fields = ["id", "person", "status", "position"]
        read_only_fields = fields


def _person_to_register(*, user):
    """People in scope, the row alone: a sign-up needs neither the list's joins nor its tags."""
    return person_list(user=user).select_related(None).prefetch_related(None)


class RegisterSerializer(serializers.Serializer):
    person = ScopedPrimaryKeyRelatedField(selector=_person_to_register, label="人员", help_text="报名人员 ID。")


class CheckInSerializer(serializers.Serializer):
    registration = serializers.IntegerField(required=False, label="报名 ID")
    code = serializers.UUIDField(required=False, label="签到码", help_text="报名二维码中的 UUID。")
    id_number = serializers.CharField(required=False, write_only=True, label="身份证号")

    def validate(self, attrs: dict) -> dict:
        if not any(attrs.get(name) for name in ("registration", "code", "id_number")):
            raise serializers.ValidationError({"registration": CHECK_IN_WHO})
        return attrs


class VolunteerRecordSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True, label="志愿者姓名")
    activity_title = serializers.CharField(source="activity.title", read_only=True, label="活动标题")

    class Meta:
        model = VolunteerRecord
        fields = [
            "id",
            "registration",
            "activity",
            "activity_title",
            "person",
            "person_name",
            "organization",
            "computed_hours",
            "hours",
            "updated_at",
        ]
        read_only_fields = fields


class CorrectSerializer(serializers.Serializer):
    hours = serializers.DecimalField(max_digits=5, decimal_places=2, label="更正后时长（小时）")
    reason = serializers.CharField(allow_blank=True, max_length=255, label="更正原因", help_text="必填。")


class TotalsQuerySerializer(serializers.Serializer):
    by = serializers.ChoiceField(choices=[("person", "按人员"), ("organization", "按组织")], default="person")


class VolunteerTotalSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="人员或组织 ID。")
    name = serializers.CharField(help_text="人员姓名或组织名称。")
    hours = serializers.DecimalField(max_digits=9, decimal_places=2, help_text="志愿时长合计（小时）。")
    activities = serializers.IntegerField(help_text="参加的活动数。")
