"""活动共办, 资源共享 and the overdue follow-ups of the 六共 scorecard, on a hand-made 西宁市 in the second
quarter of 2025 (2025-04-01 to 2025-06-30), seen on 2025-07-12, a Saturday.

Every row is made through the services: held and not-held activities with their sign-ups, centers and
stations, secondments, duty rosters and meetings with follow-ups. Each lies in 城东区 (630102, some in
its streets), 城中区 (630103), at the city itself (西宁市本级) or in 海东市乐都区 (630202), which must not
count; some lie just outside the quarter. The expected values are counted by hand in each test, per
child region, for the city's own level and for the city as a whole.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from apps.activities import services as activity_services
from apps.activities.models import Activity, ActivityStatus, ParticipantRole, Registration, RegistrationStatus, Theme
from apps.insights.scorecard import scorecard
from apps.members.models import PostType
from apps.organizations import services as organization_services
from apps.organizations.models import FollowUp, MeetingKind
from apps.resources import services as resource_services
from apps.resources.models import CenterKind, ShiftPattern
from tests.factories import region, unit
from tests.members.factories import PersonFactory
from tests.resources.roster_setup import make_center
from tests.venues.factories import aware

pytestmark = pytest.mark.django_db

NOW = aware(2025, 7, 12, 10)  # a Saturday: no shift is on today
Q1 = (dt.date(2025, 1, 1), dt.date(2025, 3, 31))
Q2 = (dt.date(2025, 4, 1), dt.date(2025, 6, 30))
Q3 = (dt.date(2025, 7, 1), dt.date(2025, 9, 30))  # the running quarter
# The last run of the status task: what began before it is ongoing or finished, what begins after
# it is still published.
STATUS_RUN = aware(2025, 6, 20, 10)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


# Activities ----------------------------------------------------------------------------------------


def _activity(title, region_code, start, *, lead_code=None, hours=2, joint=False, capacity=20, publish=True):
    lead_code = lead_code or region_code
    activity = activity_services.activity_create(
        title=title,
        theme=Theme.objects.get(code="culture_sports"),
        mode="joint" if joint else "led",
        lead_organization=unit(lead_code, "union"),
        region=region(region_code),
        start=start,
        end=start + dt.timedelta(hours=hours),
        capacity=capacity,
        signup_opens=start - dt.timedelta(days=7),
        signup_closes=start - dt.timedelta(hours=1),
        participants=[(unit(lead_code, "women"), ParticipantRole.CO_HOST)] if joint else [],
    )
    return activity_services.activity_publish(activity=activity) if publish else activity


def _sign_up(activity: Activity, count: int) -> list[Registration]:
    before = activity.start - dt.timedelta(hours=2)
    return [
        activity_services.registration_create(activity=activity, person=PersonFactory(), now=before)
        for _ in range(count)
    ]


def _check_in(registrations: list[Registration]) -> None:
    for registration in registrations:
        activity_services.registration_check_in(registration=registration, now=registration.activity.start)


def _activities() -> dict[str, Activity]:
    """Six held activities of the quarter (three joint, three led) with 9 attended sign-ups, and
    five that must not count. Every person lives in 城东区: attendance goes by the activity's region."""
    held = {
        # 城东区: the first minutes of the quarter (Beijing time), a street's activity, the last minutes.
        "east_joint": _activity("城东区青年观星夜", "630102", aware(2025, 4, 1, 0, 30), joint=True),
        "east_led": _activity("东关大街街道读书会", "630102001000", aware(2025, 6, 20, 9), lead_code="630102"),
        "east_late": _activity("城东区跨夜音乐会", "630102", aware(2025, 6, 30, 23, 30)),
        # 城中区: a full joint activity with a waiting list, an activity still going on.
        "west_joint": _activity("城中区职工运动会", "630103", aware(2025, 5, 8, 14), joint=True, capacity=2),
        "west_led": _activity("城中区妇女讲堂", "630103", aware(2025, 6, 20, 8), hours=4),
        # 西宁市本级.
        "city_joint": _activity("西宁市群团开放日", "630100", aware(2025, 5, 20, 9), joint=True),
    }
    east = _sign_up(held["east_joint"], 4)
    _check_in(east[:3])  # the fourth did not come
    street = _sign_up(held["east_led"], 3)
    activity_services.registration_cancel(registration=street[2])
    _check_in(street[:2])
    _sign_up(held["east_late"], 2)  # signed up, not yet held on the status run: nobody attended
    west = _sign_up(held["west_joint"], 3)
    assert west[2].status == RegistrationStatus.WAITING  # two places only
    _check_in(west[:2])
    _check_in(_sign_up(held["west_led"], 1))
    _check_in(_sign_up(held["city_joint"], 1))

    not_counted = {
        # The last minutes before the quarter and the first after it.
        "before": _activity("城东区春季观星夜", "630102", aware(2025, 3, 31, 23, 30), joint=True),
        "after": _activity("城东区七一晨跑", "630102", aware(2025, 7, 1, 0, 30)),
        "cancelled": _activity("城东区广场舞展演", "630102", aware(2025, 5, 15, 9)),
        "draft": _activity("城中区亲子活动", "630103", aware(2025, 5, 20, 9), joint=True, publish=False),
        "elsewhere": _activity("乐都区职工运动会", "630202", aware(2025, 5, 8, 14), joint=True),
    }
    _check_in(_sign_up(not_counted["before"], 2))
    cancelled = _sign_up(not_counted["cancelled"], 2)
    _check_in(cancelled[:1])
    activity_services.activity_cancel(activity=not_counted["cancelled"])
    _check_in(_sign_up(not_counted["elsewhere"], 2))
    activity_services.activities_advance_status(now=STATUS_RUN)
    return {key: Activity.objects.get(pk=a.pk) for key, a in (held | not_counted).items()}


