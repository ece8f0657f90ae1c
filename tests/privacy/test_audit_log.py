"""The audit trail: changes (django-auditlog) with their actor and address, never a plaintext or a
ciphertext; full reads, exports and bulk imports (AuditEvent); the province reads it, nobody edits it."""

from __future__ import annotations

import io
import json

import pytest
import tablib
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from apps.core.models import AuditEvent
from apps.exports import services as exports
from apps.members import services
from apps.members.models import Membership, Person
from apps.resources.models import LedgerEntry
from apps.venues.models import Booking
from tests.members.factories import PersonFactory, id_number
from tests.members.test_import import HEADERS

PEOPLE = "/api/v1/people/"
CHANGE_LOG = "/admin/auditlog/logentry/"


def bearer_client(user) -> APIClient:
    """A real API client: the JWT is read in the view, after every middleware has run."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def person_log(person: Person) -> list[LogEntry]:
    return list(LogEntry.objects.get_for_object(person).order_by("pk"))


def stored_phone(person: Person) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM members_person WHERE id = %s", [person.pk])
        return cursor.fetchone()[0]


@pytest.fixture
def tasks(django_capture_on_commit_callbacks):
    """Celery tasks run after the request's commit, as a worker would run them."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def person(chengdong_union):
    return PersonFactory(id_number=id_number(age=30), phone="13812345678")


def test_an_api_change_to_a_person_is_logged_with_its_actor_and_address_and_masked_values(county_staff, person):
    ciphertext = stored_phone(person)

    reply = bearer_client(county_staff).patch(
        f"{PEOPLE}{person.pk}/", {"phone": "13900001111"}, format="json", REMOTE_ADDR="10.1.2.3"
    )

    assert reply.status_code == 200, reply.content
    change = person_log(person)[-1]
    assert change.action == LogEntry.Action.UPDATE
    assert (change.actor, change.remote_addr) == (county_staff, "10.1.2.3")
    assert change.changes_dict == {"phone_masked": ["138****5678", "139****1111"]}
    text = json.dumps(change.changes, ensure_ascii=False) + change.object_repr
    for secret in ("13812345678", "13900001111", person.id_number, ciphertext, stored_phone(person)):
        assert secret not in text


