"""`field__any_of`: ids worked out beforehand, as one array on PostgreSQL (apps.core.lookups)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.organizations.models import Region

pytestmark = pytest.mark.django_db


def test_it_keeps_exactly_the_given_ids_in_the_querys_own_order(qinghai):
    chosen = list(Region.objects.order_by("?").values_list("pk", flat=True)[:5])
    found = Region.objects.filter(pk__any_of=chosen).order_by("-pk")
    assert list(found.values_list("pk", flat=True)) == sorted(chosen, reverse=True)
    assert Region.objects.filter(pk__any_of=[*chosen, 10**9]).count() == len(chosen)


def test_the_ids_are_one_parameter_on_postgresql(qinghai):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no arrays: the ids are an IN list there.")
    ids = list(Region.objects.values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as queries:
        assert Region.objects.filter(pk__any_of=ids).count() == len(ids)
    assert "= ANY(" in queries[0]["sql"] and " IN (" not in queries[0]["sql"]


def test_no_ids_find_nothing_without_asking_the_database():
    with CaptureQueriesContext(connection) as queries:
        assert list(Region.objects.filter(pk__any_of=[])) == []
    assert not queries.captured_queries
