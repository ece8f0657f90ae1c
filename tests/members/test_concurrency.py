"""Races the database must settle (PostgreSQL only): many clerks registering the same person at
once, or adding the same membership at once, leave one row and answer the others with 409."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from rest_framework.test import APIClient

from apps.core.exceptions import ConflictError
from apps.members import services
from apps.members.models import Membership, MembershipStatus, Person
from tests.factories import region, unit
from tests.members.factories import PersonFactory, id_number

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serializes writers: no race to settle."),
    pytest.mark.django_db(transaction=True),
]


def run_together(count: int, work: Callable[[int], object]) -> list[object]:
    """Run `work(i)` in `count` threads released at the same instant; each uses its own connection."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as exc:  # noqa: BLE001 - reported to the test, which names it
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results


def test_50_parallel_registrations_of_one_id_number_create_one_person_and_answer_409(county_staff):
    user_id = county_staff.pk
    payload = {"name": "卓玛", "id_number": id_number(age=25), "region": region("630102").pk}

    def post(_: int) -> tuple[int, dict]:
        client = APIClient()
        client.force_authenticate(get_user_model().objects.get(pk=user_id))
        response = client.post("/api/v1/people/", payload, format="json")
        return response.status_code, response.json()

    results = run_together(50, post)

    assert not [result for result in results if isinstance(result, Exception)], results
    assert Counter(status for status, _ in results) == {201: 1, 409: 49}
    person = Person.objects.get()
    assert all(body["conflicts"] == [person.pk] for status, body in results if status == 409)


def test_20_parallel_additions_of_one_membership_leave_one_active(qinghai):
    person = PersonFactory()
    women = unit("630102", "women")

    def add(_: int) -> str:
        try:
            services.membership_create(person=Person.objects.get(pk=person.pk), organization=women)
        except ConflictError:
            return "conflict"
        return "created"

    results = run_together(20, add)

    assert Counter(results) == {"created": 1, "conflict": 19}, results
    assert Membership.objects.filter(person=person, status=MembershipStatus.ACTIVE).count() == 1
