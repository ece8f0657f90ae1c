"""Races the database must settle (PostgreSQL only): 100 people booking one room at once leave one
booking and 99 answers of 409; the exclusion constraint holds even when the service is bypassed."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from rest_framework.test import APIClient

from apps.venues.models import Booking, BookingStatus
from tests.venues.factories import aware, make_room, make_venue

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="只有 PostgreSQL 有排他约束和真正的并发写入（SQLite 串行写入）。"
    ),
    pytest.mark.django_db(transaction=True),
]

NOW = aware(2026, 12, 1, 8)  # a Tuesday, not a public holiday


def _free_connections(margin: int = 10) -> int:
    """How many more sessions the server takes now, keeping a margin for everyone else."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('max_connections')::int - count(*) FROM pg_stat_activity")
        return cursor.fetchone()[0] - margin


def run_together(count: int, work: Callable[[int], object], *, sessions: int | None = None) -> list[object]:
    """Run `work(i)` in `count` threads released at the same instant; each uses its own connection.

    `sessions` caps how many hold a database connection at once (the server's max_connections
    is 100 and other work shares it): the rest wait on the semaphore and start the moment one
    finishes, so every request still races the others for the room.
    """
    barrier = threading.Barrier(count)
    gate = threading.BoundedSemaphore(sessions or count)
    results: list[object] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait()
            with gate:
                try:
                    results[index] = work(index)
                finally:
                    connection.close()
        except Exception as exc:  # noqa: BLE001 - reported to the test, which names it
            results[index] = exc

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results


def _overlapping_pairs(room_id: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM venues_booking a JOIN venues_booking b
              ON a.room_id = b.room_id AND a.id < b.id
             AND tstzrange(a.start, a."end", '[)') && tstzrange(b.start, b."end", '[)')
             WHERE a.room_id = %s
               AND a.status IN ('pending', 'approved') AND b.status IN ('pending', 'approved')
            """,
            [room_id],
        )
        return cursor.fetchone()[0]


def test_100_parallel_api_bookings_of_overlapping_times_create_one_and_answer_409(county_staff, chengdong_union):
    room = make_room(make_venue(), capacity=50)
    user_id = county_staff.pk
    # Starts staggered by 5 minutes inside 09:00–17:30: every request overlaps the others.
    payloads = [
        {
            "room": room.pk,
            "organization": chengdong_union.pk,
            "start": aware(2026, 12, 2, 9, index % 12 * 5).isoformat(),
            "end": aware(2026, 12, 2, 12, index % 12 * 5).isoformat(),
            "purpose": f"并发预约 {index}",
            "attendees": 10,
            "contact_name": "张三",
        }
        for index in range(100)
    ]

    def post(index: int) -> tuple[int, dict]:
        client = APIClient()
        client.force_authenticate(get_user_model().objects.get(pk=user_id))
        response = client.post("/api/v1/bookings/", payloads[index], format="json")
        return response.status_code, response.json()

    began = time.monotonic()
    with time_machine.travel(NOW, tick=True):
        results = run_together(100, post, sessions=min(100, _free_connections()))

    assert not [result for result in results if isinstance(result, Exception)], results
    assert Counter(status for status, _ in results) == {201: 1, 409: 99}, Counter(s for s, _ in results)
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.APPROVED
    assert all([c["id"] for c in body["conflicts"]] == [booking.pk] for status, body in results if status == 409), [
        body for status, body in results if status == 409
    ][:3]
    assert _overlapping_pairs(room.pk) == 0
    assert time.monotonic() - began < 60


def _create(room, organization, start, end, status=BookingStatus.APPROVED) -> Booking:
    """A row written straight to the table: no service, no check but the database's own."""
    return Booking.objects.create(
        room=room,
        organization=organization,
        contact_name="张三",
        purpose="直接写入",
        attendees=5,
        start=start,
        end=end,
        status=status,
    )


def test_the_exclusion_constraint_refuses_an_overlapping_insert_that_bypasses_the_service(chengdong_union):
    room = make_room(make_venue())
    _create(room, chengdong_union, aware(2026, 12, 2, 10), aware(2026, 12, 2, 11))

    with pytest.raises(IntegrityError), transaction.atomic():
        _create(room, chengdong_union, aware(2026, 12, 2, 10, 30), aware(2026, 12, 2, 12))
    with pytest.raises(IntegrityError), transaction.atomic():
        _create(room, chengdong_union, aware(2026, 12, 2, 9), aware(2026, 12, 2, 13), BookingStatus.PENDING)

    assert Booking.objects.count() == 1


def test_the_constraint_accepts_touching_intervals_other_rooms_and_released_bookings(chengdong_union):
    room = make_room(make_venue())
    other_room = make_room(room.venue)

    with transaction.atomic():
        _create(room, chengdong_union, aware(2026, 12, 2, 10), aware(2026, 12, 2, 11))
        _create(room, chengdong_union, aware(2026, 12, 2, 11), aware(2026, 12, 2, 12))
        _create(room, chengdong_union, aware(2026, 12, 2, 9), aware(2026, 12, 2, 10))
        for status in (BookingStatus.CANCELLED, BookingStatus.REJECTED, BookingStatus.COMPLETED):
            _create(room, chengdong_union, aware(2026, 12, 2, 10), aware(2026, 12, 2, 12), status)
        _create(other_room, chengdong_union, aware(2026, 12, 2, 10), aware(2026, 12, 2, 12))

    assert Booking.objects.filter(room=room).count() == 6
    assert _overlapping_pairs(room.pk) == 0
