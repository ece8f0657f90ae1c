"""The staff pages of 阵地共用, through HTTP: the week calendar and booking in place (htmx),
conflicts, scope and the shared-venue rule, the approval queue, cancelling, utilization,
query counts."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.organizations.models import Role
from apps.organizations.services import role_assign
from apps.organizations.views import SIGNED_IN
from apps.venues import services
from apps.venues import urls as venue_urls
from apps.venues.models import Booking, BookingStatus
from tests.factories import UserFactory, unit
from tests.venues.factories import aware, make_room, make_venue

NOW = aware(2026, 12, 1, 8)  # a Tuesday, not a public holiday; its week starts on Monday 11-30
WEEK = "2026-11-30"
HTMX = {"HX-Request": "true", "HX-Target": "booking-panel"}


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def venue(qinghai):
    """A 群众之家 in 城东区 (630102), Monday–Saturday 09:00–17:30, shared with the unions only."""
    venue = make_venue("630102", federations=("union",), name="城东区群众之家")
    services.venue_closure_add(venue=venue, date=dt.date(2026, 12, 3), reason="设备检修")
    return venue


@pytest.fixture
def room(venue):
    return make_room(venue, name="多功能厅", capacity=30, needs_approval=False, contributed_by="union")


@pytest.fixture
def approval_room(venue):
    return make_room(venue, name="议事室", capacity=10, needs_approval=True, contributed_by="union")


@pytest.fixture
def staff_client(client, county_staff):
    client.force_login(county_staff)
    return client


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _cell(response, room, start: dt.datetime) -> str:
    """The <td> of a room's slot starting at `start`."""
    cell_id = f"slot-{room.pk}-{start:%Y%m%d%H%M}"
    match = re.search(rf'<td id="{cell_id}".*?</td>', _text(response), re.S)
    assert match, f"no cell {cell_id}"
    return match.group(0)


def book(room, organization, start, end, *, actor=None, purpose="职工读书会", attendees=10) -> Booking:
    return services.booking_create(
        actor=actor,
        room=room,
        organization=organization,
        start=start,
        end=end,
        purpose=purpose,
        attendees=attendees,
        contact_name="张老师",
        now=NOW,
    )


def form_data(organization, start: dt.datetime, end: dt.datetime, **extra) -> dict:
    return {
        "organization": organization.pk,
        "start": f"{start:%Y-%m-%dT%H:%M}",
        "end": f"{end:%Y-%m-%dT%H:%M}",
        "purpose": "青年志愿者培训",
        "attendees": 12,
        "contact_name": "李老师",
        "contact_phone": "13800000000",
        "week": WEEK,
        **extra,
    }


def liaison(region_code: str, federation_code: str, username: str):
    user = UserFactory(username=username)
    role_assign(user=user, role=Role.FEDERATION_LIAISON, organization=unit(region_code, federation_code))
    return user


# Access ---------------------------------------------------------------------------------


def test_every_page_declares_who_may_use_it():
    rules = {pattern.name: getattr(pattern.callback, "access", None) for pattern in venue_urls.urlpatterns}
    undeclared = [name for name, rule in rules.items() if rule not in (SIGNED_IN, "venues.add_booking")]
    assert undeclared == []
    assert rules["web-booking-create"] == "venues.add_booking"


@pytest.mark.parametrize("pattern", venue_urls.urlpatterns, ids=lambda pattern: pattern.name)
def test_it_sends_an_anonymous_visitor_to_the_login_page(client, pattern, qinghai):
    url = reverse(pattern.name, kwargs={"pk": 1} if "pk" in pattern.pattern.converters else {})
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={url}"


