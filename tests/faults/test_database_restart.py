"""PostgreSQL stopped and restarted under a running app server: requests during the outage get
a clean Chinese 503 (HTML for pages, JSON for the API), and succeed again afterwards without a
restart of the app (persistent connections with CONN_HEALTH_CHECKS).

The database is a private cluster (initdb, pg_ctl) holding a copy of the test database; the app
is gunicorn in a subprocess. The machine's own PostgreSQL is never touched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from rest_framework_simplejwt.tokens import AccessToken

from apps.core.middleware import DATABASE_UNAVAILABLE
from tests.faults.conftest import BASE_DIR, database_url, free_port, requires_postgresql, wait_for

PG_BIN = Path("/usr/lib/postgresql/15/bin")

pytestmark = [
    requires_postgresql(),
    pytest.mark.skipif(not (PG_BIN / "initdb").exists(), reason="未安装 PostgreSQL 15 服务端程序，无法模拟重启"),
]


def _as_postgres(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


class Cluster:
    def __init__(self, folder: Path):
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/qunzhi"

    def _pg_ctl(self, *args: str) -> None:
        subprocess.run(
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-w", "-l", str(self.folder / "log"), *args]),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def create(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        subprocess.run(
            _as_postgres(
                [
                    str(PG_BIN / "initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--no-sync",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off"
        (self.folder / "options").write_text(options)
        self.start()

    def start(self) -> None:
        self._pg_ctl("-o", (self.folder / "options").read_text(), "start")

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "stop")

    def restart(self) -> None:
        self._pg_ctl("-m", "fast", "-o", (self.folder / "options").read_text(), "restart")

    def copy_of(self, source_url: str) -> None:
        psql = [str(PG_BIN / "psql"), "-q", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
        subprocess.run([*psql, "-c", "CREATE DATABASE qunzhi"], check=True, stdout=subprocess.DEVNULL)
        dump = subprocess.run([str(PG_BIN / "pg_dump"), "--no-owner", source_url], check=True, capture_output=True)
        subprocess.run(
            [*psql, "-v", "ON_ERROR_STOP=1", "-d", "qunzhi"], input=dump.stdout, check=True, stdout=subprocess.DEVNULL
        )


@pytest.fixture
def cluster():
    # Not under pytest's tmp_path: that is root's alone, and the cluster belongs to postgres.
    folder = Path(tempfile.mkdtemp(prefix="qunzhi-faults-pg-"))
    cluster = Cluster(folder)
    try:
        cluster.create()
        yield cluster
    finally:
        subprocess.run(
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(cluster.data), "-m", "immediate", "stop"]),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def app_server(cluster, tmp_path):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": cluster.url, "DEBUG": "false", "CONN_MAX_AGE": "60"}
    env.pop("REDIS_URL", None)
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "qunzhi.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--timeout",
            "30",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    wait_for(lambda: _get(f"{base}/healthz")[0] in (200, 503), 30, "gunicorn to answer", interval=0.2)
    yield base
    server.terminate()
    server.wait(timeout=15)


def _get(url: str, headers: dict | None = None) -> tuple[int, str, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read().decode()
    except (urllib.error.URLError, ConnectionError):
        return 0, "", ""


@pytest.mark.django_db(transaction=True)
def test_requests_get_a_clean_503_while_the_database_is_down_and_succeed_after_without_an_app_restart(
    county_staff, client, cluster, app_server
):
    client.force_login(county_staff)
    page = (f"{app_server}/venues/", {"Cookie": f"sessionid={client.cookies['sessionid'].value}"})
    api = (f"{app_server}/api/v1/venues/", {"Authorization": f"Bearer {AccessToken.for_user(county_staff)}"})
    health = (f"{app_server}/healthz", {})
    cluster.copy_of(database_url())  # the user, its roles and its session with it

    def answers():
        return {name: _get(*request) for name, request in (("page", page), ("api", api), ("health", health))}

    before = answers()
    assert {name: answer[0] for name, answer in before.items()} == {"page": 200, "api": 200, "health": 200}

    # A restart between two requests: the next request reconnects, the user sees nothing.
    cluster.restart()
    assert {name: answer[0] for name, answer in answers().items()} == {"page": 200, "api": 200, "health": 200}

    cluster.stop()
    down = answers()
    status, content_type, body = down["page"]
    assert (status, content_type.split(";")[0]) == (503, "text/html")
    assert DATABASE_UNAVAILABLE in body and "Traceback" not in body
    status, content_type, body = down["api"]
    assert (status, content_type, json.loads(body)) == (503, "application/json", {"detail": DATABASE_UNAVAILABLE})
    status, _, body = down["health"]
    assert status == 503 and json.loads(body)["database"] == "error"

    cluster.start()
    after = answers()
    assert {name: answer[0] for name, answer in after.items()} == {"page": 200, "api": 200, "health": 200}
    assert after["api"][2] == before["api"][2]
