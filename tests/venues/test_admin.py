"""The admin door to venues: scoped lists and pages, bookings through the service, decisions, export."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.organizations.models import Role
from apps.organizations.services import role_assign
from apps.venues import services
from apps.venues.admin import NOT_MANAGER, VenueFilter
from apps.venues.models import Booking, BookingStatus, OpeningHours, Room, Venue, VenueClosure
from apps.venues.resources import HEADERS
from tests.factories import UserFactory, federation, region, unit
from tests.venues.factories import aware, make_room, make_venue

NOW = aware(2026, 12, 1, 8)  # a Tuesday, not a public holiday
XLSX, CSV = "0", "1"  # the admin's format choices, in ServiceImportExportMixin.formats order


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def places(county_staff, other_county_staff, chengdong_union, chengzhong_union):
    """A venue, room and booking in 城东区 (630102), and the same in 城中区 (630103)."""
    chengdong = make_venue("630102", name="城东区群众之家")
    chengzhong = make_venue("630103", name="城中区群众之家")
    room = make_room(chengdong, name="城东会议室", needs_approval=True)
    other_room = make_room(chengzhong, name="城中会议室", needs_approval=True)
    booking = book(room, chengdong_union, aware(2026, 12, 2, 10), aware(2026, 12, 2, 11), purpose="城东职工读书会")
    other = book(other_room, chengzhong_union, aware(2026, 12, 2, 10), aware(2026, 12, 2, 11), purpose="城中职工培训")
    return chengdong, chengzhong, room, other_room, booking, other


def book(room, organization, start, end, *, purpose="职工活动", phone="13800000000") -> Booking:
    return services.booking_create(
        room=room,
        organization=organization,
        start=start,
        end=end,
        purpose=purpose,
        attendees=10,
        contact_name="张老师",
        contact_phone=phone,
        now=NOW,
    )


def changelist(model: str) -> str:
    return reverse(f"admin:venues_{model}_changelist")


def change_page(obj) -> str:
    return reverse(f"admin:venues_{obj._meta.model_name}_change", args=[obj.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def booking_form(room, organization, start: dt.datetime, end: dt.datetime, **extra) -> dict:
    start, end = timezone.localtime(start), timezone.localtime(end)
    return {
        "room": room.pk,
        "organization": organization.pk,
        "start_0": f"{start:%Y-%m-%d}",
        "start_1": f"{start:%H:%M:%S}",
        "end_0": f"{end:%Y-%m-%d}",
        "end_1": f"{end:%H:%M:%S}",
        "purpose": "职工书画展筹备会",
        "attendees": 12,
        "contact_name": "李干事",
        "contact_phone": "13900000000",
        "_save": "保存",
        **extra,
    }


def exported_rows(response, file_format: str) -> tuple[list[str], list[dict]]:
    if file_format == XLSX:
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        headers, *rows = [[cell.value for cell in row] for row in sheet.rows]
    else:
        headers, *rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    return headers, [dict(zip(headers, row, strict=True)) for row in rows]


# Scope ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("model", "index"), [("venue", 0), ("room", 2), ("booking", 4)])
def test_county_staff_see_only_their_countys_venues_rooms_and_bookings(client, county_staff, places, model, index):
    mine, theirs = places[index], places[index + 1]
    client.force_login(county_staff)

    response = client.get(changelist(model))

    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert mine in rows and theirs not in rows
    assert "城中" not in response.content.decode()
    assert client.get(change_page(mine)).status_code == 200
    assert client.get(change_page(theirs)).status_code == 404


def test_the_venue_filter_of_bookings_offers_no_out_of_scope_venue(client, county_staff, places):
    client.force_login(county_staff)

    response = client.get(changelist("booking"))

    venue_filter = next(spec for spec in response.context["cl"].filter_specs if isinstance(spec, VenueFilter))
    assert [name for _, name in venue_filter.lookup_choices] == ["城东区群众之家"]


# Adding a booking through the service ---------------------------------------------------------


def test_an_overlapping_booking_added_in_the_admin_shows_the_conflict_and_writes_nothing(
    client, county_staff, places, chengdong_union
):
    room = places[2]
    client.force_login(county_staff)

    response = client.post(
        reverse("admin:venues_booking_add"),
        booking_form(room, chengdong_union, aware(2026, 12, 2, 10, 30), aware(2026, 12, 2, 11, 30)),
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert errors[0].startswith(services.BOOKING_CONFLICT.format(count=1))
    assert "2026-12-02 10:00–11:00 西宁市城东区总工会（待审批）" in errors[0]
    assert Booking.objects.filter(room=room).count() == 1


def test_a_booking_breaking_a_rule_shows_the_services_message_on_its_field(
    client, county_staff, places, chengdong_union
):
    client.force_login(county_staff)

    response = client.post(
        reverse("admin:venues_booking_add"),
        booking_form(places[2], chengdong_union, aware(2026, 12, 6, 10), aware(2026, 12, 6, 11)),  # a Sunday
    )

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["start"] == [services.BOOKING_CLOSED.format(date="2026-12-06", reason="周日不开放")]
    assert Booking.objects.count() == 2


def test_a_free_slot_added_in_the_admin_is_booked_by_the_user(client, county_staff, places, chengdong_union):
    room = places[2]
    client.force_login(county_staff)

    response = client.post(
        reverse("admin:venues_booking_add"),
        booking_form(room, chengdong_union, aware(2026, 12, 2, 11), aware(2026, 12, 2, 12)),  # touches 10–11
    )

    assert response.status_code == 302
    booking = Booking.objects.get(room=room, purpose="职工书画展筹备会")
    assert booking.booked_by == county_staff and booking.status == BookingStatus.PENDING
    assert booking.start == aware(2026, 12, 2, 11) and booking.end == aware(2026, 12, 2, 12)


def test_a_booking_of_a_room_out_of_scope_is_refused_on_the_form(client, county_staff, places, chengdong_union):
    other_room = places[3]
    client.force_login(county_staff)

    response = client.post(
        reverse("admin:venues_booking_add"),
        booking_form(other_room, chengdong_union, aware(2026, 12, 2, 14), aware(2026, 12, 2, 15)),
    )

    assert response.status_code == 200
    assert "room" in response.context["adminform"].form.errors
    assert not Booking.objects.filter(room=other_room, start=aware(2026, 12, 2, 14)).exists()


# Decisions ------------------------------------------------------------------------------------


def run_action(client, action: str, bookings):
    return client.post(
        changelist("booking"),
        {"action": action, "_selected_action": [booking.pk for booking in bookings]},
        follow=True,
    )


def test_the_venues_manager_approves_with_the_action(client, county_staff, places):
    venue, booking = places[0], places[4]
    services.venue_manager_grant(venue=venue, user=county_staff)
    client.force_login(county_staff)

    response = run_action(client, "approve_selected", [booking])

    booking.refresh_from_db()
    assert booking.status == BookingStatus.APPROVED and booking.decided_by == county_staff
    assert "已通过 1 个预约。" in messages_of(response)


def test_a_county_staff_member_who_is_not_the_manager_cannot_approve(client, qinghai, places):
    booking = places[4]
    colleague = UserFactory(username="chengdong_colleague")
    role_assign(user=colleague, role=Role.COUNTY_STAFF, region=region("630102"))
    client.force_login(colleague)

    response = run_action(client, "approve_selected", [booking])

    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING and booking.decided_by is None
    assert f"“{booking}”未处理：{NOT_MANAGER}" in messages_of(response)


def test_a_rejection_on_the_change_page_needs_a_reason(client, county_staff, places):
    venue, booking = places[0], places[4]
    services.venue_manager_grant(venue=venue, user=county_staff)
    client.force_login(county_staff)

    refused = client.post(change_page(booking), {"operation": "reject", "reason": " "})
    booking.refresh_from_db()
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["reason"] == [services.BOOKING_REJECT_REASON]
    assert booking.status == BookingStatus.PENDING

    done = client.post(change_page(booking), {"operation": "reject", "reason": "当天场地检修"})
    booking.refresh_from_db()
    assert done.status_code == 302
    assert booking.status == BookingStatus.REJECTED and booking.rejection_reason == "当天场地检修"


def test_a_decided_booking_is_view_only_and_its_time_is_never_edited(client, county_staff, places):
    venue, booking = places[0], places[4]
    services.venue_manager_grant(venue=venue, user=county_staff)
    client.force_login(county_staff)
    client.post(change_page(booking), {"operation": "approve", "start_0": "2026-12-03", "start_1": "09:00:00"})
    booking.refresh_from_db()
    assert booking.status == BookingStatus.APPROVED and booking.start == aware(2026, 12, 2, 10)

    client.post(change_page(booking), {"operation": "cancel"})
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED

    response = client.get(change_page(booking))
    assert response.status_code == 200
    assert "operation" not in response.context["adminform"].form.fields
    assert client.post(change_page(booking), {"operation": "approve"}).status_code == 403


# Filters ----------------------------------------------------------------------------------------


def test_the_booking_changelist_filters_by_status_and_federation(client, county_staff, places, chengdong_union):
    room, booking = places[2], places[4]
    women = unit("630102", "women")
    women_booking = book(room, women, aware(2026, 12, 2, 14), aware(2026, 12, 2, 15), purpose="妇女议事会")
    services.booking_cancel(booking=women_booking, now=NOW)
    client.force_login(county_staff)

    def rows(**params):
        return set(client.get(changelist("booking"), params).context["cl"].result_list)

    assert rows() == {booking, women_booking}
    assert rows(status=BookingStatus.PENDING) == {booking}
    assert rows(status=BookingStatus.CANCELLED) == {women_booking}
    assert rows(organization__federation__id__exact=federation("women").pk) == {women_booking}
    assert rows(organization__federation__id__exact=federation("union").pk) == {booking}
    assert rows(venue=places[1].pk) == set()  # 城中区's venue: nothing of it shows, even by its id


# Export --------------------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", [XLSX, CSV])
def test_the_export_holds_only_the_users_bookings_under_chinese_headers(client, county_staff, places, file_format):
    client.force_login(county_staff)

    response = client.post(reverse("admin:venues_booking_export"), {"format": file_format, "resource": "0"})

    assert response.status_code == 200
    headers, rows = exported_rows(response, file_format)
    assert headers == list(HEADERS)
    assert [row["用途"] for row in rows] == ["城东职工读书会"]
    (row,) = rows
    assert row["功能室"] == "城东会议室" and row["场地"] == "城东区群众之家"
    assert row["预约组织"] == "西宁市城东区总工会" and row["群团"] == "工会"
    assert row["开始"] == "2026-12-02 10:00" and row["结束"] == "2026-12-02 11:00"
    assert row["状态"] == "待审批" and str(row["人数"]) == "10"
    assert row["联系人"] == "张老师" and row["联系电话"] == "138****0000"  # masked: no full-phone permission


def test_bookings_cannot_be_imported(client, county_staff, places):
    client.force_login(county_staff)

    assert client.get(reverse("admin:venues_booking_import")).status_code == 403


# Venues and rooms through the services ------------------------------------------------------


def test_a_venue_added_in_the_admin_gets_its_hours_closures_and_manager_through_the_services(
    client, county_staff, qinghai
):
    manager = UserFactory(username="chengdong_manager")
    role_assign(user=manager, role=Role.COUNTY_STAFF, region=region("630102"))
    client.force_login(county_staff)
    data = {
        "name": "城东区职工之家",
        "kind": "union",
        "region": region("630102").pk,
        "address": "城东区八一路",
        "federations": [federation("union").pk],
        "closes_on_public_holidays": "on",
        "booking_horizon_days": 30,
        "managers": [manager.pk],
        "opening_hours-TOTAL_FORMS": 2,
        "opening_hours-INITIAL_FORMS": 0,
        "opening_hours-0-weekday": 0,
        "opening_hours-0-opens": "09:00",
        "opening_hours-0-closes": "17:00",
        "opening_hours-1-weekday": 2,
        "opening_hours-1-opens": "14:00",
        "opening_hours-1-closes": "20:00",
        "closures-TOTAL_FORMS": 1,
        "closures-INITIAL_FORMS": 0,
        "closures-0-date": "2026-12-14",
        "closures-0-reason": "设备检修",
        "_save": "保存",
    }

    response = client.post(reverse("admin:venues_venue_add"), data)

    assert response.status_code == 302
    venue = Venue.objects.get(name="城东区职工之家")
    assert list(venue.federations.all()) == [federation("union")]
    hours = {row.weekday: (row.opens, row.closes) for row in OpeningHours.objects.filter(venue=venue)}
    assert hours == {0: (dt.time(9), dt.time(17)), 2: (dt.time(14), dt.time(20))}
    assert VenueClosure.objects.get(venue=venue).reason == "设备检修"
    assert services.can_manage(manager, venue) and not services.can_manage(county_staff, venue)


def test_a_venue_whose_inline_is_refused_is_not_written_at_all(client, county_staff, qinghai):
    client.force_login(county_staff)
    data = {
        "name": "城东区青年之家",
        "kind": "youth",
        "region": region("630102").pk,
        "booking_horizon_days": 30,
        "opening_hours-TOTAL_FORMS": 1,
        "opening_hours-INITIAL_FORMS": 0,
        "opening_hours-0-weekday": 0,
        "opening_hours-0-opens": "18:00",
        "opening_hours-0-closes": "09:00",
        "closures-TOTAL_FORMS": 0,
        "closures-INITIAL_FORMS": 0,
        "_save": "保存",
    }

    response = client.post(reverse("admin:venues_venue_add"), data)

    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.errors != [{}]
    assert not Venue.objects.filter(name="城东区青年之家").exists()


def test_a_venue_in_another_county_is_refused_on_the_region_field(client, county_staff, qinghai):
    client.force_login(county_staff)
    data = {
        "name": "城中区妇女之家",
        "kind": "women",
        "region": region("630103").pk,
        "booking_horizon_days": 30,
        "opening_hours-TOTAL_FORMS": 0,
        "opening_hours-INITIAL_FORMS": 0,
        "closures-TOTAL_FORMS": 0,
        "closures-INITIAL_FORMS": 0,
        "_save": "保存",
    }

    response = client.post(reverse("admin:venues_venue_add"), data)

    assert response.status_code == 200
    assert "region" in response.context["adminform"].form.errors
    assert not Venue.objects.filter(name="城中区妇女之家").exists()


def test_a_room_changed_in_the_admin_is_saved_through_room_save(client, county_staff, places):
    room = places[2]
    client.force_login(county_staff)
    data = {
        "venue": room.venue_id,
        "name": "城东大会议室",
        "kind": room.kind,
        "capacity": 40,
        "facilities": "投影仪",
        "contributed_by": room.contributed_by_id,
        "needs_approval": "on",
        "is_active": "on",
        "_save": "保存",
    }

    response = client.post(change_page(room), data)

    assert response.status_code == 302
    room = Room.objects.get(pk=room.pk)
    assert (room.name, room.capacity) == ("城东大会议室", 40)


# Query count ------------------------------------------------------------------------------------


def _slots(count: int):
    """`count` one-hour slots on open days (Monday–Saturday) from 2026-12-02, eight a day."""
    day, made = dt.date(2026, 12, 2), 0
    while made < count:
        if day.weekday() < 6:
            for hour in range(9, 17):
                if made == count:
                    break
                yield aware(day.year, day.month, day.day, hour), aware(day.year, day.month, day.day, hour + 1)
                made += 1
        day += dt.timedelta(days=1)


def test_the_booking_changelist_needs_as_many_queries_for_50_bookings_as_for_10(
    client, province_admin, chengdong_union, django_assert_num_queries
):
    venue = make_venue("630102")
    rooms = [make_room(venue, name=f"功能室{n}") for n in range(5)]
    slots = list(_slots(10))
    for n, (start, end) in enumerate(slots):
        book(rooms[n % 5], chengdong_union, start, end)
    client.force_login(province_admin)
    url = changelist("booking")
    client.get(url)  # warm the per-process caches (content types, site)
    with CaptureQueriesContext(connection) as ten:
        assert client.get(url).status_code == 200

    women = unit("630102", "women")
    for n, (start, end) in enumerate(list(_slots(50))[10:]):
        book(rooms[n % 5], women, start, end)

    with django_assert_num_queries(len(ten.captured_queries)):
        response = client.get(url)
    assert len(response.context["cl"].result_list) == 50


def test_the_add_pages_render_and_managers_are_picked_among_whom_the_user_may_see(
    client, county_staff, province_admin, places
):
    client.force_login(county_staff)
    for model in ("booking", "venue", "room"):
        assert client.get(reverse(f"admin:venues_{model}_add")).status_code == 200
    managers = client.get(change_page(places[0])).context["adminform"].form.fields["managers"]
    assert list(managers.queryset) == [county_staff]  # 城中区's staff are not offered

    client.force_login(province_admin)  # may browse the accounts: an autocomplete
    params = {"app_label": "venues", "model_name": "booking", "field_name": "booked_by", "term": "chengdong"}
    response = client.get(reverse("admin:autocomplete"), params)
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [str(county_staff.pk)]
