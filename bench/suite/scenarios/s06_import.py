"""Scenario 6, importing people: the bulk import (services.people_bulk_import) of 100,000 people
from a csv against PostgreSQL's COPY of the same rows (encrypted once, beforehand) into the same
indexed table; of the same people from an xlsx against only reading the xlsx's rows (openpyxl,
read-only). Interleaved, medians; ratios of rows per second (targets ≥ 0.25 and ≥ 0.5). Peak
memory of an import in a fresh process (< 500 MB). In a throwaway database of its own
(qunzhi_bench_import: created, migrated and loaded on first use), never the shared ones."""

from __future__ import annotations

import io
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.suite.harness import Comparison, Scenario, at_least, interleave, median, p95, timed
from bench.suite.scenarios.common import arguments, runs, setup_django

TITLE = "批量导入人员：csv 导入 / PostgreSQL COPY，xlsx 导入 / 仅读取 xlsx"
DATABASE = os.environ.get("BENCH_DB_IMPORT", "postgres://postgres@127.0.0.1:5432/qunzhi_bench_import")
ROWS, QUICK_ROWS = 100_000, 20_000
SEED = 2026
MEMORY_LIMIT_MB = 500
FILES = Path(tempfile.gettempdir()) / "qunzhi-bench-import"


def _psql(sql: str) -> str:
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-tAc", sql],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def ensure_database() -> None:
    """Create and migrate the scenario's own database if it is missing (about a minute, once)."""
    name = DATABASE.rsplit("/", 1)[-1]
    if _psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") != "1":
        _psql(f'CREATE DATABASE "{name}"')
    root = Path(__file__).resolve().parents[3]
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
        cwd=root,
        env={**os.environ, "DATABASE_URL": DATABASE},
        check=True,
    )


def reference_data():
    """The importer (a provincial admin), the counties and their employers: loaded once, then read."""
    from django.contrib.auth import get_user_model

    from apps.organizations.models import HostUnit
    from bench import import_people

    user = get_user_model().objects.filter(username="bench_province_admin").first()
    if user is None:
        import_people.reference_data()
        user = get_user_model().objects.get(username="bench_province_admin")
    employers: dict[str, list[str]] = {}
    for code, credit_code in HostUnit.objects.filter(name__contains="测试企业").values_list(
        "region__code", "credit_code"
    ):
        employers.setdefault(code, []).append(credit_code)
    return user, sorted(employers), employers


def build_files(count: int, counties, employers) -> tuple[Path, Path, list[list[str]]]:
    """The csv and xlsx of `count` people (kept between runs: the same seed gives the same rows)."""
    import openpyxl

    from bench import import_people

    rows = import_people.build_rows(count, SEED, counties, employers)
    FILES.mkdir(exist_ok=True)
    csv_path, xlsx_path = FILES / f"people-{count}.csv", FILES / f"people-{count}.xlsx"
    if not csv_path.exists():
        import csv

        with csv_path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(import_people.HEADERS)
            writer.writerows(rows)
    if not xlsx_path.exists():
        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append(import_people.HEADERS)
        for row in rows:
            sheet.append(row)
        workbook.save(xlsx_path)
    return csv_path, xlsx_path, rows


def truncate() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE members_membership, members_person_identity_tags, members_person, django_admin_log CASCADE"
        )


def copy_payload(rows: list[list[str]]) -> str:
    """The people as COPY text, already encrypted and hashed: what the import writes, without the work."""
    from django.utils import timezone

    from apps.core.crypto import _fernet, keyed_hash
    from apps.core.phones import mask_phone
    from apps.members import idnumbers
    from apps.organizations.models import Region

    fernet, now = _fernet(), timezone.now().isoformat()
    regions = dict(Region.objects.filter(code__in={row[4] for row in rows}).values_list("code", "pk"))
    lines = []
    for name, number, ethnicity, phone, code, *_ in rows:
        value = idnumbers.parse(number)
        cipher = fernet.encrypt(number.encode()).decode()
        # The phone as stored too: encrypted, with its masked form (members/0006 on).
        phone_cipher = fernet.encrypt(phone.encode()).decode() if phone else ""
        lines.append(
            f"{name}\t{cipher}\t{keyed_hash(number)}\t{value.masked}\t{value.gender}\t{value.birth_date}\t"
            f"{ethnicity}\t{phone_cipher}\t{mask_phone(phone)}\t{regions[code]}\t\\N\t\t{now}\t{now}\n"
        )
    return "".join(lines)


def copy_people(payload: str) -> float:
    from django.db import connection, transaction

    truncate()
    statement = (
        "COPY members_person (name, id_number, id_number_hash, id_number_masked, gender, birth_date, ethnicity, "
        "phone, phone_masked, region_id, employer_id, disability_class, created_at, updated_at) FROM STDIN"
    )

    def copy():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.cursor.copy_expert(statement, io.StringIO(payload))

    return timed(copy)


