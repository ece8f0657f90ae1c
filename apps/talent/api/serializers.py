"""Serializers of training, attendance, rotations and experts: they parse input, the services decide."""

from __future__ import annotations

from rest_framework import serializers

from apps.core.api import ScopedPrimaryKeyRelatedField
from apps.members.models import PostType
from apps.members.selectors import cadre_post_list, person_list
from apps.organizations.models import Federation, Organization
from apps.organizations.scoping import scoped
from apps.organizations.selectors import organization_list, region_list
from apps.talent.models import (
    Attendance,
    AttendanceStatus,
    Availability,
    Expert,
    ExpertEngagement,
    ExpertiseField,
    Rotation,
    TrainingCourse,
    TrainingSession,
)
from apps.talent.rules import DUE_WITHIN_DAYS
from apps.venues.selectors import room_list

HOURS = {"max_digits": 5, "decimal_places": 1}
TOTAL_HOURS = {"max_digits": 7, "decimal_places": 1}


def _courses(*, user):
    return scoped(TrainingCourse.objects.all(), user)


def _sessions(*, user):
    return scoped(TrainingSession.objects.all(), user).select_related("course")


def masked_name(name: str) -> str:
    """马晓梅 → 马＊＊: the first character, a ＊ for each of the others (as the public page shows it)."""
    return name[:1] + "＊" * max(len(name) - 1, 1)


# Reference data ------------------------------------------------------------------------


class ExpertiseFieldSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExpertiseField
        fields = ["id", "code", "name"]
        read_only_fields = fields


# Courses -------------------------------------------------------------------------------


class TrainingCourseSerializer(serializers.ModelSerializer):
    lead_organization = ScopedPrimaryKeyRelatedField(selector=organization_list, label="牵头组织")
    lead_organization_name = serializers.CharField(source="lead_organization.name", read_only=True)
    co_organizers = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=Organization.objects.all(),
        required=False,
        label="联合主办",
        help_text="联合主办组织 ID（可为其他群团、其他地区的组织），修改时给出即整体替换；牵头组织不必列出。"
        "联合主办组织的工作人员同样可以看到并管理本班。",
    )
    federation = serializers.PrimaryKeyRelatedField(
        queryset=Federation.objects.all(),
        required=False,
        allow_null=True,
        label="业务所属群团",
        help_text="业务培训（is_common=false）必填；通用知识培训忽略。",
    )
    target_federation = serializers.PrimaryKeyRelatedField(
        queryset=Federation.objects.all(),
        required=False,
        allow_null=True,
        label="培训对象：群团",
        help_text="只招收该群团的干部；不填为各群团。",
    )
    credit_hours = serializers.DecimalField(**HOURS, label="学时", help_text="各课次学时合计不能超过它。")
    enrolled_count = serializers.IntegerField(read_only=True, label="在册学员数")
    session_count = serializers.IntegerField(read_only=True, label="课次数")
    first_start = serializers.DateTimeField(read_only=True, allow_null=True, label="首次课开始时间")
    last_end = serializers.DateTimeField(read_only=True, allow_null=True, label="末次课结束时间")

    class Meta:
        model = TrainingCourse
        fields = [
            "id",
            "title",
            "lead_organization",
            "lead_organization_name",
            "co_organizers",
            "mode",
            "format",
            "is_common",
            "federation",
            "credit_hours",
            "target_federation",
            "target_level",
            "target_post_type",
            "capacity",
            "enrolled_count",
            "session_count",
            "first_start",
            "last_end",
            "status",
            "description",
            "updated_at",
        ]
        read_only_fields = ["status", "updated_at"]
        extra_kwargs = {"description": {"required": False}}


class PeopleSerializer(serializers.Serializer):
    people = ScopedPrimaryKeyRelatedField(
        selector=person_list,
        many=True,
        label="学员",
        help_text="人员 ID，须是您范围内、当前任职符合培训对象的干部。",
    )


class PersonSerializer(serializers.Serializer):
    person = ScopedPrimaryKeyRelatedField(selector=person_list, label="学员", help_text="人员 ID。")


class CourseEnrollmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    course = serializers.IntegerField(source="course_id", read_only=True, help_text="培训班 ID。")
    person = serializers.IntegerField(source="person_id", read_only=True, help_text="人员 ID。")
    person_name = serializers.CharField(source="person.name", read_only=True)
    status = serializers.CharField(read_only=True, help_text="enrolled 在册，withdrawn 已退出。")
    enrolled_at = serializers.DateTimeField(read_only=True)


