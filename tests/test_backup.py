"""bin/backup and bin/restore: the demo data survives a pg_dump / pg_restore round trip whole.

A scratch database gets the schema and the Qinghai demo data, bin/backup dumps it, bin/restore
loads the dump into a second, fresh database, and the two must hold the same rows in every
table, with the ID numbers readable under the same keys and unreadable under other ones.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg2
import psycopg2.errors
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent

needs_postgresql = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql"
    or not (shutil.which("pg_dump") and shutil.which("pg_restore")),
    reason="backups are pg_dump / pg_restore: needs DATABASE_URL=postgres://… and the PostgreSQL client tools",
)

# The ID numbers of the first people, decrypted by the platform itself with its configured keys.
READ_ID_NUMBERS = (
    "import json; from apps.members.models import Person; "
    "print(json.dumps([p.id_number for p in Person.objects.order_by('pk')[:5]]))"
)


def _url(name: str) -> str:
    database = settings.DATABASES["default"]
    user, password = database.get("USER") or "", database.get("PASSWORD") or ""
    credentials = f"{user}:{password}@" if password else f"{user}@" if user else ""
    return f"postgres://{credentials}{database.get('HOST') or '127.0.0.1'}:{database.get('PORT') or 5432}/{name}"


def _maintenance():
    database = settings.DATABASES["default"]
    connection = psycopg2.connect(
        dbname="postgres",
        user=database.get("USER") or None,
        password=database.get("PASSWORD") or None,
        host=database.get("HOST") or "127.0.0.1",
        port=database.get("PORT") or 5432,
    )
    connection.autocommit = True
    return connection


def _run(args, database: str, **extra_env) -> subprocess.CompletedProcess:
    # The platform's own environment (keys included), on another database, without the broker.
    env = {key: value for key, value in os.environ.items() if key not in {"REDIS_URL", "DJANGO_ENV"}}
    env.update(DATABASE_URL=_url(database), **extra_env)
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def _snapshot(name: str) -> dict[str, tuple[int, str]]:
    """Every table's row count and a digest of its rows in a fixed order."""
    database = settings.DATABASES["default"]
    with (
        psycopg2.connect(
            dbname=name,
            user=database.get("USER") or None,
            password=database.get("PASSWORD") or None,
            host=database.get("HOST") or "127.0.0.1",
            port=database.get("PORT") or 5432,
        ) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        tables = [row[0] for row in cursor.fetchall()]
        snapshot = {}
        for table in tables:
            # Table names come from the catalogue just read, quoted as identifiers.
            rows = "md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
            cursor.execute(f'SELECT count(*), {rows} FROM "{table}" t')
            snapshot[table] = cursor.fetchone()
    connection.close()
    return snapshot


@pytest.fixture
def scratch_databases():
    """Two new databases: the source migrated as a deployment's would be, the target bare.

    Not a copy of the test database: transactional tests empty it of the reference data (the
    federations, the role groups) that the migrations wrote and the demo needs.
    """
    suffix = uuid.uuid4().hex[:8]
    source, target = f"qunzhi_backup_src_{suffix}", f"qunzhi_backup_dst_{suffix}"
    maintenance = _maintenance()
    with maintenance.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{source}"')
        cursor.execute(f'CREATE DATABASE "{target}"')
    try:
        _run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], source)
        yield source, target
    finally:
        with maintenance.cursor() as cursor:
            for name in (source, target):
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        maintenance.close()


@needs_postgresql
def test_demo_data_survives_backup_and_restore(scratch_databases, tmp_path):
    source, target = scratch_databases
    _run([sys.executable, "manage.py", "seed_demo"], source)

    backup = _run([str(ROOT / "bin" / "backup"), str(tmp_path)], source)
    dump = Path(backup.stdout.strip())
    assert dump.parent == tmp_path and dump.name.startswith("qunzhi-") and dump.suffix == ".dump"
    assert dump.stat().st_size > 0 and oct(dump.stat().st_mode & 0o777) == "0o600"
    assert "FIELD_ENCRYPTION_KEYS" in backup.stderr
    assert not list(tmp_path.glob("*.partial"))

    _run([str(ROOT / "bin" / "restore"), str(dump), _url(target)], target)

    before, after = _snapshot(source), _snapshot(target)
    assert after == before
    assert before["members_person"][0] > 0 and before["organizations_organization"][0] > 0

    ids_before = json.loads(
        _run([sys.executable, "manage.py", "shell", "-v", "0", "-c", READ_ID_NUMBERS], source).stdout
    )
    ids_after = json.loads(
        _run([sys.executable, "manage.py", "shell", "-v", "0", "-c", READ_ID_NUMBERS], target).stdout
    )
    assert ids_after == ids_before
    assert len(ids_after) == 5 and all(len(number) == 18 for number in ids_after)

    # The same restored rows under keys other than the ones that wrote them: unreadable.
    other_key = "b3RoZXIta2V5LW5vdC10aGUtb25lLXRoYXQtd3JvdGU="
    env = {key: value for key, value in os.environ.items() if key not in {"REDIS_URL", "DJANGO_ENV"}}
    env.update(DATABASE_URL=_url(target), FIELD_ENCRYPTION_KEYS=other_key)
    wrong_keys = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", READ_ID_NUMBERS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert wrong_keys.returncode != 0
    assert "cannot be decrypted with FIELD_ENCRYPTION_KEYS" in wrong_keys.stderr


def test_restore_refuses_without_a_target(tmp_path):
    dump = tmp_path / "qunzhi.dump"
    dump.write_bytes(b"")
    result = subprocess.run([str(ROOT / "bin" / "restore"), str(dump)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "用法" in result.stderr


def test_backup_refuses_a_database_that_is_not_postgresql(tmp_path):
    env = {**os.environ, "DATABASE_URL": "sqlite:////tmp/qunzhi.sqlite3"}
    result = subprocess.run(
        [str(ROOT / "bin" / "backup"), str(tmp_path)], env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2 and "PostgreSQL" in result.stderr
    assert not list(tmp_path.iterdir())
