"""Scenario 10, flatness: the p95 of every read endpoint at 1,000,000 people against the same at
10,000 people (target ≤ 1.3×). Two gunicorns, one on each database; one sequential client asks both
in turn (A B A B …) as the province administrator: every list of the API (the router's viewsets) and
the detail of each list's first row, every staff list page (URL names ending in `-list`, no
arguments), every admin changelist; and the staff pages again as their everyday users, county staff
of 城东区 (a scope the planner cannot size from its statistics, unlike the whole province).
Endpoints answering in under a few milliseconds at both sizes are compared all the same: a ratio
of two tiny figures is noise, which the JSON shows with the p95s. A page that shows fewer rows at
10,000 than at 1,000,000 is measured but given no target (its rows are in the JSON): it would be
cheaper for the rows alone."""

from __future__ import annotations

import json

from bench.suite import databases, server
from bench.suite.harness import Comparison, Scenario, at_most, interleave, median, p95
from bench.suite.scenarios.common import arguments, runs

TITLE = "规模平坦：100 万人与 1 万人时各读取端点的 p95"
COUNTY_PAGES = "页面（县级）"


def endpoints() -> list[tuple[str, str]]:
    """(kind, path) of every read endpoint that needs no argument, from the URL configuration."""
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.suite.settings")
    import django

    django.setup()
    from django.urls import URLPattern, URLResolver, get_resolver

    from bench.suite.scenarios.s03_query_counts import admin_changelists, api_lists

    found = [("API", url) for url in api_lists()]

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if not route.startswith(("admin/", "api/")):
                    yield from walk(pattern.url_patterns, prefix + route)
            elif isinstance(pattern, URLPattern) and (pattern.name or "").endswith("-list") and "<" not in route:
                yield "/" + prefix + route

    pages = list(walk(get_resolver().url_patterns))
    found += [("页面", path) for path in pages]
    found += [(COUNTY_PAGES, path) for path in pages]
    found += [("后台", url) for url, _model_admin in admin_changelists()]
    return found


def first_detail(client: server.Client, path: str) -> str | None:
    """The detail URL of a list's first row, or None (empty list, report, list needing a filter)."""
    status, content = client.request("GET", path + "?page_size=1")
    if status != 200:
        return None
    data = json.loads(content)
    rows = data.get("results") if isinstance(data, dict) else data
    if not rows or not isinstance(rows, list) or "id" not in rows[0]:
        return None
    return f"{path}{rows[0]['id']}/"


def rows_shown(content: bytes) -> int:
    """Rows of a list as answered: an API page's results, or a page's table rows (same template at
    both sizes, so the difference is the rows)."""
    if content[:1] in (b"{", b"["):
        data = json.loads(content)
        rows = data.get("results", data) if isinstance(data, dict) else data
        return len(rows) if isinstance(rows, list) else 1
    return content.count(b"<tr")


def main() -> None:
    args = arguments(__doc__)
    rounds = runs(args, 30, 5)  # p95 of 30: the 29th, so one stray slow answer does not decide it
    listed = endpoints()
    with (
        Scenario(10, TITLE) as scenario,
        server.gunicorn(databases.SMALL) as small_base,
        server.gunicorn(databases.LARGE) as large_base,
    ):
        clients = {
            "API": (
                server.api_client(small_base, databases.PROVINCE),
                server.api_client(large_base, databases.PROVINCE),
            ),
        }
        clients["页面"] = clients["后台"] = (
            server.admin_client(small_base, databases.PROVINCE),
            server.admin_client(large_base, databases.PROVINCE),
        )
        clients[COUNTY_PAGES] = (
            server.admin_client(small_base, databases.COUNTY),
            server.admin_client(large_base, databases.COUNTY),
        )
        measured = []
        for kind, path in listed:
            small, large = clients[kind]
            measured.append((kind, path, path, path))
            if kind == "API":
                small_detail, large_detail = first_detail(small, path), first_detail(large, path)
                if small_detail and large_detail:
                    measured.append(("API 详情", path + "<id>/", small_detail, large_detail))
        flat, not_flat, unequal_pages, skipped = 0, [], [], []
        for kind, label, small_path, large_path in measured:
            small, large = clients["API" if kind.startswith("API") else kind]
            small_answer, large_answer = small.request("GET", small_path), large.request("GET", large_path)
            if small_answer[0] != 200 or large_answer[0] != 200:
                skipped.append(label)
                continue
            small_rows, large_rows = rows_shown(small_answer[1]), rows_shown(large_answer[1])
            # A page that shows fewer rows at 10,000 (2 courses against 200) is cheaper for that
            # alone: its ratio says nothing about the size of the tables, and gets no target.
            fair = small_rows >= large_rows
            smalls, larges = interleave(
                lambda client=small, path=small_path: client.timed_get(path),
                lambda client=large, path=large_path: client.timed_get(path),
                rounds,
            )
            comparison = scenario.compare(
                Comparison(
                    f"{kind} {label}",
                    "1 万人 p95",
                    "100 万人 p95",
                    p95(smalls) * 1000,
                    p95(larges) * 1000,
                    "ms",
                    at_most(1.3) if fair else None,
                    extra={
                        "median_small_ms": round(median(smalls) * 1000, 1),
                        "median_large_ms": round(median(larges) * 1000, 1),
                        "rows_small": small_rows,
                        "rows_large": large_rows,
                    },
                )
            )
            if comparison.met is None:
                unequal_pages.append(label)
            elif comparison.met:
                flat += 1
            else:
                not_flat.append(label)
        scenario.note(
            endpoints=len(measured), flat=flat, not_flat=not_flat, fewer_rows_at_10k=unequal_pages, not_measured=skipped
        )


if __name__ == "__main__":
    main()