class RosterRowSerializer(serializers.Serializer):
    enrollment = serializers.IntegerField(source="enrollment.pk", help_text="学员记录 ID。")
    person = serializers.IntegerField(source="enrollment.person_id", help_text="人员 ID。")
    person_name = serializers.CharField(source="enrollment.person.name")
    region = serializers.CharField(source="enrollment.person.region.name", help_text="人员所在区划。")
    hours = serializers.DecimalField(**TOTAL_HOURS, help_text="已出勤课次的学时合计（只计出勤）。")
    completed = serializers.BooleanField(help_text="出勤学时达到结业要求（培训班学时的 80%）。")
    certificate_code = serializers.SerializerMethodField(help_text="结业证书验证码；尚未发证为 null。")

    def get_certificate_code(self, row) -> str | None:
        certificate = getattr(row.enrollment, "certificate", None)
        return certificate.code if certificate is not None else None


class CertificateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    person = serializers.IntegerField(source="enrollment.person_id", help_text="人员 ID。")
    person_name = serializers.CharField(source="enrollment.person.name")
    code = serializers.CharField(help_text="验证码：任何人可在 certificates/verify/?code= 核验。")
    hours = serializers.DecimalField(**HOURS, help_text="获得学时。")
    issued_on = serializers.DateField()


class CertificateCheckSerializer(serializers.Serializer):
    """What the public check shows: only what is printed on the certificate, the name masked."""

    code = serializers.CharField(help_text="验证码。")
    name = serializers.SerializerMethodField(help_text="持证人姓名（只显示第一个字）。")
    course = serializers.CharField(source="enrollment.course.title", help_text="培训班名称。")
    hours = serializers.DecimalField(**HOURS, help_text="获得学时。")
    organizers = serializers.SerializerMethodField(help_text="主办单位：牵头组织在前，联合主办在后。")
    issued_on = serializers.DateField(help_text="发证日期。")

    def get_name(self, certificate) -> str:
        return masked_name(certificate.enrollment.person.name)

    def get_organizers(self, certificate) -> list[str]:
        course = certificate.enrollment.course
        return [course.lead_organization.name, *(o.name for o in course.co_organizers.all())]


class CodeQuerySerializer(serializers.Serializer):
    code = serializers.CharField(max_length=32, label="验证码", help_text="证书上的验证码，如 ABCD-EFGH-JKLM-NPQR。")


# Sessions ------------------------------------------------------------------------------


class TrainingSessionSerializer(serializers.ModelSerializer):
    course = ScopedPrimaryKeyRelatedField(selector=_courses, label="培训班", help_text="开班中的培训班 ID。")
    course_title = serializers.CharField(source="course.title", read_only=True)
    hours = serializers.DecimalField(**HOURS, label="学时")
    room = ScopedPrimaryKeyRelatedField(
        selector=room_list,
        required=False,
        allow_null=True,
        label="场地房间",
        help_text="给出时按课次时间通过场地预约服务预约该房间；房间已被占用时 409。",
    )
    lecturers = ScopedPrimaryKeyRelatedField(
        selector=person_list,
        many=True,
        required=False,
        label="授课人",
        help_text="人员 ID（干部或专家）；专家库中的专家也可用 experts/{id}/invite/ 邀请，并记入其使用记录。",
    )
    contact_name = serializers.CharField(
        max_length=32, required=False, write_only=True, label="预约联系人", help_text="预约房间时使用。"
    )
    contact_phone = serializers.CharField(
        max_length=32, required=False, write_only=True, label="联系电话", help_text="预约房间时使用。"
    )
    booking_status = serializers.CharField(source="booking.status", read_only=True, allow_null=True, default=None)
    present_count = serializers.IntegerField(read_only=True, label="出勤人数")

    class Meta:
        model = TrainingSession
        fields = [
            "id",
            "course",
            "course_title",
            "title",
            "starts_at",
            "ends_at",
            "hours",
            "location",
            "room",
            "booking",
            "booking_status",
            "online_url",
            "lecturers",
            "contact_name",
            "contact_phone",
            "present_count",
            "updated_at",
        ]
        read_only_fields = ["booking", "updated_at"]
        extra_kwargs = {"location": {"required": False}, "online_url": {"required": False}}


# Attendance ----------------------------------------------------------------------------


class AttendanceSerializer(serializers.ModelSerializer):
    course = serializers.IntegerField(source="session.course_id", read_only=True, help_text="培训班 ID。")
    person_name = serializers.CharField(source="person.name", read_only=True)
    hours = serializers.SerializerMethodField(help_text="本次计入的学时：出勤为课次学时，请假、缺勤为 0。")

    class Meta:
        model = Attendance
        fields = ["id", "session", "course", "person", "person_name", "status", "hours", "updated_at"]
        read_only_fields = fields

    def get_hours(self, attendance) -> str:
        hours = attendance.session.hours if attendance.status == AttendanceStatus.PRESENT else 0
        return f"{hours:.1f}"


class MarkSerializer(serializers.Serializer):
    person = ScopedPrimaryKeyRelatedField(selector=person_list, label="学员", help_text="人员 ID。")
    status = serializers.ChoiceField(choices=AttendanceStatus.choices, label="出勤")


