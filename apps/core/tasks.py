from __future__ import annotations

from celery import shared_task

from apps.core.tombstones import tombstones_purge


@shared_task(name="core.tombstones_purge")
def tombstones_purge_task(older_than_days: int | None = None) -> int:
    return tombstones_purge(older_than_days=older_than_days)
