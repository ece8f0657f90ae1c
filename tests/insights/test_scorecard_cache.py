"""The served scorecard (apps.insights.scorecard_cache): worked out once per region and period for
every viewer whose scope takes in the region, kept SCORECARD_CACHE_SECONDS; liaisons always live."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.insights import scorecard_cache
from apps.insights.tasks import scorecards_warm_task
from apps.organizations.models import Role
from apps.organizations.scoping import forget_scope
from apps.organizations.services import role_assign
from tests.factories import UserFactory, region, unit
from tests.projects.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def _projects(user, code="630102", **params) -> tuple[int, int]:
    """The city's project count as the API serves it, and the queries the request ran."""
    forget_scope(user)  # as a fresh request
    client = APIClient()
    client.force_authenticate(user)
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/api/v1/scorecard/", {"region": region(code).pk, **params}).json()
    return body["total"]["values"]["projects"], len(queries)


@pytest.fixture
def liaison(qinghai):
    user = UserFactory()
    role_assign(user=user, role=Role.FEDERATION_LIAISON, organization=unit("630102", "union"))
    return user


def test_a_second_request_is_served_from_the_cache_until_it_expires(province_admin, qinghai):
    ProjectFactory(name="第一个", lead=unit("630102", "union"), region=region("630102"))
    first, worked_out = _projects(province_admin)

    ProjectFactory(name="第二个", lead=unit("630102", "union"), region=region("630102"))
    again, served = _projects(province_admin)
    assert (first, again) == (1, 1)  # stale within SCORECARD_CACHE_SECONDS, as documented
    assert served < worked_out / 3

    cache.clear()  # what expiry does
    assert _projects(province_admin)[0] == 2


def test_every_viewer_whose_scope_takes_in_the_region_shares_one_entry(province_admin, county_staff, qinghai):
    ProjectFactory(name="第一个", lead=unit("630102", "union"), region=region("630102"))
    _projects(province_admin)
    ProjectFactory(name="第二个", lead=unit("630102", "union"), region=region("630102"))

    assert _projects(county_staff)[0] == 1  # the county's staff get the province admin's entry


def test_a_liaison_sees_only_their_own_rows_and_is_never_served_from_the_cache(province_admin, liaison, qinghai):
    ProjectFactory(name="工会的", lead=unit("630102", "union"), region=region("630102"))
    ProjectFactory(name="妇联的", lead=unit("630102", "women"), region=region("630102"))
    assert _projects(province_admin)[0] == 2

    assert _projects(liaison)[0] == 1
    ProjectFactory(name="工会的又一个", lead=unit("630102", "union"), region=region("630102"))
    assert _projects(liaison)[0] == 2


def test_each_period_has_its_own_entry(province_admin, qinghai):
    ProjectFactory(name="第一个", lead=unit("630102", "union"), region=region("630102"))
    _projects(province_admin)

    assert _projects(province_admin, start="2020-01-01", end="2020-12-31")[0] == 0


def test_the_beat_task_works_out_the_province_and_its_prefectures_ahead(province_admin, qinghai, settings):
    ProjectFactory(name="第一个", lead=unit("630102", "union"), region=region("630102"))

    assert scorecards_warm_task() == 9  # 青海省 and its 8 市州

    for code in ("630000", "630100"):
        count, queries = _projects(province_admin, code)
        assert count == 1 and queries <= 4  # the user's scope and the region; no figure counted
    assert "warm-scorecards" in settings.QUNZHI_BEAT_SCHEDULE
    assert (
        settings.QUNZHI_BEAT_SCHEDULE["warm-scorecards"]["schedule"].total_seconds() < settings.SCORECARD_CACHE_SECONDS
    )


def test_the_dashboard_page_is_served_from_the_same_entry(client, province_admin, qinghai):
    ProjectFactory(name="第一个", lead=unit("630102", "union"), region=region("630102"))
    scorecard_cache.warm()
    ProjectFactory(name="第二个", lead=unit("630102", "union"), region=region("630102"))
    client.force_login(province_admin)

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/scorecard/", {"region": region("630100").pk})

    assert response.status_code == 200
    assert response.context["card"].total.value("projects") == 1
    assert not [query for query in queries if "projects_project" in query["sql"]]
