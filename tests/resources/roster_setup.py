"""Shared set-up of the roster tests: a center in 城东区 and people seconded to it."""

from __future__ import annotations

import datetime as dt

from apps.members.models import PostType
from apps.resources import services
from apps.resources.models import CenterKind, ServiceCenter, ShiftPattern
from tests.factories import UserFactory, region, unit
from tests.members.factories import PersonFactory

FEDERATIONS = ("union", "youth_league", "women", "disabled", "science", "red_cross")


def make_center(
    *, staff_per_shift: int = 1, name: str = "城东区群团服务中心", region_code: str = "630102", kind=CenterKind.CENTER
) -> ServiceCenter:
    center = ServiceCenter(
        name=name,
        kind=kind,
        region=region(region_code),
        shift_pattern=ShiftPattern.FULL_DAY,
        staff_per_shift=staff_per_shift,
    )
    return services.center_save(center=center)


def second(center, *, federation="union", start=dt.date(2026, 1, 1), end=None, with_user=False):
    person = PersonFactory()
    if with_user:
        person.user = UserFactory()
        person.save(update_fields=["user"])
    services.secondment_create(
        center=center,
        person=person,
        organization=unit("630102", federation),
        post_type=PostType.SECONDED,
        start_date=start,
        end_date=end,
    )
    return person


def days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