def test_the_layout_opens_the_venues_common_with_its_subnavigation(staff_client, venue):
    text = _text(staff_client.get(reverse("web-venue-list")))
    assert f'<a class="nav-link active" aria-current="true" href="{reverse("web-venue-list")}">阵地共用</a>' in text
    assert '<a class="nav-link" href="/">组织共建</a>' in text
    for name, label in [
        ("web-booking-mine", "我的预约"),
        ("web-booking-pending", "待审批"),
        ("web-utilization-index", "使用率"),
    ]:
        assert f'href="{reverse(name)}">{label}</a>' in text
    assert f'<a class="nav-link" href="{reverse("web-course-list")}">人才共育</a>' in text


# Venues ---------------------------------------------------------------------------------


def test_the_venue_list_shows_the_rooms_count_and_the_contributing_federations(staff_client, room, approval_room):
    other = make_venue("630103", name="城中区群众之家")
    response = staff_client.get(reverse("web-venue-list"))
    table = _text(response).split('id="venue-table"')[1]
    assert "城东区群众之家" in table and "城中区群众之家" not in table
    assert re.search(r"工会</span></td>\s*<td class=\"text-end\">2</td>", table)
    assert response.context["page"].paginator.count == 1
    assert other.pk not in [venue.pk for venue in response.context["page"].object_list]


def test_the_venue_page_shows_rooms_hours_closures_and_the_approval_link_to_managers(
    staff_client, county_staff, venue, room
):
    url = reverse("web-venue-detail", args=[venue.pk])
    text = _text(staff_client.get(url))
    assert "多功能厅" in text and "周一 09:00–17:30" in text and "2026-12-03 设备检修" in text
    assert 'id="approval-link"' not in text

    services.venue_manager_grant(venue=venue, user=county_staff)
    assert 'id="approval-link"' in _text(staff_client.get(url))


def test_a_venue_of_another_county_answers_404(staff_client, qinghai):
    other = make_venue("630103", name="城中区群众之家")
    other_room = make_room(other, name="城中会议室")
    for url in (
        reverse("web-venue-detail", args=[other.pk]),
        reverse("web-venue-calendar", args=[other.pk]),
        reverse("web-venue-utilization", args=[other.pk]),
        reverse("web-room-calendar", args=[other_room.pk]),
        reverse("web-booking-create", args=[other_room.pk]),
    ):
        assert staff_client.get(url).status_code == 404, url


# The week calendar ----------------------------------------------------------------------


def test_the_room_calendar_shows_the_week_with_closed_days_and_busy_slots(staff_client, room, chengdong_union):
    book(room, chengdong_union, aware(2026, 12, 1, 10), aware(2026, 12, 1, 12), purpose="职工读书会")
    response = staff_client.get(reverse("web-room-calendar", args=[room.pk]), {"week": "2026-12-02"})
    assert response.status_code == 200
    text = _text(response)
    assert "2026年11月30日–12月6日" in text
    assert "设备检修" in text and "周日不开放" in text
    busy = _cell(response, room, aware(2026, 12, 1, 10))
    assert "qz-slot-busy" in busy and chengdong_union.name in busy and "职工读书会" in busy and "已通过" in busy
    assert "（续）" in _cell(response, room, aware(2026, 12, 1, 11))
    free = _cell(response, room, aware(2026, 12, 1, 12))
    assert "qz-slot-free" in free and "start=2026-12-01T12:00&end=2026-12-01T13:00" in free
    assert "qz-slot-past" in _cell(response, room, aware(2026, 11, 30, 15))
    # The last slot ends at closing time; the closed day has no cells.
    assert "end=2026-12-01T17:30" in _cell(response, room, aware(2026, 12, 1, 17))
    assert f'id="slot-{room.pk}-202612030900"' not in text
    assert f"?week={dt.date(2026, 11, 23)}" in text and f"?week={dt.date(2026, 12, 7)}" in text


