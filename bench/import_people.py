"""Benchmark: import N people from a spreadsheet through the admin's resource, into a throwaway database.

    .venv/bin/python bench/import_people.py --rows 10000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qunzhi .venv/bin/python bench/import_people.py --rows 10000

Never touches the configured database's data: Django's test-database machinery creates a
fresh one next to it (SQLite: a temporary file, with the same pragmas as the real one;
PostgreSQL: `<name>_bench` on the same server), migrates it, and drops it at the end.
See bench/README.md for what is measured and how to read the figures.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import platform
import pstats
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "import_people.json"

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐韩冯"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰梅卓玛扎西才让拉姆措"
ETHNICITIES = ["汉族"] * 50 + ["藏族"] * 25 + ["回族"] * 15 + ["土族"] * 5 + ["撒拉族"] * 3 + ["蒙古族"] * 2
HEADERS = ["姓名", "身份证号", "民族", "手机号", "居住地区划代码", "工作单位统一社会信用代码", "身份", "残疾人证号"]
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
EMPLOYERS_PER_COUNTY = 3


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000, help="people in the file (default 10000)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed: the same seed builds the same file")
    parser.add_argument("--format", choices=["xlsx", "csv"], default="xlsx", help="file format (default xlsx)")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print the N costliest functions")
    return parser.parse_args()


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qunzhi.settings")
    import django
    from django.conf import settings

    django.setup()
    # As in production: no query log kept in memory.
    settings.DEBUG = False


def throwaway_database():
    """Create, migrate and return the config of a fresh database beside the configured one."""
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases

    database = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        # A file, not the in-memory default: the real platform runs on a file with WAL.
        folder = tempfile.mkdtemp(prefix="qunzhi-bench-")
        database.setdefault("TEST", {})["NAME"] = str(Path(folder) / "bench.sqlite3")
    else:
        database.setdefault("TEST", {})["NAME"] = f"{database['NAME']}_bench"
    return setup_databases(verbosity=0, interactive=False, aliases={"default"}, serialized_aliases=set())


def credit_code(body: str) -> str:
    from apps.organizations.services import credit_code_is_valid

    return next(body + char for char in CREDIT_CODE_ALPHABET if credit_code_is_valid(body + char))


def reference_data() -> tuple[object, list[str], dict[str, list[str]]]:
    """Qinghai's divisions, every federation's units down to the counties, employers with union branches.

    Returns the importing user (a provincial admin), the county codes and each county's
    employers' credit codes.
    """
    from django.contrib.auth import get_user_model

    from apps.organizations import demo, services
    from apps.organizations.management.commands.load_divisions import read_divisions
    from apps.organizations.models import Federation, HostUnitKind, Organization, Region, RegionLevel, Role

    services.regions_load_divisions(read_divisions())
    demo.seed_organizations()
    union = Federation.objects.get(code="union")
    counties = list(Region.objects.filter(level=RegionLevel.COUNTY).order_by("code"))
    employers: dict[str, list[str]] = {}
    for county in counties:
        county_union = Organization.objects.get(federation=union, region=county, host_unit__isnull=True)
        for number in range(EMPLOYERS_PER_COUNTY):
            code = credit_code(f"91{county.code}MA{number:07d}")
            host_unit = services.host_unit_create(
                name=f"{county.name}测试企业{number + 1}",
                kind=HostUnitKind.ENTERPRISE,
                region=county,
                credit_code=code,
            )
            services.organization_create(
                name=f"{host_unit.name}工会", federation=union, region=county, parent=county_union, host_unit=host_unit
            )
            employers.setdefault(county.code, []).append(code)
    actor = get_user_model().objects.create(username="bench_province_admin", name="基准测试")
    services.role_assign(user=actor, role=Role.PROVINCE_ADMIN, region=Region.objects.get(depth=1))
    return actor, [county.code for county in counties], employers


def build_rows(count: int, seed: int, counties: list[str], employers: dict[str, list[str]]) -> list[list[str]]:
    """`count` people with valid, distinct ID numbers; the same seed gives the same rows."""
    from apps.members import idnumbers

    rng = random.Random(seed)
    first_day, days = dt.date(1950, 1, 1), (dt.date(2008, 12, 31) - dt.date(1950, 1, 1)).days
    seen: set[str] = set()
    rows = []
    while len(rows) < count:
        county = rng.choice(counties)
        birth = first_day + dt.timedelta(days=rng.randrange(days))
        first17 = f"{county}{birth:%Y%m%d}{rng.randrange(1000):03d}"
        if first17 in seen:
            continue
        seen.add(first17)
        number = first17 + idnumbers.check_digit(first17)
        employed = rng.random() < 0.6
        tags = ["职工"] if employed else [rng.choice(["农牧民", "学生", "退休"])]
        certificate = ""
        if rng.random() < 0.02:
            tags.append("残疾人")
            certificate = f"{number}{rng.randint(1, 7)}{rng.randint(1, 4)}"
        if rng.random() < 0.1:
            tags.append("志愿者")
        rows.append(
            [
                rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2))),
                number,
                rng.choice(ETHNICITIES),
                f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
                county,
                rng.choice(employers[county]) if employed else "",
                "、".join(tags),
                certificate,
            ]
        )
    return rows


def spreadsheet(rows: list[list[str]], file_format: str):
    """The file as the admin receives it, read back by the admin's own format class."""
    import tablib
    from import_export.formats import base_formats

    dataset = tablib.Dataset(*rows, headers=HEADERS)
    if file_format == "xlsx":
        content, reader = dataset.export("xlsx"), base_formats.XLSX()
    else:
        content, reader = dataset.export("csv"), base_formats.CSV()
    return content, reader.create_dataset(content)


