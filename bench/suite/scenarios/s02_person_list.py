"""Scenario 2, the people list of the API: `GET /api/v1/people/` as the county persona (城东区,
50 rows a page, its own scope), against the authenticated trivial view on the same gunicorn.
wrk drives each for a few seconds, interleaved; the ratio is of requests per second (target
≥ 0.6). Then a sequential client walks the first pages, 200 requests, for the p95 latency at
1,000,000 people, and the same at 10,000 for comparison."""

from __future__ import annotations

import json
import time
import urllib.parse

from bench.suite import databases, server
from bench.suite.harness import Comparison, Scenario, at_least, interleave, median, p95
from bench.suite.scenarios.common import arguments, runs

TITLE = "人员列表 API（县级范围，每页 50 条）/ 带认证的 DRF 空视图"
PEOPLE = "/api/v1/people/"


def latencies(base: str, requests: int) -> list[float]:
    """A mobile client paging through the list one request at a time, five pages deep, again and again."""
    client = server.api_client(base, databases.COUNTY)
    seconds, path = [], PEOPLE
    for number in range(requests):
        if number % 5 == 0:
            path = PEOPLE
        began = time.perf_counter()
        page = json.loads(client.get(path))
        seconds.append(time.perf_counter() - began)
        following = urllib.parse.urlsplit(page["next"]) if page["next"] else None
        path = f"{following.path}?{following.query}" if following else PEOPLE
    return seconds


def main() -> None:
    args = arguments(__doc__)
    rounds, seconds = runs(args, 5, 2), (2 if args.quick else 3)
    sequential = 60 if args.quick else 200
    with Scenario(2, TITLE) as scenario:
        with server.gunicorn(databases.LARGE) as base:
            headers = server.api_client(base, databases.COUNTY).headers
            rows = len(json.loads(server.api_client(base, databases.COUNTY).get(PEOPLE))["results"])
            trivial = lambda: server.wrk(f"{base}/bench/drf-auth/", seconds, headers=headers)  # noqa: E731
            people = lambda: server.wrk(f"{base}{PEOPLE}", seconds, headers=headers)  # noqa: E731
            anchors, candidates = interleave(trivial, people, rounds)
            scenario.compare(
                Comparison(
                    "人员列表（100 万人）",
                    "带 JWT 认证的 DRF 空视图",
                    "GET /api/v1/people/",
                    median(anchors),
                    median(candidates),
                    "req/s",
                    at_least(0.6),
                    extra={"rows_per_page": rows},
                )
            )
            large = latencies(base, sequential)
        with server.gunicorn(databases.SMALL) as base:
            small = latencies(base, sequential)
        scenario.note(
            rows_per_page=rows,
            p95_ms_1m=round(p95(large) * 1000, 2),
            median_ms_1m=round(median(large) * 1000, 2),
            p95_ms_10k=round(p95(small) * 1000, 2),
            median_ms_10k=round(median(small) * 1000, 2),
            sequential_requests=sequential,
        )


if __name__ == "__main__":
    main()
