"""The staff pages' lists count their rows up to a bound, as the admin does: never a COUNT(*) over a
whole table of a million people, and the page says when there are more than it counted."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.pagination import BoundedCountPaginator
from tests.members.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def five_people(qinghai):
    return [PersonFactory(name=f"居民{index}") for index in range(5)]


def test_past_the_limit_the_people_page_says_more_and_counts_no_more(client, province_admin, five_people, monkeypatch):
    monkeypatch.setattr(BoundedCountPaginator, "limit", 3)
    client.force_login(province_admin)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/people/")

    page = response.content.decode()
    assert response.status_code == 200 and "共 超过 3 人" in page
    counts = [query["sql"] for query in queries.captured_queries if "COUNT(" in query["sql"]]
    assert counts and all("LIMIT 4" in sql for sql in counts), counts  # bounded, and no full-table count


def test_below_the_limit_the_people_page_counts_exactly(client, province_admin, five_people, monkeypatch):
    monkeypatch.setattr(BoundedCountPaginator, "limit", 30)
    client.force_login(province_admin)

    response = client.get("/people/")

    assert "共 5 人" in response.content.decode()
