"""/api/v1/activities/, registrations/ and volunteer-records/: create, register, check in, cancel,
correct, totals; scope answers 404; lists take a constant number of queries."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.activities import services
from apps.activities.models import Registration, RegistrationStatus, Theme, VolunteerCorrection
from tests.activities.test_services import NOW, make_activity
from tests.factories import region, unit
from tests.members.factories import PersonFactory, id_number, identity_tag
from tests.venues.factories import aware, make_room, make_venue


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_staff_create_a_joint_activity_with_a_room_and_publish_it(county_staff):
    room = make_room(make_venue("630102", federations=("union",)))
    women = unit("630102", "women")
    client = client_for(county_staff)
    response = client.post(
        "/api/v1/activities/",
        {
            "title": "巾帼宣讲进社区",
            "mode": "joint",
            "lead_organization": unit("630102", "union").pk,
            "organizations": [{"organization": women.pk, "role": "co_host"}],
            "theme": Theme.objects.get(code="lecture_grassroots").pk,
            "region": region("630102").pk,
            "room": room.pk,
            "start": "2026-12-01T10:00:00+08:00",
            "end": "2026-12-01T12:00:00+08:00",
            "capacity": 30,
            "signup_opens": "2026-11-20T09:00:00+08:00",
            "signup_closes": "2026-12-01T09:00:00+08:00",
            "target_tags": ["worker"],
            "min_age": 18,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["organizations"] == [{"organization": women.pk, "role": "co_host"}]
    assert body["target_tags"] == ["worker"]
    assert (body["venue"], body["status"], body["registered_count"]) == (room.venue_id, "draft", 0)
    assert "room" not in body
    published = client.post(f"/api/v1/activities/{body['id']}/publish/")
    assert published.json()["status"] == "published"
    cancelled = client.post(f"/api/v1/activities/{body['id']}/cancel/")
    assert cancelled.json()["status"] == "cancelled"


def test_register_answers_the_registration_the_target_group_reason_and_a_conflict(county_staff):
    activity = make_activity(county_staff, capacity=1, target_tags=[identity_tag("worker")])
    client = client_for(county_staff)
    worker, other_worker = (PersonFactory(identity_tags=[identity_tag("worker")]) for _ in range(2))
    first = client.post(f"/api/v1/activities/{activity.pk}/register/", {"person": worker.pk})
    assert first.status_code == 201
    assert first.json() == {
        "id": first.json()["id"],
        "person": worker.pk,
        "status": "registered",
        "position": 1,
    }
    waiting = client.post(f"/api/v1/activities/{activity.pk}/register/", {"person": other_worker.pk})
    assert (waiting.json()["status"], waiting.json()["position"]) == ("waiting", 2)
    outsider = client.post(f"/api/v1/activities/{activity.pk}/register/", {"person": PersonFactory().pk})
    assert outsider.status_code == 400
    assert outsider.json()["person"] == [services.TAGS_MISMATCH.format(tags="职工")]
    again = client.post(f"/api/v1/activities/{activity.pk}/register/", {"person": worker.pk})
    assert again.status_code == 409
    assert again.json()["conflicts"] == [first.json()["id"]]
    listed = client.get(f"/api/v1/activities/{activity.pk}/").json()
    assert listed["registered_count"] == 1

    promoted = client.post(f"/api/v1/registrations/{first.json()['id']}/cancel/")
    assert promoted.status_code == 200
    assert promoted.json() == {**waiting.json(), "status": "registered"}
    nobody = client.post(f"/api/v1/registrations/{waiting.json()['id']}/cancel/")
    assert nobody.status_code == 204


def test_check_in_by_registration_code_or_id_number_only_inside_the_window(county_staff):
    activity = make_activity(county_staff)
    client = client_for(county_staff)
    number = id_number()
    by_number = services.registration_create(activity=activity, person=PersonFactory(id_number=number))
    by_code = services.registration_create(activity=activity, person=PersonFactory())
    by_id = services.registration_create(activity=activity, person=PersonFactory())
    url = f"/api/v1/activities/{activity.pk}/check-in/"

    early = client.post(url, {"registration": by_id.pk})
    assert early.status_code == 400
    assert early.json()["registration"] == [
        services.CHECK_IN_WINDOW.format(opens="2026-12-01 09:30", closes="2026-12-01 12:00", minutes=30)
    ]
    with time_machine.travel(aware(2026, 12, 1, 9, 45), tick=False):
        for body, registration in (
            ({"registration": by_id.pk}, by_id),
            ({"code": str(by_code.code)}, by_code),
            ({"id_number": number}, by_number),
        ):
            response = client.post(url, body)
            assert response.status_code == 200, response.json()
            assert response.json() == {
                "id": registration.pk,
                "person": registration.person_id,
                "status": "attended",
                "position": registration.position,
            }
        assert client.post(url, {"code": "00000000-0000-0000-0000-000000000000"}).status_code == 404
    assert Registration.objects.filter(activity=activity, status=RegistrationStatus.ATTENDED).count() == 3


def test_volunteer_records_list_correct_and_total(county_staff):
    activity = make_activity(county_staff, theme="environment", start=aware(2026, 12, 1, 9), end=aware(2026, 12, 1, 12))
    person = PersonFactory(name="志愿者乙")
    registration = services.registration_create(activity=activity, person=person)
    services.registration_check_in(actor=county_staff, registration=registration, now=aware(2026, 12, 1, 9))
    services.registration_check_out(actor=county_staff, registration=registration, now=aware(2026, 12, 1, 11, 30))
    client = client_for(county_staff)

    records = client.get("/api/v1/volunteer-records/", {"person": person.pk}).json()["results"]
    assert [(row["person"], row["hours"], row["computed_hours"]) for row in records] == [(person.pk, "2.50", "2.50")]
    record_id = records[0]["id"]
    refused = client.post(f"/api/v1/volunteer-records/{record_id}/correct/", {"hours": "3.00", "reason": ""})
    assert refused.status_code == 400
    assert refused.json()["reason"] == [services.REASON_REQUIRED]
    corrected = client.post(f"/api/v1/volunteer-records/{record_id}/correct/", {"hours": "3.00", "reason": "补记"})
    assert corrected.json()["hours"] == "3.00"
    assert VolunteerCorrection.objects.get(record_id=record_id).new_hours == Decimal("3.00")

    by_person = client.get("/api/v1/volunteer-records/totals/", {"by": "person"}).json()
    assert by_person == [{"id": person.pk, "name": "志愿者乙", "hours": "3.00", "activities": 1}]
    by_org = client.get("/api/v1/volunteer-records/totals/", {"by": "organization"}).json()
    assert by_org == [
        {"id": activity.lead_organization_id, "name": activity.lead_organization.name, "hours": "3.00", "activities": 1}
    ]


def test_activities_out_of_scope_are_absent_and_answer_404(county_staff, other_county_staff):
    activity = make_activity(county_staff)
    registration = services.registration_create(activity=activity, person=PersonFactory())
    client = client_for(other_county_staff)
    assert client.get("/api/v1/activities/").json()["results"] == []
    assert client.get(f"/api/v1/activities/{activity.pk}/").status_code == 404
    person = PersonFactory(region=region("630103"))
    assert client.post(f"/api/v1/activities/{activity.pk}/register/", {"person": person.pk}).status_code == 404
    assert (
        client.post(f"/api/v1/activities/{activity.pk}/check-in/", {"registration": registration.pk}).status_code == 404
    )
    assert client.post(f"/api/v1/registrations/{registration.pk}/cancel/").status_code == 404
    assert client.post(f"/api/v1/activities/{activity.pk}/cancel/").status_code == 404
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.REGISTERED


def test_a_joint_activity_is_visible_to_the_participating_unit(county_staff, other_county_staff):
    """A 城中区 unit taking part sees the 城东区 activity — through its organization role."""
    from apps.organizations.models import Role
    from apps.organizations.services import role_assign
    from tests.factories import UserFactory

    liaison = UserFactory(username="chengzhong_women")
    role_assign(user=liaison, role=Role.FEDERATION_LIAISON, organization=unit("630103", "women"))
    joint = make_activity(county_staff, participants=[(unit("630103", "women"), "partner")])
    make_activity(county_staff, title="城东区自办")
    listed = client_for(liaison).get("/api/v1/activities/").json()["results"]
    assert [row["id"] for row in listed] == [joint.pk]


def _list_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_lists_take_the_same_number_of_queries_however_many_rows(county_staff):
    client = client_for(county_staff)
    women = unit("630102", "women")
    activity = make_activity(county_staff, participants=[(women, "co_host")], target_tags=[identity_tag("worker")])
    services.registration_create(activity=activity, person=PersonFactory(identity_tags=[identity_tag("worker")]))
    one = (_list_queries(client, "/api/v1/activities/"), _list_queries(client, "/api/v1/registrations/"))
    for index in range(4):
        more = make_activity(
            county_staff, title=f"活动{index}", participants=[(women, "partner")], target_tags=[identity_tag("worker")]
        )
        services.registration_create(activity=more, person=PersonFactory(identity_tags=[identity_tag("worker")]))
    five = (_list_queries(client, "/api/v1/activities/"), _list_queries(client, "/api/v1/registrations/"))
    assert one == five
    assert len(client.get("/api/v1/activities/").json()["results"]) == 5


def _volunteered(actor, index: int) -> None:
    activity = make_activity(
        actor, title=f"环保{index}", theme="environment", start=aware(2026, 12, 1, 9), end=aware(2026, 12, 1, 12)
    )
    registration = services.registration_create(activity=activity, person=PersonFactory())
    services.registration_check_in(actor=actor, registration=registration, now=aware(2026, 12, 1, 9))
    services.registration_check_out(actor=actor, registration=registration, now=aware(2026, 12, 1, 10))


def test_volunteer_record_lists_and_totals_take_a_constant_number_of_queries(county_staff):
    client = client_for(county_staff)
    urls = ("/api/v1/volunteer-records/", "/api/v1/volunteer-records/totals/?by=person")
    _volunteered(county_staff, 0)
    one = [_list_queries(client, url) for url in urls]
    for index in range(1, 4):
        _volunteered(county_staff, index)
    assert [_list_queries(client, url) for url in urls] == one
    assert len(client.get(urls[1]).json()) == 4


def test_a_sign_up_reads_only_the_activity_it_writes_to(county_staff, other_county_staff, django_assert_num_queries):
    """No list filters or prefetches on the way to a sign-up; another county's activity is 404. The
    activity and the person in scope (the row alone, no tags), the activity locked, its target tags,
    one statement for the person's sign-up, the places taken and the queue's end, the insert."""
    activity = make_activity(county_staff, capacity=5)
    person = PersonFactory()
    client = client_for(county_staff)
    client.post(f"/api/v1/activities/{activity.pk}/register/", {"person": PersonFactory().pk})  # scope cached
    with django_assert_num_queries(8):
        response = client.post(f"/api/v1/activities/{activity.pk}/register/", {"person": person.pk})
    assert response.status_code == 201
    stranger = client_for(other_county_staff).post(f"/api/v1/activities/{activity.pk}/register/", {"person": person.pk})
    assert stranger.status_code == 404