# Centers, secondments and the duty roster ------------------------------------------------------


def _second(center, organization_code: str, start: dt.date, end: dt.date | None = None, person=None):
    return resource_services.secondment_create(
        center=center,
        person=person or PersonFactory(),
        organization=unit(organization_code, "union"),
        post_type=PostType.SECONDED,
        start_date=start,
        end_date=end,
    )


def _roster(center, first: dt.date, last: dt.date) -> None:
    """One full-day shift a working day (one person a shift), planned as if on the first day."""
    resource_services.duty_roster_generate(center=center, start=first, end=last, today=first)


def _centers_and_duty() -> None:
    d = dt.date
    east = make_center(name="城东区群团服务中心", region_code="630102")
    street = make_center(name="东关大街街道群团服务站", region_code="630102001000", kind=CenterKind.STATION)
    make_center(name="东川工业园群团服务站", region_code="630102400000", kind=CenterKind.STATION)
    west = make_center(name="城中区群团服务中心", region_code="630103")
    make_center(name="南滩街道群团服务站", region_code="630103002000", kind=CenterKind.STATION)
    city = make_center(name="西宁市群团服务中心", region_code="630100")
    ledu = make_center(name="乐都区群团服务中心", region_code="630202")
    make_center(name="碾伯街道群团服务站", region_code="630202001000", kind=CenterKind.STATION)

    _second(east, "630102", d(2025, 1, 1))  # open-ended: in every quarter from Q1
    _second(east, "630102", d(2024, 3, 1), d(2025, 3, 31))  # ends the day before Q2
    _second(east, "630102", d(2024, 10, 1), d(2025, 4, 1))  # ends on Q2's first day
    _second(east, "630102", d(2025, 6, 30))  # begins on Q2's last day
    _second(east, "630102", d(2025, 7, 1))  # begins the day after Q2
    _second(street, "630102", d(2025, 5, 1), d(2025, 5, 31))
    _second(west, "630103", d(2025, 2, 1), d(2025, 12, 31))
    _second(west, "630103", d(2025, 7, 1))
    renewed = _second(west, "630103", d(2025, 2, 1), d(2025, 4, 30)).person
    _second(west, "630103", d(2025, 5, 1), d(2025, 8, 31), person=renewed)  # renewed: one person in Q2
    _second(city, "630100", d(2025, 1, 1))
    _second(ledu, "630202", d(2025, 1, 1))

    # Worked: 03-31 and 07-01 lie outside Q2; 2025-04-04 is 清明, 05-05 still 劳动节.
    _roster(east, d(2025, 3, 31), d(2025, 4, 1))
    _roster(east, d(2025, 6, 30), d(2025, 7, 1))
    _roster(street, d(2025, 5, 6), d(2025, 5, 8))
    _roster(west, d(2025, 4, 1), d(2025, 4, 3))
    _roster(west, d(2025, 7, 1), d(2025, 7, 1))
    _roster(city, d(2025, 5, 12), d(2025, 5, 13))
    _roster(ledu, d(2025, 4, 1), d(2025, 4, 2))
    resource_services.duty_shifts_mark_worked(today=d(2025, 7, 2))
    # Planned after that and never marked worked: past shifts not worked, and the roster ahead.
    _roster(east, d(2025, 6, 3), d(2025, 6, 4))
    _roster(west, d(2025, 4, 7), d(2025, 4, 7))
    _roster(west, d(2025, 7, 11), d(2025, 7, 11))
    _roster(ledu, d(2025, 4, 7), d(2025, 4, 7))
    _roster(east, d(2025, 7, 14), d(2025, 7, 15))


