from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import worker_ready

from apps.core.outbox import outbox_relay
from apps.core.tombstones import tombstones_purge

logger = logging.getLogger(__name__)


@shared_task(name="core.tombstones_purge")
def tombstones_purge_task(older_than_days: int | None = None) -> int:
    return tombstones_purge(older_than_days=older_than_days)


@shared_task(name="core.outbox_relay")
def outbox_relay_task() -> int:
    return outbox_relay()


@worker_ready.connect
def _relay_on_worker_start(sender=None, **kwargs) -> None:
    # What piled up while no worker (or no broker) was there goes out now, not at the next beat.
    try:
        published = outbox_relay()
    except Exception:  # noqa: BLE001 - a worker must start even if the relay cannot run yet
        logger.exception("Outbox relay at worker start failed")
        return
    if published:
        logger.info("Outbox relay at worker start published %d messages", published)
