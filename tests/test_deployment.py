"""The deployment files point at things that exist, and production settings are strict."""

from __future__ import annotations

import ast
import base64
import importlib
import os
import re
import secrets
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


def _run_web_command(tmp_path: Path, **env: str) -> list[list[str]]:
    """Runs the web service's command as its container would, with `python` and `gunicorn` recording their arguments."""
    words = COMPOSE["services"]["web"]["command"]
    assert words[:2] == ["sh", "-c"]
    calls = tmp_path / "calls"
    for program in ("python", "gunicorn"):
        stub = tmp_path / program
        stub.write_text(f'#!/bin/sh\necho "{program} $*" >> "{calls}"\n')
        stub.chmod(0o755)
    script = words[2].replace("$$", "$")  # compose's escape for a literal $
    environment = {"PATH": f"{tmp_path}:/usr/bin:/bin", **env}
    subprocess.run(["sh", "-c", script], env=environment, check=True, timeout=30)
    return [shlex.split(line) for line in calls.read_text().splitlines()]


def test_web_migrates_then_serves_the_real_wsgi_application_without_demo_data(tmp_path):
    calls = _run_web_command(tmp_path)
    assert [call[:3] for call in calls[:-1]] == [
        ["python", "manage.py", "migrate"],
        ["python", "manage.py", "sync_beat_schedule"],
    ]
    gunicorn = calls[-1]
    assert gunicorn[:3] == ["gunicorn", "-c", "python:qunzhi.gunicorn_conf"]
    assert callable(_import_target(gunicorn[3]))
    assert {"migrate", "sync_beat_schedule", "seed_demo"} <= set(get_commands())


def test_web_seeds_the_demo_data_only_when_asked(tmp_path):
    (tmp_path / "on").mkdir()
    (tmp_path / "off").mkdir()
    seeded = _run_web_command(tmp_path / "on", SEED_DEMO="1")
    assert seeded[1] == ["python", "manage.py", "seed_demo", "--force"]
    assert _run_web_command(tmp_path / "off", SEED_DEMO="0") == [seeded[0], *seeded[2:]]


def test_gunicorn_logs_through_the_settings_logging():
    from django.conf import settings

    config = importlib.import_module("qunzhi.gunicorn_conf")
    assert config.logconfig_dict is settings.LOGGING
    assert config.bind == "0.0.0.0:8000"


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


# .env.example -------------------------------------------------------------------------------

ENV_EXAMPLE = (ROOT / ".env.example").read_text(encoding="utf-8")
# NAME=value, or `# NAME=value` for a documented setting whose default is kept.
EXAMPLE_NAMES = set(re.findall(r"^(?:# )?([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE, flags=re.MULTILINE))
EXAMPLE_VALUES = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", ENV_EXAMPLE, flags=re.MULTILINE))


def _settings_env_names() -> set[str]:
    """Every variable settings.py reads: env("X"), env.str("X"), env.list("X"), env.db_url("X")…"""
    tree = ast.parse((ROOT / "qunzhi" / "settings.py").read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args or not isinstance(node.args[0], ast.Constant):
            continue
        function = node.func
        if (isinstance(function, ast.Name) and function.id == "env") or (
            isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name) and function.value.id == "env"
        ):
            names.add(node.args[0].value)
    return names


def test_env_example_lists_every_variable_the_settings_read():
    names = _settings_env_names()
    assert {"SECRET_KEY", "DATABASE_URL", "LOG_LEVEL", "JWT_ACCESS_MINUTES"} <= names  # the scan finds them
    assert names - EXAMPLE_NAMES == set()


def test_env_example_lists_every_variable_compose_reads():
    referenced = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", (ROOT / "docker-compose.yml").read_text(encoding="utf-8")))
    assert referenced - EXAMPLE_NAMES == set()
    assert "WEB_CONCURRENCY" in EXAMPLE_VALUES and "SEED_DEMO" in EXAMPLE_VALUES


def test_env_example_leaves_the_secrets_empty_and_compose_refuses_to_start_without_them():
    environment = COMPOSE["x-app"]["environment"]
    for secret in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "FIELD_HASH_KEY", "POSTGRES_PASSWORD"):
        assert EXAMPLE_VALUES[secret] == "", f"{secret} must be generated per deployment, not shipped"
        required = re.compile(r"\$\{" + secret + r":\?[^}]+\}")
        assert required.search(yaml.safe_dump(COMPOSE)), f"compose does not require {secret}"
    assert environment["DJANGO_ENV"] == "production"
    assert EXAMPLE_VALUES["SEED_DEMO"] == "0"


def test_app_services_read_env_file_and_share_the_media_volume():
    for name in ("web", "worker", "beat"):
        service = COMPOSE["services"][name]
        assert service["env_file"] == ".env"
        assert "media:/app/var/media" in service["volumes"]
        assert service["environment"]["QUNZHI_MEDIA_ROOT"] == "/app/var/media"


def test_the_image_collects_static_files_and_runs_as_a_non_root_user():
    from django.conf import settings

    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    instructions = [line.split(None, 1) for line in dockerfile.splitlines() if line and not line[0].isspace()]
    keywords = [words[0] for words in instructions if words[0].isupper()]
    assert "collectstatic --noinput" in dockerfile
    assert keywords.index("USER") < keywords.index("CMD")
    assert [words[1] for words in instructions if words[0] == "USER"] == ["qunzhi"]
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in settings.MIDDLEWARE
    assert ".env" in (ROOT / ".dockerignore").read_text(encoding="utf-8").split()


def test_the_env_example_passes_check_deploy_once_its_secrets_are_filled_in():
    """What an operator gets after following .env.example: no warning from check --deploy."""
    filled = dict(EXAMPLE_VALUES)
    filled.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        FIELD_ENCRYPTION_KEYS=base64.urlsafe_b64encode(os.urandom(32)).decode(),
        FIELD_HASH_KEY=secrets.token_urlsafe(32),
        DJANGO_ENV=COMPOSE["x-app"]["environment"]["DJANGO_ENV"],
    )
    environment = {key: value for key, value in os.environ.items() if key not in EXAMPLE_NAMES | SECRETS}
    environment.update(filled)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
