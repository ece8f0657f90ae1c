"""The staff pages of 活动共办: list and scope, creating with a room, sign-ups, check-in, results."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.activities import services
from apps.activities.models import Activity, ActivityStatus, ParticipantRole, Registration, RegistrationStatus, Theme
from apps.organizations.models import Role
from apps.organizations.services import role_assign
from apps.venues import services as venue_services
from apps.venues.models import Booking
from tests.factories import UserFactory, region, unit
from tests.members.factories import PersonFactory, id_number
from tests.venues.factories import make_room, make_venue

DATETIME = "%Y-%m-%dT%H:%M"


def _results(response) -> str:
    """The list's results only: the filter form names themes too."""
    text = response.content.decode()
    return text[text.index('id="activity-results"') :]


def _open_day(venue=None) -> dt.date:
    """An open weekday a week or so ahead (the pages run on the real clock)."""
    today = timezone.localdate()
    venue = venue or make_venue("630102")
    for day in venue_services.venue_days(venue, today + dt.timedelta(days=3), today + dt.timedelta(days=20)):
        if day.is_open:
            return day.day
    raise AssertionError("no open day in the next three weeks")


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def make_activity(
    organization,
    *,
    title: str = "职工宣讲会",
    region_code: str = "630102",
    day: dt.date | None = None,
    capacity: int = 10,
    theme: str = "lecture",
    mode: str = "led",
    participants=(),
    publish: bool = True,
) -> Activity:
    day = day or timezone.localdate() + dt.timedelta(days=5)
    activity = services.activity_create(
        title=title,
        theme=Theme.objects.get(code=theme),
        mode=mode,
        lead_organization=organization,
        region=region(region_code),
        start=_at(day, 10),
        end=_at(day, 12),
        capacity=capacity,
        signup_opens=timezone.now() - dt.timedelta(days=1),
        signup_closes=_at(day, 9),
        participants=participants,
    )
    return services.activity_publish(activity=activity) if publish else activity


# List and scope -------------------------------------------------------------------------


def test_the_list_filters_by_mode_status_and_search(client, county_staff, chengdong_union):
    make_activity(chengdong_union, title="工匠论坛")
    make_activity(chengdong_union, title="草稿活动", publish=False)
    make_activity(
        chengdong_union,
        title="联合宣讲",
        mode="joint",
        participants=[(unit("630102", "women"), ParticipantRole.CO_HOST)],
    )
    client.force_login(county_staff)
    url = reverse("web-activity-list")

    assert "工匠论坛" in _results(client.get(url))
    by_mode = _results(client.get(url, {"mode": "joint"}))
    assert "联合宣讲" in by_mode and "工匠论坛" not in by_mode
    by_status = _results(client.get(url, {"status": ActivityStatus.DRAFT}))
    assert "草稿活动" in by_status and "工匠论坛" not in by_status
    by_search = _results(client.get(url, {"q": "论坛"}))
    assert "工匠论坛" in by_search and "联合宣讲" not in by_search
    by_federation = _results(client.get(url, {"federation": unit("630102", "women").federation_id}))
    assert "联合宣讲" in by_federation and "工匠论坛" not in by_federation