def test_the_venue_calendar_puts_all_rooms_side_by_side(staff_client, room, approval_room, chengdong_union):
    book(approval_room, chengdong_union, aware(2026, 12, 2, 14), aware(2026, 12, 2, 15), purpose="议事会")
    response = staff_client.get(reverse("web-venue-calendar", args=[room.venue.pk]), {"week": WEEK})
    assert response.status_code == 200
    pending = _cell(response, approval_room, aware(2026, 12, 2, 14))
    assert "议事会" in pending and "待审批" in pending
    assert "qz-slot-free" in _cell(response, room, aware(2026, 12, 2, 14))
    assert "设备检修" in _text(response)


def test_the_calendar_page_makes_the_same_number_of_queries_for_2_or_20_bookings(
    staff_client, room, approval_room, chengdong_union
):
    url = reverse("web-venue-calendar", args=[room.venue.pk])
    starts = [aware(2026, 12, day, 9) + dt.timedelta(minutes=30 * n) for day in (1, 2, 4, 5) for n in range(5)]
    for start in starts[:2]:
        book(room, chengdong_union, start, start + dt.timedelta(minutes=30))
    with CaptureQueriesContext(connection) as few:
        assert staff_client.get(url, {"week": WEEK}).status_code == 200
    for start in starts[2:]:
        book(room, chengdong_union, start, start + dt.timedelta(minutes=30))
    assert Booking.objects.count() == 20
    with CaptureQueriesContext(connection) as many:
        response = staff_client.get(url, {"week": WEEK})
    assert response.status_code == 200 and _text(response).count("职工读书会") == 20
    assert len(many) == len(few), "\n".join(query["sql"] for query in many.captured_queries)


# Booking in place -----------------------------------------------------------------------


def test_a_free_slot_opens_the_prefilled_booking_form(staff_client, county_staff, room, chengdong_union):
    url = reverse("web-booking-create", args=[room.pk])
    response = staff_client.get(
        url, {"start": "2026-12-01T14:00", "end": "2026-12-01T15:00", "week": WEEK}, headers=HTMX
    )
    assert response.status_code == 200
    text = _text(response)
    assert 'id="booking-form"' in text and "<html" not in text
    assert 'value="2026-12-01T14:00"' in text and 'value="2026-12-01T15:00"' in text
    form = response.context["form"]
    assert form["organization"].value() == form.fields["organization"].queryset.first().pk
    assert chengdong_union.name in text


def test_booking_a_free_slot_through_the_htmx_form_creates_it_and_updates_the_cells(
    staff_client, county_staff, room, chengdong_union
):
    url = reverse("web-booking-create", args=[room.pk])
    response = staff_client.post(
        url, form_data(chengdong_union, aware(2026, 12, 1, 14), aware(2026, 12, 1, 15)), headers=HTMX
    )
    assert response.status_code == 200
    booking = Booking.objects.get()
    assert (booking.room, booking.organization, booking.booked_by) == (room, chengdong_union, county_staff)
    assert (booking.start, booking.end, booking.status) == (
        aware(2026, 12, 1, 14),
        aware(2026, 12, 1, 15),
        BookingStatus.APPROVED,
    )
    text = _text(response)
    assert 'id="booking-done"' in text and "已预约：" in text
    cell = _cell(response, room, aware(2026, 12, 1, 14))
    assert 'hx-swap-oob="outerHTML"' in cell and "qz-slot-busy" in cell and "青年志愿者培训" in cell
    assert "qz-slot-free" in _cell(response, room, aware(2026, 12, 1, 15))


def test_booking_an_occupied_slot_shows_the_conflict_in_place_and_creates_nothing(staff_client, room, chengdong_union):
    taken = book(room, chengdong_union, aware(2026, 12, 1, 10), aware(2026, 12, 1, 12), purpose="职工读书会")
    url = reverse("web-booking-create", args=[room.pk])
    response = staff_client.post(
        url, form_data(chengdong_union, aware(2026, 12, 1, 11), aware(2026, 12, 1, 13)), headers=HTMX
    )
    assert response.status_code == 200
    text = _text(response)
    conflict = text.split('id="booking-conflict"')[1].split("</div>\n  \n")[0]
    assert services.BOOKING_CONFLICT.format(count=1) in conflict
    assert chengdong_union.name in conflict and "12月1日 10:00–12:00" in conflict
    assert reverse("web-booking-detail", args=[taken.pk]) in conflict
    assert list(Booking.objects.all()) == [taken]
    # The form stays filled for another try, and the room's cells of the day are refreshed.
    assert 'value="2026-12-01T11:00"' in text
    assert "qz-slot-busy" in _cell(response, room, aware(2026, 12, 1, 11))


