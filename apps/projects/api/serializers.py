"""Serializers of projects, bundles and service records: they parse input, the services decide."""

from __future__ import annotations

from rest_framework import serializers

from apps.core.api import ScopedPrimaryKeyRelatedField
from apps.members.models import IdentityTag
from apps.members.selectors import person_list
from apps.organizations.models import Organization
from apps.organizations.selectors import organization_list, region_list
from apps.projects.models import (
    Bundle,
    ContentCategory,
    Goal,
    PolicyStandard,
    ProjectExpense,
    ProjectParticipant,
    ProjectRole,
    ServiceProject,
    ServiceRecord,
    ServiceType,
    WorkNature,
)
from apps.projects.selectors import project_list
from apps.resources.models import ExpenseCategory
from apps.resources.selectors import fund_list

MONEY = {"max_digits": 16, "decimal_places": 2}


# Reference data ------------------------------------------------------------------------


class PolicyStandardSerializer(serializers.ModelSerializer):
    class Meta:
        model = PolicyStandard
        fields = ["id", "code", "name", "document", "standard"]
        read_only_fields = fields


class WorkNatureSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkNature
        fields = ["id", "code", "name"]
        read_only_fields = fields


class ContentCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = ContentCategory
        fields = ["id", "code", "name"]
        read_only_fields = fields


class ServiceTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceType
        fields = ["id", "code", "name", "unit", "one_off", "category"]
        read_only_fields = fields


# Projects -----------------------------------------------------------------------------


class ProjectParticipantSerializer(serializers.ModelSerializer):
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), label="组织", help_text="参与组织 ID（可为其他群团、其他地区的组织）。"
    )
    role = serializers.ChoiceField(choices=ProjectRole.choices, default=ProjectRole.PARTNER, label="角色")

    class Meta:
        model = ProjectParticipant
        fields = ["organization", "role"]


class GoalSerializer(serializers.ModelSerializer):
    service_type = serializers.PrimaryKeyRelatedField(
        queryset=ServiceType.objects.all(),
        required=False,
        allow_null=True,
        label="服务",
        help_text="服务量（quantity）口径必填，且须是项目提供的服务；其他口径忽略。",
    )
    target = serializers.DecimalField(max_digits=14, decimal_places=2, label="目标值")

    class Meta:
        model = Goal
        fields = ["id", "name", "metric", "service_type", "target"]


class ProjectSerializer(serializers.ModelSerializer):
    lead_organization = ScopedPrimaryKeyRelatedField(selector=organization_list, label="牵头组织")
    lead_organization_name = serializers.CharField(source="lead_organization.name", read_only=True)
    participants = ProjectParticipantSerializer(
        many=True, required=False, label="参与组织", help_text="修改时给出即整体替换；牵头组织不必列出。"
    )
    policy_standard = serializers.PrimaryKeyRelatedField(queryset=PolicyStandard.objects.all(), label="政策标准")
    work_nature = serializers.PrimaryKeyRelatedField(queryset=WorkNature.objects.all(), label="工作性质")
    content_category = serializers.PrimaryKeyRelatedField(queryset=ContentCategory.objects.all(), label="服务内容")
    service_types = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=ServiceType.objects.all(),
        label="提供的服务",
        help_text="服务 ID（service-types/），至少一项。",
    )
    region = ScopedPrimaryKeyRelatedField(
        selector=region_list, label="服务区域", help_text="服务对象居住在该区划及其下级区划。"
    )
    target_tags = serializers.SlugRelatedField(
        many=True,
        slug_field="code",
        queryset=IdentityTag.objects.all(),
        required=False,
        label="服务对象身份",
        help_text="身份标签代码；具有任一身份即在服务对象范围内，留空为不限。",
    )
    fund = ScopedPrimaryKeyRelatedField(
        selector=fund_list,
        required=False,
        allow_null=True,
        label="经费来源",
        help_text="有预算时必填；经费年度须在项目期间内。",
    )
    budget = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, label="预算（元）")
    goals = GoalSerializer(
        many=True, required=False, label="目标", help_text="新建时可一并给出；之后用 projects/{id}/goals/ 添加。"
    )
    spent = serializers.DecimalField(**MONEY, read_only=True, label="已支出（元）", help_text="扣除冲销后的净支出。")
    records_count = serializers.IntegerField(read_only=True, label="服务人次")
    people_served = serializers.IntegerField(read_only=True, label="服务人数", help_text="同一人多次服务计一人。")

    class Meta:
        model = ServiceProject
        fields = [
            "id",
            "name",
            "lead_organization",
            "lead_organization_name",
            "participants",
            "policy_standard",
            "work_nature",
            "content_category",
            "service_types",
            "region",
            "target_tags",
            "min_age",
            "max_age",
            "gender",
            "fund",
            "budget",
            "spent",
            "start_date",
            "end_date",
            "status",
            "bundle",
            "description",
            "goals",
            "records_count",
            "people_served",
            "updated_at",
        ]
        read_only_fields = ["status", "bundle", "updated_at"]


