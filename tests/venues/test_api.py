"""/api/v1/venues/, rooms/ (with availability) and bookings/: shapes, scope, rules, decisions, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.organizations.models import Role
from apps.organizations.services import role_assign
from apps.venues import services
from apps.venues.api.serializers import DATE_INVALID, DATE_REQUIRED
from apps.venues.models import Booking, BookingStatus
from tests.factories import UserFactory, unit
from tests.venues.factories import aware, make_room, make_venue

NOW = aware(2026, 12, 1, 8)  # a Tuesday, not a public holiday


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def venue(qinghai):
    return make_venue("630102", federations=("union",), name="城东区群众之家")


@pytest.fixture
def room(venue):
    return make_room(venue, name="多功能活动厅", capacity=20)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def liaison(region_code: str, federation_code: str, username: str):
    user = UserFactory(username=username)
    role_assign(user=user, role=Role.FEDERATION_LIAISON, organization=unit(region_code, federation_code))
    return user


def payload(room, organization, start, end, **extra) -> dict:
    return {
        "room": room.pk,
        "organization": organization.pk,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "purpose": "职工议事会",
        "attendees": 10,
        "contact_name": "张三",
        "contact_phone": "13800000000",
        **extra,
    }


def book(room, organization, start, end, **extra) -> Booking:
    return services.booking_create(
        room=room,
        organization=organization,
        start=start,
        end=end,
        purpose=extra.pop("purpose", "议事"),
        attendees=extra.pop("attendees", 5),
        contact_name="李四",
        **extra,
    )


# Availability ---------------------------------------------------------------------------


def test_availability_gives_the_days_hours_and_busy_slots_with_ids_only_where_visible(
    county_staff, room, chengdong_union, chengzhong_union
):
    book(room, chengdong_union, aware(2026, 12, 2, 9), aware(2026, 12, 2, 10))
    book(room, chengzhong_union, aware(2026, 12, 2, 14), aware(2026, 12, 2, 15))
    union_liaison = liaison("630103", "union", "chengzhong_union_liaison")

    mine = client_for(county_staff).get(f"/api/v1/rooms/{room.pk}/availability/?date=2026-12-02")
    theirs = client_for(union_liaison).get(f"/api/v1/rooms/{room.pk}/availability/?date=2026-12-02")

    assert mine.status_code == 200, mine.json()
    body = mine.json()
    assert {key: body[key] for key in ("date", "open", "opens", "closes", "closed_reason")} == {
        "date": "2026-12-02",
        "open": True,
        "opens": "09:00:00",
        "closes": "17:30:00",
        "closed_reason": "",
    }
    assert [(b["start"], b["end"], b["status"]) for b in body["busy"]] == [
        ("2026-12-02T09:00:00+08:00", "2026-12-02T10:00:00+08:00", "approved"),
        ("2026-12-02T14:00:00+08:00", "2026-12-02T15:00:00+08:00", "approved"),
    ]
    # County staff of 城东 see every booking of their venue; 城中's union liaison only its own.
    assert [b["booking"] is not None for b in body["busy"]] == [True, True]
    assert theirs.status_code == 200
    assert theirs.json()["busy"][0]["booking"] is None
    assert theirs.json()["busy"][1]["booking"] is not None


def test_availability_of_a_closed_day_says_why(county_staff, room):
    response = client_for(county_staff).get(f"/api/v1/rooms/{room.pk}/availability/?date=2026-12-06")

    assert response.json() == {
        "room": room.pk,
        "date": "2026-12-06",
        "open": False,
        "opens": None,
        "closes": None,
        "closed_reason": "周日不开放",
        "busy": [],
    }


@pytest.mark.parametrize(("query", "message"), [("", DATE_REQUIRED), ("?date=2026-13-01", DATE_INVALID)])
def test_availability_without_a_valid_date_is_a_400_in_chinese(county_staff, room, query, message):
    response = client_for(county_staff).get(f"/api/v1/rooms/{room.pk}/availability/{query}")

    assert response.status_code == 400
    assert response.json() == {"date": [message]}


def test_staff_of_another_county_get_404_on_the_venue_its_rooms_and_their_availability(other_county_staff, room):
    client = client_for(other_county_staff)

    assert client.get(f"/api/v1/venues/{room.venue_id}/").status_code == 404
    assert client.get(f"/api/v1/rooms/{room.pk}/").status_code == 404
    assert client.get(f"/api/v1/rooms/{room.pk}/availability/?date=2026-12-02").status_code == 404
    assert client.get("/api/v1/rooms/").json()["results"] == []


# Shared venues --------------------------------------------------------------------------


def test_a_union_liaison_of_the_neighbouring_county_sees_and_books_a_venue_the_union_contributes_to(room):
    union_liaison = liaison("630103", "union", "chengzhong_union_liaison")
    client = client_for(union_liaison)

    assert [v["id"] for v in client.get("/api/v1/venues/").json()["results"]] == [room.venue_id]
    assert client.get(f"/api/v1/rooms/{room.pk}/").status_code == 200
    response = client.post(
        "/api/v1/bookings/",
        payload(room, unit("630103"), aware(2026, 12, 2, 9), aware(2026, 12, 2, 11)),
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["organization"] == unit("630103").pk
    assert response.json()["status"] == "approved"


def test_a_womens_liaison_there_can_neither_see_nor_book_it_when_women_do_not_contribute(room):
    women_liaison = liaison("630103", "women", "chengzhong_women_liaison")
    client = client_for(women_liaison)

    assert client.get("/api/v1/venues/").json()["results"] == []
    assert client.get(f"/api/v1/rooms/{room.pk}/").status_code == 404
    response = client.post(
        "/api/v1/bookings/",
        payload(room, unit("630103", "women"), aware(2026, 12, 2, 9), aware(2026, 12, 2, 11)),
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["room"]
    assert not Booking.objects.exists()


def test_a_liaison_cannot_book_in_the_name_of_an_organization_outside_their_scope(room, chengdong_union):
    union_liaison = liaison("630103", "union", "chengzhong_union_liaison")

    response = client_for(union_liaison).post(
        "/api/v1/bookings/",
        payload(room, chengdong_union, aware(2026, 12, 2, 9), aware(2026, 12, 2, 11)),
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["organization"]


# Creating bookings ----------------------------------------------------------------------


def test_a_booking_is_created_and_read_back(county_staff, room, chengdong_union):
    response = client_for(county_staff).post(
        "/api/v1/bookings/",
        payload(room, chengdong_union, aware(2026, 12, 2, 9), aware(2026, 12, 2, 11)),
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    booking = Booking.objects.get()
    assert body["id"] == booking.pk
    assert body["start"] == "2026-12-02T09:00:00+08:00"
    assert body["status"] == "approved"
    assert body["series"] is None
    assert "recurrence" not in body
    assert booking.booked_by == county_staff
    detail = client_for(county_staff).get(f"/api/v1/bookings/{booking.pk}/").json()
    assert detail == body


def test_an_overlapping_booking_is_a_409_naming_the_booking_in_the_way(county_staff, room, chengdong_union):
    held = book(room, chengdong_union, aware(2026, 12, 2, 9), aware(2026, 12, 2, 11))

    response = client_for(county_staff).post(
        "/api/v1/bookings/",
        payload(room, chengdong_union, aware(2026, 12, 2, 10), aware(2026, 12, 2, 12)),
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["detail"] == services.BOOKING_CONFLICT.format(count=1)
    assert [c["id"] for c in response.json()["conflicts"]] == [held.pk]
    assert Booking.objects.count() == 1


def test_each_broken_rule_is_a_400_on_its_field(county_staff, room, chengdong_union):
    response = client_for(county_staff).post(
        "/api/v1/bookings/",
        payload(room, chengdong_union, aware(2026, 12, 2, 8), aware(2026, 12, 2, 10), attendees=30),
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {
        "attendees": [services.BOOKING_OVER_CAPACITY.format(attendees=30, capacity=20)],
        "start": [services.BOOKING_OUTSIDE_HOURS.format(date="2026-12-02", opens="09:00", closes="17:30")],
    }


def test_a_booking_without_its_fields_is_a_400_not_a_500(county_staff, room):
    response = client_for(county_staff).post("/api/v1/bookings/", {"room": room.pk}, format="json")

    assert response.status_code == 400
    assert {"organization", "start", "end", "purpose", "attendees", "contact_name"} <= set(response.json())


def test_a_recurring_booking_creates_every_occurrence_and_answers_with_the_series(county_staff, room, chengdong_union):
    response = client_for(county_staff).post(
        "/api/v1/bookings/",
        payload(
            room,
            chengdong_union,
            aware(2026, 12, 2, 9),
            aware(2026, 12, 2, 10),
            recurrence={"weekdays": [2, 4], "count": 4},
        ),
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert [b["start"][:10] for b in body["bookings"]] == ["2026-12-02", "2026-12-04", "2026-12-09", "2026-12-11"]
    assert {b["series"] for b in body["bookings"]} == {body["series"]}
    assert Booking.objects.filter(series=body["series"]).count() == 4


def test_a_recurring_booking_with_one_conflict_creates_nothing_and_names_that_occurrence(
    county_staff, room, chengdong_union
):
    held = book(room, chengdong_union, aware(2026, 12, 9, 9, 30), aware(2026, 12, 9, 10, 30))

    response = client_for(county_staff).post(
        "/api/v1/bookings/",
        payload(
            room,
            chengdong_union,
            aware(2026, 12, 2, 9),
            aware(2026, 12, 2, 10),
            recurrence={"weekdays": [2], "until": "2026-12-23"},
        ),
        format="json",
    )

    assert response.status_code == 409
    body = response.json()
    assert body["detail"] == services.BOOKING_SERIES_CONFLICT.format(count=1)
    assert [(c["start"], [b["id"] for b in c["bookings"]]) for c in body["conflicts"]] == [
        ("2026-12-09T09:00:00+08:00", [held.pk])
    ]
    assert Booking.objects.count() == 1


def test_a_recurrence_needs_until_or_count(county_staff, room, chengdong_union):
    response = client_for(county_staff).post(
        "/api/v1/bookings/",
        payload(room, chengdong_union, aware(2026, 12, 2, 9), aware(2026, 12, 2, 10), recurrence={"weekdays": [2]}),
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"recurrence": [services.BOOKING_SERIES_UNTIL_OR_COUNT]}


# Decisions ------------------------------------------------------------------------------


@pytest.fixture
def approval_room(venue):
    return make_room(venue, name="心理咨询室", capacity=4, needs_approval=True, contributed_by="women")


def test_only_the_venues_manager_approves(county_staff, approval_room, chengdong_union, province_admin):
    booking = book(approval_room, chengdong_union, aware(2026, 12, 2, 9), aware(2026, 12, 2, 10), attendees=2)
    assert booking.status == BookingStatus.PENDING
    url = f"/api/v1/bookings/{booking.pk}/approve/"

    refused = client_for(county_staff).post(url)
    services.venue_manager_grant(venue=approval_room.venue, user=county_staff)
    approved = client_for(county_staff).post(url)

    assert refused.status_code == 403
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    booking.refresh_from_db()
    assert booking.decided_by == county_staff


def test_reject_needs_a_reason_and_records_it(county_staff, approval_room, chengdong_union):
    services.venue_manager_grant(venue=approval_room.venue, user=county_staff)
    booking = book(approval_room, chengdong_union, aware(2026, 12, 2, 9), aware(2026, 12, 2, 10), attendees=2)
    client = client_for(county_staff)

    without = client.post(f"/api/v1/bookings/{booking.pk}/reject/", {"reason": " "}, format="json")
    rejected = client.post(f"/api/v1/bookings/{booking.pk}/reject/", {"reason": "当天设备检修"}, format="json")

    assert without.status_code == 400
    assert without.json() == {"reason": [services.BOOKING_REJECT_REASON]}
    assert rejected.status_code == 200
    assert (rejected.json()["status"], rejected.json()["rejection_reason"]) == ("rejected", "当天设备检修")


def test_the_booker_cancels_before_the_start_and_the_slot_is_free_again(room, chengdong_union):
    union_liaison = liaison("630103", "union", "chengzhong_union_liaison")
    client = client_for(union_liaison)
    created = client.post(
        "/api/v1/bookings/",
        payload(room, unit("630103"), aware(2026, 12, 2, 9), aware(2026, 12, 2, 11)),
        format="json",
    ).json()

    cancelled = client.post(f"/api/v1/bookings/{created['id']}/cancel/")
    again = client.post(
        "/api/v1/bookings/",
        payload(room, unit("630103"), aware(2026, 12, 2, 9), aware(2026, 12, 2, 11)),
        format="json",
    )

    assert cancelled.status_code == 200, cancelled.json()
    assert cancelled.json()["status"] == "cancelled"
    assert again.status_code == 201


def test_someone_outside_the_booking_gets_404_and_an_unrelated_liaison_cannot_cancel(room, chengdong_union):
    booking = book(room, chengdong_union, aware(2026, 12, 2, 9), aware(2026, 12, 2, 10))
    union_liaison = liaison("630103", "union", "chengzhong_union_liaison")

    response = client_for(union_liaison).post(f"/api/v1/bookings/{booking.pk}/cancel/")

    assert response.status_code == 404
    booking.refresh_from_db()
    assert booking.status == BookingStatus.APPROVED


def test_a_started_booking_cannot_be_cancelled(county_staff, room, chengdong_union):
    booking = book(room, chengdong_union, aware(2026, 12, 2, 9), aware(2026, 12, 2, 10))

    with time_machine.travel(aware(2026, 12, 2, 9, 30), tick=False):
        response = client_for(county_staff).post(f"/api/v1/bookings/{booking.pk}/cancel/")

    assert response.status_code == 400
    assert response.json() == {"status": [services.BOOKING_CANCEL_STARTED]}


# Lists ----------------------------------------------------------------------------------


def test_booking_filters(county_staff, room, venue, chengdong_union):
    other_room = make_room(venue, name="职工书屋")
    first = book(room, chengdong_union, aware(2026, 12, 2, 9), aware(2026, 12, 2, 10))
    second = services.booking_create(
        actor=county_staff,
        room=other_room,
        organization=chengdong_union,
        start=aware(2026, 12, 3, 9),
        end=aware(2026, 12, 3, 10),
        purpose="读书会",
        attendees=5,
        contact_name="王五",
    )
    client = client_for(county_staff)

    def ids(query: str) -> list[int]:
        response = client.get(f"/api/v1/bookings/{query}")
        assert response.status_code == 200, response.json()
        return [b["id"] for b in response.json()["results"]]

    assert ids("") == [first.pk, second.pk]
    assert ids(f"?room={room.pk}") == [first.pk]
    assert ids(f"?venue={venue.pk}") == [first.pk, second.pk]
    assert ids("?mine=true") == [second.pk]
    assert ids("?status=approved") == [first.pk, second.pk]
    assert ids("?status=pending") == []
    assert ids(f"?organization={chengdong_union.pk}") == [first.pk, second.pk]
    assert ids("?starts_after=2026-12-03T00:00:00%2B08:00") == [second.pk]
    assert ids("?starts_before=2026-12-03T00:00:00%2B08:00") == [first.pk]
    assert ids(f"?updated_since={NOW.isoformat().replace('+', '%2B')}") == []
    assert client.get("/api/v1/bookings/?room=999999").status_code == 400


def test_filters_on_rows_out_of_scope_are_a_400(other_county_staff, room):
    client = client_for(other_county_staff)

    assert client.get(f"/api/v1/bookings/?room={room.pk}").status_code == 400
    assert client.get(f"/api/v1/rooms/?venue={room.venue_id}").status_code == 400


def _slots(count: int):
    day, hour = dt.date(2026, 12, 2), 9
    for _ in range(count):
        yield aware(day.year, day.month, day.day, hour), aware(day.year, day.month, day.day, hour + 1)
        hour += 1
        if hour == 17:
            day, hour = day + dt.timedelta(days=1 if day.weekday() != 5 else 2), 9


def _query_count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_lists_take_the_same_number_of_queries_for_10_and_for_50_rows(county_staff, venue, chengdong_union):
    client = client_for(county_staff)
    client.get("/api/v1/venues/")  # the user's scope is worked out once, then kept on the user
    counts = {}
    rooms = []
    for size in (10, 50):
        while len(rooms) < size:
            rooms.append(make_room(venue, contributed_by="women"))
        made = Booking.objects.count()
        for start, end in list(_slots(size))[made:]:
            book(rooms[0], chengdong_union, start, end)
        while venue.__class__.objects.count() < size // 5:
            make_venue("630102", federations=("union", "women", "youth_league"))
        counts[size] = {
            url: _query_count(client, url) for url in ("/api/v1/venues/", "/api/v1/rooms/", "/api/v1/bookings/")
        }
        assert len(client.get("/api/v1/bookings/?page_size=200").json()["results"]) == size

    assert counts[10] == counts[50]


# Venues and rooms -----------------------------------------------------------------------


def test_county_staff_create_a_venue_with_hours_and_a_room(county_staff, qinghai):
    from tests.factories import region

    client = client_for(county_staff)
    venue = client.post(
        "/api/v1/venues/",
        {
            "name": "城东区青年之家",
            "kind": "youth",
            "region": region("630102").pk,
            "address": "某路 1 号",
            "federations": [],
            "opening_hours": [{"weekday": 0, "opens": "09:00", "closes": "12:00"}],
        },
        format="json",
    )
    assert venue.status_code == 201, venue.json()
    assert venue.json()["opening_hours"] == [{"weekday": 0, "opens": "09:00:00", "closes": "12:00:00"}]

    room = client.post(
        "/api/v1/rooms/",
        {"venue": venue.json()["id"], "name": "议事室", "kind": "meeting_room", "capacity": 12},
        format="json",
    )
    assert room.status_code == 201, room.json()
    assert room.json()["needs_approval"] is True

    changed = client.patch(
        f"/api/v1/venues/{venue.json()['id']}/",
        {"opening_hours": [{"weekday": 1, "opens": "14:00", "closes": "18:00"}]},
        format="json",
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["opening_hours"] == [{"weekday": 1, "opens": "14:00:00", "closes": "18:00:00"}]


def test_a_venue_in_another_county_cannot_be_created_and_a_liaison_cannot_create_rooms(
    other_county_staff, venue, qinghai
):
    from tests.factories import region

    refused = client_for(other_county_staff).post(
        "/api/v1/venues/", {"name": "越界", "kind": "joint", "region": region("630102").pk}, format="json"
    )
    union_liaison = liaison("630103", "union", "chengzhong_union_liaison")
    forbidden = client_for(union_liaison).post(
        "/api/v1/rooms/", {"venue": venue.pk, "name": "新室", "kind": "meeting_room", "capacity": 5}, format="json"
    )

    assert refused.status_code == 400
    assert list(refused.json()) == ["region"]
    assert forbidden.status_code == 403


def test_a_booking_and_a_clash_take_a_fixed_number_of_queries(
    county_staff, room, chengdong_union, django_assert_num_queries
):
    """Bench scenario 9's write. Created: the room and the organization in scope (the serializer), the
    room locked with the venue's hours and closure that day (one statement; the field's scoped read
    stands for the service's), the
    overlap check, the insert in its savepoint, its change-log line (django-auditlog), the notification's
    outbox row. A clash stops at the overlap check. No scoped list is built for the permission, and the answer
    is made from what the service wrote."""
    client = client_for(county_staff)
    first = payload(room, chengdong_union, aware(2026, 12, 2, 9), aware(2026, 12, 2, 10))
    assert client.post("/api/v1/bookings/", first, format="json").status_code == 201  # scope, permissions cached

    with django_assert_num_queries(11):
        created = client.post(
            "/api/v1/bookings/",
            payload(room, chengdong_union, aware(2026, 12, 2, 13), aware(2026, 12, 2, 14)),
            format="json",
        )
    with django_assert_num_queries(7):
        clash = client.post(
            "/api/v1/bookings/",
            payload(room, chengdong_union, aware(2026, 12, 2, 13, 30), aware(2026, 12, 2, 15)),
            format="json",
        )

    assert created.status_code == 201, created.json()
    assert created.json() == client.get(f"/api/v1/bookings/{created.json()['id']}/").json()
    assert clash.status_code == 409
    assert [c["id"] for c in clash.json()["conflicts"]] == [created.json()["id"]]


def test_a_room_outside_the_scope_is_refused_by_the_locking_read(county_staff, chengdong_union):
    """The service alone (as the pages and the admin call it): the scope check is part of the lock."""
    elsewhere = make_room(make_venue("630103", name="城中区群众之家"))
    with pytest.raises(ValidationError) as refused:
        services.booking_create(
            actor=county_staff,
            room=elsewhere,
            organization=chengdong_union,
            start=aware(2026, 12, 2, 9),
            end=aware(2026, 12, 2, 10),
            purpose="议事",
            attendees=5,
            contact_name="张三",
        )
    assert refused.value.message_dict == {"room": [services.BOOKING_ROOM_OUT_OF_SCOPE]}
    assert not Booking.objects.exists()
