"""Demo activities in 西宁市城东区: a joint lecture in the 群众之家 and a led volunteer service."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from apps.activities.models import Activity, ActivityStatus, ParticipantRole, Theme
from apps.activities.services import activity_create, activity_publish, registration_create
from apps.members.models import Person
from apps.organizations.models import Organization, Region
from apps.venues.models import Room
from apps.venues.services import venue_days

LECTURE = "“宣讲基层行”走进城东区群众之家"
VOLUNTEER = "关爱独居老人上门志愿服务"


def _open_day(room: Room, after: dt.date) -> dt.date:
    day = after
    while not venue_days(room.venue, day, day)[0].is_open:
        day += dt.timedelta(days=1)
    return day


def _unit(name: str) -> Organization:
    return Organization.objects.get(name=name)


def seed() -> list[str]:
    region = Region.objects.get(code="630102")
    now = timezone.now()
    created = 0
    if not Activity.objects.filter(title=LECTURE).exists():
        hall = Room.objects.get(venue__region=region, name="多功能活动厅")
        day = _open_day(hall, timezone.localdate() + dt.timedelta(days=3))
        start = timezone.make_aware(dt.datetime.combine(day, dt.time(15, 0)))
        lecture = activity_create(
            title=LECTURE,
            theme=Theme.objects.get(code="lecture_grassroots"),
            mode="joint",
            lead_organization=_unit("西宁市城东区总工会"),
            region=region,
            start=start,
            end=start + dt.timedelta(hours=2),
            capacity=80,
            signup_opens=now,
            signup_closes=start - dt.timedelta(hours=2),
            participants=[
                (_unit("共青团西宁市城东区委员会"), ParticipantRole.CO_HOST),
                (_unit("西宁市城东区妇女联合会"), ParticipantRole.CO_HOST),
            ],
            room=hall,
            contact_name="演示联系人",
        )
        activity_publish(activity=lecture)
        created += 1
    if not Activity.objects.filter(title=VOLUNTEER).exists():
        start = timezone.make_aware(dt.datetime.combine(timezone.localdate() + dt.timedelta(days=5), dt.time(9, 0)))
        volunteer = activity_create(
            title=VOLUNTEER,
            theme=Theme.objects.get(code="elderly_care"),
            mode="led",
            lead_organization=_unit("西宁市城东区妇女联合会"),
            region=region,
            start=start,
            end=start + dt.timedelta(hours=4),
            capacity=3,
            signup_opens=now,
            signup_closes=start - dt.timedelta(hours=12),
            participants=[(_unit("西宁市城东区红十字会"), ParticipantRole.PARTNER)],
            address="东关大街街道各社区",
        )
        activity_publish(activity=volunteer)
        for person in Person.objects.filter(region__path__startswith=region.path).order_by("id")[:5]:
            registration_create(activity=volunteer, person=person)
        created += 1
    published = Activity.objects.filter(region=region, status=ActivityStatus.PUBLISHED).count()
    return [f"演示活动新增 {created} 个（城东区已发布 {published} 个，志愿服务含候补名单）。"]
