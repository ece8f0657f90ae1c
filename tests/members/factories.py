"""Factories for people, memberships and cadre posts; every row goes through the services.

Shared by the members tests: keep this API small and stable.

    id_number(age=25, gender="female", region_code="630102") -> a valid, fresh 18-digit number
    identity_tag("worker")                                    -> the IdentityTag with that code
    PersonFactory(name=..., region=..., employer=..., identity_tags=[...], id_number=...)
        -> a Person registered through services.person_register (so enrolled by the rules);
           the EnrollmentResult is on `person.enrollment`.
    CadrePostFactory(person=..., organization=..., ...) -> through services.cadre_post_create
"""

from __future__ import annotations

import datetime as dt
import itertools

import factory
from django.utils import timezone

from apps.members import idnumbers, services
from apps.members.models import IdentityTag, PostType
from tests.factories import region

_serials = itertools.count(1)


def birth_date_for_age(age: int, *, today: dt.date | None = None) -> dt.date:
    """A birthday that makes the person `age` full years old today, well clear of the birthday."""
    today = today or timezone.localdate()
    day = today - dt.timedelta(days=60)
    try:
        return day.replace(year=day.year - age)
    except ValueError:  # 29 February
        return day.replace(year=day.year - age, day=28)


def id_number(
    *,
    age: int = 30,
    gender: str = "female",
    region_code: str = "630102",
    birth_date: dt.date | None = None,
) -> str:
    """A valid ID number, different on every call (up to 500 per birth date and gender)."""
    birth_date = birth_date or birth_date_for_age(age)
    serial = next(_serials) % 500
    gender_digit = 2 * (serial // 100) + (1 if gender == "male" else 0)
    first17 = f"{region_code}{birth_date:%Y%m%d}{serial % 100:02d}{gender_digit}"
    return first17 + idnumbers.check_digit(first17)


def identity_tag(code: str) -> IdentityTag:
    return IdentityTag.objects.get(code=code)


class PersonFactory(factory.Factory):
    class Meta:
        model = dict

    name = factory.Sequence(lambda n: f"测试人员{n}")
    id_number = factory.LazyFunction(id_number)
    region = factory.LazyFunction(lambda: region("630102"))
    employer = None
    identity_tags = ()

    @classmethod
    def _create(cls, model_class, *, actor=None, **kwargs):
        person, enrollment = services.person_register(actor=actor, **kwargs)
        person.enrollment = enrollment
        return person


class CadrePostFactory(factory.Factory):
    class Meta:
        model = dict

    person = factory.SubFactory(PersonFactory)
    post_type = PostType.PART_TIME
    title = "副主席"
    start_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=365))
    end_date = None

    @classmethod
    def _create(cls, model_class, *, actor=None, **kwargs):
        return services.cadre_post_create(actor=actor, **kwargs)
