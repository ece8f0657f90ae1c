"""Benchmark: a year's duty roster for every service center and station of Qinghai, into a throwaway database.

    .venv/bin/python bench/roster_year.py                 # all 467 (45 centers, 422 stations)
    .venv/bin/python bench/roster_year.py --centers 50    # a sample, for a quick look
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qunzhi .venv/bin/python bench/roster_year.py

Never touches the configured database's data: like bench/import_people.py it lets
Django's test-database machinery create a fresh database next to it, and drops it at the
end. See bench/README.md for what is measured and how to read the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from import_people import record, setup_django, throwaway_database  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "roster_year.json"

FEDERATIONS = ("union", "youth_league", "women", "disabled")
START, END, TODAY = dt.date(2027, 1, 1), dt.date(2027, 12, 31), dt.date(2026, 12, 31)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞卓玛扎西才让拉姆措"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--centers", type=int, default=0, help="only the first N centers and stations (default: all)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed for the staff counts (default 2026)")
    return parser.parse_args()


def build_centers(limit: int, seed: int):
    """Divisions, county units, a center per county and a station per township, each with 2–3 staff per federation."""
    from apps.members.models import Gender, Person
    from apps.organizations import demo, services
    from apps.organizations.management.commands.load_divisions import read_divisions
    from apps.organizations.models import Federation, Organization, Region, RegionLevel
    from apps.resources.models import CenterKind, Secondment, ServiceCenter

    services.regions_load_divisions(read_divisions())
    demo.seed_organizations()
    rng = random.Random(seed)
    regions = list(
        Region.objects.filter(level__in=[RegionLevel.COUNTY, RegionLevel.TOWNSHIP])
        .order_by("path")
        .select_related("parent")
    )
    if limit:
        regions = regions[:limit]
    federations = list(Federation.objects.filter(code__in=FEDERATIONS))
    county_units = {
        (unit.federation_id, unit.region_id): unit
        for unit in Organization.objects.filter(federation__in=federations, host_unit__isnull=True)
    }
    centers = ServiceCenter.objects.bulk_create(
        ServiceCenter(
            name=f"{region.name}群团服务{'中心' if region.level == RegionLevel.COUNTY else '站'}",
            kind=CenterKind.CENTER if region.level == RegionLevel.COUNTY else CenterKind.STATION,
            region=region,
        )
        for region in regions
    )
    # The people are set-up, not what is measured: inserted directly rather than registered.
    plan = []
    for center, region in zip(centers, regions, strict=True):
        county = region if region.level == RegionLevel.COUNTY else region.parent
        for federation in federations:
            for _ in range(rng.choice((2, 3))):
                plan.append((center, county, county_units[(federation.pk, county.pk)]))
    people = Person.objects.bulk_create(
        Person(
            name=rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=2)),
            id_number=f"bench-{index}",
            id_number_hash=f"bench-{index}",
            id_number_masked=f"bench-{index}",
            gender=rng.choice((Gender.MALE, Gender.FEMALE)),
            birth_date=dt.date(1985, 1, 1),
            region=county,
        )
        for index, (_, county, _) in enumerate(plan)
    )
    Secondment.objects.bulk_create(
        Secondment(center=center, person=person, organization=unit, start_date=dt.date(2026, 1, 1))
        for (center, _, unit), person in zip(plan, people, strict=True)
    )
    return centers, len(people)


def main() -> None:
    args = parse_args()
    setup_django()
    from django.db import connection
    from django.test.utils import teardown_databases

    from apps.resources import services
    from apps.resources.models import DutyShift

    old_config = throwaway_database()
    try:
        print(f"数据库：{connection.vendor}（临时库 {connection.settings_dict['NAME']}）")
        started = time.perf_counter()
        centers, staff = build_centers(args.centers, args.seed)
        print(f"准备：{len(centers)} 个服务中心（站），{staff} 名派驻人员，{time.perf_counter() - started:.1f} 秒")

        per_center, created, unfilled = [], 0, 0
        started = time.perf_counter()
        for center in centers:
            began = time.perf_counter()
            result = services.duty_roster_generate(center=center, start=START, end=END, today=TODAY)
            per_center.append(time.perf_counter() - began)
            created += result.created
            unfilled += len(result.unfilled)
        seconds = time.perf_counter() - started

        assert DutyShift.objects.count() == created, (DutyShift.objects.count(), created)
        working_days = DutyShift.objects.values("date").distinct().count()
        figures = {
            "database": connection.vendor,
            "centers": len(centers),
            "staff": staff,
            "period": f"{START}..{END}",
            "working_days": working_days,
            "shifts_created": created,
            "slots_unfilled": unfilled,
            "seconds": round(seconds, 2),
            "seconds_per_center_mean": round(statistics.mean(per_center), 4),
            "seconds_per_center_max": round(max(per_center), 4),
            "shifts_per_second": round(created / seconds, 1),
            "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPU",
        }
        print(
            f"生成 {len(centers)} 个中心（站）全年排班：{seconds:.1f} 秒，"
            f"平均每个 {statistics.mean(per_center) * 1000:.0f} 毫秒（最慢 {max(per_center) * 1000:.0f} 毫秒）；"
            f"{working_days} 个工作日，{created} 个班次，{unfilled} 个班次无人可排"
        )
        record(figures, RESULTS)
        print(f"已写入 {RESULTS.relative_to(ROOT)}")
    finally:
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    main()
