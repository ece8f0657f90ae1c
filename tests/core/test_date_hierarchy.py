"""The admin's date hierarchy finds its periods by index probes (apps.core.date_hierarchy): the same
years, months and days as Django's DISTINCT over every row, local calendar and filters included."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.date_hierarchy import _skip_scanning
from apps.members.models import Person
from tests.members.factories import PersonFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="其他数据库沿用 Django 的 DISTINCT 查询。"),
]

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC


@pytest.fixture
def people(qinghai):
    # 2025-12-31 17:30 UTC is already 2026-01-01 in Qinghai: the local calendar decides.
    instants = [
        dt.datetime(2024, 3, 5, 2, 0, tzinfo=UTC),
        dt.datetime(2024, 3, 5, 20, 0, tzinfo=UTC),
        dt.datetime(2024, 11, 30, 23, 0, tzinfo=UTC),
        dt.datetime(2025, 12, 31, 17, 30, tzinfo=UTC),
        dt.datetime(2026, 1, 1, 3, 0, tzinfo=UTC),
        dt.datetime(2026, 7, 19, 9, 0, tzinfo=UTC),
    ]
    births = [
        dt.date(1960, 2, 29),
        dt.date(1960, 2, 1),
        dt.date(1988, 12, 31),
        dt.date(2001, 1, 1),
        dt.date(2001, 1, 1),
        dt.date(1960, 3, 1),
    ]
    made = []
    for index, (instant, birth) in enumerate(zip(instants, births, strict=True)):
        person = PersonFactory(name=f"居民{index}")
        Person.objects.filter(pk=person.pk).update(updated_at=instant, birth_date=birth)
        made.append(person)
    return made


def skipping(queryset):
    queryset = queryset._chain()
    queryset.__class__ = _skip_scanning(type(queryset))
    return queryset


@pytest.mark.parametrize("kind", ["year", "month", "day"])
@pytest.mark.parametrize("order", ["ASC", "DESC"])
def test_datetimes_are_djangos_in_the_local_calendar(people, kind, order):
    expected = list(Person.objects.datetimes("updated_at", kind, order, tzinfo=SHANGHAI))

    found = skipping(Person.objects.all()).datetimes("updated_at", kind, order, tzinfo=SHANGHAI)

    assert found == expected and len(found) >= 2
    assert [value.utcoffset() for value in found] == [dt.timedelta(hours=8)] * len(found)


@pytest.mark.parametrize("kind", ["year", "month", "day"])
def test_dates_are_djangos(people, kind):
    assert skipping(Person.objects.all()).dates("birth_date", kind) == list(Person.objects.dates("birth_date", kind))


def test_the_changelist_filters_narrow_the_periods(people):
    some = Person.objects.filter(name__in=["居民3", "居民4"])

    found = skipping(some).datetimes("updated_at", "year", tzinfo=SHANGHAI)

    assert found == list(some.datetimes("updated_at", "year", tzinfo=SHANGHAI))
    assert found != list(Person.objects.datetimes("updated_at", "year", tzinfo=SHANGHAI))


def test_one_statement_whatever_the_number_of_periods(people):
    with CaptureQueriesContext(connection) as queries:
        skipping(Person.objects.all()).datetimes("updated_at", "day")

    assert len(queries) == 1 and "DISTINCT" not in queries[0]["sql"]


@pytest.mark.parametrize("path", ["/admin/venues/booking/", "/admin/venues/booking/?start__year=2026"])
def test_the_bookings_changelist_lists_its_periods_without_reading_every_row(client, province_admin, path):
    client.force_login(province_admin)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)

    assert response.status_code == 200
    assert not [query for query in queries if "DISTINCT" in query["sql"] and "DATE_TRUNC" in query["sql"]]
