"""Admin changelists at province scale count at most a bounded number of rows: never a COUNT(*) over
a whole table of a million people, and the page says when there are more than it counted."""

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


def test_past_the_limit_the_changelist_says_more_and_counts_no_further(client, county_staff, five_people, monkeypatch):
    monkeypatch.setattr(BoundedCountPaginator, "limit", 3)
    client.force_login(county_staff)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/admin/members/person/")

    assert response.status_code == 200 and response.context["cl"].paginator.capped
    assert "超过 3 条人员" in response.content.decode()
    counts = [query["sql"] for query in queries.captured_queries if "COUNT(" in query["sql"]]
    assert counts and all("LIMIT 4" in sql for sql in counts), counts  # bounded, and no full-table count
    assert not [sql for sql in counts if "ORDER BY" in sql]  # any rows count the same: nothing sorted


def test_below_the_limit_the_count_is_exact(client, county_staff, five_people, monkeypatch):
    monkeypatch.setattr(BoundedCountPaginator, "limit", 3)
    client.force_login(county_staff)

    response = client.get("/admin/members/person/", {"q": "居民1"})

    assert not response.context["cl"].paginator.capped and response.context["cl"].result_count == 1
    assert "超过" not in response.content.decode()
