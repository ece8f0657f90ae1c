"""Transactional outbox: a task asked for by a write is a row in the write's own transaction.

`outbox_enqueue(task, *args)` replaces `task.delay_on_commit(*args)`. The row commits (or rolls
back) with the data the task concerns; after the commit the task is published to Celery and the
row marked sent. If the broker is down the request still succeeds: the row stays pending and
`outbox_relay` (beat every minute, `manage.py outbox_relay`, and once when a worker starts)
publishes pending rows later, oldest first. With CELERY_TASK_ALWAYS_EAGER publishing runs the
task in-process, as delay_on_commit did.

Exactly once, in effect: the Celery task id is the row's `task_id`, and every task of the app is
an `OutboxTask`, which runs a message from the outbox inside a transaction that locks its row and
marks it done. A message published twice (the relay after a crash between publishing and
marking, or a redelivery after a killed worker) finds its row done and does nothing; a worker
killed half-way leaves no database writes behind, so the redelivered task starts clean.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import timedelta

from celery import Task
from celery.exceptions import Ignore, Retry
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

TASK_ID_PREFIX = "outbox-"
BROKER_UNAVAILABLE = (KombuOperationalError, RedisConnectionError, RedisTimeoutError, OSError)
RELAY_BATCH = 100

# After a failed publish, requests do not try the broker again for this long (each try could
# cost a connect timeout); their rows wait for the relay.
_PUBLISH_PAUSE_SECONDS = 10.0
_broker_down_until = 0.0


def outbox_enqueue(task, *args, **kwargs):
    """Ask for `task(*args, **kwargs)` once the caller's transaction commits; returns the row."""
    from apps.core.models import OutboxMessage

    message = OutboxMessage.objects.create(
        task_name=task.name, args=list(args), kwargs=kwargs, task_id=f"{TASK_ID_PREFIX}{uuid.uuid4()}"
    )
    transaction.on_commit(lambda: _publish_after_commit(message.pk))
    return message


def _publish_after_commit(message_id: int) -> None:
    from qunzhi.celery import app

    if not app.conf.task_always_eager and time.monotonic() < _broker_down_until:
        return
    outbox_publish(message_id=message_id)


def _due(now=None):
    from apps.core.models import OutboxMessage, OutboxStatus

    # A sent message Redis lost (restarted without its data) is published again after a while;
    # its OutboxTask finds it done if it was carried out after all.
    stale = (now or timezone.now()) - timedelta(seconds=settings.OUTBOX_REPUBLISH_AFTER_SECONDS)
    return OutboxMessage.objects.filter(
        Q(status=OutboxStatus.PENDING) | Q(status=OutboxStatus.SENT, sent_at__lt=stale)
    ).order_by("id")


@transaction.atomic
def outbox_publish(*, message_id: int) -> bool:
    """Publish one due message (skipped if another process holds it); False if the broker is down."""
    message = _due().select_for_update(skip_locked=True).filter(pk=message_id).first()
    if message is None:
        return True
    return _publish(message)


def _publish(message) -> bool:
    global _broker_down_until
    from apps.core.models import OutboxMessage, OutboxStatus
    from qunzhi.celery import app

    if message.task_name not in app.tasks:
        app.loader.import_default_modules()
    task = app.tasks[message.task_name]
    options = {"args": message.args, "kwargs": message.kwargs, "task_id": message.task_id}
    try:
        if app.conf.task_always_eager:
            task.apply_async(**options)
        else:
            _send(app, task, options)
    except BROKER_UNAVAILABLE as exc:
        if time.monotonic() >= _broker_down_until:
            logger.warning("Broker unavailable, %s stays in the outbox: %s", message, exc)
        _broker_down_until = time.monotonic() + _PUBLISH_PAUSE_SECONDS
        OutboxMessage.objects.filter(pk=message.pk).update(attempts=F("attempts") + 1, last_error=str(exc)[:1000])
        return False
    _broker_down_until = 0.0
    # Run eagerly, the task may already have marked its row done.
    OutboxMessage.objects.filter(pk=message.pk, status__in=[OutboxStatus.PENDING, OutboxStatus.SENT]).update(
        status=OutboxStatus.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
    )
    return True


def _send(app, task, options: dict) -> None:
    # No retries: a request must not wait for the broker, the relay tries again later. Kombu
    # would retry the connection for broker_connection_timeout on its own; max_retries=0 says no.
    # No result either: the row's status is the record, and subscribing to a result in Redis
    # would retry for 20 s when Redis is down.
    with app.pool.acquire(block=True) as conn:
        conn.ensure_connection(max_retries=0)
        task.apply_async(**options, connection=conn, retry=False, ignore_result=True)


def outbox_relay(*, limit: int = 10_000) -> int:
    """Publish due messages oldest first, each once (rows locked, SKIP LOCKED); stops when the
    broker is down. Returns how many were published."""
    published = 0
    while published < limit:
        with transaction.atomic():
            batch = list(_due().select_for_update(skip_locked=True)[: min(RELAY_BATCH, limit - published)])
            if not batch:
                break
            for message in batch:
                if not _publish(message):
                    return published
                published += 1
    return published


def outbox_retry(*, message_ids) -> int:
    """Put failed (or stuck) messages back to pending and try to publish them now; how many."""
    from apps.core.models import OutboxMessage, OutboxStatus

    ids = list(
        OutboxMessage.objects.filter(pk__in=message_ids)
        .exclude(status=OutboxStatus.DONE)
        .order_by("id")
        .values_list("pk", flat=True)
    )
    OutboxMessage.objects.filter(pk__in=ids).update(status=OutboxStatus.PENDING, last_error="")
    for message_id in ids:
        if not outbox_publish(message_id=message_id):
            break
    return len(ids)


class OutboxTask(Task):
    """Every task of the app (qunzhi/celery.py): a message from the outbox runs at most once in effect.

    Its row is locked for the run, so a duplicate delivered meanwhile waits and then finds it
    done; the task's writes and the done mark commit together. Tasks not from the outbox (beat)
    run as plain tasks.
    """

    def __call__(self, *args, **kwargs):
        task_id = self.request.id or ""
        if not task_id.startswith(TASK_ID_PREFIX):
            return super().__call__(*args, **kwargs)
        from apps.core.models import OutboxMessage, OutboxStatus

        try:
            with transaction.atomic():
                message = OutboxMessage.objects.select_for_update().filter(task_id=task_id).first()
                if message is not None and message.status == OutboxStatus.DONE:
                    logger.info("%s already done, not run again", message)
                    return None
                result = super().__call__(*args, **kwargs)
                OutboxMessage.objects.filter(task_id=task_id).update(
                    status=OutboxStatus.DONE, done_at=timezone.now(), last_error=""
                )
                return result
        except (Retry, Ignore):
            raise
        except Exception as exc:
            OutboxMessage.objects.filter(task_id=task_id).exclude(status=OutboxStatus.DONE).update(
                status=OutboxStatus.FAILED, last_error=repr(exc)[:1000]
            )
            raise
