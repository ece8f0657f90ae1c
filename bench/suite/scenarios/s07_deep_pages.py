"""Scenario 7, deep pages: the delta-sync feed (`?updated_since=…`, cursor pages of 50 ordered by
(updated_at, id)) of people and of memberships, its 10,000th page against its first, as the province
administrator on the 1,000,000-person database through gunicorn. A cursor page must cost the same
wherever it lies (target ≤ 1.3×): the cursor holds a position, not an offset into the table.

Walking 9,999 pages to reach the 10,000th would take longer than the scenario: its cursor is built
the way the paginator builds it (the position of the row before it, and how many rows before it share
that position), and the page it answers is checked to start at the expected row."""

from __future__ import annotations

from bench.suite import databases, server
from bench.suite.harness import Comparison, Scenario, at_most, interleave, median, p95
from bench.suite.scenarios.common import arguments, runs, setup_django

TITLE = "深分页：增量同步游标第 10,000 页 / 第 1 页"
SINCE = "2000-01-01T00:00:00Z"
PAGE = 10_000
PAGE_SIZE = 50
FEEDS = (("人员", "/api/v1/people/", "person_list"), ("会员关系", "/api/v1/memberships/", "membership_list"))


def feed_rows(selector_name: str, user):
    """The rows the feed walks, in its order (the API's selector, filtered and ordered as the API does)."""
    from apps.core.filters import parse_updated_since
    from apps.members import selectors

    rows = getattr(selectors, selector_name)(user=user).filter(updated_at__gt=parse_updated_since(SINCE))
    return rows.order_by("updated_at", "id")


def deep_cursor(path: str, selector_name: str, user) -> tuple[str, int, int]:
    """(URL of page PAGE, id of its first row, most rows sharing one updated_at near it)."""
    from rest_framework.pagination import Cursor

    from apps.core.pagination import SyncCursorPagination

    rows = feed_rows(selector_name, user)
    first_id, first_at = rows.values_list("id", "updated_at")[(PAGE - 1) * PAGE_SIZE]
    # As the paginator marks it: the last change time before the page's first row, then an offset
    # past the rows before it that share that row's time.
    position = rows.filter(updated_at__lt=first_at).order_by("-updated_at").values_list("updated_at", flat=True)[0]
    ties = rows.filter(updated_at=first_at, id__lt=first_id).count()
    paginator = SyncCursorPagination()
    paginator.base_url = f"{path}?updated_since={SINCE}&page_size={PAGE_SIZE}"
    return paginator.encode_cursor(Cursor(offset=ties, reverse=False, position=str(position))), first_id, ties


def main() -> None:
    args = arguments(__doc__)
    rounds = runs(args, 21, 5)
    setup_django(databases.LARGE)
    import json

    from django.contrib.auth import get_user_model
    from django.db.models import Count

    user = get_user_model().objects.get(username=databases.PROVINCE)
    with Scenario(7, TITLE) as scenario, server.gunicorn(databases.LARGE) as base:
        client = server.api_client(base, databases.PROVINCE)
        for label, path, selector_name in FEEDS:
            deep, expected_first, ties = deep_cursor(path, selector_name, user)
            first_page = f"{path}?updated_since={SINCE}&page_size={PAGE_SIZE}"
            answer = json.loads(client.get(deep))
            scenario.check(
                f"{label}第 {PAGE:,} 页从预期的行开始",
                answer["results"][0]["id"] == expected_first and len(answer["results"]) == PAGE_SIZE,
                f"首行 id {answer['results'][0]['id']}（预期 {expected_first}），游标偏移 {ties}",
            )
            # The cursor's offset runs over rows sharing one change time: the largest such group bounds it.
            groups = feed_rows(selector_name, user).values("updated_at").annotate(n=Count("id"))
            largest = groups.order_by("-n").values_list("n", flat=True)[0]
            scenario.note(**{f"{label}_同一变更时间最多行数": largest})
            firsts, deeps = interleave(
                lambda url=first_page: client.timed_get(url), lambda url=deep: client.timed_get(url), rounds
            )
            scenario.compare(
                Comparison(
                    f"{label}增量同步",
                    "第 1 页",
                    f"第 {PAGE:,} 页",
                    median(firsts) * 1000,
                    median(deeps) * 1000,
                    "ms",
                    at_most(1.3),
                    extra={"p95_first_ms": round(p95(firsts) * 1000, 1), "p95_deep_ms": round(p95(deeps) * 1000, 1)},
                )
            )


if __name__ == "__main__":
    main()
