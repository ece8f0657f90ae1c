"""Every list of the API and every admin changelist costs the same number of queries whatever the
page's length: a page of 200 rows as many as a page of 10. The endpoints are read from the API's
router and the admin site's registry, so a new viewset or admin is checked without a line here.

The rows come from the province-scale generator (PostgreSQL only: COPY, exclusion constraints), a
small province of a few hundred people, so that most lists hold more than 10 rows."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.core.scale_data import database, generate, projects
from qunzhi.api_urls import router
from tests.conftest import ensure_reference_data

PAGE_SIZES = (10, 50, 200)
API_LISTS = [f"/api/v1/{prefix}/" for prefix, _viewset, _basename in router.registry]
CHANGELISTS = [f"/admin/{model._meta.app_label}/{model._meta.model_name}/" for model in admin.site._registry]
# Lists that answer only with a filter (an evaluation's scores): nothing to count without one.
NEEDS_A_FILTER = {"/api/v1/evaluations/", "/api/v1/evaluation-scores/"}


@pytest.fixture(scope="module")
def province(django_db_setup, django_db_blocker):
    """A generated province (committed, as the generator does), emptied afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip("规模数据只写入 PostgreSQL（COPY、排他约束）。")
    with django_db_blocker.unblock():
        ensure_reference_data()
        policies_before = set(projects.PolicyStandard.objects.values_list("code", flat=True))
        generate(persons=400, seed=2026, reset=True, workers=1, report=lambda line: None)
        yield
        with transaction.atomic(), connection.cursor() as cursor:
            database.prepare(cursor, reset=True)
        projects.PolicyStandard.objects.exclude(code__in=policies_before).delete()


pytestmark = pytest.mark.django_db


def _rows(data) -> int | None:
    """Rows on a page; None for a report that is not paginated (the coverage report)."""
    if isinstance(data, list):
        return len(data)
    return len(data["results"]) if "results" in data else None


def _describe(queries) -> str:
    return "\n".join(query["sql"] for query in queries.captured_queries)


@pytest.fixture
def superuser(province, province_admin):
    province_admin.is_superuser = province_admin.is_staff = True
    province_admin.save()
    return province_admin


@pytest.mark.parametrize("url", API_LISTS)
def test_an_api_list_costs_the_same_queries_for_10_or_200_rows(url, superuser):
    client = APIClient()
    client.force_authenticate(superuser)
    pages = {}
    for size in PAGE_SIZES:
        cache.clear()  # each size worked out, not served as the one before (coverage, scorecards)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"page_size": size})
        if url in NEEDS_A_FILTER and response.status_code in (400, 404):
            pytest.skip(f"{url} 需要筛选条件")
        assert response.status_code == 200, (url, response.status_code)
        pages[size] = (_rows(response.data), queries)

    counts = {size: len(queries) for size, (_rows, queries) in pages.items()}
    assert len(set(counts.values())) == 1, (
        f"{url}: 查询数随每页条数变化 {counts}（每页行数 {[rows for rows, _ in pages.values()]}）\n"
        + _describe(pages[PAGE_SIZES[-1]][1])
    )


@pytest.mark.parametrize("url", CHANGELISTS)
def test_an_admin_changelist_costs_the_same_queries_for_10_or_200_rows(url, superuser, client):
    model_admin = next(
        model_admin
        for model, model_admin in admin.site._registry.items()
        if url == f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    )
    client.force_login(superuser)
    pages = {}
    for size in PAGE_SIZES:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(model_admin, "list_per_page", size)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        pages[size] = (len(response.context["cl"].result_list), queries)

    counts = {size: len(queries) for size, (_rows, queries) in pages.items()}
    assert len(set(counts.values())) == 1, (
        f"{url}: 查询数随每页条数变化 {counts}（每页行数 {[rows for rows, _ in pages.values()]}）\n"
        + _describe(pages[PAGE_SIZES[-1]][1])
    )