def test_a_booking_touching_another_one_is_allowed(staff_client, room, chengdong_union):
    book(room, chengdong_union, aware(2026, 12, 1, 10), aware(2026, 12, 1, 11))
    url = reverse("web-booking-create", args=[room.pk])
    response = staff_client.post(
        url, form_data(chengdong_union, aware(2026, 12, 1, 11), aware(2026, 12, 1, 12)), headers=HTMX
    )
    assert 'id="booking-done"' in _text(response)
    assert Booking.objects.count() == 2


def test_each_broken_rule_shows_its_message_on_the_form(staff_client, room, chengdong_union):
    url = reverse("web-booking-create", args=[room.pk])
    data = form_data(chengdong_union, aware(2026, 12, 1, 17), aware(2026, 12, 1, 19), attendees=99)
    text = _text(staff_client.post(url, data, headers=HTMX))
    assert services.BOOKING_OVER_CAPACITY.format(attendees=99, capacity=30) in text
    assert "2026-12-01 的开放时间为 09:00–17:30" in text
    closed = form_data(chengdong_union, aware(2026, 12, 3, 10), aware(2026, 12, 3, 11))
    assert "2026-12-03 设备检修" in _text(staff_client.post(url, closed, headers=HTMX))
    assert not Booking.objects.exists()


def test_without_htmx_a_booking_leads_back_to_the_calendar(staff_client, room, chengdong_union):
    url = reverse("web-booking-create", args=[room.pk])
    assert "<html" in _text(staff_client.get(url, {"start": "2026-12-01T14:00", "end": "2026-12-01T15:00"}))
    response = staff_client.post(url, form_data(chengdong_union, aware(2026, 12, 1, 14), aware(2026, 12, 1, 15)))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('web-room-calendar', args=[room.pk])}?week={WEEK}"
    assert Booking.objects.count() == 1


def test_a_user_without_a_role_may_not_open_the_booking_form(client, mobile_user, room):
    client.force_login(mobile_user)
    assert client.get(reverse("web-booking-create", args=[room.pk])).status_code == 403


# The shared-venue rule ------------------------------------------------------------------


def test_a_union_liaison_of_the_next_county_sees_and_books_the_venue_a_women_liaison_does_not(
    client, room, chengdong_union
):
    """城东区's 群众之家 is shared with the unions: a 城中区 union liaison may use it, a women's one may not."""
    union_liaison = liaison("630103", "union", "chengzhong_union_liaison")
    women_liaison = liaison("630103", "women", "chengzhong_women_liaison")
    book(room, chengdong_union, aware(2026, 12, 1, 10), aware(2026, 12, 1, 11), purpose="城东职工读书会")
    venue = room.venue
    calendar = reverse("web-room-calendar", args=[room.pk])
    chengzhong_union = unit("630103", "union")

    client.force_login(union_liaison)
    assert "城东区群众之家" in _text(client.get(reverse("web-venue-list")))
    response = client.get(calendar, {"week": WEEK})
    assert response.status_code == 200
    taken = _cell(response, room, aware(2026, 12, 1, 10))
    assert "已预约" in taken and "城东职工读书会" not in taken and chengdong_union.name not in taken
    response = client.post(
        reverse("web-booking-create", args=[room.pk]),
        form_data(chengzhong_union, aware(2026, 12, 1, 14), aware(2026, 12, 1, 15)),
        headers=HTMX,
    )
    assert 'id="booking-done"' in _text(response)
    assert Booking.objects.filter(organization=chengzhong_union).count() == 1

    client.force_login(women_liaison)
    assert "城东区群众之家" not in _text(client.get(reverse("web-venue-list")))
    for url in (reverse("web-venue-detail", args=[venue.pk]), reverse("web-venue-calendar", args=[venue.pk]), calendar):
        assert client.get(url).status_code == 404
    response = client.post(
        reverse("web-booking-create", args=[room.pk]),
        form_data(unit("630103", "women"), aware(2026, 12, 1, 15), aware(2026, 12, 1, 16)),
        headers=HTMX,
    )
    assert response.status_code == 404
    assert Booking.objects.count() == 2


