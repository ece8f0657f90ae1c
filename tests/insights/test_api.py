"""/api/v1/people/{id}/record/ (一人一档): every kind of item with the organization behind it, only what
the viewer's scope covers, 404 for a person outside it, and a query count that does not grow with the record."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.organizations.models import Role
from apps.organizations.scoping import forget_scope
from apps.organizations.services import role_assign
from tests.factories import UserFactory
from tests.insights.test_record import NOW, _life
from tests.members.factories import PersonFactory, id_number

pytestmark = pytest.mark.django_db
KINDS = ["membership", "cadre_post", "registration", "volunteer", "service"]
TALENT_KINDS = ["training", "rotation", "expert"]  # filled in test_record_talent.py


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def union_liaison(chengdong_union):
    """An organization role on 西宁市城东区总工会: its subtree, not the county's other federations."""
    user = UserFactory(username="chengdong_union_liaison")
    role_assign(user=user, role=Role.FEDERATION_LIAISON, organization=chengdong_union)
    return user


def _record(user, person) -> dict:
    client = APIClient()
    client.force_authenticate(user)
    response = client.get(f"/api/v1/people/{person.pk}/record/")
    assert response.status_code == 200, response.json()
    return response.json()


def _person(name: str = "韩建国"):
    return PersonFactory(name=name, id_number=id_number(age=45, gender="male"))


def _organizations(record: dict) -> dict[str, list[str]]:
    return {
        section["kind"]: [item["organization"]["name"] for item in section["items"]]
        for section in record["sections"]
        if section["kind"] in KINDS
    }


def test_the_record_shows_every_item_with_the_organization_behind_it(county_staff, chengdong_union):
    person = _person()
    _life(person, "union")
    record = _record(county_staff, person)
    assert record["person"] == {
        "id": person.pk,
        "name": "韩建国",
        "id_number_masked": person.id_number_masked,
        "gender": "male",
        "birth_date": person.birth_date.isoformat(),
        "region": person.region_id,
    }
    assert [section["kind"] for section in record["sections"]] == KINDS + TALENT_KINDS
    assert _organizations(record) == {kind: [chengdong_union.name] for kind in KINDS}
    organization = record["sections"][0]["items"][0]["organization"]
    assert organization == {
        "id": chengdong_union.pk,
        "name": chengdong_union.name,
        "federation": chengdong_union.federation_id,
        "federation_name": "工会",
    }
    volunteer = record["sections"][3]
    assert (volunteer["total_label"], volunteer["total"], volunteer["items"][0]["amount"]) == (
        "累计志愿时长（小时）",
        "2.00",
        "2.00",
    )
    assert record["sections"][0]["total"] is None
    service = record["sections"][4]["items"][0]
    assert (service["kind"], service["date"], service["end_date"]) == ("service", "2026-11-02", None)
    assert [item["kind"] for item in record["timeline"]] == [
        "registration",
        "volunteer",
        "service",
        "cadre_post",
        "membership",
    ]


def test_items_outside_the_viewers_scope_are_left_out(union_liaison, county_staff, chengdong_union):
    person = _person()
    _life(person, "union")
    _life(person, "women")
    # 城东区妇联's membership, post, activities and services are not the union's business.
    seen = _record(union_liaison, person)
    assert _organizations(seen) == {kind: [chengdong_union.name] for kind in KINDS}
    assert len(seen["timeline"]) == len(KINDS)
    # The county's staff see both federations' items.
    assert all(len(names) == 2 for names in _organizations(_record(county_staff, person)).values())


def test_a_person_outside_the_scope_is_a_404(county_staff, other_county_staff):
    person = _person()
    _life(person, "union")
    client = APIClient()
    client.force_authenticate(other_county_staff)
    response = client.get(f"/api/v1/people/{person.pk}/record/")
    assert response.status_code == 404
    assert "detail" in response.json()
    assert client.get("/api/v1/people/0/record/").status_code == 404
    assert APIClient().get(f"/api/v1/people/{person.pk}/record/").status_code == 401


def test_the_query_count_is_the_same_for_one_and_for_five_items_per_section(county_staff):
    small, large = _person(), _person("冶海燕")
    _life(small, "union")
    for federation in ("union", "women", "science", "youth_league", "red_cross"):
        _life(large, federation)
    counts = []
    for person in (small, large):
        forget_scope(county_staff)  # a fresh request reads the scope again
        with CaptureQueriesContext(connection) as queries:
            record = _record(county_staff, person)
        counts.append(len(queries))
    assert [len(section["items"]) for section in record["sections"]] == [5] * len(KINDS) + [0] * len(TALENT_KINDS)
    assert counts[0] == counts[1]