def record(figures: dict, path: Path = RESULTS) -> None:
    """Keep the latest figures per database in the results file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    results = json.loads(path.read_text()) if path.exists() else {}
    results[figures["database"]] = figures
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")


def main() -> None:
    args = parse_args()
    setup_django()
    from django.db import connection
    from django.test.utils import teardown_databases

    from apps.members.models import Membership, Person
    from apps.members.resources import PersonResource

    old_config = throwaway_database()
    try:
        print(f"数据库：{connection.vendor}（临时库 {connection.settings_dict['NAME']}）")
        started = time.perf_counter()
        actor, counties, employers = reference_data()
        rows = build_rows(args.rows, args.seed, counties, employers)
        content, dataset = spreadsheet(rows, args.format)
        print(
            f"准备：{len(counties)} 个县区，{args.rows} 行 {args.format}（{len(content) / 1e6:.1f} MB），"
            f"{time.perf_counter() - started:.1f} 秒"
        )

        resource = PersonResource(user=actor)
        profiler = cProfile.Profile() if args.profile else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        result = resource.import_data(dataset, dry_run=False, rollback_on_validation_errors=True)
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - started

        if result.has_errors() or result.has_validation_errors():
            first = (result.invalid_rows or result.error_rows)[0]
            raise SystemExit(f"导入失败：第 {first.number} 行 {getattr(first, 'error_dict', first)}")
        people, memberships = Person.objects.count(), Membership.objects.count()
        assert people == args.rows, (people, args.rows)
        figures = {
            "database": connection.vendor,
            "rows": args.rows,
            "format": args.format,
            "seed": args.seed,
            "seconds": round(seconds, 2),
            "rows_per_second": round(args.rows / seconds, 1),
            "people_created": people,
            "memberships_created": memberships,
            "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPU",
        }
        print(f"导入 {args.rows} 人：{seconds:.1f} 秒，{args.rows / seconds:.0f} 行/秒；会员关系 {memberships} 条")
        if profiler:
            out = io.StringIO()
            order = os.environ.get("BENCH_SORT", "cumulative")
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.profile)
            print(out.getvalue())
        else:
            record(figures)  # a profiled run is slower: its figures are not kept
            print(f"已写入 {RESULTS.relative_to(ROOT)}")
    finally:
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    main()
