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
