"""Erasure (匿名化) on a person's request: the identity goes for good, the statistics stay."""

from __future__ import annotations

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.test import APIClient

from apps.core.exceptions import ConflictError
from apps.core.models import AuditEvent
from apps.insights.rollups import member_rollup
from apps.insights.scorecard import scorecard
from apps.members import services
from apps.members.models import Person
from apps.members.services import erasure
from tests.factories import region
from tests.members.factories import PersonFactory, id_number
from tests.privacy.test_id_and_phone_privacy import every_stored_value

PEOPLE = "/api/v1/people/"
REASON = "本人申请 2026-001 号"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def member(county_staff, chengdong_union):
    number = id_number(age=30, gender="female")
    person = PersonFactory(actor=county_staff, name="卓玛央宗", id_number=number, phone="13812345678")
    membership = services.membership_create(
        actor=county_staff, person=person, organization=chengdong_union, note="卓玛央宗 家住幸福路 8 号"
    )
    services.person_update(actor=county_staff, person=person, name="卓玛央宗拉姆")
    return person, number, membership


def figures(user):
    rollup = member_rollup(user=user, region=region("630100"))
    card = scorecard(
        user=user, region=region("630100"), start=dt.date(2000, 1, 1), end=dt.date(2100, 1, 1), use_summaries=False
    )
    return (
        rollup.people,
        rollup.total.members,
        [area.members for area in rollup.children],
        card.total.values,
        [area.values for area in card.children],
    )


def test_erasure_removes_the_identity_from_every_table_and_the_change_log(province_admin, member):
    person, number, membership = member

    services.person_erase(actor=province_admin, person=person, reason=REASON)

    person.refresh_from_db()
    assert (person.name, person.id_number_masked, person.phone, person.phone_masked) == ("已匿名化", "已匿名化", "", "")
    assert person.birth_date == dt.date(int(number[6:10]), 7, 1) and person.gender == "female"
    leaks = [
        (table, value)
        for table, value in every_stored_value()
        for secret in ("卓玛央宗", number, number[6:14], "13812345678", "138****5678", "幸福路")
        if secret in value
    ]
    assert leaks == []
    assert all(entry.object_repr == f"已匿名化人员 #{person.pk}" for entry in LogEntry.objects.get_for_object(person))
    membership.refresh_from_db()
    assert membership.status == "active" and membership.note == ""


def test_the_statistics_are_the_same_before_and_after(province_admin, member):
    before = figures(province_admin)

    services.person_erase(actor=province_admin, person=member[0], reason=REASON)

    assert figures(province_admin) == before
    assert before[0] == 1


def test_the_old_number_finds_no_one_and_registering_it_again_creates_a_new_person(
    county_staff, province_admin, member
):
    person, number, _ = member

    services.person_erase(actor=province_admin, person=person, reason=REASON)

    assert services.person_by_id_number(number) is None
    again = PersonFactory(actor=county_staff, id_number=number)
    assert again.pk != person.pk and Person.objects.count() == 2


def test_erasure_is_audited_with_who_and_why_and_cannot_be_done_twice(province_admin, member):
    person = member[0]
    services.person_erase(actor=province_admin, person=person, reason=REASON)

    event = AuditEvent.objects.get(action=AuditEvent.Action.ERASE)
    assert (event.actor_id, event.object_id, event.detail) == (province_admin.pk, person.pk, f"匿名化：{REASON}")
    with pytest.raises(ConflictError):
        services.person_erase(actor=province_admin, person=person, reason=REASON)


def test_only_holders_of_the_permission_erase_and_a_reason_is_required(county_staff, province_admin, member):
    person = member[0]

    with pytest.raises(PermissionDenied):
        services.person_erase(actor=county_staff, person=person, reason=REASON)
    with pytest.raises(ValidationError) as refused:
        services.person_erase(actor=province_admin, person=person, reason="  ")
    assert refused.value.message_dict == {"reason": [erasure.REASON_REQUIRED]}
    assert Person.objects.get(pk=person.pk).erased_at is None


def test_the_api_erases_for_the_province_and_refuses_county_staff(county_staff, province_admin, member):
    person = member[0]
    url = f"{PEOPLE}{person.pk}/erase/"

    assert client_for(county_staff).post(url, {"reason": REASON}, format="json").status_code == 403
    assert client_for(province_admin).post(url, {}, format="json").status_code == 400
    reply = client_for(province_admin).post(url, {"reason": REASON}, format="json")
    assert reply.status_code == 200, reply.content
    assert reply.json()["name"] == "已匿名化"
    assert client_for(province_admin).post(url, {"reason": REASON}, format="json").status_code == 409


def test_the_staff_page_offers_the_button_to_the_province_only_and_erases(client, county_staff, province_admin, member):
    person = member[0]
    page = f"/people/{person.pk}/"
    client.force_login(county_staff)
    assert 'id="erase-button"' not in client.get(page).content.decode()
    assert client.post(f"{page}erase/", {"reason": REASON}).status_code == 403

    client.force_login(province_admin)
    assert 'id="erase-button"' in client.get(page).content.decode()
    client.post(f"{page}erase/", {"reason": REASON})

    assert Person.objects.get(pk=person.pk).erased_at is not None
    assert 'id="erase-button"' not in client.get(page).content.decode()


def test_the_admin_action_asks_for_the_reason_then_erases(client, province_admin, member):
    person = member[0]
    client.force_login(province_admin)
    changelist = "/admin/members/person/"
    selection = {"action": "erase_selected", "_selected_action": [person.pk]}

    confirmation = client.post(changelist, selection)
    assert confirmation.status_code == 200 and "不可恢复" in confirmation.content.decode()
    assert Person.objects.get(pk=person.pk).erased_at is None

    client.post(changelist, {**selection, "confirm": "1", "reason": REASON})
    assert Person.objects.get(pk=person.pk).erased_at is not None
