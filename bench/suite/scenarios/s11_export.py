"""Scenario 11, exports: the memberships export (apps.exports: the function the Celery task runs,
rows from a server-side cursor to a csv or a write-only xlsx) against PostgreSQL's own
`COPY (the same SELECT) TO STDOUT`, on the 1,000,000-person database: at ~100k rows (the memberships
of 海西州, a region filter as a user would set it) and at all 1.07M (xlsx: ~100k and 海东市's 235k).
Each run is a child process of its own, which reports its wall time and its peak RSS (getrusage).
Targets: the export's memory is flat, peak at 1M ≤ 1.2 × peak at 100k (most of either peak is
Django itself: the COPY child's peak is that baseline); the time ratios export / COPY are reported, informational.

The export is run without a job row (the shared database is not migrated for ExportJob), writing to
a temporary file: the same code `export_run` calls."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.suite import databases
from bench.suite.harness import ROOT, Comparison, Scenario, at_most, interleave, median
from bench.suite.scenarios.common import arguments, runs, setup_django

TITLE = "导出：会员关系 csv/xlsx（服务端游标流式写出）/ PostgreSQL COPY TO STDOUT"
MEMORY_TARGET = 1.2
# (label, region code or "" for everything). 海西州 holds ~88k memberships, 海东市 ~235k.
SIZES = {"100k": "632800", "235k": "630200", "1M": ""}


def child(mode: str, size: str, fmt: str) -> dict:
    """One measurement in this (fresh) process: seconds and peak RSS of COPY or of the export."""
    setup_django(databases.LARGE)
    from django.db import connection

    from apps.accounts.models import User
    from apps.exports import selectors, services

    user = User.objects.get(username=databases.PROVINCE)
    filters = {"region": SIZES[size]} if SIZES[size] else {}
    with tempfile.TemporaryDirectory(prefix="bench-export-") as folder:
        path = Path(folder) / f"export.{fmt}"
        began = time.perf_counter()
        if mode == "copy":
            queryset = selectors.export_queryset(user=user, kind="memberships", filters=filters)
            columns = [lookup for lookup, _, _ in selectors.COLUMNS["memberships"]]
            sql, params = queryset.values_list(*columns).query.sql_with_params()
            with connection.cursor() as cursor, open(path, "w", encoding="utf-8") as handle:
                select = cursor.cursor.mogrify(sql, params).decode()
                cursor.cursor.copy_expert(f"COPY ({select}) TO STDOUT WITH (FORMAT csv, HEADER)", handle)
                rows = cursor.cursor.rowcount
        else:
            rows = services.export_write(user=user, kind="memberships", format=fmt, filters=filters, path=path)
        seconds = time.perf_counter() - began
        size_bytes = path.stat().st_size
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # Linux: kilobytes
    return {"seconds": seconds, "peak_mb": peak_kb / 1024, "rows": rows, "bytes": size_bytes}


def measure(mode: str, size: str, fmt: str, record: list) -> float:
    output = subprocess.run(
        [sys.executable, "-m", "bench.suite.scenarios.s11_export", "--child", mode, size, fmt],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    record.append(figures)
    return figures["seconds"]


def compare(scenario: Scenario, fmt: str, sizes: tuple[str, ...], rounds: int) -> dict:
    peaks = {}
    for size in sizes:
        copies, exports = [], []
        anchors, candidates = interleave(
            lambda: measure("copy", size, "csv", copies),  # noqa: B023
            lambda: measure("export", size, fmt, exports),  # noqa: B023
            rounds,
            warmup=0,
        )
        rows = exports[-1]["rows"]
        peaks[size] = max(figures["peak_mb"] for figures in exports)
        scenario.compare(
            Comparison(
                f"{fmt} 导出 {rows:,} 行耗时（仅供参考）",
                "COPY TO STDOUT",
                f"导出 {fmt}",
                median(anchors),
                median(candidates),
                "s",
                extra={
                    "rows": rows,
                    "export_peak_mb": round(peaks[size], 1),
                    "copy_peak_mb": round(max(figures["peak_mb"] for figures in copies), 1),
                    "export_mb": round(exports[-1]["bytes"] / 2**20, 1),
                    "copy_mb": round(copies[-1]["bytes"] / 2**20, 1),
                },
            )
        )
        scenario.note(**{f"{fmt} {size} 峰值内存 MB（导出/COPY）": f"{peaks[size]:.1f} / {copies[-1]['peak_mb']:.1f}"})
    return peaks


def main() -> None:
    if "--child" in sys.argv:
        mode, size, fmt = sys.argv[sys.argv.index("--child") + 1 :][:3]
        print(json.dumps(child(mode, size, fmt)), flush=True)
        return
    args = arguments(__doc__)
    rounds = runs(args, 3, 1)
    with Scenario(11, TITLE) as scenario:
        # openpyxl writes ~5k rows/s here: xlsx at 1M would take 3–6 minutes on its own, so one run
        # at 100k and at 海东's 235k (BENCH_XLSX_LARGE=1M measures the whole table).
        xlsx_large = os.environ.get("BENCH_XLSX_LARGE", "235k")
        for fmt, sizes in (("csv", ("100k", "1M")), ("xlsx", ("100k", xlsx_large))):
            peaks = compare(scenario, fmt, sizes, rounds if fmt == "csv" else 1)
            small, large = sizes
            scenario.compare(
                Comparison(
                    f"{fmt} 导出峰值内存：{large} 行 / {small} 行",
                    f"{small} 行",
                    f"{large} 行",
                    peaks[small],
                    peaks[large],
                    "MB",
                    at_most(MEMORY_TARGET),
                )
            )


if __name__ == "__main__":
    main()