class ProjectUpdateSerializer(ProjectSerializer):
    """Goals are added and removed one by one (projects/{id}/goals/), never replaced by an edit."""

    goals = GoalSerializer(many=True, read_only=True, label="目标")


class ProjectExpenseSerializer(serializers.ModelSerializer):
    """Written as the expenditure it makes in the fund's ledger; read back from that ledger entry."""

    amount = serializers.DecimalField(max_digits=14, decimal_places=2, source="entry.amount", label="金额（元）")
    date = serializers.DateField(source="entry.date", label="支出日期")
    voucher_number = serializers.CharField(max_length=32, source="entry.voucher_number", label="凭证号")
    category = serializers.PrimaryKeyRelatedField(
        queryset=ExpenseCategory.objects.all(), source="entry.category", label="支出类别"
    )
    note = serializers.CharField(max_length=200, allow_blank=True, default="", source="entry.note", label="摘要")
    fund = serializers.IntegerField(source="entry.fund_id", read_only=True, label="经费 ID")

    class Meta:
        model = ProjectExpense
        fields = ["id", "project", "entry", "fund", "amount", "date", "voucher_number", "category", "note"]
        read_only_fields = ["project", "entry"]


# Figures ------------------------------------------------------------------------------


class ServiceFigureSerializer(serializers.Serializer):
    service_type = serializers.IntegerField(source="service_type_id", help_text="服务 ID。")
    name = serializers.CharField(help_text="服务名称。")
    unit = serializers.CharField(help_text="计量单位。")
    records = serializers.IntegerField(help_text="服务人次。")
    quantity = serializers.DecimalField(**MONEY, help_text="服务量合计。")


class GoalProgressSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="goal.pk")
    name = serializers.CharField(source="goal.name")
    metric = serializers.CharField(source="goal.metric", help_text="people、records、quantity 或 spending。")
    service_type = serializers.IntegerField(source="goal.service_type_id", allow_null=True)
    target = serializers.DecimalField(max_digits=14, decimal_places=2, source="goal.target")
    achieved = serializers.DecimalField(**MONEY, help_text="已完成。")
    percent = serializers.IntegerField(help_text="完成百分比，最多 100。")


class FiguresSerializer(serializers.Serializer):
    people = serializers.IntegerField(help_text="服务人数（同一人计一次）。")
    records = serializers.IntegerField(help_text="服务人次。")
    spent = serializers.DecimalField(**MONEY, help_text="净支出（元）。")
    budget = serializers.DecimalField(**MONEY, help_text="预算（元）。")
    remaining = serializers.DecimalField(**MONEY, help_text="预算余额（元）。")
    services = ServiceFigureSerializer(many=True, help_text="各项服务的人次和服务量。")
    goals = GoalProgressSerializer(many=True, help_text="各目标的完成情况。")


# Bundles ------------------------------------------------------------------------------


class BundleSerializer(serializers.ModelSerializer):
    lead_organization = ScopedPrimaryKeyRelatedField(
        selector=organization_list, label="牵头组织", help_text="捆绑建议的 suggested_lead_organization。"
    )
    lead_organization_name = serializers.CharField(source="lead_organization.name", read_only=True)
    projects = ScopedPrimaryKeyRelatedField(
        selector=project_list,
        many=True,
        label="成员项目",
        help_text="至少两个服务内容相同、尚未捆绑、未结项的项目 ID；已属于其他捆绑项目时 409。",
    )
    budget = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        required=False,
        label="统筹预算（元）",
        help_text="新建时不填则为各成员项目预算之和。",
    )
    goals = GoalSerializer(many=True, read_only=True, label="共同目标", help_text="新建时为各成员项目目标之和。")
    project_count = serializers.IntegerField(read_only=True, label="成员项目数")
    records_count = serializers.IntegerField(read_only=True, label="服务人次")
    people_served = serializers.IntegerField(
        read_only=True, label="服务人数", help_text="被几个成员项目服务的人只计一次。"
    )
    spent = serializers.DecimalField(**MONEY, read_only=True, label="成员项目净支出合计（元）")

    class Meta:
        model = Bundle
        fields = [
            "id",
            "name",
            "lead_organization",
            "lead_organization_name",
            "budget",
            "description",
            "projects",
            "goals",
            "project_count",
            "records_count",
            "people_served",
            "spent",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]
        extra_kwargs = {"description": {"required": False}}


