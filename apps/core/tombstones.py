"""Deletion tombstones for delta sync: recorded on every delete, purged after retention."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from apps.core.models import Deletion, SyncedModel


def record_deletion(sender, instance, **kwargs) -> None:
    if not isinstance(instance, SyncedModel) or instance.pk is None:
        return
    region_path, organization_path = instance.tombstone_paths()
    Deletion.objects.create(
        model=instance.sync_resource or instance._meta.label_lower,
        object_id=instance.pk,
        region_path=region_path,
        organization_path=organization_path,
    )


def tombstones_purge(*, older_than_days: int | None = None) -> int:
    """Drop tombstones past retention; a client that last synced before then resyncs fully."""
    days = older_than_days if older_than_days is not None else settings.SYNC_TOMBSTONE_RETENTION_DAYS
    deleted, _ = Deletion.objects.filter(deleted_at__lt=timezone.now() - timedelta(days=days)).delete()
    return deleted
