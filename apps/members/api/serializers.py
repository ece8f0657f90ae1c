"""Serializers of people, memberships and cadre posts; the full ID number only through the audited service."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.fields import SkipField

from apps.core.api import (
    ScopedPrimaryKeyRelatedField,
)
from apps.core.phones import PHONE_MAX_LENGTH
from apps.members import services
from apps.members.models import (
    CadrePost,
    Gender,
    IdentityTag,
    Membership,
    MembershipStatus,
    Person,
)
from apps.members.selectors import person_list
from apps.organizations.selectors import host_unit_list, organization_list, region_list

FULL_ID_PERM = "members.view_full_id_number"
FULL_PHONE_PERM = "members.view_full_phone"
TAGS_HELP = (
    "身份标签代码列表，例如 worker（职工）、farmer_herder（农牧民）、student（学生）、"
    "migrant_worker（农民工）、gig_worker（新就业形态劳动者）、retired（退休）、disabled（残疾人）、"
    "volunteer（志愿者）、veteran（退役军人）；标签由省级管理员维护。"
)


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
    phone = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=PHONE_MAX_LENGTH,
        label="手机号",
        help_text="读取时只返回 phone_masked（如 138****1234）。",
    )

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
            "phone_masked",
            "region",
            "employer",
            "identity_tags",
            "disability_certificate_number",
            "disability_certificate_masked",
            "updated_at",
        ]
        read_only_fields = ["id_number_masked", "phone_masked", "updated_at"]
        # The unique ID number is the service's check, answered with a 409.
        validators: list = []

    def get_disability_certificate_masked(self, person: Person) -> str:
        return person.disability_certificate_masked


_BIRTH_DATE = serializers.DateField()
_UPDATED_AT = serializers.DateTimeField()


def person_list_data(rows: list[dict], tag_codes: dict[int, list[str]]) -> list[dict]:
    """`PersonSerializer(page, many=True).data` of a page read as plain values (selectors.person_list_values).

    The same keys in the same order with the same values, dates formatted by DRF's own fields,
    at a fraction of the cost of a ModelSerializer walking model instances field by field
    (bench scenario 2). A new field of PersonSerializer must be added here too: a test compares both.
    """
    birth_date, updated_at = _BIRTH_DATE.to_representation, _UPDATED_AT.to_representation
    return [
        {
            "id": row["id"],
            "name": row["name"],
            "id_number_masked": row["id_number_masked"],
            "gender": row["gender"],
            "birth_date": birth_date(row["birth_date"]),
            "ethnicity": row["ethnicity"],
            "phone_masked": row["phone_masked"],
            "region": row["region_id"],
            "employer": row["employer_id"],
            "identity_tags": tag_codes.get(row["id"], []),
            # Person.disability_certificate_masked, from the two columns it reads.
            "disability_certificate_masked": (
                f"{row['id_number_masked']}{row['disability_class']}" if row["disability_class"] else ""
            ),
            "updated_at": updated_at(row["updated_at"]),
        }
        for row in rows
    ]


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

    permission = FULL_ID_PERM
    read = staticmethod(services.person_full_id_number)

    def __init__(self, **kwargs):
        # Not read_only: the schema then lists it as optional, which is what it is.
        super().__init__(source="*", required=False, **kwargs)

    def get_attribute(self, person: Person) -> str:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None or not user.has_perm(self.permission):
            raise SkipField
        return self.read(actor=user, person=person)

    def to_representation(self, value: str) -> str:
        return value


class FullPhoneField(FullIdNumberField):
    """The full phone number, on the same terms as the full ID number (its own permission)."""

    permission = FULL_PHONE_PERM
    read = staticmethod(services.person_full_phone)


class PersonDetailSerializer(PersonSerializer):
    id_number = FullIdNumberField(
        label="完整身份证号",
        help_text="仅对有“可查看完整身份证号”权限的用户返回，且每次查看记入审计日志；否则无此字段。",
    )
    phone = FullPhoneField(
        label="完整手机号",
        allow_blank=True,
        help_text="仅对有“可查看完整手机号”权限的用户返回，且每次查看记入审计日志；否则无此字段。",
    )


class PersonEraseSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=200, label="匿名化依据", help_text="如本人申请的编号和日期；记入审计日志。"
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
