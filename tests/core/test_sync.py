"""Delta sync for weak networks: `?updated_since=`, the deletion tombstones, cursor pages."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from apps.core.filters import UPDATED_SINCE_INVALID
from apps.organizations import services
from apps.organizations.models import HostUnit, Region
from tests.factories import GrassrootsUnitFactory, HostUnitFactory, region

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 27, 8, 0, tzinfo=SHANGHAI)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def walk(client: APIClient, url: str, params: dict) -> list[dict]:
    """Every page, following `next` until it runs out."""
    rows, response = [], client.get(url, params)
    while True:
        body = response.json()
        assert response.status_code == 200, body
        rows += body["results"]
        if not body["next"]:
            return rows
        response = client.get(body["next"])


def test_rows_changed_after_a_time_come_back_in_the_order_they_changed(county_staff, time_machine):
    time_machine.move_to(T0, tick=False)
    first = GrassrootsUnitFactory()
    time_machine.move_to(T0 + timedelta(minutes=10), tick=False)
    second = GrassrootsUnitFactory()
    time_machine.move_to(T0 + timedelta(minutes=20), tick=False)
    client = client_for(county_staff)
    renamed = client.patch(f"/api/v1/organizations/{first.pk}/", {"name": "改过名的企业工会"}, format="json")
    assert renamed.status_code == 200

    changed = results(client.get("/api/v1/organizations/", {"updated_since": (T0 + timedelta(minutes=5)).isoformat()}))

    # By change time, not by id: `first` was created earlier but changed last.
    assert [row["id"] for row in changed] == [second.pk, first.pk]
    assert [row["updated_at"] for row in changed] == [
        (T0 + timedelta(minutes=10)).isoformat(),
        (T0 + timedelta(minutes=20)).isoformat(),
    ]
    everything = {row["id"] for row in results(client.get("/api/v1/organizations/", {"page_size": 200}))}
    assert {first.pk, second.pk, first.parent_id} <= everything


def test_the_same_filter_works_for_host_units(county_staff, qinghai, time_machine):
    time_machine.move_to(T0, tick=False)
    HostUnitFactory()
    time_machine.move_to(T0 + timedelta(hours=1), tick=False)
    later = HostUnitFactory()
    since = {"updated_since": (T0 + timedelta(minutes=1)).isoformat()}
    assert [row["id"] for row in results(client_for(county_staff).get("/api/v1/host-units/", since))] == [later.pk]


def test_a_renamed_region_is_the_only_change_since_the_divisions_were_loaded(county_staff, time_machine):
    loaded = Region.objects.latest("updated_at").updated_at
    time_machine.move_to(loaded + timedelta(days=1), tick=False)
    services.region_update(region=region("630102100000"), name="乐家湾镇（新）")

    since = {"updated_since": (loaded + timedelta(hours=1)).isoformat()}
    changed = results(client_for(county_staff).get("/api/v1/regions/", since))

    assert [(row["code"], row["name"]) for row in changed] == [("630102100000", "乐家湾镇（新）")]


def test_an_unencoded_plus_in_the_offset_is_understood(county_staff, qinghai, time_machine):
    time_machine.move_to(T0, tick=False)
    HostUnitFactory()
    time_machine.move_to(T0 + timedelta(hours=1), tick=False)
    later = HostUnitFactory()
    # A client that forgot to encode "+" sends a space.
    response = client_for(county_staff).get("/api/v1/host-units/?updated_since=2026-11-27T08:30:00+08:00")
    assert [row["id"] for row in results(response)] == [later.pk]


@pytest.mark.parametrize(
    "value",
    ["yesterday", "", "2026-13-01T00:00:00", "2026-02-30T08:00:00+08:00", "0001-01-01T00:00:00+08:00", "1700000000"],
)
@pytest.mark.parametrize("resource", ["organizations", "deletions"])
def test_an_invalid_updated_since_is_a_400_in_chinese(resource, value, county_staff):
    response = client_for(county_staff).get(f"/api/v1/{resource}/", {"updated_since": value})
    assert response.status_code == 400
    assert response.json() == {"updated_since": [UPDATED_SINCE_INVALID]}


def test_deleting_an_organization_leaves_a_tombstone_for_those_who_could_see_it(
    province_admin, county_staff, other_county_staff, mobile_user, chengdong_union, time_machine
):
    time_machine.move_to(T0, tick=False)
    grassroots = GrassrootsUnitFactory()
    time_machine.move_to(T0 + timedelta(hours=1), tick=False)
    # 县级工作人员 may not delete organizations; the province may.
    assert client_for(province_admin).delete(f"/api/v1/organizations/{grassroots.pk}/").status_code == 204
    since = {"updated_since": (T0 + timedelta(minutes=30)).isoformat()}

    tombstone = {"model": "organizations", "id": grassroots.pk, "deleted_at": (T0 + timedelta(hours=1)).isoformat()}
    assert results(client_for(county_staff).get("/api/v1/deletions/", since)) == [tombstone]
    assert results(client_for(province_admin).get("/api/v1/deletions/", since)) == [tombstone]
    assert results(client_for(other_county_staff).get("/api/v1/deletions/", since)) == []
    assert results(client_for(mobile_user).get("/api/v1/deletions/", since)) == []
    # Nothing was deleted before the window, so an earlier point in time changes nothing.
    before = {"updated_since": (T0 + timedelta(hours=2)).isoformat()}
    assert results(client_for(county_staff).get("/api/v1/deletions/", before)) == []


def test_deleting_a_host_unit_through_the_api_is_reported_by_resource_name(county_staff, other_county_staff, qinghai):
    host_unit = HostUnitFactory()
    assert client_for(county_staff).delete(f"/api/v1/host-units/{host_unit.pk}/").status_code == 204

    mine = results(client_for(county_staff).get("/api/v1/deletions/", {"model": "host-units"}))
    assert [(row["model"], row["id"]) for row in mine] == [("host-units", host_unit.pk)]
    assert results(client_for(other_county_staff).get("/api/v1/deletions/")) == []
    assert results(client_for(county_staff).get("/api/v1/deletions/", {"model": "organizations"})) == []


def test_the_page_size_is_capped_at_200(province_admin):
    response = client_for(province_admin).get("/api/v1/regions/", {"page_size": 500})
    assert len(results(response)) == 200
    assert response.json()["next"] and response.json()["previous"] is None
    assert len(results(client_for(province_admin).get("/api/v1/regions/", {"page_size": 7}))) == 7


@pytest.mark.parametrize("params", [{}, {"updated_since": "2000-01-01T00:00:00+08:00"}, {"ordering": "-name"}])
def test_the_next_cursor_walks_every_row_once(params, province_admin):
    rows = walk(client_for(province_admin), "/api/v1/regions/", {"page_size": 60, **params})
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids)) == Region.objects.count() == 476
    if "updated_since" in params:
        assert [row["updated_at"] for row in rows] == sorted(row["updated_at"] for row in rows)


def test_rows_changed_in_the_same_instant_are_paged_without_repeats_or_gaps(county_staff, qinghai, time_machine):
    # A bulk edit stamps many rows with one time: the cursor must still cross them exactly once.
    time_machine.move_to(T0, tick=False)
    created = {HostUnitFactory().pk for _ in range(30)}
    assert HostUnit.objects.values("updated_at").distinct().count() == 1

    since = {"updated_since": (T0 - timedelta(seconds=1)).isoformat(), "page_size": 7}
    walked = [row["id"] for row in walk(client_for(county_staff), "/api/v1/host-units/", since)]

    assert walked == sorted(created)


def test_the_previous_cursor_walks_back_to_the_first_page(county_staff, qinghai):
    for _ in range(12):
        HostUnitFactory(region=region("630102"))
    client = client_for(county_staff)
    first = client.get("/api/v1/host-units/", {"page_size": 5}).json()
    second = client.get(first["next"]).json()
    back = client.get(second["previous"]).json()
    assert [row["id"] for row in back["results"]] == [row["id"] for row in first["results"]]
    assert not {row["id"] for row in first["results"]} & {row["id"] for row in second["results"]}
