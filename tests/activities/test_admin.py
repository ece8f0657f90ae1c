"""The admin door to activities: scoped lists and pages, creation and decisions through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.activities import services
from apps.activities.admin import PUBLISHED
from apps.activities.models import Activity, ActivityStatus, Theme, VolunteerCorrection, VolunteerRecord
from apps.venues.models import Booking
from apps.venues.services import BOOKING_CONFLICT, booking_create
from tests.factories import region, unit
from tests.members.factories import PersonFactory
from tests.venues.factories import aware, make_room, make_venue

NOW = aware(2026, 11, 20, 9)
START = aware(2026, 12, 1, 10)  # a Tuesday


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def make_activity(organization, region_code="630102", *, title="职工读书会", theme="culture_sports", start=START):
    return services.activity_create(
        title=title,
        theme=Theme.objects.get(code=theme),
        mode="led",
        lead_organization=organization,
        region=region(region_code),
        start=start,
        end=start + dt.timedelta(hours=2),
        capacity=30,
        signup_opens=NOW - dt.timedelta(days=1),
        signup_closes=start,
    )


def split(name: str, value: dt.datetime) -> dict:
    value = timezone.localtime(value)
    return {f"{name}_0": f"{value:%Y-%m-%d}", f"{name}_1": f"{value:%H:%M:%S}"}


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_county_staff_see_only_their_countys_activities(client, county_staff, chengdong_union, chengzhong_union):
    mine = make_activity(chengdong_union, title="城东职工读书会")
    theirs = make_activity(chengzhong_union, "630103", title="城中职工培训")
    client.force_login(county_staff)

    response = client.get(reverse("admin:activities_activity_changelist"))

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [mine]
    assert "城中职工培训" not in response.content.decode()
    assert client.get(reverse("admin:activities_activity_change", args=[mine.pk])).status_code == 200
    assert client.get(reverse("admin:activities_activity_change", args=[theirs.pk])).status_code == 404
    for model in ("registration", "volunteerrecord", "theme", "lecturegroup", "lecturer"):
        assert client.get(reverse(f"admin:activities_{model}_changelist")).status_code == 200


@pytest.fixture
def chengdong_women():
    """西宁市城东区妇联: a co-host in county staff's own county."""
    return unit("630102", "women")


def test_an_activity_added_with_a_taken_room_shows_the_conflict_and_writes_nothing(
    client, county_staff, chengdong_union, chengdong_women
):
    room = make_room(make_venue("630102"), name="城东会议室")
    booking_create(
        room=room,
        organization=chengdong_union,
        start=START,
        end=START + dt.timedelta(hours=1),
        purpose="已有的会议",
        attendees=10,
        contact_name="张老师",
        contact_phone="13800000000",
    )
    client.force_login(county_staff)
    assert client.get(reverse("admin:activities_activity_add")).status_code == 200

    response = client.post(
        reverse("admin:activities_activity_add"),
        {
            "title": "联合职工书画展",
            "theme": Theme.objects.get(code="culture_sports").pk,
            "mode": "joint",
            "lead_organization": chengdong_union.pk,
            "region": region("630102").pk,
            **split("start", START + dt.timedelta(minutes=30)),
            **split("end", START + dt.timedelta(hours=2)),
            "capacity": 40,
            **split("signup_opens", NOW),
            **split("signup_closes", START),
            "address": "城东区群众之家",
            "co_hosts": [chengdong_women.pk],
            "room": room.pk,
            "_save": "保存",
        },
    )

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["room"][0].startswith(BOOKING_CONFLICT.format(count=1))
    assert not Activity.objects.exists()
    assert Booking.objects.filter(room=room).count() == 1