def import_file(user, path: Path, file_format: str, expected: int) -> float:
    from apps.members import services

    truncate()
    result = None

    def run():
        nonlocal result
        with path.open("rb") as handle:
            result = services.people_bulk_import(actor=user, file=handle, file_format=file_format)

    seconds = timed(run)
    if not result.ok or result.created != expected:
        raise SystemExit(f"导入失败：{result.file_errors or result.bad_rows[:3]}，新增 {result.created}")
    return seconds


def parse_only(path: Path) -> float:
    from apps.members.services.bulk_import import read_table

    def run():
        with path.open("rb") as handle:
            for _ in read_table(handle, "xlsx"):
                pass

    return timed(run)


def peak_memory_mb(path: Path, file_format: str, expected: int) -> float:
    """The import in a fresh process; its peak resident size (VmHWM) in MB."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.suite.scenarios.s06_import", "--child", file_format, str(path), str(expected)],
        cwd=Path(__file__).resolve().parents[3],
        env={**os.environ, "DATABASE_URL": DATABASE},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])["peak_mb"]


def child(file_format: str, path: str, expected: str) -> None:
    setup_django(DATABASE)
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="bench_province_admin")
    import_file(user, Path(path), file_format, int(expected))
    truncate()
    print(json.dumps({"peak_mb": _peak_resident_mb()}))


def _peak_resident_mb() -> float:
    """This process's peak resident size. VmHWM belongs to the process image; ru_maxrss would
    carry over the parent's peak through fork and exec on Linux (it is the fallback)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def per_row_rate(user, rows: list[list[str]]) -> float:
    """Rows per second of the admin's row-by-row import (django-import-export → person_register)."""
    import tablib

    from apps.members.resources import PersonResource
    from bench import import_people

    truncate()
    dataset = tablib.Dataset(*rows, headers=import_people.HEADERS)
    seconds = timed(
        lambda: PersonResource(user=user).import_data(dataset, dry_run=False, rollback_on_validation_errors=True)
    )
    return len(rows) / seconds


def main() -> None:
    if "--child" in sys.argv:
        position = sys.argv.index("--child")
        child(*sys.argv[position + 1 : position + 4])
        return
    args = arguments(__doc__)
    count = QUICK_ROWS if args.quick else ROWS
    rounds = runs(args, 3, 2)
    ensure_database()
    setup_django(DATABASE)
    from apps.members.models import Membership, Person

    with Scenario(6, TITLE) as scenario:
        user, counties, employers = reference_data()
        csv_path, xlsx_path, rows = build_files(count, counties, employers)
        payload = copy_payload(rows)
        scenario.note(
            rows=count,
            csv_mb=round(csv_path.stat().st_size / 2**20, 1),
            xlsx_mb=round(xlsx_path.stat().st_size / 2**20, 1),
        )

        copies, csv_imports = interleave(
            lambda: copy_people(payload), lambda: import_file(user, csv_path, "csv", count), rounds
        )
        scenario.check(
            "导入结果完整",
            Person.objects.count() == count,
            f"人员 {Person.objects.count():,}，会员关系 {Membership.objects.count():,}",
        )
        scenario.compare(
            Comparison(
                "csv 导入速度",
                "PostgreSQL COPY（预先加密）",
                "批量导入 csv",
                count / median(copies),
                count / median(csv_imports),
                "行/秒",
                at_least(0.25),
                extra={
                    "copy_seconds_median": round(median(copies), 2),
                    "import_seconds_median": round(median(csv_imports), 2),
                    "import_seconds_p95": round(p95(csv_imports), 2),
                },
            )
        )
        parses, xlsx_imports = interleave(
            lambda: parse_only(xlsx_path), lambda: import_file(user, xlsx_path, "xlsx", count), rounds
        )
        scenario.compare(
            Comparison(
                "xlsx 导入速度",
                "仅读取 xlsx（openpyxl 只读）",
                "批量导入 xlsx",
                count / median(parses),
                count / median(xlsx_imports),
                "行/秒",
                at_least(0.5),
                extra={
                    "parse_seconds_median": round(median(parses), 2),
                    "import_seconds_median": round(median(xlsx_imports), 2),
                    "import_seconds_p95": round(p95(xlsx_imports), 2),
                },
            )
        )
        for file_format, path in (("csv", csv_path), ("xlsx", xlsx_path)):
            peak = peak_memory_mb(path, file_format, count)
            scenario.check(
                f"{file_format} 导入峰值内存", peak < MEMORY_LIMIT_MB, f"{peak:.0f} MB（上限 {MEMORY_LIMIT_MB} MB）"
            )
        sample = rows[:300]
        scenario.note(per_row_import_rows_per_second=round(per_row_rate(user, sample), 1), per_row_sample=len(sample))
        truncate()


if __name__ == "__main__":
    main()
