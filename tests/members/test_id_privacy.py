"""The plaintext ID number stays out of the database, the logs and the API responses of users
who may not see it; its one way out is the audited detail for holders of the permission."""

from __future__ import annotations

import logging

import pytest
from django.db import connection
from rest_framework.test import APIClient

from apps.core.models import AuditEvent
from apps.members import idnumbers
from apps.members.models import Person
from tests.factories import GrassrootsUnitFactory, HostUnitFactory, region, unit
from tests.members.factories import id_number

PEOPLE = "/api/v1/people/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def x_number() -> str:
    """A valid number ending in X, so that case matters."""
    for serial in range(100, 200):
        first17 = f"63010219980214{serial}"
        if idnumbers.check_digit(first17) == "X":
            return first17 + "X"
    raise AssertionError("no serial gives X")


@pytest.fixture
def places(chengdong_union):
    """An employer with a union branch, and League and Women's units: a registration touches them all."""
    branch = GrassrootsUnitFactory(host_unit=HostUnitFactory(region=region("630102")))
    unit("630102", "youth_league")
    unit("630102", "women")
    return branch.host_unit


def register(client: APIClient, employer, number: str, **extra) -> dict:
    payload = {
        "name": "卓玛",
        "id_number": number,
        "region": region("630102").pk,
        "employer": employer.pk,
        "identity_tags": ["worker"],
        **extra,
    }
    response = client.post(PEOPLE, payload, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def every_stored_value() -> list[tuple[str, str]]:
    """(table, value) for every non-empty value of every row of every table, as text."""
    values = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - names from the schema
            for row in cursor.fetchall():
                values += [(table, str(value)) for value in row if value not in (None, "")]
    return values


# The database ---------------------------------------------------------------------------


def test_the_person_row_holds_ciphertext_a_mask_and_a_hash_never_the_number(county_staff, places):
    number = id_number(age=25)
    person_id = register(client_for(county_staff), places, number)["id"]

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, id_number_masked, id_number_hash FROM members_person WHERE id = %s", [person_id]
        )
        ciphertext, masked, digest = cursor.fetchone()

    assert number not in ciphertext and number[6:14] not in ciphertext
    assert masked == idnumbers.mask(number) and number not in masked
    assert len(digest) == 64 and number not in digest
    # Yet the application reads the number back.
    assert Person.objects.get(pk=person_id).id_number == number


def test_no_table_anywhere_holds_the_number_after_registration_enrollment_and_an_audited_view(
    county_staff, province_admin, places
):
    number = id_number(age=25)
    person_id = register(client_for(county_staff), places, number)["id"]
    assert client_for(province_admin).get(f"{PEOPLE}{person_id}/").json()["id_number"] == number

    leaks = [(table, value) for table, value in every_stored_value() if number in value]

    assert leaks == []
    assert AuditEvent.objects.filter(object_id=person_id).exists()


def test_a_disability_certificate_does_not_put_the_number_in_the_database(county_staff, places):
    number = id_number(age=40, gender="male")
    register(
        client_for(county_staff),
        places,
        number,
        identity_tags=["disabled"],
        disability_certificate_number=f"{number}42",
    )

    assert [(table, value) for table, value in every_stored_value() if number in value] == []


# The logs -------------------------------------------------------------------------------


def test_a_registration_logs_no_plaintext_not_even_in_the_sql_parameters(county_staff, places, settings, caplog):
    # Django logs every query with its parameters only when DEBUG is on.
    settings.DEBUG = True
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    number = id_number(age=25)
    client = client_for(county_staff)

    person_id = register(client, places, number)["id"]
    duplicate = client.post(
        PEOPLE, {"name": "卓玛", "id_number": number.lower(), "region": region("630102").pk}, format="json"
    )
    assert duplicate.status_code == 409
    assert client.get(PEOPLE, {"id_number": number}).status_code == 200
    assert client.post(f"{PEOPLE}{person_id}/enroll/").status_code == 200

    sql = [record for record in caplog.records if record.name == "django.db.backends"]
    # The logging did run: the inserts (the second one refused as a duplicate) and their
    # parameters are in the log.
    inserts = [record for record in sql if 'INSERT INTO "members_person"' in record.getMessage()]
    assert len(inserts) == 2 and all(idnumbers.mask(number) in insert.getMessage() for insert in inserts)
    for record in caplog.records:
        assert number not in record.getMessage(), record.getMessage()
        assert number not in str(vars(record)), record.name
    assert number not in caplog.text


