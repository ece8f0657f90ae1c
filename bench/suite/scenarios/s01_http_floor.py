"""Scenario 1, the HTTP floor: a trivial DRF view, and one behind the API's real authentication
(a JWT), against a plain Django view on the same gunicorn. wrk drives each for a few seconds,
interleaved; the ratios are of requests per second (targets ≥ 0.7 and ≥ 0.6)."""

from __future__ import annotations

from bench.suite import databases, server
from bench.suite.harness import Comparison, Scenario, at_least, interleave, median
from bench.suite.scenarios.common import arguments, runs

TITLE = "HTTP 基线：DRF 空视图、带认证的空视图 / 普通 Django 视图"


def main() -> None:
    args = arguments(__doc__)
    rounds, seconds = runs(args, 5, 2), (2 if args.quick else 3)
    with Scenario(1, TITLE) as scenario, server.gunicorn(databases.LARGE) as base:
        token = server.api_client(base, databases.COUNTY).headers
        plain = lambda: server.wrk(f"{base}/bench/plain/", seconds)  # noqa: E731
        for name, path, headers, target in (
            ("DRF 空视图", "/bench/drf/", {}, 0.7),
            ("带 JWT 认证的 DRF 空视图", "/bench/drf-auth/", token, 0.6),
        ):
            candidate = lambda url=f"{base}{path}", headers=headers: server.wrk(url, seconds, headers=headers)  # noqa: E731
            anchors, candidates = interleave(plain, candidate, rounds)
            scenario.compare(
                Comparison(
                    name, "普通 Django 视图", name, median(anchors), median(candidates), "req/s", at_least(target)
                )
            )


if __name__ == "__main__":
    main()