# Meetings and follow-ups ---------------------------------------------------------------------------


def _meeting(host_code: str, held_on: dt.date, follow_ups: list[tuple[str, str, dt.date]]) -> None:
    """A joint meeting whose one decision gives each (organization's region, task, due date) a follow-up."""
    items = [{"organization": unit(code, "union"), "task": task, "due_date": due} for code, task, due in follow_ups]
    organization_services.meeting_create(
        kind=MeetingKind.JOINT,
        title="联席会议",
        held_on=held_on,
        host=unit(host_code, "union"),
        decisions=[{"text": "落实议定事项", "follow_ups": items}],
    )


def _follow_ups() -> None:
    d = dt.date
    _meeting(
        "630102",
        d(2025, 3, 1),
        [
            ("630102", "一季度遗留", d(2025, 3, 15)),  # overdue since Q1, still open
            ("630102", "六月底前一日", d(2025, 6, 29)),
            ("630102", "六月底", d(2025, 6, 30)),  # due on Q2's last day: not yet overdue in Q2
            ("630102", "已办结", d(2025, 5, 10)),
            ("630102001000", "街道落实", d(2025, 4, 20)),  # a street's union: 城东区 too
            ("630102", "七月初", d(2025, 7, 5)),
            ("630102", "今天到期", d(2025, 7, 12)),  # due today: not yet overdue
        ],
    )
    organization_services.follow_up_complete(
        follow_up=FollowUp.objects.get(task="已办结"), result="已按期办结", done_on=d(2025, 5, 9)
    )
    _meeting("630103", d(2025, 4, 1), [("630103", "城中落实", d(2025, 4, 30)), ("630103", "拖到七月", d(2025, 4, 15))])
    organization_services.follow_up_complete(  # late: overdue at the end of Q2, done in Q3
        follow_up=FollowUp.objects.get(task="拖到七月"), result="七月补办", done_on=d(2025, 7, 5)
    )
    _meeting("630100", d(2025, 4, 1), [("630100", "市本级落实", d(2025, 6, 1))])
    _meeting("630202", d(2025, 4, 1), [("630202", "乐都落实", d(2025, 4, 15))])


@pytest.fixture
def xining(qinghai):
    activities = _activities()
    _centers_and_duty()
    _follow_ups()
    return activities


def _figure(user, quarter, code: str) -> dict[str, object]:
    """The figure for 城东区, 城中区, the city's own level and the whole city; 西宁's other districts
    have none of these rows, so they must show nothing."""
    card = scorecard(user=user, region=region("630100"), start=quarter[0], end=quarter[1])
    children = {area.label: area.value(code) for area in card.children}
    assert {label: value for label, value in children.items() if label not in ("城东区", "城中区") and value} == {}
    return {
        "城东区": children["城东区"],
        "城中区": children["城中区"],
        "本级": card.own_level.value(code),
        "西宁市": card.total.value(code),
    }


# 活动共办 --------------------------------------------------------------------------------------------