def test_an_activity_added_in_the_admin_takes_its_co_hosts(client, county_staff, chengdong_union, chengdong_women):
    client.force_login(county_staff)

    response = client.post(
        reverse("admin:activities_activity_add"),
        {
            "title": "联合职工书画展",
            "theme": Theme.objects.get(code="culture_sports").pk,
            "mode": "joint",
            "lead_organization": chengdong_union.pk,
            "region": region("630102").pk,
            **split("start", START),
            **split("end", START + dt.timedelta(hours=2)),
            "capacity": 40,
            **split("signup_opens", NOW),
            **split("signup_closes", START),
            "co_hosts": [chengdong_women.pk],
            "_save": "保存",
        },
    )

    assert response.status_code == 302
    activity = Activity.objects.get()
    assert activity.status == ActivityStatus.DRAFT
    assert [(p.organization, p.role) for p in activity.participants.all()] == [(chengdong_women, "co_host")]


def test_the_publish_action_publishes_the_selected_drafts(client, county_staff, chengdong_union):
    activity = make_activity(chengdong_union)
    client.force_login(county_staff)

    response = client.post(
        reverse("admin:activities_activity_changelist"),
        {"action": "publish_selected", "_selected_action": [activity.pk]},
        follow=True,
    )

    activity.refresh_from_db()
    assert activity.status == ActivityStatus.PUBLISHED
    assert PUBLISHED.format(count=1) in messages_of(response)


@pytest.fixture
def volunteer_record(chengdong_union):
    activity = make_activity(chengdong_union, title="关爱独居老人", theme="elderly_care")
    services.activity_publish(activity=activity)
    registration = services.registration_create(activity=activity, person=PersonFactory(), now=NOW)
    services.registration_check_in(registration=registration, now=START)
    services.registration_check_out(registration=registration, now=START + dt.timedelta(hours=2))
    return VolunteerRecord.objects.get(registration=registration)


def test_correcting_hours_needs_a_reason_and_keeps_the_trail(client, county_staff, volunteer_record):
    assert volunteer_record.hours == Decimal("2.00")
    url = reverse("admin:activities_volunteerrecord_change", args=[volunteer_record.pk])
    trail = {"corrections-TOTAL_FORMS": "0", "corrections-INITIAL_FORMS": "0"}
    client.force_login(county_staff)

    refused = client.post(url, {"hours": "1.5", "reason": "", "_save": "保存", **trail})

    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors["reason"] == [services.REASON_REQUIRED]
    volunteer_record.refresh_from_db()
    assert volunteer_record.hours == Decimal("2.00")
    assert not VolunteerCorrection.objects.exists()

    corrected = client.post(url, {"hours": "1.5", "reason": "中途离开半小时", "_save": "保存", **trail})

    assert corrected.status_code == 302
    volunteer_record.refresh_from_db()
    assert volunteer_record.hours == Decimal("1.50")
    correction = VolunteerCorrection.objects.get()
    assert (correction.old_hours, correction.new_hours, correction.reason) == (
        Decimal("2.00"),
        Decimal("1.50"),
        "中途离开半小时",
    )
    assert correction.corrected_by == county_staff
    assert "中途离开半小时" in client.get(url).content.decode()


def test_the_activity_changelist_costs_the_same_queries_for_5_and_25_activities(client, county_staff, chengdong_union):
    client.force_login(county_staff)
    url = reverse("admin:activities_activity_changelist")

    def queries_for(total: int) -> int:
        while Activity.objects.count() < total:
            make_activity(chengdong_union, start=START + dt.timedelta(days=Activity.objects.count()))
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert len(response.context["cl"].result_list) == total
        return len(captured)

    assert queries_for(5) == queries_for(25)


def test_the_change_page_edits_only_the_title_and_summary(client, county_staff, chengdong_union):
    activity = make_activity(chengdong_union)
    client.force_login(county_staff)
    inlines = {
        f"{prefix}-{key}": "0" for prefix in ("participants", "photos") for key in ("TOTAL_FORMS", "INITIAL_FORMS")
    }

    response = client.post(
        reverse("admin:activities_activity_change", args=[activity.pk]),
        {"title": " 城东职工读书分享会 ", "summary": "到场 28 人。", "capacity": 999, "_save": "保存", **inlines},
    )

    assert response.status_code == 302
    activity.refresh_from_db()
    assert (activity.title, activity.summary, activity.capacity) == ("城东职工读书分享会", "到场 28 人。", 30)
