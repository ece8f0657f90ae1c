"""Phones like ID numbers: encrypted at rest, masked wherever the user lacks the permission,
read in full only through an audited service; neither ever in a log line or an error page."""

from __future__ import annotations

import datetime as dt
import io
import logging

import pytest
from django.urls import path
from rest_framework.test import APIClient

from apps.core.log_filters import MaskIdNumbers, mask_personal_numbers
from apps.core.models import AuditEvent
from apps.core.phones import mask_phone
from apps.members.models import Person
from apps.members.resources import PersonResource
from apps.venues.models import Booking
from apps.venues.resources import BookingResource
from tests.members.factories import PersonFactory, id_number
from tests.members.test_id_privacy import every_stored_value
from tests.venues.factories import aware, make_room, make_venue

PEOPLE = "/api/v1/people/"
BOOKINGS = "/api/v1/bookings/"
PHONE = "13812345678"
NUMBER = "630102199001010029"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def person(chengdong_union):
    return PersonFactory(id_number=id_number(age=30), phone=PHONE)


def test_masks_keep_three_and_four_digits_of_a_mobile_and_little_of_anything_short():
    assert mask_phone(PHONE) == "138****5678"
    assert mask_phone("0971-1234567") == "097*****4567"
    assert mask_phone("12345") == "***45"
    assert mask_phone("") == ""


def test_no_table_holds_the_phone_only_its_ciphertext_and_mask(county_staff, person):
    client_for(county_staff).patch(f"{PEOPLE}{person.pk}/", {"phone": "13900001111"}, format="json")

    leaks = [(table, value) for table, value in every_stored_value() if PHONE in value or "13900001111" in value]

    assert leaks == []
    assert Person.objects.get(pk=person.pk).phone == "13900001111"


def test_lists_and_details_show_the_masked_phone_to_staff_without_the_permission(county_staff, person):
    client = client_for(county_staff)

    listed = client.get(PEOPLE).json()["results"][0]
    detail = client.get(f"{PEOPLE}{person.pk}/").json()

    for body in (listed, detail):
        assert body["phone_masked"] == "138****5678" and "phone" not in body
    assert not AuditEvent.objects.exists()


def test_the_full_phone_is_in_the_detail_for_holders_and_each_read_is_audited(province_admin, person):
    client = client_for(province_admin)

    assert PHONE not in str(client.get(PEOPLE).json())
    assert client.get(f"{PEOPLE}{person.pk}/").json()["phone"] == PHONE

    event = AuditEvent.objects.get(action=AuditEvent.Action.VIEW_FULL_PHONE)
    assert (event.actor_id, event.object_id) == (province_admin.pk, person.pk)


def test_the_staff_page_reveals_the_phone_only_on_request_and_audits_it(client, province_admin, county_staff, person):
    page = f"/people/{person.pk}/"
    client.force_login(county_staff)
    content = client.get(page).content.decode()
    assert "138****5678" in content and PHONE not in content and "reveal-phone" not in content
    assert client.post(f"{page}phone/").status_code == 403

    client.force_login(province_admin)
    assert PHONE not in client.get(page).content.decode()
    revealed = client.post(f"{page}phone/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="phone")
    assert PHONE in revealed.content.decode()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.VIEW_FULL_PHONE, object_id=person.pk).count() == 1


def test_the_edit_pages_never_fill_in_the_phone(client, province_admin, person):
    client.force_login(province_admin)

    for page in (f"/people/{person.pk}/edit/", f"/admin/members/person/{person.pk}/change/"):
        content = client.get(page).content.decode()
        assert PHONE not in content and "138****5678" in content, page


def test_an_export_masks_phones_unless_the_user_may_see_them_and_says_which(county_staff, province_admin, person):
    masked = PersonResource(user=county_staff).export()
    full = PersonResource(user=province_admin).export()

    assert masked["手机号"] == ["138****5678"] and full["手机号"] == [PHONE]
    details = list(
        AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).order_by("pk").values_list("detail", flat=True)
    )
    assert "手机号已脱敏" in details[0] and "手机号完整" in details[1]


# A booking's contact phone ----------------------------------------------------------------


@pytest.fixture
def booked(county_staff, chengdong_union, time_machine):
    """A booking made through the API by county staff, its contact reachable at PHONE."""
    time_machine.move_to(aware(2026, 12, 1, 8), tick=False)  # a Tuesday; the booking next morning
    room = make_room(make_venue("630102", federations=("union",)))
    start = aware(2026, 12, 2, 10)
    response = client_for(county_staff).post(
        BOOKINGS,
        {
            "room": room.pk,
            "organization": chengdong_union.pk,
            "start": start.isoformat(),
            "end": (start + dt.timedelta(hours=1)).isoformat(),
            "purpose": "职工议事会",
            "attendees": 10,
            "contact_name": "张三",
            "contact_phone": PHONE,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    return Booking.objects.get(pk=response.json()["id"])


def test_a_bookings_contact_phone_is_stored_encrypted_and_read_masked(county_staff, booked):
    client = client_for(county_staff)

    assert [value for _, value in every_stored_value() if PHONE in value] == []
    assert booked.contact_phone == PHONE and booked.contact_phone_masked == "138****5678"
    listed = client.get(BOOKINGS).json()["results"][0]
    detail = client.get(f"{BOOKINGS}{booked.pk}/").json()
    for body in (listed, detail):
        assert body["contact_phone_masked"] == "138****5678" and "contact_phone" not in body


def test_a_booking_export_has_the_full_phone_only_for_holders_and_audits_it(county_staff, province_admin, booked):
    assert BookingResource(user=county_staff).export()["联系电话"] == ["138****5678"]
    assert not AuditEvent.objects.exists()

    assert BookingResource(user=province_admin).export()["联系电话"] == [PHONE]
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert (event.actor_username, event.model) == (province_admin.username, "venues.booking")


def test_the_booking_pages_show_the_contact_phone_masked(client, county_staff, booked):
    client.force_login(county_staff)

    for page in (f"/bookings/{booked.pk}/", f"/admin/venues/booking/{booked.pk}/change/"):
        content = client.get(page).content.decode()
        assert PHONE not in content and "138****5678" in content, page


# Logs and error pages ---------------------------------------------------------------------


def test_mobile_and_id_numbers_are_masked_in_log_text_but_other_numbers_stay():
    text = f"lookup {NUMBER} by +86 {PHONE} order 2026112816051234 at 13:45"
    assert mask_personal_numbers(text) == "lookup 630***********0029 by +86 138****5678 order 2026112816051234 at 13:45"


def boom(request):
    raise ValueError(f"cannot register {NUMBER} with phone {PHONE}")


urlpatterns = [path("boom/", boom)]


@pytest.mark.urls("tests.privacy.test_id_and_phone_privacy")
def test_a_server_error_shows_and_logs_no_personal_number(client, settings, db):
    settings.DEBUG = False
    client.raise_request_exception = False
    handler = next(h for h in logging.getLogger().handlers if any(isinstance(f, MaskIdNumbers) for f in h.filters))
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        response = client.get("/boom/")
    finally:
        handler.setStream(previous)

    assert response.status_code == 500
    log = stream.getvalue()
    assert "ValueError: cannot register 630***********0029 with phone 138****5678" in log
    for secret in (NUMBER, PHONE):
        assert secret not in response.content.decode() and secret not in log
