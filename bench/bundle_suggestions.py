"""Benchmark: bundling suggestions (捆绑打包) for a provincial admin, into a throwaway database.

    .venv/bin/python bench/bundle_suggestions.py                     # the demo, then 5,000 projects
    .venv/bin/python bench/bundle_suggestions.py --projects 20000    # more
    .venv/bin/python bench/bundle_suggestions.py --profile 30        # where the time goes
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/qunzhi .venv/bin/python bench/bundle_suggestions.py

Never touches the configured database's data: like bench/import_people.py it lets
Django's test-database machinery create a fresh database next to it, and drops it at the
end. See bench/README.md for what is measured and how to read the figures.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import io
import os
import platform
import pstats
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from import_people import record, setup_django, throwaway_database  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "bundle_suggestions.json"
POLICIES_PER_CONTENT = 2
# (min_age, max_age) of the generated target groups; None: no limit
AGE_RANGES = [(None, None)] * 5 + [(14, 28), (16, 36), (18, None), (16, 60), (35, None), (60, None), (None, 18)]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=5_000, help="generated projects (default 5000)")
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each measurement; the median is kept")
    parser.add_argument("--seed", type=int, default=2026, help="random seed: the same seed builds the same projects")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print the N costliest functions")
    return parser.parse_args()


def fresh_user(username: str):
    """The user as a new request sees it: its scope not yet read."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def measure(username: str, runs: int) -> dict:
    """Median seconds of the whole call and of its two parts, the queries and the grouping."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.projects.bundling import bundle_suggestions
    from apps.projects.selectors import bundle_candidate_rows, bundle_suggestion_list

    whole, reading, grouping = [], [], []
    suggestions = candidates = []
    for _ in range(runs):
        # Each run starts as a request does: nothing of the previous one alive (tens of
        # thousands of objects would make the garbage collector's passes longer).
        suggestions = candidates = []
        gc.collect()
        user = fresh_user(username)
        began = time.perf_counter()
        suggestions = bundle_suggestion_list(user=user)
        whole.append(time.perf_counter() - began)

        suggestions = []
        gc.collect()
        user = fresh_user(username)
        began = time.perf_counter()
        candidates = bundle_candidate_rows(user=user)
        reading.append(time.perf_counter() - began)
        began = time.perf_counter()
        suggestions = bundle_suggestions(candidates)
        grouping.append(time.perf_counter() - began)
    with CaptureQueriesContext(connection) as queries:
        bundle_suggestion_list(user=fresh_user(username))
    by_score: dict[int, int] = {}
    for suggestion in suggestions:
        by_score[suggestion.score] = by_score.get(suggestion.score, 0) + 1
    return {
        "candidates": len(candidates),
        "suggestions": len(suggestions),
        "suggestions_by_score": dict(sorted(by_score.items(), reverse=True)),
        "largest_suggestion": max((len(s.projects) for s in suggestions), default=0),
        "queries": len(queries.captured_queries) - 1,  # less the user's own row, read by fresh_user
        "runs": runs,
        "seconds_median": round(statistics.median(whole), 4),
        "seconds_max": round(max(whole), 4),
        "query_seconds_median": round(statistics.median(reading), 4),
        "grouping_seconds_median": round(statistics.median(grouping), 4),
    }


def measure_served(username: str, runs: int) -> dict:
    """Median seconds of the first page (50 suggestions) as the API and the staff page serve it."""
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse
    from rest_framework.test import APIClient

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    api, page = APIClient(), Client()
    api.force_authenticate(fresh_user(username))
    page.force_login(fresh_user(username))
    served = {"api": ("/api/v1/bundles/suggestions/", api), "page": (reverse("web-bundle-suggestions"), page)}
    figures = {}
    for name, (url, client) in served.items():
        times = []
        for _ in range(runs):
            gc.collect()
            began = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - began)
            assert response.status_code == 200, (url, response.status_code)
        figures[f"{name}_first_page_seconds_median"] = round(statistics.median(times), 4)
    return figures


def generate_projects(count: int, seed: int) -> int:
    """`count` unbundled projects over Qinghai's counties, varied on the four criteria; inserted directly.

    Set-up, not what is measured: the rows are bulk-inserted rather than created one by one
    through project_create.
    """
    from django.utils import timezone

    from apps.members.models import IdentityTag
    from apps.organizations.models import Federation, Organization, Region, RegionLevel
    from apps.projects.models import (
        ContentCategory,
        PolicyStandard,
        ProjectStatus,
        ServiceProject,
        ServiceType,
        WorkNature,
    )

    year = timezone.localdate().year  # the demo's projects run this year too
    rng = random.Random(seed)
    contents = list(ContentCategory.objects.order_by("sort_order"))
    natures = list(WorkNature.objects.order_by("sort_order"))
    policies = {
        content.pk: [
            PolicyStandard.objects.get_or_create(
                code=f"bench_{content.code}_{number}",
                defaults={"name": f"{content.name}标准（基准{number}）", "document": f"基准测试文件 {content.code}"},
            )[0]
            for number in range(1, POLICIES_PER_CONTENT + 1)
        ]
        for content in contents
    }
    # Most projects of one content share one or two natures, as in practice.
    usual_natures = {content.pk: rng.sample(natures, 2) for content in contents}
    services = {content.pk: list(ServiceType.objects.filter(category=content)) for content in contents}
    tags = list(IdentityTag.objects.all())
    counties = list(Region.objects.filter(level=RegionLevel.COUNTY).select_related("parent"))
    townships: dict[int, list[Region]] = {}
    for township in Region.objects.filter(level=RegionLevel.TOWNSHIP).only("pk", "parent_id"):
        townships.setdefault(township.parent_id, []).append(township)
    federations = list(Federation.objects.all())
    units = {(unit.federation_id, unit.region_id): unit for unit in Organization.objects.filter(host_unit__isnull=True)}

    projects, chosen_tags, chosen_services = [], [], []
    for number in range(count):
        county = rng.choice(counties)
        place = rng.random()
        if place < 0.1:
            region = county.parent  # a prefecture-wide project
        elif place < 0.3 and townships.get(county.pk):
            region = rng.choice(townships[county.pk])
        else:
            region = county
        lead_region = county.parent if region == county.parent else county
        content = rng.choice(contents)
        nature = rng.choice(usual_natures[content.pk]) if rng.random() < 0.8 else rng.choice(natures)
        low, high = rng.choice(AGE_RANGES)
        projects.append(
            ServiceProject(
                name=f"{county.name}{content.name}项目{number + 1}",
                lead_organization=units[(rng.choice(federations).pk, lead_region.pk)],
                policy_standard=rng.choice(policies[content.pk]),
                work_nature=nature,
                content_category=content,
                region=region,
                min_age=low,
                max_age=high,
                gender="female" if rng.random() < 0.1 else "",
                start_date=dt.date(year, 1, 1),
                end_date=dt.date(year, 12, 31),
                status=ProjectStatus.ACTIVE if rng.random() < 0.7 else ProjectStatus.PLANNED,
            )
        )
        chosen_tags.append(rng.sample(tags, rng.choice((0, 0, 1, 1, 2))))
        chosen_services.append(services[content.pk][:1])
    projects = ServiceProject.objects.bulk_create(projects, batch_size=1000)
    Tags, Services = ServiceProject.target_tags.through, ServiceProject.service_types.through
    Tags.objects.bulk_create(
        (Tags(serviceproject=p, identitytag=t) for p, ts in zip(projects, chosen_tags, strict=True) for t in ts),
        batch_size=2000,
    )
    offered = zip(projects, chosen_services, strict=True)
    Services.objects.bulk_create(
        (Services(serviceproject=p, servicetype=s) for p, ss in offered for s in ss), batch_size=2000
    )
    return len(projects)


def profile(username: str, top: int) -> str:
    from apps.projects.selectors import bundle_suggestion_list

    user = fresh_user(username)
    profiler = cProfile.Profile()
    profiler.enable()
    bundle_suggestion_list(user=user)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(top)
    return out.getvalue()


def show(label: str, figures: dict) -> None:
    print(
        f"{label}：{figures['candidates']} 个可捆绑项目 → {figures['suggestions']} 条建议"
        f"（按得分 {figures['suggestions_by_score']}），{figures['queries']} 次查询；"
        f"中位 {figures['seconds_median'] * 1000:.1f} 毫秒（查询 {figures['query_seconds_median'] * 1000:.1f}，"
        f"分组 {figures['grouping_seconds_median'] * 1000:.1f}；最慢 {figures['seconds_max'] * 1000:.1f}）"
    )


def main() -> None:
    args = parse_args()
    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import teardown_databases

    old_config = throwaway_database()
    try:
        print(f"数据库：{connection.vendor}（临时库 {connection.settings_dict['NAME']}）")
        started = time.perf_counter()
        call_command("seed_demo", stdout=io.StringIO())
        print(f"演示数据（seed_demo）：{time.perf_counter() - started:.1f} 秒")
        demo = measure("province_admin", args.runs)
        show("演示省份", demo)

        started = time.perf_counter()
        generated = generate_projects(args.projects, args.seed)
        print(f"生成 {generated} 个项目：{time.perf_counter() - started:.1f} 秒")
        many = measure("province_admin", args.runs)
        show(f"演示省份 + {generated} 个项目", many)
        many |= measure_served("province_admin", args.runs)
        print(
            f"首页 50 条：API {many['api_first_page_seconds_median'] * 1000:.1f} 毫秒，"
            f"工作人员页面 {many['page_first_page_seconds_median'] * 1000:.1f} 毫秒"
        )

        if args.profile:
            print(profile("province_admin", args.profile))
            return  # a profiled run's figures are not kept
        figures = {
            "database": connection.vendor,
            "user": "province_admin（省级管理员，全省）",
            "demo": demo,
            "generated": {"projects_generated": generated, "seed": args.seed, **many},
            "target": "well under a second for 5,000 projects",
            "under_one_second": max(
                many["seconds_median"], many["api_first_page_seconds_median"], many["page_first_page_seconds_median"]
            )
            < 1.0,
            "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPU",
        }
        record(figures, RESULTS)
        print(f"已写入 {RESULTS.relative_to(ROOT)}")
    finally:
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    main()
