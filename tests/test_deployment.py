"""The deployment files point at things that exist, and production settings are strict."""

from __future__ import annotations

import importlib
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def _words(command) -> list[str]:
    return command if isinstance(command, list) else shlex.split(command.replace("&&", " && "))


def _import_target(target: str):
    module, _, attr = target.partition(":")
    imported = importlib.import_module(module)
    return getattr(imported, attr) if attr else imported


def test_compose_describes_the_whole_stack_with_health_checks():
    services = COMPOSE["services"]
    assert set(services) == {"web", "worker", "beat", "db", "redis"}
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"


def test_web_runs_gunicorn_on_the_real_wsgi_application_after_migrating_and_seeding():
    words = _words(COMPOSE["services"]["web"]["command"])
    script = shlex.split(words[-1]) if words[:2] == ["sh", "-c"] else words
    application = _import_target(script[script.index("gunicorn") + 1])
    assert callable(application)
    managed = [script[i + 1] for i, word in enumerate(script) if word == "manage.py"]
    assert managed == ["migrate", "seed_demo", "sync_beat_schedule"]
    assert set(managed) <= set(get_commands())


@pytest.mark.parametrize("service", ["worker", "beat"])
def test_celery_services_name_the_real_app_and_scheduler(service):
    words = _words(COMPOSE["services"][service]["command"])
    app = _import_target(words[words.index("-A") + 1])
    assert app.celery_app.main == "qunzhi"
    if "--scheduler" in words:
        module, _, cls = words[words.index("--scheduler") + 1].partition(":")
        assert getattr(importlib.import_module(module), cls)


def test_the_health_check_answers(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


PRODUCTION_KEYS = {
    "FIELD_ENCRYPTION_KEYS": "Y2ktb25seS1maWVsZC1rZXktMzItYnl0ZXMtbG9uZyE=",
    "FIELD_HASH_KEY": "ci-only-hash-key-for-the-deployment-test",
}
SECRETS = {"SECRET_KEY", "ALLOWED_HOSTS", *PRODUCTION_KEYS}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key not in SECRETS}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", *PRODUCTION_KEYS])
def test_production_refuses_to_start_without_each_secret(missing):
    complete = {"SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "qunzhi.example.org", **PRODUCTION_KEYS}
    del complete[missing]
    result = _manage("check", DJANGO_ENV="production", **complete)
    assert result.returncode != 0 and missing in result.stderr


def test_production_passes_check_deploy_without_warnings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_ENV="production",
        SECRET_KEY="p9Xk2-qLm7vR4tYw8ZbN3cH6jF1sD5gA0eU-iO_pK7lM2nB4vC8xZ3qW6rT9yE1u",
        ALLOWED_HOSTS="qunzhi.example.org",
        **PRODUCTION_KEYS,
    )
    assert result.returncode == 0, result.stdout + result.stderr