# The API --------------------------------------------------------------------------------


def test_no_response_to_a_user_without_the_permission_holds_the_number(county_staff, places):
    number = x_number()
    client = client_for(county_staff)
    assert not county_staff.has_perm("members.view_full_id_number")

    created = client.post(
        PEOPLE,
        {
            "name": "卓玛",
            "id_number": number,
            "region": region("630102").pk,
            "employer": places.pk,
            "identity_tags": ["worker"],
        },
        format="json",
    )
    person_id = created.json()["id"]
    membership_id = created.json()["enrollment"]["created"][0]["id"]
    responses = {
        "create": created,
        "duplicate": client.post(
            PEOPLE, {"name": "卓玛", "id_number": number, "region": region("630102").pk}, format="json"
        ),
        "list": client.get(PEOPLE),
        "lookup": client.get(PEOPLE, {"id_number": number.lower()}),
        "detail": client.get(f"{PEOPLE}{person_id}/"),
        "patch": client.patch(f"{PEOPLE}{person_id}/", {"identity_tags": ["worker"]}, format="json"),
        "enroll": client.post(f"{PEOPLE}{person_id}/enroll/"),
        "memberships": client.get("/api/v1/memberships/", {"person": person_id}),
        "membership": client.get(f"/api/v1/memberships/{membership_id}/"),
        "browsable": client.get(f"{PEOPLE}{person_id}/", HTTP_ACCEPT="text/html"),
    }

    assert {name: response.status_code for name, response in responses.items()} == {
        "create": 201,
        "duplicate": 409,
        "list": 200,
        "lookup": 200,
        "detail": 200,
        "patch": 200,
        "enroll": 200,
        "memberships": 200,
        "membership": 200,
        "browsable": 200,
    }
    for name, response in responses.items():
        text = response.content.decode()
        assert number not in text and number.lower() not in text, name
    assert "id_number" not in responses["detail"].json()
    assert [row["id"] for row in responses["lookup"].json()["results"]] == [person_id]
    assert not AuditEvent.objects.exists()


def test_a_province_admin_sees_the_full_number_on_the_detail_only_and_each_view_is_audited(province_admin, places):
    number = id_number(age=25)
    client = client_for(province_admin)
    created = client.post(PEOPLE, {"name": "卓玛", "id_number": number, "region": region("630102").pk}, format="json")
    assert created.status_code == 201 and number not in created.content.decode()
    person_id = created.json()["id"]

    listed = client.get(PEOPLE)
    assert number not in listed.content.decode()
    assert "id_number" not in listed.json()["results"][0]
    assert not AuditEvent.objects.exists()

    first = client.get(f"{PEOPLE}{person_id}/")
    second = client.get(f"{PEOPLE}{person_id}/")

    assert first.json()["id_number"] == second.json()["id_number"] == number
    assert first.json()["id_number_masked"] == idnumbers.mask(number)
    events = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW_FULL_ID_NUMBER)
    assert (
        list(events.values_list("actor_id", "actor_username", "model", "object_id"))
        == [(province_admin.pk, "province_admin", "members.person", person_id)] * 2
    )


def test_the_id_number_lookup_finds_a_person_typed_with_a_lower_case_x_and_spaces(county_staff, qinghai):
    number = x_number()
    client = client_for(county_staff)
    created = client.post(PEOPLE, {"name": "马丽", "id_number": number, "region": region("630102").pk}, format="json")
    assert created.status_code == 201, created.content

    for typed in (number, number.lower(), f"{number[:6]} {number[6:14]} {number[14:].lower()}"):
        found = client.get(PEOPLE, {"id_number": typed}).json()["results"]
        assert [row["id"] for row in found] == [created.json()["id"]], typed
    assert client.get(PEOPLE, {"id_number": number[:-1] + "0"}).json()["results"] == []