def test_the_logged_address_is_the_one_lockouts_trust_not_a_forwarded_header(county_staff, person, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    client = bearer_client(county_staff)

    client.patch(f"{PEOPLE}{person.pk}/", {"name": "甲"}, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="1.2.3.4")
    client.patch(f"{PEOPLE}{person.pk}/", {"name": "乙"}, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4")

    assert [entry.remote_addr for entry in person_log(person)[-2:]] == ["203.0.113.9", "1.2.3.4"]


def test_a_registration_logs_no_id_number_hash_or_ciphertext(county_staff, chengdong_union):
    number = id_number(age=30)

    person = PersonFactory(actor=county_staff, id_number=number, phone="13812345678")

    (created,) = person_log(person)
    assert created.action == LogEntry.Action.CREATE
    assert {"id_number", "id_number_hash", "phone"}.isdisjoint(created.changes_dict)
    assert created.changes_dict["id_number_masked"][1] == person.id_number_masked
    assert number not in json.dumps(created.changes, ensure_ascii=False)


def test_memberships_bookings_and_ledger_entries_are_logged_with_the_contact_phone_masked():
    assert all(auditlog.contains(model) for model in (Person, Membership, Booking, LedgerEntry))
    booking_fields = auditlog.get_model_fields(Booking)["include_fields"]
    assert "contact_phone_masked" in booking_fields and "contact_phone" not in booking_fields


def test_a_membership_ended_through_the_service_is_logged(county_staff, person, chengdong_union):
    membership = services.membership_create(actor=county_staff, person=person, organization=chengdong_union)
    assert LogEntry.objects.get_for_object(membership).get().action == LogEntry.Action.CREATE

    services.membership_end(actor=county_staff, membership=membership)

    change = LogEntry.objects.get_for_object(membership).latest("pk")
    assert change.changes_dict["status"] == ["active", "lapsed"]


def test_a_bulk_import_bypasses_the_model_signals_but_leaves_one_line_naming_what_it_wrote(county_staff, qinghai):
    rows = [["卓玛", id_number(age=25), "藏族", "13800000001", "630102", "", "", "", ""]]
    content = tablib.Dataset(*rows, headers=HEADERS).export("csv").encode("utf-8")

    result = services.people_bulk_import(actor=county_staff, file=io.BytesIO(content), file_format="csv")

    assert result.ok and result.created == 1
    event = AuditEvent.objects.get(action=AuditEvent.Action.BULK_IMPORT)
    assert (event.actor_id, event.model) == (county_staff.pk, "members.person")
    assert event.detail == services.bulk_import.IMPORT_AUDIT.format(
        created=1, memberships=result.memberships, skipped=0, rows=1
    )
    assert Person.objects.get().phone_masked == "138****0001"


def test_an_export_job_is_audited_under_the_requesters_name(
    county_staff, person, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        job = exports.export_request(actor=county_staff, kind="people")

    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert (event.actor_username, event.model, event.object_id) == (county_staff.username, "exports.exportjob", job.pk)
    assert event.detail == exports.EXPORT_AUDIT.format(job=job.pk, kind="人员", count=1, format="CSV")


# Who reads the trail --------------------------------------------------------------------------


def test_the_province_reads_the_change_log_and_may_filter_and_search_it(client, province_admin, county_staff, person):
    bearer_client(county_staff).patch(f"{PEOPLE}{person.pk}/", {"phone": "13900001111"}, format="json")
    client.force_login(province_admin)
    person_type = ContentType.objects.get_for_model(Person)

    page = client.get(CHANGE_LOG, {"q": county_staff.username, "action__exact": LogEntry.Action.UPDATE})
    assert page.status_code == 200
    assert list(page.context["cl"].result_list) == person_log(person)[-1:]
    by_model = client.get(CHANGE_LOG, {"model": "members.person"})
    assert list(by_model.context["cl"].result_list) == list(
        LogEntry.objects.filter(content_type=person_type).order_by("-timestamp")
    )
    assert client.get("/admin/core/auditevent/").status_code == 200
    # The filter names the audited models without reading the log (no DISTINCT over its lines),
    # and the count stops at the paginator's bound.
    with CaptureQueriesContext(connection) as queries:
        page = client.get(CHANGE_LOG)
    assert [choice["display"] for choice in page.context["cl"].filter_specs[1].choices(page.context["cl"])][1:] == [
        "人员",
        "会员关系",
        "预约",
        "账目",
    ]
    assert not [query for query in queries if "DISTINCT" in query["sql"]]
    # In Chinese, as the rest of the admin (locale/: the app ships no Chinese of its own).
    index = client.get("/admin/").content.decode()
    assert "变更日志" in index and "Audit log" not in index and "Log entries" not in index


def test_county_staff_see_no_change_log_at_all(client, county_staff):
    client.force_login(county_staff)

    assert client.get(CHANGE_LOG).status_code == 403
    assert client.get("/admin/core/auditevent/").status_code == 403


def test_nobody_edits_or_deletes_the_change_log_not_even_a_superuser(client, person, django_user_model):
    entry = person_log(person)[0]
    client.force_login(django_user_model.objects.create_superuser("root", password="x-pass-42"))

    assert client.post(f"{CHANGE_LOG}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get(f"{CHANGE_LOG}{entry.pk}/change/").status_code == 200  # a read-only page
    assert LogEntry.objects.filter(pk=entry.pk).exists()


def test_a_list_page_writes_nothing_to_the_trail(county_staff, person):
    before = (LogEntry.objects.count(), AuditEvent.objects.count())

    assert bearer_client(county_staff).get(PEOPLE).status_code == 200

    assert (LogEntry.objects.count(), AuditEvent.objects.count()) == before
