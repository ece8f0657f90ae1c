"""/api/v1/exports/: ask for an export, follow its status, download the file."""

from __future__ import annotations

from django.http import FileResponse, Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from apps.core.api import ScopedReadOnlyViewSet
from apps.exports import selectors, services
from apps.exports.models import ExportFormat, ExportJob, ExportKind, ExportStatus


class ExportJobSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField(label="下载地址")

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "kind",
            "format",
            "filters",
            "status",
            "row_count",
            "error",
            "created_at",
            "finished_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, job: ExportJob) -> str | None:
        if job.status != ExportStatus.DONE:
            return None
        request = self.context.get("request")
        path = f"/api/v1/exports/{job.pk}/download/"
        return request.build_absolute_uri(path) if request else path


class ExportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ExportKind.choices, label="导出内容")
    format = serializers.ChoiceField(choices=ExportFormat.choices, default=ExportFormat.CSV, label="格式")
    filters = serializers.DictField(
        required=False, default=dict, label="筛选条件", help_text='{"region": "630102", "federation": 3}，均可省略。'
    )


class ExportJobViewSet(ScopedReadOnlyViewSet):
    """A user sees only the exports they asked for; what an export holds is their scope at the time it ran."""

    selector = staticmethod(selectors.export_job_list)
    serializer_class = ExportJobSerializer
    # One's own jobs need no model permission; what may be exported is checked by export_request.
    permission_classes = [IsAuthenticated]
    pagination_class = None
    # A handful of one's own jobs, newest first: no delta sync (jobs have no updated_at), search or ordering.
    filter_backends = []

    @extend_schema(summary="申请导出", request=ExportRequestSerializer, responses={201: ExportJobSerializer})
    def create(self, request):
        body = ExportRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        job = services.export_request(actor=request.user, **body.validated_data)
        job.refresh_from_db()  # without Redis the task has already run
        return Response(self.get_serializer(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="下载导出文件", responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        job = self.get_object()
        if job.status != ExportStatus.DONE or not job.file:
            raise Http404
        return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.filename)