# My bookings, cancelling ----------------------------------------------------------------


def test_my_bookings_lists_mine_and_cancels_until_the_start(
    staff_client, time_machine, county_staff, room, chengdong_union
):
    soon = book(room, chengdong_union, aware(2026, 12, 1, 9), aware(2026, 12, 1, 10), actor=county_staff)
    later = book(room, chengdong_union, aware(2026, 12, 2, 9), aware(2026, 12, 2, 10), actor=county_staff)
    others = book(room, chengdong_union, aware(2026, 12, 4, 9), aware(2026, 12, 4, 10), purpose="别人的预约")
    mine = reverse("web-booking-mine")
    text = _text(staff_client.get(mine))
    assert "共 2 个预约" in text and "别人的预约" not in text
    assert reverse("web-booking-cancel", args=[later.pk]) in text

    response = staff_client.post(reverse("web-booking-cancel", args=[later.pk]), {"next": mine}, follow=True)
    assert response.redirect_chain == [(mine, 302)]
    later.refresh_from_db()
    assert later.status == BookingStatus.CANCELLED
    assert "已取消预约" in _text(response)

    time_machine.move_to(aware(2026, 12, 1, 9, 30), tick=False)
    assert reverse("web-booking-cancel", args=[soon.pk]) not in _text(staff_client.get(mine))
    response = staff_client.post(reverse("web-booking-cancel", args=[soon.pk]), {"next": mine}, follow=True)
    assert services.BOOKING_CANCEL_STARTED in _text(response)
    soon.refresh_from_db()
    assert soon.status == BookingStatus.APPROVED
    assert others.status == BookingStatus.APPROVED


def test_the_booking_page_is_scoped_and_is_where_notifications_lead(staff_client, room, chengdong_union):
    booking = book(room, chengdong_union, aware(2026, 12, 1, 10), aware(2026, 12, 1, 11), purpose="职工读书会")
    url = reverse("web-booking-detail", args=[booking.pk])
    assert url == f"/bookings/{booking.pk}/"
    text = _text(staff_client.get(url))
    assert "职工读书会" in text and chengdong_union.name in text and "张老师" in text

    client = Client()
    client.force_login(liaison("630103", "union", "chengzhong_union_liaison"))
    assert client.get(url).status_code == 404


# The approval queue ---------------------------------------------------------------------


