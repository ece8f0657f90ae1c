"""A worker killed (SIGKILL) in the middle of a task: the task runs again on another worker
(acks late: the message was never acknowledged) and, run from the outbox, writes once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from apps.accounts.models import Notification
from apps.core.models import OutboxMessage, OutboxStatus
from apps.venues.services import booking_create
from tests.faults.conftest import BASE_DIR, database_url, next_working_day, requires_postgresql, wait_for
from tests.faults.test_redis_down import SHANGHAI
from tests.venues.factories import make_room, make_venue

pytestmark = [requires_postgresql()]


def _worker(redis_url: str, name: str, hang_file: Path | None, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "C_FORCE_ROOT": "1",
        "DJANGO_SETTINGS_MODULE": "qunzhi.settings",
    }
    env.pop("QUNZHI_TEST_HANG_FILE", None)
    if hang_file:
        env["QUNZHI_TEST_HANG_FILE"] = str(hang_file)
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "tests.faults.hanging_worker",
        "worker",
        "--pool",
        "solo",
        "--loglevel",
        "INFO",
        "--hostname",
        f"{name}@faults",
        "--without-gossip",
        "--without-mingle",
    ]
    return subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


@pytest.mark.django_db(transaction=True)
def test_a_task_killed_half_way_runs_again_on_a_new_worker_and_writes_once(
    on_redis, county_staff, chengdong_union, tmp_path
):
    import datetime as dt

    room = make_room(make_venue("630102", federations=("union",)))
    start = dt.datetime.combine(next_working_day(), dt.time(14), tzinfo=SHANGHAI)
    booking = booking_create(
        actor=county_staff,
        room=room,
        organization=chengdong_union,
        start=start,
        end=start + dt.timedelta(hours=1),
        purpose="青年议事会",
        attendees=8,
        contact_name="李老师",
    )
    message = OutboxMessage.objects.get()
    assert message.status == OutboxStatus.SENT and message.args == [booking.pk, "created"]

    hang_file = tmp_path / "hanging"
    first = _worker(on_redis.url, "first", hang_file, tmp_path / "first.log")
    second = None
    try:
        wait_for(hang_file.exists, 30, "the first worker to be in the middle of the task")
        assert int(hang_file.read_text()) == first.pid
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        # The notification was written in the killed task's transaction: gone with it.
        assert not Notification.objects.exists()
        assert OutboxMessage.objects.get().status == OutboxStatus.SENT

        second = _worker(on_redis.url, "second", None, tmp_path / "second.log")
        wait_for(
            lambda: OutboxMessage.objects.filter(status=OutboxStatus.DONE).exists(),
            30,
            "the second worker to run the task again",
            interval=0.2,
        )
    except AssertionError:
        for log in sorted(tmp_path.glob("*.log")):
            print(log.name, log.read_text(), sep="\n")
        raise
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=15)

    assert list(Notification.objects.values_list("user", flat=True)) == [county_staff.pk]
    assert "received" in (tmp_path / "second.log").read_text()
