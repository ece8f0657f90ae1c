"""Writes that race (PostgreSQL only): ten simultaneous enrollments for a course with three places left
leave exactly three more cadres on the roster and seven 409s; five simultaneous overlapping rotation plans
for one cadre leave one plan and four 409s (the exclusion constraint of migration 0003 behind the check)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection

from apps.talent import services
from apps.talent.models import Enrollment, EnrollmentStatus, Rotation
from apps.talent.rules import add_months
from tests.api_concurrency import all_at_once
from tests.factories import unit
from tests.talent.factories import CourseFactory, cadre

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="只有 PostgreSQL 有真正的并发写入和行锁（SQLite 串行写入）。"
    ),
    pytest.mark.django_db(transaction=True),
]
NOW = dt.datetime(2026, 11, 27, 4, 0, tzinfo=dt.UTC)  # 12:00 in Xining
TODAY = dt.date(2026, 11, 27)


def test_ten_simultaneous_enrollments_for_three_places_enroll_exactly_three(qinghai, province_admin):
    with time_machine.travel(NOW, tick=False):
        course = CourseFactory(title="城东区干部培训班", capacity=5)
        services.course_enroll(course=course, people=[cadre(name=f"已报{index}") for index in range(2)])
        hopefuls = [cadre(name=f"学员{index}") for index in range(10)]

        def enroll(person):
            body = {"people": [person.pk]}
            return lambda client: client.post(f"/api/v1/trainings/{course.pk}/enroll/", body, format="json")

        answers = all_at_once(province_admin, [enroll(person) for person in hopefuls])

    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] * 3 + [409] * 7, answers
    assert all("名额不足" in body["detail"] for status, body in answers if status == 409)
    assert Enrollment.objects.filter(course=course, status=EnrollmentStatus.ENROLLED).count() == 5
    winners = {body[0]["person"] for status, body in answers if status == 201}
    assert (
        set(Enrollment.objects.filter(course=course, person__in=hopefuls).values_list("person_id", flat=True))
        == winners
    )


def test_five_simultaneous_overlapping_rotation_plans_leave_one(qinghai, province_admin):
    with time_machine.travel(NOW, tick=False):
        veteran = cadre(name="韩建国", since=TODAY - dt.timedelta(days=5 * 365))
        targets = [unit("630102", code) for code in ("women", "youth_league", "science", "disabled", "red_cross")]

        def plan(index: int, organization):
            # Each starts a week after the one before: all five overlap each other.
            start = TODAY + dt.timedelta(days=30 + 7 * index)
            body = {
                "from_post": veteran.post.pk,
                "to_organization": organization.pk,
                "title": "挂职副主席",
                "start_date": str(start),
                "end_date": str(add_months(start, 12) - dt.timedelta(days=1)),
            }
            return lambda client: client.post("/api/v1/rotations/", body, format="json")

        answers = all_at_once(province_admin, [plan(index, org) for index, org in enumerate(targets)])

    assert sorted(status for status, _ in answers) == [201] + [409] * 4, answers
    (created,) = [body for status, body in answers if status == 201]
    assert list(Rotation.objects.values_list("pk", flat=True)) == [created["id"]]
    assert all("轮岗期间不能重叠" in body["detail"] for status, body in answers if status == 409)
