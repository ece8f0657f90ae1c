"""The platform as it is served: gunicorn on a scale database, clients that log in as a persona,
and wrk for throughput. Bench-only views (`bench/suite/urls.py`) are mounted beside the real ones."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

from bench.suite.databases import PASSWORD
from bench.suite.harness import ROOT

PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))


# As in production, Redis holds the cache (shared by the workers) and the task queue: a request that
# starts a task only queues it. No worker consumes this database; it is emptied around each server.
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def environment(database_url: str, **extra: str) -> dict:
    """What a production-like process gets: no DEBUG (no query log), Redis for the cache and tasks."""
    env = dict(os.environ, DATABASE_URL=database_url, DEBUG="false", DJANGO_SETTINGS_MODULE="bench.suite.settings")
    env["REDIS_URL"] = REDIS_URL
    # The bench is two users making thousands of requests a minute from one address: production's
    # throttles would answer most of them 429. The counting still runs (one cache increment per
    # request, as in production), at rates the bench never reaches.
    env.update(
        API_THROTTLE_USER="10000000/minute", API_THROTTLE_ANON="10000000/minute", API_THROTTLE_TOKEN="100000/minute"
    )
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def prepare(database_url: str) -> None:
    """The personas exist (made once per database; idempotent)."""
    subprocess.run([PYTHON, "-m", "bench.suite.personas"], cwd=ROOT, env=environment(database_url), check=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(database_url: str, workers: int = 2, **extra_env: str):
    """Serve the project (with the bench views) on a free port; yields the base URL."""
    port = free_port()
    empty_redis()
    process = subprocess.Popen(
        [
            GUNICORN,
            "qunzhi.wsgi",
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            "--worker-class=sync",
            "--log-level=warning",
            "--timeout=300",
        ],
        cwd=ROOT,
        env=environment(database_url, **extra_env),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                Client(base).get("/healthz")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        empty_redis()


def empty_redis() -> None:
    """Forget the tasks the requests queued and the entries they cached."""
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


class Client:
    """One keep-alive connection, as a mobile client or a browser holds it."""

    def __init__(self, base: str):
        parts = urllib.parse.urlsplit(base)
        self.base = base
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=300)
        self.headers: dict[str, str] = {}
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        sent = dict(self.headers, **(headers or {}))
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{key}={value}" for key, value in self.cookies.items())
        self.connection.request(method, path, body=body, headers=sent)
        response = self.connection.getresponse()
        content = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            key, _, rest = header.partition("=")
            self.cookies[key.strip()] = rest.split(";", 1)[0]
        return response.status, content

    def get(self, path: str, expect: int = 200) -> bytes:
        status, content = self.request("GET", path)
        if status != expect:
            raise RuntimeError(f"GET {path}: {status} {content[:300]!r}")
        return content

    def post_json(self, path: str, payload: dict) -> tuple[int, dict]:
        status, content = self.request("POST", path, json.dumps(payload).encode(), {"Content-Type": "application/json"})
        return status, (json.loads(content) if content else {})

    def timed_get(self, path: str) -> float:
        began = time.perf_counter()
        self.get(path)
        return time.perf_counter() - began


def api_client(base: str, username: str) -> Client:
    """A client holding the persona's JWT, as the mobile app does."""
    client = Client(base)
    status, reply = client.post_json("/api/v1/auth/token/", {"username": username, "password": PASSWORD})
    if status != 200:
        raise RuntimeError(f"token for {username}: {status} {reply}")
    client.headers["Authorization"] = f"Bearer {reply['access']}"
    return client


def admin_client(base: str, username: str) -> Client:
    """A browser session logged in through the admin's own login form."""
    client = Client(base)
    page = client.get("/admin/login/").decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token, "next": "/admin/"}
    ).encode()
    status, _ = client.request(
        "POST",
        "/admin/login/",
        form,
        {"Content-Type": "application/x-www-form-urlencoded", "Referer": f"{client.base}/admin/login/"},
    )
    if status != 302:
        raise RuntimeError(f"admin login for {username}: {status}")
    return client


def wrk(url: str, seconds: float = 3, connections: int = 4, headers: dict | None = None) -> float:
    """Requests per second wrk sustains on one URL (one thread: the two cores belong to the server)."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is needed: apt-get install wrk")
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for key, value in (headers or {}).items():
        command += ["-H", f"{key}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output:
        raise RuntimeError(f"wrk {url}: some answers were not 2xx\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
