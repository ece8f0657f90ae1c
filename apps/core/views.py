"""The health endpoint, for load balancers, docker-compose and whoever is on call.

A small view rather than django-health-check: five checks, each bounded by a short timeout, and
one decision that is ours to make, which part is required.

- `database` is required: without it nothing works, so the answer is 503 and a load balancer
  takes this instance out of rotation.
- `cache`, `broker`, `workers`, `beat` are not: while Redis or Celery are away, pages and the
  API keep working (the cache misses, tasks wait in the outbox), so the answer stays 200 with
  `"status": "degraded"`; taking every web instance out because Redis is down would turn a
  degradation into an outage. Monitoring alerts on "degraded".
"""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import cache
from django.db import connection
from django.db.models import Max
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

OK, ERROR = "ok", "error"
#: With the relay due every minute, beat records a run at least every few minutes (its sync interval).
BEAT_STALE_AFTER = timedelta(minutes=10)
WORKER_PING_TIMEOUT = 0.5


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure means unhealthy, and the reply says which part
        return ERROR
    return OK


def _cache() -> str:
    try:
        if hasattr(cache, "ping"):
            return OK if cache.ping() else ERROR
        cache.set("health", OK, 5)
        return OK if cache.get("health") == OK else ERROR
    except Exception:  # noqa: BLE001
        return ERROR


def _celery() -> dict:
    """The broker answers, and how many workers answer a ping through it."""
    from qunzhi.celery import app

    if app.conf.task_always_eager:
        return {"broker": "eager", "workers": "eager"}

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=0)
            replies = app.control.ping(timeout=WORKER_PING_TIMEOUT, connection=conn)
    except Exception:  # noqa: BLE001
        return {"broker": ERROR, "workers": 0}
    return {"broker": OK, "workers": len(replies)}


def _beat() -> str:
    """django-celery-beat writes each task's last run into the database: that is beat's heartbeat."""
    from django_celery_beat.models import PeriodicTask

    try:
        last = PeriodicTask.objects.filter(enabled=True).aggregate(last=Max("last_run_at"))["last"]
    except Exception:  # noqa: BLE001
        return ERROR
    if last is None:
        return "unknown"
    return OK if timezone.now() - last <= BEAT_STALE_AFTER else "stale"


def _outbox_pending() -> int | None:
    from apps.core.models import OutboxMessage, OutboxStatus

    try:
        return OutboxMessage.objects.filter(status=OutboxStatus.PENDING).count()
    except Exception:  # noqa: BLE001
        return None


@require_GET
@never_cache
def health(request):
    """{"status": "ok" | "degraded" | "error", and each part}; 503 only when the database is down."""
    checks: dict = {"database": _database(), "cache": _cache(), **_celery()}
    if checks["database"] == ERROR:
        return JsonResponse({"status": ERROR, **checks}, status=503)
    if checks["broker"] != "eager":
        checks["beat"] = _beat()
    checks["outbox_pending"] = _outbox_pending()
    degraded = (
        checks["cache"] != OK
        or checks["broker"] not in (OK, "eager")
        or checks["workers"] == 0
        or checks.get("beat", OK) != OK
    )
    return JsonResponse({"status": "degraded" if degraded else OK, **checks}, status=200)
