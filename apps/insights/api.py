"""/api/v1/people/{id}/record/: 一人一档, one person's whole record across the apps.

apps.insights.selectors.person_record gathers it, one scoped query per section, and answers
404 for a person outside the viewer's scope; an item outside the scope is simply absent, as
in its own list. It sits under `people/` without apps/members knowing of it: the route is
declared in qunzhi/api_urls.py before the router's.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.insights.selectors import person_record
from apps.members.models import Person

RECORD = (
    "一个人在各群团的全部记录：会员关系及其历史（membership）、干部任职（cadre_post）、活动报名与参加"
    "（registration）、志愿服务时长（volunteer）、从各项目接受的服务（service），每条注明其所属组织。"
    "sections 按类别分组，timeline 为同样的条目按日期从新到旧排列。只包含您管辖范围内的条目；"
    "人员不在您的范围内时 404。查询次数不随档案大小增长。"
)


class RecordPersonSerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["id", "name", "id_number_masked", "gender", "birth_date", "region"]
        read_only_fields = fields


class RecordOrganizationSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    federation = serializers.IntegerField(source="federation_id", help_text="群团类别 ID。")
    federation_name = serializers.CharField(source="federation.name", help_text="群团类别名称。")


class RecordItemSerializer(serializers.Serializer):
    kind = serializers.CharField(
        help_text="membership、cadre_post、registration、volunteer、service、training、rotation、"
        "expert 或 expert_engagement。"
    )
    object_id = serializers.IntegerField(help_text="该条目在其所属资源中的 ID（memberships/、service-records/ ……）。")
    date = serializers.DateField(help_text="开始（入会、任职、活动、服务）日期。")
    end_date = serializers.DateField(allow_null=True, help_text="结束日期；没有或尚未结束时为 null。")
    title = serializers.CharField()
    detail = serializers.CharField(allow_blank=True)
    status = serializers.CharField(allow_blank=True, help_text="状态说明（中文）。")
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, allow_null=True, help_text="计入本类合计的数量（如志愿时长），没有时为 null。"
    )
    organization = RecordOrganizationSerializer(allow_null=True, help_text="条目所属的组织。")


class RecordSectionSerializer(serializers.Serializer):
    kind = serializers.CharField()
    title = serializers.CharField()
    total_label = serializers.CharField(allow_blank=True, help_text="合计的名称；本类没有合计时为空。")
    total = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True, help_text="本类条目 amount 之和；没有合计时为 null。"
    )
    items = RecordItemSerializer(many=True)


class PersonRecordSerializer(serializers.Serializer):
    person = RecordPersonSerializer()
    sections = RecordSectionSerializer(many=True)
    timeline = RecordItemSerializer(many=True, help_text="全部条目，按日期从新到旧。")


class PersonRecordView(APIView):
    """一人一档。"""

    permission_classes = [IsAuthenticated]

    @extend_schema(summary="一人一档", description=RECORD, responses=PersonRecordSerializer)
    def get(self, request, pk: int):
        return Response(PersonRecordSerializer(person_record(user=request.user, person_id=pk)).data)
