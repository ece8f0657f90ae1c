"""Benchmark: the province-wide 六共 scorecard against the raw SQL of the same aggregates.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qunzhi_scale .venv/bin/python bench/scorecard.py
    ... bench/scorecard.py --runs 21 --region 630100      # a prefecture instead of the province
    ... bench/scorecard.py --profile 30                   # where the time goes

Reads the configured database and writes nothing to it: run it on the scale data set
(`manage.py generate_scale_data`, bench/README.md). Three things are timed, interleaved run by
run (anchor, candidate, anchor, candidate …) and reported as medians:

- raw SQL: the very statements the scorecard runs, captured once and then executed with a plain
  cursor, fetching every row — what the database alone costs;
- `scorecard()`: the Python function the page and the API call (queries, bucketing, shares);
- the API: `GET /api/v1/scorecard/` in-process through DRF (serialization and the month trend
  included), against the raw SQL of its own statements;
- `scorecard(use_summaries=False)`: everything counted live, to see what the monthly summaries buy.

The ratios say how much the platform adds to the database's own work (target ≤ 1.25); the API's
p95 says what a client waits at this size (target: well under a second; 50 ms at 1M persons is
issue 10's target for served figures). Figures go to bench/results/scorecard.json.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import platform
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from import_people import record, setup_django  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "scorecard.json"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", default="630000", help="region code (default: the province, 630000)")
    parser.add_argument("--year", type=int, default=2026, help="the period: this calendar year (default 2026)")
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each measurement (median kept)")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print the N costliest functions")
    return parser.parse_args()


def platform_admin():
    """A provincial superuser that exists only in memory: the scope of the whole province, no row written."""
    from apps.accounts.models import User

    return User(username="bench", is_superuser=True, is_staff=True, is_active=True)


def captured(call) -> list[tuple[str, tuple]]:
    """The statements a call runs, with their parameters, to replay as raw SQL."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        call()
    return [(query["sql"], ()) for query in context.captured_queries]


def replay(statements) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params or None)
            if cursor.description:
                cursor.fetchall()


def timed(call) -> float:
    began = time.perf_counter()
    call()
    return time.perf_counter() - began


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    args = parse_args()
    setup_django()
    from django.db import connection
    from rest_framework.test import APIClient

    from apps.insights.scorecard import scorecard
    from apps.members.models import Person
    from apps.organizations.models import Region

    region = Region.objects.get(code=args.region)
    start, end = dt.date(args.year, 1, 1), dt.date(args.year, 12, 31)
    people = Person.objects.count()
    print(f"数据库：{connection.vendor} {connection.settings_dict['NAME']}，人员 {people:,}，区划 {region.name}")

    def card():
        scorecard(user=platform_admin(), region=region, start=start, end=end)

    def card_live():
        scorecard(user=platform_admin(), region=region, start=start, end=end, use_summaries=False)

    client = APIClient()
    client.force_authenticate(platform_admin())
    url = f"/api/v1/scorecard/?region={region.pk}&start={start}&end={end}"

    def api():
        response = client.get(url)
        assert response.status_code == 200, response.content[:300]

    card()  # warm: connection, caches, plans
    api()
    card_sql, api_sql = captured(card), captured(api)
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(api)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)
        return

    times = {"raw_card": [], "card": [], "raw_api": [], "api": [], "card_live": []}
    for _ in range(args.runs):
        times["raw_card"].append(timed(lambda: replay(card_sql)))
        times["card"].append(timed(card))
        times["raw_api"].append(timed(lambda: replay(api_sql)))
        times["api"].append(timed(api))
        times["card_live"].append(timed(card_live))
    median = {name: statistics.median(values) for name, values in times.items()}
    figures = {
        "database": connection.vendor,
        "machine": f"{platform.machine()} · {platform.python_version()}",
        "measured": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "people": people,
        "region": region.name,
        "queries": {"scorecard": len(card_sql), "api": len(api_sql)},
        "median_ms": {name: round(value * 1000, 1) for name, value in median.items()},
        "api_p95_ms": round(percentile(times["api"], 0.95) * 1000, 1),
        "ratio_scorecard_to_raw_sql": round(median["card"] / median["raw_card"], 2),
        "ratio_api_to_raw_sql": round(median["api"] / median["raw_api"], 2),
    }
    record(figures, RESULTS)
    print(f"查询：scorecard() {len(card_sql)} 条，API {len(api_sql)} 条")
    labels = {
        "raw_card": "原始 SQL（同一批聚合）",
        "card": "scorecard()",
        "raw_api": "原始 SQL（API 的语句）",
        "api": "API",
        "card_live": "scorecard()，不用月度汇总",
    }
    for name, label in labels.items():
        print(f"  {label:<24} 中位数 {median[name] * 1000:8.1f} ms")
    ratio_card, ratio_api = figures["ratio_scorecard_to_raw_sql"], figures["ratio_api_to_raw_sql"]
    print(f"scorecard() / 原始 SQL = {ratio_card}（目标 ≤ 1.25：{'达到' if ratio_card <= 1.25 else '未达到'}）")
    print(f"API / 原始 SQL = {ratio_api}（目标 ≤ 1.25：{'达到' if ratio_api <= 1.25 else '未达到'}）")
    p95 = figures["api_p95_ms"]
    print(f"API p95 {p95} ms（目标 < 1000 ms：{'达到' if p95 < 1000 else '未达到'}）")


if __name__ == "__main__":
    main()
