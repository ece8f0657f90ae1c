"""Factories for the talent tests; every row goes through apps.talent.services.

Shared by every talent and insights test: keep this API small and stable.

    cadre(organization=unit("630102", "union"), post_type="full_time", since=<date>, name=...)
        -> a Person holding a current post there (its CadrePost is `person.post`)
    CourseFactory(title=..., lead=unit(...), co_organizers=[...], credit_hours=8, capacity=30,
                  sessions=2, hours=4, days_ago=10, actor=None, **course_create kwargs)
        -> a TrainingCourse of 西宁市城东区总工会 with `sessions` past sessions of `hours` each,
           one a day, the first `days_ago` days ago (days_ago < 0: in the future)
    attended(course, people, statuses=None) -> every session of the course marked (all present
           unless statuses[i] gives the i-th session's status), the people enrolled first if needed
    expert(person=None, fields=("agriculture",), specialty="牦牛养殖", region=None, **kwargs) -> an Expert
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from apps.members.models import PostType
from apps.talent import services
from apps.talent.models import AttendanceStatus, EnrollmentStatus, ExpertiseField, TrainingFormat
from tests.factories import unit
from tests.members.factories import CadrePostFactory, PersonFactory


def cadre(organization=None, *, post_type: str = PostType.FULL_TIME, since: dt.date | None = None, **person):
    person = PersonFactory(**person)
    person.post = CadrePostFactory(
        person=person,
        organization=organization or unit("630102", "union"),
        post_type=post_type,
        start_date=since or timezone.localdate() - dt.timedelta(days=3 * 365),
    )
    return person


class CourseFactory(factory.Factory):
    class Meta:
        model = dict

    title = factory.Sequence(lambda n: f"测试培训班{n}")
    format = TrainingFormat.CONCENTRATED
    credit_hours = Decimal("8")
    capacity = 30

    @classmethod
    def _create(
        cls,
        model_class,
        *,
        actor=None,
        lead=None,
        co_organizers=(),
        sessions: int = 2,
        hours=4,
        days_ago: int = 10,
        **kwargs,
    ):
        course = services.course_create(
            actor=actor, lead_organization=lead or unit("630102", "union"), co_organizers=co_organizers, **kwargs
        )
        first = timezone.now().replace(microsecond=0) - dt.timedelta(days=days_ago)
        for number in range(sessions):
            start = first + dt.timedelta(days=number)
            services.session_create(
                actor=actor,
                course=course,
                title=f"第 {number + 1} 讲",
                starts_at=start,
                ends_at=start + dt.timedelta(hours=int(hours)),
                hours=Decimal(hours),
                location="城东区群众之家",
            )
        return course


def attended(course, people, statuses=None, *, actor=None):
    enrolled = set(course.enrollments.filter(status=EnrollmentStatus.ENROLLED).values_list("person_id", flat=True))
    newcomers = [person for person in people if person.pk not in enrolled]
    if newcomers:
        services.course_enroll(actor=actor, course=course, people=newcomers)
    for index, session in enumerate(course.sessions.order_by("starts_at")):
        status = statuses[index] if statuses else AttendanceStatus.PRESENT
        services.attendance_mark(actor=actor, session=session, marks=dict.fromkeys(people, status), now=session.ends_at)


def expert(person=None, *, fields=("agriculture",), specialty: str = "牦牛养殖", actor=None, **kwargs):
    return services.expert_register(
        actor=actor,
        person=person or PersonFactory(),
        fields=[ExpertiseField.objects.get(code=code) for code in fields],
        specialty=specialty,
        **kwargs,
    )
