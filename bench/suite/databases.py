"""The two scale databases every comparison of sizes reads (bench/README.md says how to make them)."""

from __future__ import annotations

import os

LARGE = os.environ.get("BENCH_DB_1M", "postgres://postgres@127.0.0.1:5432/qunzhi_scale")
SMALL = os.environ.get("BENCH_DB_10K", "postgres://postgres@127.0.0.1:5432/qunzhi_scale_10k")

# The personas `personas.ensure` gives roles in both databases; their password is the demo's.
PASSWORD = "qunzhi-bench-2026"
PROVINCE = "bench_province"  # 省级管理员 of 青海省 (a superuser too, for the admin)
COUNTY = "bench_county"  # 县级工作人员 of 城东区 (630102), the county the lists are scoped to
COUNTY_CODE = "630102"