class BundleUpdateSerializer(BundleSerializer):
    """Members come and go through add-project / remove-project, one at a time."""

    projects = serializers.PrimaryKeyRelatedField(many=True, read_only=True, label="成员项目")


class BundleProjectSerializer(serializers.Serializer):
    project = ScopedPrimaryKeyRelatedField(selector=project_list, label="项目", help_text="服务项目 ID。")


class MemberFiguresSerializer(serializers.ModelSerializer):
    """A member project with its own figures: a person it served counts here even if another member did too."""

    spent = serializers.DecimalField(**MONEY, read_only=True)
    records_count = serializers.IntegerField(read_only=True)
    people_served = serializers.IntegerField(read_only=True)

    class Meta:
        model = ServiceProject
        fields = ["id", "name", "lead_organization", "status", "budget", "spent", "records_count", "people_served"]
        read_only_fields = fields


class BundleFiguresSerializer(serializers.Serializer):
    totals = FiguresSerializer(help_text="捆绑项目合计：被几个成员项目服务的人只计一次；目标为共同目标。")
    members = MemberFiguresSerializer(many=True, help_text="各成员项目自己的数字。")
    members_budget = serializers.DecimalField(**MONEY, help_text="成员项目预算之和（元）。")
    people_counted_twice = serializers.IntegerField(
        help_text="成员项目人数相加比合计多出的人数：被不止一个成员项目服务的人。"
    )


class SuggestionMatchesSerializer(serializers.Serializer):
    policy_standard = serializers.BooleanField(help_text="政策标准相同。")
    target = serializers.BooleanField(help_text="服务对象重叠。")
    work_nature = serializers.BooleanField(help_text="工作性质相近。")
    content_category = serializers.BooleanField(help_text="服务内容相同（始终为 true）。")


class SuggestionProjectSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    lead_organization = serializers.IntegerField(source="lead_organization_id")
    lead_organization_name = serializers.CharField()


class SuggestionSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="成员项目 ID 以“-”连接，标识这条建议。")
    score = serializers.IntegerField(help_text="每符合一条标准 25 分，满分 100。")
    matches = SuggestionMatchesSerializer()
    matched = serializers.ListField(child=serializers.CharField(), help_text="符合的标准。")
    unmatched = serializers.ListField(child=serializers.CharField(), help_text="不符合的标准。")
    projects = SuggestionProjectSerializer(many=True)
    suggested_name = serializers.CharField(source="name", help_text="建议的捆绑项目名称。")
    suggested_lead_organization = serializers.IntegerField(
        source="lead_organization_id", help_text="建议的牵头组织 ID：层级最高者，同级依次为工会、共青团、妇联……"
    )
    suggested_lead_organization_name = serializers.CharField(source="lead_organization_name")


class SuggestionQuerySerializer(serializers.Serializer):
    content_category = serializers.PrimaryKeyRelatedField(
        queryset=ContentCategory.objects.all(), required=False, help_text="只看该服务内容类别的建议。"
    )
    min_score = serializers.IntegerField(
        min_value=0, max_value=100, default=0, help_text="只看不低于该分数的建议（0–100）。"
    )


# Service records ----------------------------------------------------------------------


class ServiceRecordSerializer(serializers.ModelSerializer):
    project = ScopedPrimaryKeyRelatedField(selector=project_list, label="项目", help_text="实施中的服务项目 ID。")
    person = ScopedPrimaryKeyRelatedField(selector=person_list, label="服务对象")
    person_name = serializers.CharField(source="person.name", read_only=True, label="服务对象姓名")
    service_type = serializers.PrimaryKeyRelatedField(
        queryset=ServiceType.objects.all(), label="服务", help_text="项目提供的服务 ID。"
    )
    organization = ScopedPrimaryKeyRelatedField(
        selector=organization_list,
        required=False,
        label="服务单位",
        help_text="项目的牵头或参与组织；不填为牵头组织。",
    )
    quantity = serializers.DecimalField(max_digits=10, decimal_places=2, required=False, label="数量")
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, allow_null=True, label="折合金额（元）"
    )

    class Meta:
        model = ServiceRecord
        fields = [
            "id",
            "project",
            "person",
            "person_name",
            "service_type",
            "one_off",
            "organization",
            "date",
            "quantity",
            "amount",
            "note",
            "updated_at",
        ]
        read_only_fields = ["one_off", "updated_at"]
        extra_kwargs = {"note": {"required": False}}
        # A one-off service received twice is the service's conflict (409), not a 400 here.
        validators: list = []
