"""Private services for the fault tests: a redis-server of their own, to stop and start again.

The machine's Redis and PostgreSQL are shared and never stopped; these tests start their own
on a free port (skipped, with the reason, only where the binary is not installed).
"""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone
from kombu import pools as kombu_pools

from apps.core import outbox
from qunzhi.celery import app

BASE_DIR = Path(django_settings.BASE_DIR)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class RedisServer:
    """A redis-server on a free port, without persistence: stopping it loses what it held."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        wait_for(lambda: self._answers(client), 10, "redis-server to start")

    @staticmethod
    def _answers(client) -> bool:
        try:
            return client.ping()
        except redis.exceptions.ConnectionError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def queue_length(self, queue: str = "celery") -> int:
        return redis.Redis(port=self.port).llen(queue)


@pytest.fixture
def redis_server(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("未安装 redis-server，无法模拟 Redis 停机")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def on_redis(redis_server, settings, monkeypatch):
    """The cache and the Celery broker on the private Redis, tasks through the broker (not eager)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "apps.core.cache.TolerantRedisCache",
            "LOCATION": redis_server.url,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        }
    }
    saved = {key: app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager")}
    app.conf.update(broker_url=redis_server.url, result_backend=redis_server.url, task_always_eager=False)
    _forget_connections()  # the pools were made for the old broker
    monkeypatch.setattr(outbox, "_broker_down_until", 0.0)
    yield redis_server
    app.conf.update(saved)
    _forget_connections()


def _forget_connections() -> None:
    # The app's pool is kombu's global one for the broker's URL: closed but left registered, the
    # next test on that URL would get it back closed ("Acquire on closed pool").
    kombu_pools.reset()
    app._pool = None
    app.amqp._producer_pool = None  # the control commands' (health's ping) publish through it
    # The result backend keeps its own connection to the old Redis (cached per thread).
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


def next_working_day(days_ahead: int = 3) -> dt.date:
    """A Monday–Friday some days ahead, not a Chinese public holiday: bookable in every test venue."""
    import chinese_calendar

    day = timezone.localdate() + dt.timedelta(days=days_ahead)
    while day.weekday() >= 5 or chinese_calendar.is_holiday(day):
        day += dt.timedelta(days=1)
    return day


def requires_postgresql():
    return pytest.mark.skipif(
        connection.vendor != "postgresql", reason="子进程须与测试共用数据库：需要 PostgreSQL（DATABASE_URL）"
    )


def database_url() -> str:
    """The test database (test_…), for a subprocess that must see what the test wrote."""
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