def test_held_activities_and_their_attendance_as_counted_by_hand(province_admin, xining):
    statuses = {key: activity.status for key, activity in xining.items()}
    assert statuses["east_joint"] == statuses["west_joint"] == ActivityStatus.FINISHED
    assert statuses["east_led"] == statuses["west_led"] == ActivityStatus.ONGOING
    assert statuses["east_late"] == statuses["after"] == ActivityStatus.PUBLISHED
    assert (statuses["cancelled"], statuses["draft"]) == (ActivityStatus.CANCELLED, ActivityStatus.DRAFT)

    # Joint: 城东 观星夜 04-01 00:30 (the 03-31 23:30 one is Q1's); 城中 运动会; 本级 开放日.
    # Not the draft of 城中 nor 乐都's.
    assert _figure(province_admin, Q2, "joint_activities") == {"城东区": 1, "城中区": 1, "本级": 1, "西宁市": 3}
    # Led: 城东 the street's 读书会 (ongoing) and the 音乐会 of 06-30 23:30 (published); 城中 讲堂
    # (ongoing). Not the cancelled 展演 nor the 晨跑 of 07-01 00:30.
    assert _figure(province_admin, Q2, "led_activities") == {"城东区": 2, "城中区": 1, "本级": 0, "西宁市": 3}
    # Attended: 城东 观星夜 3 (not the no-show) + 读书会 2 (not the cancelled sign-up), 音乐会 none;
    # 城中 运动会 2 (not the waiting one) + 讲堂 1; 本级 1. Not the 2 of Q1's 观星夜, the one checked
    # in before the 展演 was cancelled, nor 乐都's 2.
    assert _figure(province_admin, Q2, "participants") == {"城东区": 5, "城中区": 3, "本级": 1, "西宁市": 9}


def test_activities_just_outside_the_quarter_count_in_the_neighbouring_ones(province_admin, xining):
    # Q1: the 观星夜 of 03-31 23:30 and its 2 attended; Q3: the 晨跑 of 07-01 00:30, nobody attended yet.
    assert _figure(province_admin, Q1, "joint_activities") == {"城东区": 1, "城中区": 0, "本级": 0, "西宁市": 1}
    assert _figure(province_admin, Q1, "participants") == {"城东区": 2, "城中区": 0, "本级": 0, "西宁市": 2}
    assert _figure(province_admin, Q3, "led_activities") == {"城东区": 1, "城中区": 0, "本级": 0, "西宁市": 1}
    assert _figure(province_admin, Q3, "joint_activities")["西宁市"] == 0


# 资源共享 --------------------------------------------------------------------------------------------


def test_centers_stations_and_seconded_staff_as_counted_by_hand(province_admin, xining):
    # Centers: 城东区, 城中区, 西宁市 (本级); not 乐都区's.
    assert _figure(province_admin, Q2, "centers") == {"城东区": 1, "城中区": 1, "本级": 1, "西宁市": 3}
    # Stations: 东关大街街道 and 东川工业园 in 城东, 南滩街道 in 城中; not 碾伯街道 of 乐都.
    assert _figure(province_admin, Q2, "stations") == {"城东区": 2, "城中区": 1, "本级": 0, "西宁市": 3}
    # Secondments overlapping Q2. 城东: the open-ended one, the one ending 04-01, the one beginning
    # 06-30 and the street station's May; not the one ending 03-31 nor the one beginning 07-01.
    # 城中: 2025-02-01–12-31, not the one beginning 07-01. 本级: one. Not 乐都's.
    # 城中: the one from 02-01 and the renewed one (two secondments, one person).
    assert _figure(province_admin, Q2, "seconded_staff") == {"城东区": 4, "城中区": 2, "本级": 1, "西宁市": 7}
    # Q1: 城东 the open-ended one, those ending 03-31 and 04-01; 城中 the one from 02-01; 本级 one.
    assert _figure(province_admin, Q1, "seconded_staff") == {"城东区": 3, "城中区": 2, "本级": 1, "西宁市": 6}


