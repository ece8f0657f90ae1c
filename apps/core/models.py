from __future__ import annotations

from django.db import models
from django.db.models import Q


class SyncedModel(models.Model):
    """A row mobile clients mirror: `?updated_since=` finds its changes, a tombstone its deletion.

    Subclasses name the API resource they appear under (`sync_resource`) and, for scoping,
    the lookups that reach a region path and an organization path (see
    apps.organizations.scoping); `tombstone_paths()` copies those paths onto the tombstone.
    """

    sync_resource: str = ""
    scope_region_path: str | None = None
    scope_organization_path: str | None = None

    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_index=True)

    class Meta:
        abstract = True

    def tombstone_paths(self) -> tuple[str, str]:
        """(region path, organization path) that decide who may learn of this deletion."""
        return "", ""


class Deletion(models.Model):
    """Tombstone of a deleted synced row, served by `deletions/` for delta sync."""

    scope_region_path = "region_path"
    scope_organization_path = "organization_path"

    model = models.CharField("资源", max_length=64)
    object_id = models.BigIntegerField("对象 ID")
    deleted_at = models.DateTimeField("删除时间", auto_now_add=True, db_index=True)
    region_path = models.CharField("区划路径", max_length=255, blank=True, default="")
    organization_path = models.CharField("组织路径", max_length=255, blank=True, default="")

    class Meta:
        verbose_name = "删除记录"
        verbose_name_plural = "删除记录"
        indexes = [models.Index(fields=["model", "object_id"], name="core_deletion_model_obj")]

    def __str__(self) -> str:
        return f"{self.model}#{self.object_id}"

    @classmethod
    def scope_always_visible(cls) -> Q:
        # Tombstones of reference data (federations) concern every user.
        return Q(region_path="", organization_path="")


class AuditEvent(models.Model):
    """Who read, exported, bulk-imported or erased sensitive personal data, and when (PIPL).

    Row-by-row changes of people, memberships, bookings and ledger entries are django-auditlog's
    LogEntry (apps.core.audit registers them); this table keeps what a change log cannot show:
    reads, exports, the bulk writes that bypass model signals, and erasures with their reason.

    The actor is kept by id and username, not by foreign key: the trail must outlive the
    account and never be cascaded away.
    """

    class Action(models.TextChoices):
        VIEW_FULL_ID_NUMBER = "view_full_id_number", "查看完整身份证号"
        VIEW_FULL_PHONE = "view_full_phone", "查看完整手机号"
        EXPORT = "export", "导出"
        BULK_IMPORT = "bulk_import", "批量导入"
        ERASE = "erase", "匿名化（删除个人信息）"

    action = models.CharField("操作", max_length=32, choices=Action.choices)
    actor_id = models.BigIntegerField("操作人 ID", null=True, blank=True)
    actor_username = models.CharField("操作人", max_length=150, blank=True)
    model = models.CharField("对象类型", max_length=64)
    object_id = models.BigIntegerField("对象 ID", null=True, blank=True)
    detail = models.CharField("说明", max_length=255, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["model", "object_id"], name="core_audit_model_obj")]

    def __str__(self) -> str:
        return f"{self.actor_username} {self.get_action_display()} {self.model}#{self.object_id}"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SENT = "sent", "已发送"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class OutboxMessage(models.Model):
    """A Celery task asked for by a write, kept in the write's own transaction (apps.core.outbox).

    The row commits with the data the task concerns, so a broker that is down loses nothing:
    the relay publishes pending rows later. `task_id` is the Celery task id, so a worker can
    tell a message it already carried out (status done) from a new one.
    """

    task_name = models.CharField("任务", max_length=128)
    args = models.JSONField("参数", default=list, blank=True)
    kwargs = models.JSONField("命名参数", default=dict, blank=True)
    task_id = models.CharField("任务 ID", max_length=64, unique=True)
    status = models.CharField("状态", max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField("发送次数", default=0)
    last_error = models.TextField("最近错误", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "待发任务"
        verbose_name_plural = "待发任务"
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "id"], name="core_outbox_status_id")]

    def __str__(self) -> str:
        return f"{self.task_name}#{self.pk}"