def test_an_activity_of_another_county_is_absent_and_its_page_answers_404(
    client, county_staff, chengdong_union, chengzhong_union
):
    mine = make_activity(chengdong_union, title="城东宣讲")
    theirs = make_activity(chengzhong_union, title="城中宣讲", region_code="630103")
    client.force_login(county_staff)

    text = _results(client.get(reverse("web-activity-list")))
    assert "城东宣讲" in text and "城中宣讲" not in text
    assert client.get(reverse("web-activity-detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("web-activity-detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("web-activity-check-in", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("web-activity-results", args=[theirs.pk])).status_code == 404


def test_a_joint_activity_shows_for_the_liaison_of_a_participating_unit_of_another_county(
    client, qinghai, chengdong_union
):
    participant = unit("630103", "women")
    liaison = UserFactory(username="chengzhong_women")
    role_assign(user=liaison, role=Role.FEDERATION_LIAISON, organization=participant)
    joint = make_activity(
        chengdong_union, title="联合宣讲", mode="joint", participants=[(participant, ParticipantRole.PARTNER)]
    )
    led = make_activity(chengdong_union, title="城东独办")
    client.force_login(liaison)

    text = _results(client.get(reverse("web-activity-list")))
    assert "联合宣讲" in text and "城东独办" not in text
    detail = client.get(reverse("web-activity-detail", args=[joint.pk])).content.decode()
    assert f"{participant.name}（协办）" in detail
    assert client.get(reverse("web-activity-detail", args=[led.pk])).status_code == 404


def test_the_list_runs_the_same_number_of_queries_for_3_and_15_activities(
    client, county_staff, chengdong_union, django_assert_num_queries
):
    for number in range(3):
        make_activity(chengdong_union, title=f"活动{number}")
    client.force_login(county_staff)
    url = reverse("web-activity-list")
    client.get(url)  # warm the session and the content types
    with CaptureQueriesContext(connection) as three:
        assert client.get(url).status_code == 200
    for number in range(3, 15):
        make_activity(chengdong_union, title=f"活动{number}")

    with django_assert_num_queries(len(three.captured_queries)):
        response = client.get(url)
    assert "共 15 个活动" in response.content.decode()


# Creating with a room -------------------------------------------------------------------


def _form(organization, room, day: dt.date, **changes) -> dict:
    data = {
        "title": "职工书法讲堂",
        "theme": Theme.objects.get(code="ethics_hall").pk,
        "mode": "led",
        "lead_organization": organization.pk,
        "participant_role": ParticipantRole.CO_HOST,
        "region": region("630102").pk,
        "start": f"{_at(day, 14):{DATETIME}}",
        "end": f"{_at(day, 16):{DATETIME}}",
        "capacity": "30",
        "signup_opens": f"{timezone.localtime():{DATETIME}}",
        "signup_closes": f"{_at(day, 12):{DATETIME}}",
        "room": room.pk,
        "contact_name": "王老师",
    }
    data.update(changes)
    return data


def test_creating_an_activity_with_a_room_books_the_room(client, county_staff, chengdong_union):
    venue = make_venue("630102", name="城东区群众之家")
    room = make_room(venue, name="多功能厅", capacity=60)
    day = _open_day(venue)
    client.force_login(county_staff)

    response = client.post(reverse("web-activity-create"), _form(chengdong_union, room, day))

    activity = Activity.objects.get(title="职工书法讲堂")
    assert response.status_code == 302 and response.url == reverse("web-activity-detail", args=[activity.pk])
    assert activity.booking.room == room and activity.venue == venue
    assert activity.booking.start == _at(day, 14) and activity.status == ActivityStatus.DRAFT


def test_creating_an_activity_in_a_taken_room_shows_the_conflict_on_the_room(client, county_staff, chengdong_union):
    venue = make_venue("630102")
    room = make_room(venue, capacity=60)
    day = _open_day(venue)
    venue_services.booking_create(
        room=room,
        organization=chengdong_union,
        start=_at(day, 15),
        end=_at(day, 17),
        purpose="职工会议",
        attendees=10,
        contact_name="李",
    )
    client.force_login(county_staff)

    response = client.post(reverse("web-activity-create"), _form(chengdong_union, room, day))

    text = response.content.decode()
    assert response.status_code == 200
    assert 'id="room-error">该时段已被预约，与 1 个预约冲突。' in text
    assert not Activity.objects.filter(title="职工书法讲堂").exists()
    assert Booking.objects.count() == 1


def test_the_room_availability_lists_what_holds_the_room_that_day(client, county_staff, chengdong_union):
    venue = make_venue("630102")
    room = make_room(venue, capacity=60)
    day = _open_day(venue)
    make_activity(chengdong_union, day=day)  # no room: nothing held
    venue_services.booking_create(
        room=room,
        organization=chengdong_union,
        start=_at(day, 15),
        end=_at(day, 17),
        purpose="职工会议",
        attendees=10,
        contact_name="李",
    )
    client.force_login(county_staff)

    text = client.get(
        reverse("web-activity-room-availability"), {"room": room.pk, "start": f"{_at(day, 9):{DATETIME}}"}
    ).content.decode()
    assert "已占用 15:00–17:00" in text and "职工会议" in text


# Sign-ups -------------------------------------------------------------------------------


def test_staff_register_a_person_by_id_number(client, county_staff, chengdong_union):
    activity = make_activity(chengdong_union)
    number = id_number(age=40)
    person = PersonFactory(name="张三", id_number=number)
    client.force_login(county_staff)

    response = client.post(reverse("web-activity-register", args=[activity.pk]), {"id_number": number}, follow=True)

    registration = Registration.objects.get(activity=activity, person=person)
    assert registration.status == RegistrationStatus.REGISTERED and registration.registered_by == county_staff
    assert "张三：已报名（第 1 位）。" in response.content.decode()


def test_an_unknown_id_number_is_refused_on_the_field(client, county_staff, chengdong_union):
    activity = make_activity(chengdong_union)
    client.force_login(county_staff)

    response = client.post(reverse("web-activity-register", args=[activity.pk]), {"id_number": id_number()})

    assert response.status_code == 400
    assert "未找到该身份证号对应的人员" in response.content.decode()
    assert not Registration.objects.exists()


def test_the_waiting_list_shows_in_arrival_order(client, county_staff, chengdong_union):
    activity = make_activity(chengdong_union, capacity=1)
    for name in ("甲", "乙", "丙"):
        services.registration_create(activity=activity, person=PersonFactory(name=name))
    client.force_login(county_staff)

    text = client.get(reverse("web-activity-detail", args=[activity.pk])).content.decode()

    waiting = text[text.index('id="waiting-table"') :]
    registered = text[text.index('id="registered-table"') : text.index('id="waiting-table"')]
    assert "甲" in registered and "乙" not in registered
    assert waiting.index("乙") < waiting.index("丙")


# Check-in and results -------------------------------------------------------------------


def test_check_in_outside_the_window_is_refused_with_the_window(client, county_staff, chengdong_union):
    activity = make_activity(chengdong_union)
    number = id_number()
    services.registration_create(activity=activity, person=PersonFactory(id_number=number))
    client.force_login(county_staff)

    response = client.post(reverse("web-activity-check-in", args=[activity.pk]), {"code": number})

    opens = timezone.localtime(activity.start - dt.timedelta(minutes=30))
    expected = services.CHECK_IN_WINDOW.format(
        opens=f"{opens:%Y-%m-%d %H:%M}", closes=f"{timezone.localtime(activity.end):%Y-%m-%d %H:%M}", minutes=30
    )
    assert response.status_code == 400
    assert f'id="code-error">{expected}' in response.content.decode()
    assert Registration.objects.get().status == RegistrationStatus.REGISTERED


def test_check_in_by_the_registration_code_inside_the_window(client, county_staff, chengdong_union, time_machine):
    activity = make_activity(chengdong_union)
    registration = services.registration_create(activity=activity, person=PersonFactory(name="李四"))
    time_machine.move_to(activity.start, tick=False)
    client.force_login(county_staff)

    response = client.post(
        reverse("web-activity-check-in", args=[activity.pk]), {"code": str(registration.code)}, follow=True
    )

    assert "李四 签到成功（10:00）。" in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.ATTENDED


def test_the_results_page_shows_the_figures_and_corrects_volunteer_hours(client, county_staff, chengdong_union):
    activity = make_activity(chengdong_union, theme="environment", capacity=2)
    people = [PersonFactory(name=name) for name in ("赵", "钱", "孙", "李")]
    registrations = [services.registration_create(activity=activity, person=person) for person in people]
    services.registration_cancel(registration=registrations[3])  # waiting: nobody promoted
    for registration, rating in zip(registrations[:2], (4, 5), strict=True):
        services.registration_check_in(registration=registration, now=activity.start)
        services.registration_check_out(registration=registration, now=activity.end)
        services.registration_rate(registration=registration, rating=rating, now=activity.end)
    client.force_login(county_staff)
    url = reverse("web-activity-results", args=[activity.pk])

    text = client.get(url).content.decode()
    assert 'id="figure-registered">2<' in text
    assert 'id="figure-waiting">1<' in text
    assert 'id="figure-attended">2<' in text
    assert 'id="figure-cancelled">1<' in text
    assert 'id="figure-rating">4.5<' in text
    assert "2.00" in text  # 10:00–12:00

    record = activity.volunteer_records.get(person=people[0])
    refused = client.post(
        reverse("web-volunteer-hours-correct", args=[activity.pk, record.pk]), {"hours": "1.5", "reason": ""}
    )
    assert refused.status_code == 400
    corrected = client.post(
        reverse("web-volunteer-hours-correct", args=[activity.pk, record.pk]),
        {"hours": "1.5", "reason": "提前离场"},
        follow=True,
    )
    assert "已更正 赵 的志愿时长为 1.50 小时。" in corrected.content.decode()
    assert "2.00 → 1.50：提前离场" in corrected.content.decode()


def test_the_summary_is_saved_from_the_results_page(client, county_staff, chengdong_union):
    activity = make_activity(chengdong_union)
    client.force_login(county_staff)

    client.post(reverse("web-activity-summarize", args=[activity.pk]), {"summary": "  到场 30 人。 "})

    activity.refresh_from_db()
    assert activity.summary == "到场 30 人。"
