"""Scenario 3, queries per request: every list of the API (every viewset of `qunzhi/api_urls.py`'s
router) and every admin changelist (`admin.site._registry`), at page sizes 10, 50 and 200, in-process
on the 1,000,000-person database as the province administrator. A page of 200 rows must cost the
same number of queries as a page of 10 (no query per row); one check per endpoint, the counts in the JSON."""

from __future__ import annotations

from bench.suite import databases
from bench.suite.harness import Scenario
from bench.suite.scenarios.common import arguments, setup_django

TITLE = "每个请求的查询数：API 列表与后台列表页，每页 10 / 50 / 200 条"
PAGE_SIZES = (10, 50, 200)


def api_lists() -> list[str]:
    """The list URL of every viewset the API's router holds."""
    from qunzhi.api_urls import router

    return [f"/api/v1/{prefix}/" for prefix, _viewset, _basename in router.registry]


def admin_changelists() -> list[tuple[str, object]]:
    """(URL, ModelAdmin) of every changelist the admin site holds."""
    from django.contrib import admin

    return [
        (f"/admin/{model._meta.app_label}/{model._meta.model_name}/", model_admin)
        for model, model_admin in admin.site._registry.items()
    ]


def api_queries(client, url: str, size: int) -> tuple[int, int, int]:
    """(status, rows on the page, queries) of one API list page."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache.clear()  # each size worked out, not served as the one before (coverage, scorecards)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"page_size": size})
    data = getattr(response, "data", None)
    rows = data.get("results", []) if isinstance(data, dict) else (data or [])
    return response.status_code, len(rows), len(queries)


def admin_queries(user, url: str, model_admin, size: int) -> tuple[int, int, int]:
    """(status, rows on the page, queries) of one changelist page with `list_per_page` = size, the view
    called directly (no session row written into the shared database)."""
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    request = RequestFactory().get(url)
    request.user, request.session = user, {}
    request._messages = FallbackStorage(request)
    before, model_admin.list_per_page = model_admin.list_per_page, size
    try:
        with CaptureQueriesContext(connection) as queries:
            response = model_admin.changelist_view(request)
            if hasattr(response, "render"):
                response.render()
    finally:
        model_admin.list_per_page = before
    changelist = getattr(response, "context_data", {}).get("cl")
    return response.status_code, (len(changelist.result_list) if changelist else 0), len(queries)


def main() -> None:
    arguments(__doc__)
    setup_django(databases.LARGE)
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient

    user = get_user_model().objects.get(username=databases.PROVINCE)
    client = APIClient()
    client.force_authenticate(user)
    counts: dict[str, dict] = {}
    with Scenario(3, TITLE) as scenario:
        measured = [(url, lambda size, url=url: api_queries(client, url, size)) for url in api_lists()]
        measured += [
            (url, lambda size, url=url, model_admin=model_admin: admin_queries(user, url, model_admin, size))
            for url, model_admin in admin_changelists()
        ]
        for url, measure in measured:
            figures = {size: measure(size) for size in PAGE_SIZES}
            counts[url] = {str(size): {"status": s, "rows": r, "queries": q} for size, (s, r, q) in figures.items()}
            statuses = {s for s, _r, _q in figures.values()}
            queries = [q for _s, _r, q in figures.values()]
            rows = [r for _s, r, _q in figures.values()]
            if statuses != {200}:
                # A list that needs a filter to answer (evaluation scores by evaluation): no page to count.
                scenario.check(url, True, f"不计：状态 {sorted(statuses)}")
                continue
            pages = zip(PAGE_SIZES, rows, queries, strict=True)
            scenario.check(url, len(set(queries)) == 1, " / ".join(f"{s} 条页 {r} 行 {q} 次查询" for s, r, q in pages))
        scenario.note(queries_per_page=counts)


if __name__ == "__main__":
    main()