class MarkSheetSerializer(serializers.Serializer):
    session = ScopedPrimaryKeyRelatedField(selector=_sessions, label="课次", help_text="已开始的课次 ID。")
    marks = MarkSerializer(
        many=True,
        allow_empty=False,
        label="考勤",
        help_text="每名学员一行；已登记过的学员按本次更正。",
    )

    def validate_marks(self, marks):
        seen, errors = set(), []
        for mark in marks:
            if mark["person"].pk in seen:
                errors.append(f"{mark['person'].name}重复出现。")
            seen.add(mark["person"].pk)
        if errors:
            raise serializers.ValidationError(errors)
        return marks


class RecordQuerySerializer(serializers.Serializer):
    person = ScopedPrimaryKeyRelatedField(selector=person_list, label="干部", help_text="人员 ID。")
    year = serializers.IntegerField(
        min_value=2000, max_value=2100, required=False, label="年度", help_text="不填为今年。"
    )


class CadreHoursQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(
        min_value=2000, max_value=2100, required=False, label="年度", help_text="不填为今年。"
    )
    behind = serializers.BooleanField(
        default=False, label="只看未达标", help_text="true：只列学时未达到年度要求的干部。"
    )


class CourseLineSerializer(serializers.Serializer):
    course = serializers.IntegerField(source="enrollment.course_id", help_text="培训班 ID。")
    course_title = serializers.CharField(source="enrollment.course.title")
    lead_organization_name = serializers.CharField(source="enrollment.course.lead_organization.name")
    status = serializers.CharField(source="enrollment.status", help_text="enrolled 在册，withdrawn 已退出。")
    hours = serializers.DecimalField(**TOTAL_HOURS, help_text="该年度在本班出勤的学时。")
    certificate_code = serializers.CharField(source="certificate.code", allow_null=True, default=None)
    certificate_issued_on = serializers.DateField(source="certificate.issued_on", allow_null=True, default=None)


class TrainingRecordSerializer(serializers.Serializer):
    person = serializers.IntegerField(source="person.pk", help_text="人员 ID。")
    person_name = serializers.CharField(source="person.name")
    year = serializers.IntegerField()
    required = serializers.DecimalField(**TOTAL_HOURS, help_text="年度学时要求。")
    hours = serializers.DecimalField(**TOTAL_HOURS, help_text="该年度已获学时（只计出勤课次）。")
    behind = serializers.DecimalField(**TOTAL_HOURS, help_text="距年度要求还差的学时，达标为 0。")
    courses = CourseLineSerializer(many=True, help_text="该年度有课次的各培训班。")


class CadreHoursSerializer(serializers.Serializer):
    person = serializers.IntegerField(source="pk", help_text="人员 ID。")
    name = serializers.CharField()
    region = serializers.CharField(source="region.name", help_text="人员所在区划。")
    hours = serializers.DecimalField(**TOTAL_HOURS, source="year_hours", help_text="该年度已获学时。")
    required = serializers.SerializerMethodField(help_text="年度学时要求。")
    behind = serializers.SerializerMethodField(help_text="还差的学时，达标为 0。")

    def get_required(self, person) -> str:
        return f"{self.context['required']:.1f}"

    def get_behind(self, person) -> str:
        return f"{max(self.context['required'] - person.year_hours, 0):.1f}"


# Rotations -----------------------------------------------------------------------------


class RotationSerializer(serializers.ModelSerializer):
    person = serializers.IntegerField(source="person_id", read_only=True, help_text="干部的人员 ID（原任职的人）。")
    person_name = serializers.CharField(source="person.name", read_only=True)
    from_post = ScopedPrimaryKeyRelatedField(
        selector=cadre_post_list, label="原任职", help_text="干部当前任职 ID（cadre-posts/），须在您的范围内。"
    )
    from_organization = serializers.IntegerField(source="from_post.organization_id", read_only=True)
    from_organization_name = serializers.CharField(source="from_post.organization.name", read_only=True)
    to_organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(),
        label="轮岗组织",
        help_text="可为其他群团、其他地区的组织；与原任职不属同一群团时为跨群团交流，单独统计。",
    )
    to_organization_name = serializers.CharField(source="to_organization.name", read_only=True)
    post_type = serializers.ChoiceField(choices=PostType.choices, default=PostType.ROTATION, label="任职方式")

    class Meta:
        model = Rotation
        fields = [
            "id",
            "person",
            "person_name",
            "from_post",
            "from_organization",
            "from_organization_name",
            "to_organization",
            "to_organization_name",
            "post_type",
            "title",
            "start_date",
            "end_date",
            "status",
            "across_federations",
            "post",
            "note",
            "updated_at",
        ]
        read_only_fields = ["status", "across_federations", "post", "updated_at"]
        extra_kwargs = {"note": {"required": False}}


