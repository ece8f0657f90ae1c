"""Writes that race (PostgreSQL only): ten simultaneous records of the same one-off service for one
person, through two projects, leave one row and nine 409s; two simultaneous bundlings of overlapping
projects leave one bundle and one 409, and no project in two bundles."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection

from apps.projects.models import Bundle, ServiceProject, ServiceRecord
from tests.api_concurrency import all_at_once
from tests.factories import unit
from tests.members.factories import PersonFactory
from tests.projects.factories import ProjectFactory, service

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="只有 PostgreSQL 有真正的并发写入和行锁（SQLite 串行写入）。"
    ),
    pytest.mark.django_db(transaction=True),
]
NOW = dt.datetime(2026, 11, 27, 4, 0, tzinfo=dt.UTC)  # 12:00 in Xining


def test_ten_simultaneous_records_of_a_one_off_service_leave_one(qinghai, province_admin):
    with time_machine.travel(NOW, tick=False):
        projects = [
            ProjectFactory(name="职工暖炕", lead=unit("630102", "union")),
            ProjectFactory(name="巾帼暖炕", lead=unit("630102", "women")),
        ]
        person = PersonFactory(name="赵大爷")

        def record(project):
            body = {"project": project.pk, "person": person.pk, "service_type": service().pk, "date": "2026-11-20"}
            return lambda client: client.post("/api/v1/service-records/", body)

        answers = all_at_once(province_admin, [record(projects[index % 2]) for index in range(10)])

    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] + [409] * 9, answers
    (created,) = [body for status, body in answers if status == 201]
    assert ServiceRecord.objects.filter(person=person).count() == 1
    # Every refusal names the one record that won, whichever project it came through.
    assert all(body["conflicts"] in ([created["id"]], []) for status, body in answers if status == 409)


def test_two_simultaneous_bundlings_of_overlapping_projects_leave_one_bundle(qinghai, province_admin):
    with time_machine.travel(NOW, tick=False):
        first, shared, last = (ProjectFactory(name=f"暖炕{index}") for index in range(3))
        lead = unit("630102", "union").pk

        def bundle(name, members):
            body = {"name": name, "lead_organization": lead, "projects": [project.pk for project in members]}
            return lambda client: client.post("/api/v1/bundles/", body, format="json")

        answers = all_at_once(province_admin, [bundle("甲", [first, shared]), bundle("乙", [shared, last])])

    assert sorted(status for status, _ in answers) == [201, 409], answers
    (refused,) = [body for status, body in answers if status == 409]
    assert refused["conflicts"] == [shared.pk]
    (bundle_row,) = Bundle.objects.all()
    members = set(ServiceProject.objects.filter(bundle=bundle_row).values_list("pk", flat=True))
    assert members in ({first.pk, shared.pk}, {shared.pk, last.pk})
    assert ServiceProject.objects.filter(bundle__isnull=True).count() == 1
