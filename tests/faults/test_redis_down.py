"""Redis stopped: pages and the API keep working, the task waits in the outbox, and goes out
once Redis is back — carried out once by a real worker."""

from __future__ import annotations

import datetime as dt
import time
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.cache import cache
from django.core.management import call_command
from rest_framework.test import APIClient

from apps.accounts.models import Notification
from apps.core.models import OutboxMessage, OutboxStatus
from qunzhi.celery import app
from tests.faults.conftest import next_working_day, wait_for
from tests.venues.factories import make_room, make_venue

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _booking(room, organization) -> dict:
    day = next_working_day()
    start = dt.datetime.combine(day, dt.time(10), tzinfo=SHANGHAI)
    return {
        "room": room.pk,
        "organization": organization.pk,
        "start": start.isoformat(),
        "end": (start + dt.timedelta(hours=1)).isoformat(),
        "purpose": "职工议事会",
        "attendees": 10,
        "contact_name": "王老师",
    }


@pytest.mark.django_db(transaction=True)
def test_with_redis_stopped_pages_and_the_api_work_and_the_task_runs_once_redis_is_back(
    on_redis, county_staff, chengdong_union, client
):
    venue = make_venue("630102", federations=("union",))
    room = make_room(venue)
    cache.set("warm", 1)
    assert cache.get("warm") == 1  # the cache really is the private Redis
    api = APIClient()
    api.force_authenticate(county_staff)
    client.force_login(county_staff)

    on_redis.stop()
    started = time.monotonic()
    page = client.get(f"/venues/{venue.pk}/")
    listed = api.get("/api/v1/bookings/")
    created = api.post("/api/v1/bookings/", _booking(room, chengdong_union), format="json")
    elapsed = time.monotonic() - started

    assert page.status_code == 200
    assert listed.status_code == 200
    assert created.status_code == 201, created.content
    assert elapsed < 3, f"a dead Redis cost {elapsed:.1f} s"
    message = OutboxMessage.objects.get()
    assert (message.task_name, message.args, message.status) == (
        "venues.booking_notify",
        [created.json()["id"], "created"],
        OutboxStatus.PENDING,
    )
    assert message.attempts == 1 and message.last_error
    assert not Notification.objects.exists()

    on_redis.start()
    out = StringIO()
    call_command("outbox_relay", stdout=out)
    assert "已发送 1 条任务" in out.getvalue()
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    # A relay that crashed after publishing, before its commit, left the row pending: the next
    # relay publishes the same message again.
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.PENDING)
    call_command("outbox_relay", stdout=StringIO())
    assert on_redis.queue_length() == 2

    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10):
        wait_for(lambda: on_redis.queue_length() == 0, 20, "both copies to be consumed")
        wait_for(lambda: OutboxMessage.objects.filter(status=OutboxStatus.DONE).exists(), 20, "the task to run")
        time.sleep(0.5)  # the second copy's run, if it were to write anything

    message.refresh_from_db()
    assert message.status == OutboxStatus.DONE
    assert list(Notification.objects.values_list("user", flat=True)) == [county_staff.pk]