def test_duty_shifts_and_the_coverage_as_counted_by_hand(province_admin, xining):
    # 城东: the center's 04-01 and 06-30 worked, 06-03 and 06-04 not; the street station's 05-06,
    # 05-07, 05-08 worked (03-31 and 07-01 are other quarters'). 城中: 04-01, 04-02, 04-03 worked,
    # 04-07 not. 本级: 05-12 and 05-13 worked. Not 乐都's three.
    assert _figure(province_admin, Q2, "duty_shifts") == {"城东区": 7, "城中区": 4, "本级": 2, "西宁市": 13}
    assert _figure(province_admin, Q2, "worked_shifts") == {"城东区": 5, "城中区": 3, "本级": 2, "西宁市": 10}
    # Due: every center and station fills one place a working day (full day, one person); Q2 2025
    # has 61 working days (清明, 劳动节, 端午 and their 调休 counted): 城东's three 183, 城中's two 122,
    # the city's own center 61 — 366 in all. Not the roster: what the centers should have staffed.
    assert _figure(province_admin, Q2, "due_shifts") == {"城东区": 183, "城中区": 122, "本级": 61, "西宁市": 366}
    # 5/183, 3/122, 2/61 and 10/366: the city's share weighs each part by its places, not the mean.
    assert _figure(province_admin, Q2, "duty_coverage") == {
        "城东区": Decimal("2.7"),
        "城中区": Decimal("2.5"),
        "本级": Decimal("3.3"),
        "西宁市": Decimal("2.7"),
    }
    # Q1 (59 working days, 354 places) holds one worked shift, the 城东 center's 03-31.
    assert _figure(province_admin, Q1, "due_shifts")["西宁市"] == 354
    assert _figure(province_admin, Q1, "duty_coverage")["西宁市"] == Decimal("0.3")


def test_shifts_not_yet_due_do_not_count_in_the_running_quarter(province_admin, xining):
    """On 07-12 (a Saturday) the working days due so far in Q3 are 07-01 to 07-11: 9. Worked: 城东's
    07-01 and 城中's 07-01 (城中's 07-11 was not). 城东's 07-14 and 07-15 are the roster ahead: they
    neither count as worked nor as due."""
    assert _figure(province_admin, Q3, "worked_shifts") == {"城东区": 1, "城中区": 1, "本级": 0, "西宁市": 2}
    assert _figure(province_admin, Q3, "due_shifts") == {"城东区": 27, "城中区": 18, "本级": 9, "西宁市": 54}
    assert _figure(province_admin, Q3, "duty_coverage") == {
        "城东区": Decimal("3.7"),  # 1 of 27
        "城中区": Decimal("5.6"),  # 1 of 18
        "本级": Decimal("0.0"),
        "西宁市": Decimal("3.7"),  # 2 of 54
    }


def test_a_center_with_two_shifts_of_two_people_has_four_places_a_day(province_admin, xining):
    center = make_center(name="城西区群团服务中心", region_code="630104", staff_per_shift=2)
    center.shift_pattern = ShiftPattern.HALF_DAYS
    center.save(update_fields=["shift_pattern"])
    card = scorecard(user=province_admin, region=region("630100"), start=Q2[0], end=Q2[1])
    assert {area.label: area.value("due_shifts") for area in card.children}["城西区"] == 4 * 61


# 组织共建: follow-ups past their due date ---------------------------------------------------------


def test_overdue_follow_ups_as_counted_by_hand(province_admin, xining):
    # At the end of Q2, open and due before 06-30. 城东: 一季度遗留 (03-15), 六月底前一日 (06-29) and the
    # street's 街道落实 (04-20); not 六月底 (due 06-30), 已办结 (done), 七月初 nor 今天到期.
    # 城中: 城中落实 (04-30). 本级: 市本级落实 (06-01). Not 乐都落实.
    # 城中 also 拖到七月 (due 04-15, done only on 07-05): a past quarter keeps what was overdue then.
    assert _figure(province_admin, Q2, "overdue_follow_ups") == {"城东区": 3, "城中区": 2, "本级": 1, "西宁市": 6}
    # At the end of Q1 only 一季度遗留 was past due.
    assert _figure(province_admin, Q1, "overdue_follow_ups") == {"城东区": 1, "城中区": 0, "本级": 0, "西宁市": 1}


def test_overdue_follow_ups_of_the_running_quarter_are_those_past_due_today(province_admin, xining):
    # Today is 07-12: 城东 adds 六月底 and 七月初 to Q2's three; 今天到期 is due today, not overdue.
    assert _figure(province_admin, Q3, "overdue_follow_ups") == {"城东区": 5, "城中区": 1, "本级": 1, "西宁市": 7}
