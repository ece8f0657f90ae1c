"""一人一档: every kind of item with the unit behind it, only what the viewer's scope covers, and a query
count that does not grow with the record."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from apps.activities import services as activities
from apps.insights.selectors import person_record
from apps.members.models import PostType
from apps.members.services import cadre_post_create, membership_create
from apps.organizations.models import Role
from apps.organizations.scoping import forget_scope
from apps.organizations.services import role_assign
from tests.activities.test_services import make_activity
from tests.factories import UserFactory, unit
from tests.members.factories import PersonFactory, id_number
from tests.projects.factories import ProjectFactory, served
from tests.venues.factories import aware

pytestmark = pytest.mark.django_db
NOW = aware(2026, 11, 30, 10)
FEDERATIONS = ["union", "women", "science"]
LIFE_KINDS = ("membership", "cadre_post", "registration", "volunteer", "service")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _life(person, federation: str, *, count: int = 1) -> None:
    """`count` items of every kind for `person`, all tied to the federation's unit in 城东区."""
    org = unit("630102", federation)
    membership_create(person=person, organization=org, joined_on=dt.date(2020, 5, 1))
    for index in range(count):
        cadre_post_create(
            person=person,
            organization=org,
            post_type=PostType.PART_TIME,
            title=f"兼职委员{index}",
            start_date=dt.date(2021 + index, 1, 1),
        )
        activity = make_activity(None, title=f"{org.name}志愿服务{index}", theme="elderly_care", lead=org, capacity=5)
        registration = activities.registration_create(activity=activity, person=person, now=NOW)
        activities.registration_check_in(registration=registration, now=aware(2026, 12, 1, 10))
        activities.registration_check_out(registration=registration, now=aware(2026, 12, 1, 12))
        project = ProjectFactory(
            name=f"{org.name}法律援助{index}",
            lead=org,
            content_code="legal_aid",
            service_codes=["legal_consultation"],
        )
        served(project, person, date=dt.date(2026, 11, 2))


def _person():
    return PersonFactory(name="韩建国", id_number=id_number(age=45, gender="male"))


def _kinds(record) -> dict[str, list[str]]:
    """The sections `_life` fills (the talent sections have their own tests in test_record_talent.py)."""
    return {
        section.kind: [item.organization.name for item in section.items]
        for section in record.sections
        if section.kind in LIFE_KINDS
    }


def test_the_record_shows_every_item_with_the_unit_behind_it(county_staff):
    person = _person()
    _life(person, "union")
    record = person_record(user=county_staff, person_id=person.pk)
    union = unit("630102", "union").name
    assert _kinds(record) == {
        "membership": [union],
        "cadre_post": [union],
        "registration": [union],
        "volunteer": [union],
        "service": [union],
    }
    assert record.section("volunteer").total == 2
    assert [item.kind for item in record.timeline] == [
        "registration",
        "volunteer",
        "service",
        "cadre_post",
        "membership",
    ]


@pytest.fixture
def union_liaison(qinghai):
    """An organization role: the liaison of 西宁市城东区总工会."""
    user = UserFactory(username="union_liaison")
    role_assign(user=user, role=Role.FEDERATION_LIAISON, organization=unit("630102", "union"))
    return user


def test_items_outside_the_viewers_scope_are_left_out(union_liaison, county_staff):
    person = _person()
    _life(person, "union")
    _life(person, "women")
    union = unit("630102", "union").name
    # An organization role on 城东区总工会: the Women's Federation's items are not its business.
    assert _kinds(person_record(user=union_liaison, person_id=person.pk)) == {
        "membership": [union],
        "cadre_post": [union],
        "registration": [union],
        "volunteer": [union],
        "service": [union],
    }
    # The county's staff see both federations' items.
    assert all(len(names) == 2 for names in _kinds(person_record(user=county_staff, person_id=person.pk)).values())


def test_a_person_outside_the_scope_has_no_record(other_county_staff):
    person = _person()
    with pytest.raises(Http404):
        person_record(user=other_county_staff, person_id=person.pk)


def test_the_query_count_does_not_grow_with_the_record(county_staff):
    small, large = _person(), PersonFactory(name="冶海燕", id_number=id_number(age=40, gender="male"))
    _life(small, "union")
    for federation in FEDERATIONS:
        _life(large, federation, count=3)
    counts = []
    for person in (small, large):
        forget_scope(county_staff)  # a fresh request: the scope is read again
        with CaptureQueriesContext(connection) as queries:
            record = person_record(user=county_staff, person_id=person.pk)
        counts.append(len(queries))
    assert len(record.section("service").items) == 9
    # person, tags, scope, one query per section (the expert profile three: profile, fields, engagements)
    assert counts[0] == counts[1] == 13
