"""50 people sign up at once for 20 places (PostgreSQL only): the activity row lock keeps the
capacity and the queue — 20 registered, 30 waiting, positions 1..50 with the 20 lowest registered —
and a cancellation moves the first on the waiting list up."""

from __future__ import annotations

import threading

import pytest
import time_machine
from django.db import connection
from rest_framework.test import APIClient

from apps.activities.models import Registration, RegistrationStatus
from tests.activities.test_services import NOW, make_activity
from tests.members.factories import PersonFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="只有 PostgreSQL 有真正的并发写入和行锁（SQLite 串行写入）。"
    ),
    pytest.mark.django_db(transaction=True),
]

PEOPLE = 50
CAPACITY = 20


def test_fifty_simultaneous_sign_ups_fill_twenty_places_and_queue_the_rest(qinghai, province_admin):
    with time_machine.travel(NOW, tick=False):
        activity = make_activity(province_admin, capacity=CAPACITY)
        people = [PersonFactory() for _ in range(PEOPLE)]
        barrier = threading.Barrier(PEOPLE)
        answers: list[object] = [None] * PEOPLE

        def sign_up(index: int) -> None:
            try:
                client = APIClient()
                client.force_authenticate(province_admin)
                barrier.wait()
                response = client.post(f"/api/v1/activities/{activity.pk}/register/", {"person": people[index].pk})
                answers[index] = (response.status_code, response.json())
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                answers[index] = exc
            finally:
                connection.close()

        threads = [threading.Thread(target=sign_up, args=(index,)) for index in range(PEOPLE)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not any(thread.is_alive() for thread in threads)

    assert all(isinstance(answer, tuple) and answer[0] == 201 for answer in answers), answers
    by_status = {
        status: sorted(body["position"] for _, body in answers if body["status"] == status)
        for status in (RegistrationStatus.REGISTERED, RegistrationStatus.WAITING)
    }
    assert len(by_status[RegistrationStatus.REGISTERED]) == CAPACITY
    assert len(by_status[RegistrationStatus.WAITING]) == PEOPLE - CAPACITY
    assert sorted(by_status[RegistrationStatus.REGISTERED] + by_status[RegistrationStatus.WAITING]) == list(
        range(1, PEOPLE + 1)
    )
    assert by_status[RegistrationStatus.REGISTERED] == list(range(1, CAPACITY + 1))
    stored = Registration.objects.filter(activity=activity)
    assert stored.filter(status=RegistrationStatus.REGISTERED).count() == CAPACITY

    client = APIClient()
    client.force_authenticate(province_admin)
    leaving = stored.filter(status=RegistrationStatus.REGISTERED).order_by("position").last()
    promoted = client.post(f"/api/v1/registrations/{leaving.pk}/cancel/")
    assert promoted.status_code == 200
    assert (promoted.json()["position"], promoted.json()["status"]) == (CAPACITY + 1, "registered")
    assert stored.filter(status=RegistrationStatus.REGISTERED).count() == CAPACITY
    assert stored.filter(status=RegistrationStatus.WAITING).count() == PEOPLE - CAPACITY - 1