class DuePostSerializer(serializers.Serializer):
    post = serializers.IntegerField(source="pk", help_text="任职 ID（轮岗时作为 from_post）。")
    person = serializers.IntegerField(source="person_id", help_text="人员 ID。")
    person_name = serializers.CharField(source="person.name")
    organization = serializers.IntegerField(source="organization_id")
    organization_name = serializers.CharField(source="organization.name")
    federation = serializers.IntegerField(source="organization.federation_id")
    post_type = serializers.CharField(help_text="任职方式。")
    title = serializers.CharField(help_text="职务。")
    start_date = serializers.DateField(help_text="任职开始日期。")
    max_months = serializers.IntegerField(help_text="该任职方式的最长任职（月）。")
    due_date = serializers.DateField(help_text="最长任职期满之日；已过则早于今天。")


class DueQuerySerializer(serializers.Serializer):
    within_days = serializers.IntegerField(
        min_value=0,
        max_value=3650,
        default=DUE_WITHIN_DAYS,
        label="提前天数",
        help_text=f"期满在此天数之内（含已超期）的任职；默认 {DUE_WITHIN_DAYS} 天。",
    )


# Experts -------------------------------------------------------------------------------


class ExpertSerializer(serializers.ModelSerializer):
    person = ScopedPrimaryKeyRelatedField(
        selector=person_list, label="人员", help_text="人员 ID（people/）；每人只能入库一次，重复时 409。"
    )
    person_name = serializers.CharField(source="person.name", read_only=True)
    fields = serializers.SlugRelatedField(
        many=True,
        slug_field="code",
        queryset=ExpertiseField.objects.all(),
        label="专长领域",
        help_text="专长领域代码（expertise-fields/），至少一个。",
    )
    field_names = serializers.SerializerMethodField(method_name="names_of_fields", help_text="专长领域名称。")
    region = ScopedPrimaryKeyRelatedField(
        selector=region_list,
        required=False,
        label="所在区划",
        help_text="不填为人员户籍所在区划；须在您的范围内。",
    )
    region_name = serializers.CharField(source="region.name", read_only=True)
    certification_list = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="资质证书，每行一项拆开。"
    )
    availability = serializers.ChoiceField(
        choices=Availability.choices, default=Availability.AVAILABLE, label="可邀请情况"
    )
    joined_on = serializers.DateField(required=False, label="入库日期", help_text="不填为今天。")
    lectures = serializers.IntegerField(read_only=True, label="授课次数")
    posts = serializers.IntegerField(read_only=True, label="任用次数")

    class Meta:
        model = Expert
        fields = [
            "id",
            "person",
            "person_name",
            "fields",
            "field_names",
            "region",
            "region_name",
            "specialty",
            "certifications",
            "certification_list",
            "availability",
            "availability_note",
            "is_active",
            "joined_on",
            "lectures",
            "posts",
            "updated_at",
        ]
        read_only_fields = ["is_active", "updated_at"]
        extra_kwargs = {"certifications": {"required": False}, "availability_note": {"required": False}}

    def names_of_fields(self, expert) -> list[str]:
        return [field.name for field in expert.fields.all()]


class ExpertUpdateSerializer(ExpertSerializer):
    """The person stays who they are; an expert leaves the pool with is_active=false."""

    person = serializers.PrimaryKeyRelatedField(read_only=True, label="人员")
    joined_on = serializers.DateField(read_only=True, label="入库日期")

    class Meta(ExpertSerializer.Meta):
        read_only_fields = ["updated_at"]


class InviteSerializer(serializers.Serializer):
    session = ScopedPrimaryKeyRelatedField(selector=_sessions, label="课次", help_text="授课的课次 ID。")
    note = serializers.CharField(max_length=255, required=False, default="", allow_blank=True, label="说明")


class RecruitSerializer(serializers.Serializer):
    organization = ScopedPrimaryKeyRelatedField(selector=organization_list, label="任用组织")
    post_type = serializers.ChoiceField(choices=PostType.choices, label="任职方式")
    title = serializers.CharField(max_length=64, label="职务")
    start_date = serializers.DateField(label="开始日期")
    end_date = serializers.DateField(required=False, allow_null=True, label="结束日期", help_text="不填为长期。")


class EngagementSerializer(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    course = serializers.IntegerField(source="session.course_id", read_only=True, allow_null=True, default=None)
    course_title = serializers.CharField(source="session.course.title", read_only=True, allow_null=True, default=None)

    class Meta:
        model = ExpertEngagement
        fields = [
            "id",
            "expert",
            "kind",
            "organization",
            "organization_name",
            "session",
            "course",
            "course_title",
            "post",
            "date",
            "note",
        ]
        read_only_fields = fields
