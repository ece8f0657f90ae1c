"""One export a user asked for: what, in which format, how far it got, and the file it made."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ExportKind(models.TextChoices):
    MEMBERSHIPS = "memberships", "会员关系"
    PEOPLE = "people", "人员"


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel（xlsx）"


class ExportStatus(models.TextChoices):
    PENDING = "pending", "排队中"
    RUNNING = "running", "导出中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class ExportJob(models.Model):
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.CASCADE, related_name="export_jobs"
    )
    kind = models.CharField("导出内容", max_length=16, choices=ExportKind.choices)
    format = models.CharField("格式", max_length=8, choices=ExportFormat.choices, default=ExportFormat.CSV)
    # {"region": "630102", "federation": 3}: narrows the requester's scope, never widens it.
    filters = models.JSONField("筛选条件", default=dict, blank=True)
    status = models.CharField("状态", max_length=16, choices=ExportStatus.choices, default=ExportStatus.PENDING)
    row_count = models.PositiveIntegerField("行数", null=True, blank=True)
    file = models.FileField("文件", upload_to="exports/%Y/%m/", blank=True)
    error = models.TextField("错误", blank=True)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "导出任务"
        verbose_name_plural = "导出任务"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["requested_by", "-created_at"], name="exports_job_user_created")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{self.get_format_display()}）· {self.get_status_display()}"

    @property
    def filename(self) -> str:
        return f"{self.kind}-{self.pk}.{self.format}"
