"""Member rollups (apps.insights.rollups, GET /api/v1/member-rollup/): active memberships per
federation for the region, its own level and each child; people counted once; scope respected."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.members import services as member_services
from apps.members.models import Membership, MembershipStatus
from apps.organizations.models import Role
from apps.organizations.scoping import forget_scope
from apps.organizations.services import role_assign
from tests.factories import UserFactory, region, unit
from tests.members.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _rollup(user, code=None):
    forget_scope(user)
    client = APIClient()
    client.force_authenticate(user)
    return client.get("/api/v1/member-rollup/", {"region": region(code).pk} if code else {})


@pytest.fixture
def xining_people(qinghai):
    people = [PersonFactory(region=region(code)) for code in ("630102", "630102", "630103", "630100")]
    for person in people[:3]:
        member_services.membership_create(
            person=person, organization=unit(person.region.code, "union"), joined_on=dt.date(2025, 3, 1)
        )
    member_services.membership_create(
        person=people[3], organization=unit("630100", "union"), joined_on=dt.date(2025, 3, 1)
    )
    ended = Membership.objects.get(person=people[1], federation__code="union")
    member_services.membership_end(membership=ended, status=MembershipStatus.LAPSED)
    return people


def test_the_rollup_counts_active_memberships_per_federation_child_and_own_level(province_admin, xining_people):
    body = _rollup(province_admin, "630100").json()

    active = Membership.objects.filter(
        status=MembershipStatus.ACTIVE, organization__region__path__startswith=region("630100").path
    )
    assert body["total"]["members"] == {
        code: active.filter(federation__code=code).count() for code in body["total"]["members"]
    }
    assert body["total"]["members"]["union"] == 3  # one of the four ended
    children = {child["region"]["code"]: child for child in body["children"]}
    assert children["630102"]["members"]["union"] == 1 and children["630103"]["members"]["union"] == 1
    assert body["own_level"]["members"]["union"] == 1  # the city's own union
    assert (
        body["total"]["memberships"]
        == sum(c["memberships"] for c in body["children"]) + body["own_level"]["memberships"]
    )
    assert body["people"] == active.values("person").distinct().count()  # a person in two federations once


def test_a_county_sees_its_own_rollup_and_nothing_above(county_staff, xining_people):
    assert _rollup(county_staff).json()["region"]["code"] == "630102"
    assert _rollup(county_staff, "630100").status_code == 404


def test_a_liaison_counts_only_their_own_units_members(province_admin, xining_people):
    liaison = UserFactory()
    role_assign(user=liaison, role=Role.FEDERATION_LIAISON, organization=unit("630102", "union"))
    _rollup(province_admin, "630102")  # an entry kept for region viewers is not theirs

    body = _rollup(liaison, "630102").json()

    assert body["total"]["members"]["union"] == 1 and body["total"]["memberships"] == 1


def test_a_second_request_is_served_from_the_cache(province_admin, xining_people):
    _rollup(province_admin, "630100")
    with CaptureQueriesContext(connection) as queries:
        assert _rollup(province_admin, "630100").status_code == 200
    assert not [query for query in queries if "members_membership" in query["sql"]]


def test_the_dashboard_shows_the_rollup_beside_the_scorecard(client, province_admin, xining_people):
    client.force_login(province_admin)

    response = client.get("/scorecard/", {"region": region("630100").pk})

    assert response.status_code == 200
    rollup = response.context["rollup"]
    assert rollup.total.members["union"] == 3
    page = response.content.decode()
    assert "在册会员（截至今日）" in page and f"{rollup.people} 人至少加入一个群团" in page