def test_the_approval_queue_shows_pending_bookings_to_the_manager_only(
    staff_client, county_staff, approval_room, room, chengdong_union
):
    colleague = UserFactory(username="chengdong_colleague")
    role_assign(user=colleague, role=Role.COUNTY_STAFF, region=approval_room.venue.region)
    services.venue_manager_grant(venue=approval_room.venue, user=county_staff)
    first = book(approval_room, chengdong_union, aware(2026, 12, 1, 10), aware(2026, 12, 1, 11), purpose="议事会")
    second = book(approval_room, chengdong_union, aware(2026, 12, 2, 10), aware(2026, 12, 2, 11), purpose="培训会")
    book(room, chengdong_union, aware(2026, 12, 2, 10), aware(2026, 12, 2, 11), purpose="不需审批")
    queue = reverse("web-booking-pending")

    text = _text(staff_client.get(queue))
    assert "共 2 个待审批预约" in text and "议事会" in text and "培训会" in text and "不需审批" not in text

    client = Client()
    client.force_login(colleague)
    assert "没有待审批的预约" in _text(client.get(queue))
    assert client.post(reverse("web-booking-approve", args=[first.pk]), {"next": queue}).status_code == 403
    first.refresh_from_db()
    assert first.status == BookingStatus.PENDING

    response = staff_client.post(reverse("web-booking-approve", args=[first.pk]), {"next": queue}, follow=True)
    assert response.redirect_chain == [(queue, 302)]
    first.refresh_from_db()
    assert (first.status, first.decided_by) == (BookingStatus.APPROVED, county_staff)

    response = staff_client.post(reverse("web-booking-reject", args=[second.pk]), {"next": queue}, follow=True)
    assert services.BOOKING_REJECT_REASON in _text(response)
    second.refresh_from_db()
    assert second.status == BookingStatus.PENDING

    response = staff_client.post(
        reverse("web-booking-reject", args=[second.pk]), {"reason": "当天另有安排", "next": queue}, follow=True
    )
    second.refresh_from_db()
    assert (second.status, second.rejection_reason) == (BookingStatus.REJECTED, "当天另有安排")
    assert "没有待审批的预约" in _text(response)
    assert "当天另有安排" in _text(staff_client.get(reverse("web-booking-detail", args=[second.pk])))


# Utilization ----------------------------------------------------------------------------


def test_utilization_counts_booked_over_open_hours_and_the_co_use_share(
    staff_client, time_machine, room, approval_room, chengdong_union
):
    women = unit("630102", "women")
    book(room, chengdong_union, aware(2026, 12, 1, 10), aware(2026, 12, 1, 12))  # the contributor: 2 h
    book(room, women, aware(2026, 12, 2, 9), aware(2026, 12, 2, 13))  # another federation: 4 h of co-use
    book(approval_room, women, aware(2026, 12, 2, 9), aware(2026, 12, 2, 13))  # pending: not counted
    time_machine.move_to(aware(2026, 12, 10, 8), tick=False)

    url = reverse("web-venue-utilization", args=[room.venue.pk])
    response = staff_client.get(url, {"from": "2026-12-01", "to": "2026-12-03"})
    assert response.status_code == 200
    # Open: 12-01 and 12-02, 8.5 h each (12-03 is closed) = 17 h per room.
    chart = response.context["chart"]
    rates = dict(zip(chart["rooms"], chart["rate"], strict=True))
    co_use = dict(zip(chart["rooms"], chart["co_use"], strict=True))
    assert rates == {"多功能厅": 35.3, "议事室": 0.0}
    assert co_use == {"多功能厅": 66.7, "议事室": 0.0}
    table = _text(response).split('id="utilization-table"')[1].split("</table>")[0]
    assert re.search(
        r"多功能厅</td>\s*<td[^>]*>6.0</td>\s*<td[^>]*>17.0</td>\s*<td[^>]*>35.3%</td>\s*<td[^>]*>66.7%", table
    )
    text = _text(response)
    assert 'id="utilization-data"' in text and "/static/vendor/echarts/echarts.min.js" in text
    assert "使用率 17.6%" in text  # 6 h over 34 h for the whole venue


def test_utilization_defaults_to_the_last_30_days(staff_client, room):
    response = staff_client.get(reverse("web-venue-utilization", args=[room.venue.pk]))
    assert (response.context["first"], response.context["last"]) == (dt.date(2026, 11, 2), dt.date(2026, 12, 1))
    assert 'name="from" value="2026-11-02"' in _text(response) and 'name="to" value="2026-12-01"' in _text(response)
    response = staff_client.get(
        reverse("web-venue-utilization", args=[room.venue.pk]), {"from": "2026-12-05", "to": "2026-12-01"}
    )
    assert "结束日期不能早于开始日期。" in _text(response)
