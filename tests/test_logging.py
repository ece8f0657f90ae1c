"""Production logs are one JSON object per line on stdout, masked; development logs stay plain text."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.signals import request_finished
from django.http import HttpResponse
from django.test import RequestFactory

from apps.core.logging import (
    REQUEST_ID_HEADER,
    AccessLogFields,
    JsonFormatter,
    RequestIdMiddleware,
    current_request_id,
)

ROOT = Path(__file__).resolve().parent.parent
ID_NUMBER = "630102199001011234"
MASKED = "630***********1234"

PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "p9Xk2-qLm7vR4tYw8ZbN3cH6jF1sD5gA0eU-iO_pK7lM2nB4vC8xZ3qW6rT9yE1u",
    "ALLOWED_HOSTS": "qunzhi.example.org",
    "FIELD_ENCRYPTION_KEYS": "Y2ktb25seS1maWVsZC1rZXktMzItYnl0ZXMtbG9uZyE=",
    "FIELD_HASH_KEY": "ci-only-hash-key-for-the-logging-test",
}

# Logs through the settings' LOGGING exactly as a running process does: a message with an ID
# number, an exception quoting one, and a gunicorn access line.
EMIT = f"""
import django, logging
django.setup()
logging.getLogger("apps.members").info("查询 %s", "{ID_NUMBER}")
try:
    raise ValueError("bad id {ID_NUMBER}")
except ValueError:
    logging.getLogger("django.request").exception("失败")
atoms = {{"s": "200", "m": "GET", "B": 512, "D": 12345, "{{x-request-id}}o": "-"}}
logging.getLogger("gunicorn.access").info("GET /people/?id_number={ID_NUMBER} %(s)s", atoms)
"""


def _emit(**env: str) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key not in {*PRODUCTION, "LOG_FORMAT"}}
    environment.update(DJANGO_SETTINGS_MODULE="qunzhi.settings", **env)
    result = subprocess.run(
        [sys.executable, "-c", EMIT], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result


def test_production_logs_one_masked_json_object_per_line_on_stdout():
    result = _emit(**PRODUCTION)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.stderr == ""
    assert [(line["level"], line["logger"]) for line in lines] == [
        ("INFO", "apps.members"),
        ("ERROR", "django.request"),
        ("INFO", "gunicorn.access"),
    ]
    message, failure, access = lines
    assert set(message) == {"time", "level", "logger", "message"}
    assert message["message"] == f"查询 {MASKED}"
    assert message["time"].endswith("+00:00")
    assert failure["message"] == "失败"
    assert "ValueError: bad id" in failure["exc"] and MASKED in failure["exc"]
    # The masking rewrote the access line; its fields were taken before.
    assert access["message"] == f"GET /people/?id_number={MASKED} 200"
    assert (access["status"], access["method"], access["bytes"], access["duration_ms"]) == (200, "GET", 512, 12.3)
    assert ID_NUMBER not in result.stdout


def test_development_logs_plain_text_on_stderr():
    result = _emit()
    assert result.stdout == ""
    first = result.stderr.splitlines()[0]
    assert first.endswith(f"INFO apps.members 查询 {MASKED}")
    with pytest.raises(json.JSONDecodeError):
        json.loads(first)


def test_log_format_is_checked():
    environment = {**os.environ, "LOG_FORMAT": "xml", "DJANGO_SETTINGS_MODULE": "qunzhi.settings"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "LOG_FORMAT must be json or plain" in result.stderr


def _record(name="apps.test", msg="hello", args=None, exc_info=None) -> logging.LogRecord:
    return logging.LogRecord(name, logging.WARNING, __file__, 1, msg, args, exc_info)


def test_a_request_id_is_given_to_the_log_lines_and_the_response_of_its_request(db):
    formatter = JsonFormatter()
    seen = {}

    def view(request):
        seen["line"] = json.loads(formatter.format(_record()))
        return HttpResponse("ok")

    middleware = RequestIdMiddleware(view)
    response = middleware(RequestFactory().get("/"))
    assert len(response[REQUEST_ID_HEADER]) == 32
    assert seen["line"]["request_id"] == response[REQUEST_ID_HEADER]

    # A proxy's id is kept; a header that is not an id is replaced.
    assert middleware(RequestFactory().get("/", headers={REQUEST_ID_HEADER: "edge-42.a"}))[REQUEST_ID_HEADER] == (
        "edge-42.a"
    )
    forged = middleware(RequestFactory().get("/", headers={REQUEST_ID_HEADER: 'x" "level": "ERROR'}))
    assert forged[REQUEST_ID_HEADER] != 'x" "level": "ERROR' and len(forged[REQUEST_ID_HEADER]) == 32

    request_finished.send(sender=__name__)
    assert current_request_id() is None


def test_the_request_id_is_forgotten_when_the_request_finishes(client, db):
    RequestIdMiddleware(lambda request: HttpResponse())  # connects request_finished
    response = client.get("/healthz")
    assert response[REQUEST_ID_HEADER]
    assert current_request_id() is None


def test_access_fields_skip_gunicorn_placeholders():
    record = _record("gunicorn.access", "%(s)s", ({"s": "304", "m": "GET", "B": "-", "D": 900},))
    AccessLogFields().filter(record)
    assert record.http == {"status": 304, "method": "GET", "duration_ms": 0.9}
    other = _record("apps.test", "%(s)s", ({"s": "304"},))
    AccessLogFields().filter(other)
    assert not hasattr(other, "http")
