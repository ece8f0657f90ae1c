"""/api/v1/trainings/, training-sessions/, attendances/, certificates/verify/, rotations/, experts/: writes
through the services, scope answers 404, bad input a Chinese 400 on the field with nothing written, conflicts
a 409, the public certificate check (a genuine code and a forged one), lists in a constant number of queries,
and delta sync."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.members.models import CadrePost, PostType
from apps.organizations.models import Role
from apps.organizations.scoping import forget_scope
from apps.organizations.services import role_assign
from apps.talent import services
from apps.talent.models import (
    Attendance,
    AttendanceStatus,
    Certificate,
    Enrollment,
    Expert,
    ExpertEngagement,
    Rotation,
    RotationStatus,
    TrainingCourse,
    TrainingSession,
)
from apps.talent.rules import add_months
from apps.talent.services.rotations import TOO_SHORT
from apps.talent.services.training import SESSION_HOURS_OVER, SPECIFIC_NEEDS_FEDERATION
from apps.venues.models import Booking
from tests.factories import UserFactory, federation, region, unit
from tests.members.factories import PersonFactory
from tests.talent.factories import CourseFactory, attended, cadre, expert
from tests.venues.factories import aware, make_room, make_venue

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 27, 4, 0, tzinfo=dt.UTC)  # Friday, 12:00 in Xining
TODAY = dt.date(2026, 11, 27)
PRESENT, LEAVE, ABSENT = AttendanceStatus.PRESENT, AttendanceStatus.LEAVE, AttendanceStatus.ABSENT


@pytest.fixture(autouse=True)
def frozen():
    cache.clear()  # the certificate check's throttle counts per address
    with time_machine.travel(NOW, tick=False):
        yield


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _course_body(**overrides) -> dict:
    body = {
        "title": "城东区群团干部能力提升班",
        "lead_organization": unit("630102", "union").pk,
        "co_organizers": [unit("630102", "women").pk],
        "mode": "offline",
        "format": "concentrated",
        "is_common": True,
        "credit_hours": "8",
        "capacity": 30,
    }
    return {**body, **overrides}


def _session_body(course_id: int, day: int, **overrides) -> dict:
    start = NOW - dt.timedelta(days=day)
    body = {
        "course": course_id,
        "title": f"第 {day} 讲",
        "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=4)).isoformat(),
        "hours": "4",
        "location": "城东区群众之家三楼",
    }
    return {**body, **overrides}


# Training: a course from creation to certificates


def test_staff_run_a_course_from_creation_to_certificates_anyone_can_check(county_staff):
    client = client_for(county_staff)
    created = client.post("/api/v1/trainings/", _course_body(), format="json")
    assert created.status_code == 201, created.json()
    course = created.json()
    assert (course["status"], course["enrolled_count"], course["session_count"], course["credit_hours"]) == (
        "open",
        0,
        0,
        "8.0",
    )
    assert course["co_organizers"] == [unit("630102", "women").pk]
    url = f"/api/v1/trainings/{course['id']}/"
    sessions = []
    for day in (3, 2):
        made = client.post("/api/v1/training-sessions/", _session_body(course["id"], day), format="json")
        assert made.status_code == 201, made.json()
        sessions.append(made.json()["id"])

    mei, jian = cadre(name="马晓梅"), cadre(name="韩建国")
    enrolled = client.post(f"{url}enroll/", {"people": [mei.pk, jian.pk]}, format="json")
    assert enrolled.status_code == 201, enrolled.json()
    assert [(row["person_name"], row["status"]) for row in enrolled.json()] == [
        ("马晓梅", "enrolled"),
        ("韩建国", "enrolled"),
    ]
    detail = client.get(url).json()
    assert (detail["enrolled_count"], detail["session_count"]) == (2, 2)
    assert dt.datetime.fromisoformat(detail["first_start"]) == NOW - dt.timedelta(days=3)

    for session, jian_status in zip(sessions, (PRESENT, ABSENT), strict=True):
        sheet = {"session": session, "marks": [{"person": mei.pk, "status": "present"}]}
        sheet["marks"].append({"person": jian.pk, "status": jian_status})
        marked = client.post("/api/v1/attendances/mark/", sheet, format="json")
        assert marked.status_code == 200, marked.json()
        assert [(row["person_name"], row["hours"]) for row in marked.json()] == [
            ("韩建国", "4.0" if jian_status == PRESENT else "0.0"),
            ("马晓梅", "4.0"),
        ]
    roster = client.get(f"{url}roster/").json()
    assert [(row["person_name"], row["hours"], row["completed"]) for row in roster] == [
        ("韩建国", "4.0", False),
        ("马晓梅", "8.0", True),
    ]

    record = client.get("/api/v1/attendances/record/", {"person": mei.pk, "year": 2026}).json()
    assert (record["year"], record["required"], record["hours"], record["behind"]) == (2026, "32.0", "8.0", "24.0")
    assert [(line["course_title"], line["hours"], line["certificate_code"]) for line in record["courses"]] == [
        ("城东区群团干部能力提升班", "8.0", None)
    ]

    finished = client.post(f"{url}finish/")
    assert finished.status_code == 200, finished.json()
    (certificate,) = finished.json()
    assert (certificate["person_name"], certificate["hours"], certificate["issued_on"]) == (
        "马晓梅",
        "8.0",
        "2026-11-27",
    )
    assert client.get(url).json()["status"] == "finished"
    assert [row["certificate_code"] for row in client.get(f"{url}roster/").json()] == [None, certificate["code"]]

    # Anyone holding the code may check it, without an account, whatever case or dashes they type.
    check = APIClient().get("/api/v1/certificates/verify/", {"code": certificate["code"].lower().replace("-", "")})
    assert check.status_code == 200, check.json()
    assert check.json() == {
        "code": certificate["code"],
        "name": "马＊＊",
        "course": "城东区群团干部能力提升班",
        "hours": "8.0",
        "organizers": [unit("630102", "union").name, unit("630102", "women").name],
        "issued_on": "2026-11-27",
    }


def test_a_forged_or_unknown_certificate_code_is_a_404_that_tells_nothing(county_staff):
    course = CourseFactory()
    person = cadre(name="马晓梅")
    attended(course, [person])
    (certificate,) = services.course_finish(course=course)
    anonymous = APIClient()
    # One character changed: a forged code finds nothing.
    forged = certificate.code[:-1] + ("A" if certificate.code[-1] != "A" else "B")
    for code in (forged, "ABCD-EFGH-JKLM-NPQR", "1"):
        answer = anonymous.get("/api/v1/certificates/verify/", {"code": code})
        assert answer.status_code == 404
        assert answer.json() == {"detail": "没有这个验证码的证书，请核对后重试。"}
    assert anonymous.get("/api/v1/certificates/verify/").json() == {"code": ["该字段是必填项。"]}
    # A stale token does not turn the public check into a 401.
    stale = APIClient(HTTP_AUTHORIZATION="Bearer expired.token.here")
    assert stale.get("/api/v1/certificates/verify/", {"code": certificate.code}).status_code == 200


def test_the_public_check_is_throttled(qinghai):
    anonymous = APIClient()
    answers = [anonymous.get("/api/v1/certificates/verify/", {"code": "ABCD"}).status_code for _ in range(31)]
    assert answers == [404] * 30 + [429]


# Bad input and conflicts


def test_bad_input_is_a_400_in_chinese_on_the_field_and_nothing_is_written(county_staff):
    client = client_for(county_staff)
    refused = client.post("/api/v1/trainings/", _course_body(is_common=False), format="json")
    assert refused.status_code == 400
    assert refused.json() == {"federation": [SPECIFIC_NEEDS_FEDERATION]}
    blank = client.post("/api/v1/trainings/", _course_body(title="", capacity=0), format="json")
    assert blank.status_code == 400
    assert set(blank.json()) == {"title", "capacity"}
    assert not TrainingCourse.objects.exists()

    course = CourseFactory(credit_hours=Decimal("8"), sessions=2, hours=4)
    too_long = client.post("/api/v1/training-sessions/", _session_body(course.pk, 1, hours="2"), format="json")
    assert too_long.status_code == 400
    assert too_long.json() == {"hours": [SESSION_HOURS_OVER.format(total="10.0", credit="8.0")]}
    nowhere = client.post("/api/v1/training-sessions/", _session_body(course.pk, 1, location=""), format="json")
    assert list(nowhere.json()) == ["location"]
    assert course.sessions.count() == 2

    patched = client.patch(f"/api/v1/trainings/{course.pk}/", {"capacity": "many"}, format="json")
    assert patched.status_code == 400 and list(patched.json()) == ["capacity"]


def test_enrollment_lists_every_refusal_and_over_capacity_is_a_409(county_staff):
    client = client_for(county_staff)
    course = CourseFactory(capacity=2, target_federation=federation("union"))
    union, women, nobody = (
        cadre(name="工会干部"),
        cadre(unit("630102", "women"), name="妇联干部"),
        PersonFactory(name="群众甲"),
    )
    url = f"/api/v1/trainings/{course.pk}/enroll/"
    refused = client.post(url, {"people": [union.pk, women.pk, nobody.pk]}, format="json")
    assert refused.status_code == 400
    assert refused.json() == {
        "people": [
            "妇联干部当前任职不符合培训对象（工会干部）。",
            "群众甲不是在职干部（没有当前任职）。",
        ]
    }
    assert not Enrollment.objects.exists()

    others = [cadre(name=f"工会干部{index}") for index in range(2)]
    assert client.post(url, {"people": [union.pk]}, format="json").status_code == 201
    full = client.post(url, {"people": [person.pk for person in others]}, format="json")
    assert full.status_code == 409
    assert full.json() == {
        "detail": services.FULL.format(capacity=2, taken=1, left=1, asked=2),
        "conflicts": [],
    }
    again = client.post(url, {"people": [union.pk]}, format="json")
    assert again.json() == {"people": [services.ALREADY_ENROLLED.format(name="工会干部")]}
    assert Enrollment.objects.filter(course=course).count() == 1

    withdrawn = client.post(f"/api/v1/trainings/{course.pk}/withdraw/", {"person": union.pk}, format="json")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    twice = client.post(f"/api/v1/trainings/{course.pk}/withdraw/", {"person": union.pk}, format="json")
    assert twice.json() == {"person": ["工会干部不在本班学员名单中。"]}


def test_the_attendance_sheet_names_every_bad_row_and_writes_nothing(county_staff):
    client = client_for(county_staff)
    course = CourseFactory()
    session = course.sessions.first()
    mei, stranger = cadre(name="马晓梅"), cadre(name="未报名")
    services.course_enroll(course=course, people=[mei])
    elsewhere = PersonFactory(region=region("630103"))

    sheet = {
        "session": session.pk,
        "marks": [
            {"person": mei.pk, "status": "present"},
            {"person": elsewhere.pk, "status": "present"},
            {"person": mei.pk, "status": "late"},
        ],
    }
    refused = client.post("/api/v1/attendances/mark/", sheet, format="json")
    assert refused.status_code == 400
    # Every bad row by its position in marks; another county's person is not even named.
    assert refused.json() == {
        "marks": {
            "1": {"person": [f"无效主键 “{elsewhere.pk}” － 对象不存在。"]},
            "2": {"status": ["“late” 不是合法选项。"]},
        }
    }

    not_enrolled = {"session": session.pk, "marks": [{"person": p.pk, "status": "present"} for p in (mei, stranger)]}
    refused = client.post("/api/v1/attendances/mark/", not_enrolled, format="json")
    assert refused.json() == {"marks": [services.NOT_ENROLLED.format(name="未报名")]}
    twice = {"session": session.pk, "marks": [{"person": mei.pk, "status": s} for s in ("present", "absent")]}
    assert client.post("/api/v1/attendances/mark/", twice, format="json").json() == {"marks": ["马晓梅重复出现。"]}
    assert not Attendance.objects.exists()

    future = CourseFactory(days_ago=-3).sessions.first()
    services.course_enroll(course=future.course, people=[mei])
    early = client.post(
        "/api/v1/attendances/mark/",
        {"session": future.pk, "marks": [{"person": mei.pk, "status": "present"}]},
        format="json",
    )
    assert list(early.json()) == ["session"] and "尚未开始" in early.json()["session"][0]


def test_a_session_books_its_room_and_a_taken_room_is_a_409(county_staff):
    client = client_for(county_staff)
    course = CourseFactory(sessions=0)
    room = make_room(make_venue("630102"), name="培训室")
    start = aware(2026, 12, 1, 9)  # a Tuesday, within opening hours
    body = _session_body(course.pk, 0, location="", room=room.pk, contact_phone="0971-1234567")
    body.update(starts_at=start.isoformat(), ends_at=(start + dt.timedelta(hours=3)).isoformat(), hours="3")
    first = client.post("/api/v1/training-sessions/", body, format="json")
    assert first.status_code == 201, first.json()
    booking = Booking.objects.get(pk=first.json()["booking"])
    assert (booking.room, booking.status, first.json()["booking_status"]) == (room, "approved", "approved")
    assert first.json()["location"] == f"{room.venue.name} 培训室"

    taken = client.post("/api/v1/training-sessions/", {**body, "title": "另一讲"}, format="json")
    assert taken.status_code == 409
    assert [row["id"] for row in taken.json()["conflicts"]] == [booking.pk]  # as venues names a booking
    assert course.sessions.count() == 1

    # Deleting the session gives the room back; a session with attendance stays (409).
    assert client.delete(f"/api/v1/training-sessions/{first.json()['id']}/").status_code == 204
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    held = CourseFactory()
    attended(held, [cadre()])
    session = held.sessions.first()
    kept = client.delete(f"/api/v1/training-sessions/{session.pk}/")
    assert kept.status_code == 409
    assert set(kept.json()["conflicts"]) == set(session.attendances.values_list("pk", flat=True))
    assert TrainingSession.objects.filter(pk=session.pk).exists()


def test_cancel_and_session_filters(county_staff):
    client = client_for(county_staff)
    past = CourseFactory(title="往期班", days_ago=20)
    coming = CourseFactory(title="下期班", days_ago=-5, format="seminar", is_common=False, federation=federation())
    cancelled = client.post(f"/api/v1/trainings/{coming.pk}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert client.post(f"/api/v1/trainings/{coming.pk}/cancel/").status_code == 400
    assert client.patch(f"/api/v1/trainings/{coming.pk}/", {"title": "改名"}, format="json").status_code == 400

    def ids(url, **params) -> list[int]:
        response = client.get(url, params)
        assert response.status_code == 200, (url, params, response.json())
        return [row["id"] for row in response.json()["results"]]

    trainings = "/api/v1/trainings/"
    assert ids(trainings, status="cancelled") == [coming.pk]
    assert ids(trainings, format="seminar") == ids(trainings, is_common="false") == [coming.pk]
    assert ids(trainings, starts_after=NOW.isoformat()) == [coming.pk]
    assert ids(trainings, starts_before=(NOW - dt.timedelta(days=10)).isoformat()) == [past.pk]
    assert ids(trainings, search="往期") == [past.pk]
    assert ids(trainings, lead_organization=unit("630102", "union").pk) == [coming.pk, past.pk]
    women = CourseFactory(title="妇联牵头", lead=unit("630102", "women"), co_organizers=[unit("630102", "union")])
    assert set(ids(trainings, federation=federation("union").pk)) == {past.pk, coming.pk, women.pk}
    assert ids(trainings, federation=federation("women").pk) == [women.pk]

    sessions = "/api/v1/training-sessions/"
    assert len(ids(sessions, course=past.pk)) == 2
    assert ids(sessions, date_from=str(TODAY)) == list(coming.sessions.values_list("pk", flat=True))
    assert len(ids(sessions, date_to=str(TODAY - dt.timedelta(days=19)))) == 2
    assert client.get(sessions, {"date_from": "soon"}).status_code == 400


# Scope


def test_everything_outside_the_scope_answers_404_and_ids_outside_it_are_400(county_staff, other_county_staff):
    course = CourseFactory(title="城东区培训班")
    person = cadre(name="马晓梅")
    attended(course, [person])
    session = course.sessions.first()
    rotation = services.rotation_plan(
        from_post=cadre(since=TODAY - dt.timedelta(days=5 * 365)).post,
        to_organization=unit("630102", "women"),
        title="挂职",
        start_date=TODAY + dt.timedelta(days=30),
        end_date=add_months(TODAY + dt.timedelta(days=30), 12),
    )
    pool = expert(PersonFactory(name="牧民专家"))
    client = client_for(other_county_staff)
    for resource in ("trainings", "training-sessions", "attendances", "rotations", "experts"):
        assert client.get(f"/api/v1/{resource}/").json()["results"] == [], resource
    reads = [
        f"/api/v1/trainings/{course.pk}/",
        f"/api/v1/trainings/{course.pk}/roster/",
        f"/api/v1/training-sessions/{session.pk}/",
        f"/api/v1/attendances/{session.attendances.first().pk}/",
        f"/api/v1/rotations/{rotation.pk}/",
        f"/api/v1/experts/{pool.pk}/",
        f"/api/v1/experts/{pool.pk}/engagements/",
    ]
    assert [client.get(url).status_code for url in reads] == [404] * len(reads)
    writes = [
        client.patch(f"/api/v1/trainings/{course.pk}/", {"title": "改名"}, format="json"),
        client.post(f"/api/v1/trainings/{course.pk}/finish/"),
        client.post(f"/api/v1/trainings/{course.pk}/enroll/", {"people": [person.pk]}, format="json"),
        client.delete(f"/api/v1/training-sessions/{session.pk}/"),
        client.post(f"/api/v1/rotations/{rotation.pk}/cancel/"),
        client.patch(f"/api/v1/experts/{pool.pk}/", {"specialty": "改"}, format="json"),
    ]
    assert [answer.status_code for answer in writes] == [404] * len(writes)
    course.refresh_from_db()
    rotation.refresh_from_db()
    assert (course.title, course.status, rotation.status) == ("城东区培训班", "open", RotationStatus.PLANNED)
    assert TrainingSession.objects.filter(pk=session.pk).exists()

    # Ids outside the scope, in a body or a filter, are "does not exist".
    mark = {"session": session.pk, "marks": [{"person": person.pk, "status": "absent"}]}
    refused = client.post("/api/v1/attendances/mark/", mark, format="json")
    assert refused.status_code == 400 and set(refused.json()) == {"session", "marks"}
    assert client.get("/api/v1/attendances/", {"course": course.pk}).status_code == 400
    assert client.get("/api/v1/attendances/record/", {"person": person.pk}).status_code == 400
    assert client.get("/api/v1/trainings/", {"lead_organization": course.lead_organization_id}).status_code == 400
    assert client.get("/api/v1/experts/", {"region": region("630102").pk}).status_code == 400
    own = CourseFactory(lead=unit("630103", "union"))
    enroll = client.post(f"/api/v1/trainings/{own.pk}/enroll/", {"people": [person.pk]}, format="json")
    assert enroll.status_code == 400 and "不存在" in enroll.json()["people"][0]
    assert Attendance.objects.get(session=session, person=person).status == PRESENT


def test_a_co_organizer_runs_the_course_too(qinghai):
    course = CourseFactory(title="两区联办", co_organizers=[unit("630103", "women")])
    liaison = UserFactory(username="chengzhong_women")
    role_assign(user=liaison, role=Role.FEDERATION_LIAISON, organization=unit("630103", "women"))
    client = client_for(liaison)
    assert [row["id"] for row in client.get("/api/v1/trainings/").json()["results"]] == [course.pk]
    renamed = client.patch(f"/api/v1/trainings/{course.pk}/", {"title": "两区联办培训班"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["title"] == "两区联办培训班"


def test_the_mobile_user_reads_nothing_and_anonymous_is_refused(mobile_user):
    CourseFactory()
    client = client_for(mobile_user)
    assert client.get("/api/v1/trainings/").json()["results"] == []
    assert client.post("/api/v1/trainings/", _course_body(), format="json").status_code == 403
    assert APIClient().get("/api/v1/trainings/").status_code == 401


# Records and hours


def test_the_hours_list_shows_who_is_behind_against_the_yearly_requirement(county_staff):
    course = CourseFactory(credit_hours=Decimal("40"), sessions=2, hours=20)
    keen, idle = cadre(name="勤学"), cadre(name="未学")
    attended(course, [keen])
    client = client_for(county_staff)
    everyone = client.get("/api/v1/attendances/hours/", {"year": 2026}).json()
    rows = {row["name"]: row for row in everyone["results"]}
    assert (rows["勤学"]["hours"], rows["勤学"]["required"], rows["勤学"]["behind"]) == ("40.0", "32.0", "0.0")
    assert (rows["未学"]["hours"], rows["未学"]["behind"]) == ("0.0", "32.0")
    behind = client.get("/api/v1/attendances/hours/", {"year": 2026, "behind": "true"}).json()
    assert [row["person"] for row in behind["results"]] == [idle.pk]
    assert client.get("/api/v1/attendances/hours/", {"year": "去年"}).status_code == 400
    by_person = client.get("/api/v1/attendances/", {"person": keen.pk, "status": "present"}).json()["results"]
    assert len(by_person) == 2


# Rotations


def test_staff_plan_start_and_complete_a_rotation_and_an_overlap_is_a_409(county_staff):
    client = client_for(county_staff)
    veteran = cadre(name="韩建国", since=TODAY - dt.timedelta(days=5 * 365))
    start = TODAY + dt.timedelta(days=30)
    body = {
        "from_post": veteran.post.pk,
        "to_organization": unit("630102", "women").pk,
        "title": "挂职副主席",
        "start_date": str(start),
        "end_date": str(add_months(start, 12) - dt.timedelta(days=1)),
    }
    planned = client.post("/api/v1/rotations/", body, format="json")
    assert planned.status_code == 201, planned.json()
    first = planned.json()
    assert (first["person"], first["status"], first["post_type"], first["across_federations"]) == (
        veteran.pk,
        "planned",
        "rotation",
        True,
    )
    overlap = client.post(
        "/api/v1/rotations/",
        {**body, "to_organization": unit("630102", "youth_league").pk, "start_date": str(start + dt.timedelta(60))},
        format="json",
    )
    assert overlap.status_code == 409
    assert overlap.json()["conflicts"] == [first["id"]]
    short = client.post("/api/v1/rotations/", {**body, "end_date": str(start + dt.timedelta(days=30))}, format="json")
    assert short.status_code == 400
    shortest = add_months(start, 6) - dt.timedelta(days=1)
    assert short.json() == {"end_date": [TOO_SHORT.format(kind="轮岗", months=6, date=shortest)]}
    assert Rotation.objects.count() == 1

    early = client.post(f"/api/v1/rotations/{first['id']}/start/")
    assert early.status_code == 400 and list(early.json()) == ["status"]
    assert client.post(f"/api/v1/rotations/{first['id']}/cancel/").json()["status"] == "cancelled"

    now = client.post("/api/v1/rotations/", {**body, "start_date": str(TODAY)}, format="json").json()
    started = client.post(f"/api/v1/rotations/{now['id']}/start/")
    assert started.status_code == 200, started.json()
    assert started.json()["status"] == "active"
    post = CadrePost.objects.get(pk=started.json()["post"])
    assert (post.organization, post.post_type, post.start_date) == (unit("630102", "women"), "rotation", TODAY)
    completed = client.post(f"/api/v1/rotations/{now['id']}/complete/").json()
    assert completed["status"] == "completed"

    def ids(**params) -> list[int]:
        return [row["id"] for row in client.get("/api/v1/rotations/", params).json()["results"]]

    assert ids(status="cancelled") == [first["id"]]
    assert set(ids(person=veteran.pk, across_federations="true")) == {first["id"], now["id"]}
    assert ids(across_federations="false") == []
    assert set(ids(to_organization=unit("630102", "women").pk)) == {first["id"], now["id"]}


def test_the_due_list_shows_posts_reaching_their_longest_stay(county_staff):
    overdue = cadre(name="超期干部", since=TODAY - dt.timedelta(days=6 * 365))  # full-time, 60 months at most
    cadre(name="新任干部", since=TODAY - dt.timedelta(days=365))
    soon = cadre(name="将满干部", post_type=PostType.SECONDED, since=add_months(TODAY, -24) + dt.timedelta(days=20))
    client = client_for(county_staff)
    due = client.get("/api/v1/rotations/due/")
    assert due.status_code == 200, due.json()
    rows = due.json()["results"]
    assert [(row["person_name"], row["post"]) for row in rows] == [
        ("超期干部", overdue.post.pk),
        ("将满干部", soon.post.pk),
    ]
    assert rows[0] == {
        "post": overdue.post.pk,
        "person": overdue.pk,
        "person_name": "超期干部",
        "organization": overdue.post.organization_id,
        "organization_name": overdue.post.organization.name,
        "federation": federation("union").pk,
        "post_type": "full_time",
        "title": overdue.post.title,
        "start_date": str(overdue.post.start_date),
        "max_months": 60,
        "due_date": str(add_months(overdue.post.start_date, 60)),
    }
    today_only = client.get("/api/v1/rotations/due/", {"within_days": 0}).json()["results"]
    assert [row["person_name"] for row in today_only] == ["超期干部"]
    assert client.get("/api/v1/rotations/due/", {"within_days": -1}).status_code == 400
    assert client_for(county_staff).get("/api/v1/rotations/due/", {"page_size": 1}).json()["count"] == 2


# Experts


def test_staff_build_the_expert_pool_invite_and_recruit(county_staff):
    client = client_for(county_staff)
    person = PersonFactory(name="才让")
    body = {
        "person": person.pk,
        "fields": ["agriculture", "skills"],
        "specialty": "牦牛养殖",
        "certifications": "高级农艺师\n省级乡村工匠",
    }
    created = client.post("/api/v1/experts/", body, format="json")
    assert created.status_code == 201, created.json()
    profile = created.json()
    assert (profile["region"], profile["field_names"], profile["certification_list"], profile["is_active"]) == (
        region("630102").pk,
        ["农牧业", "技能"],
        ["高级农艺师", "省级乡村工匠"],
        True,
    )
    assert (profile["joined_on"], profile["lectures"], profile["posts"]) == ("2026-11-27", 0, 0)
    again = client.post("/api/v1/experts/", body, format="json")
    assert again.status_code == 409 and again.json()["conflicts"] == [profile["id"]]
    no_field = client.post("/api/v1/experts/", {**body, "person": PersonFactory().pk, "fields": []}, format="json")
    assert no_field.status_code == 400 and list(no_field.json()) == ["fields"]
    reference = client.get("/api/v1/expertise-fields/").json()  # a plain list, in the admin's order
    assert [(row["code"], row["name"]) for row in reference[:2]] == [
        ("agriculture", "农牧业"),
        ("handicraft", "手工艺"),
    ]

    url = f"/api/v1/experts/{profile['id']}/"
    away = client.patch(url, {"availability": "unavailable", "fields": ["heritage"]}, format="json")
    assert away.status_code == 200, away.json()
    assert (away.json()["availability"], away.json()["fields"]) == ("unavailable", ["heritage"])
    session = CourseFactory(days_ago=-3).sessions.first()
    refused = client.post(f"{url}invite/", {"session": session.pk}, format="json")
    assert refused.status_code == 400 and list(refused.json()) == ["expert"]
    client.patch(url, {"availability": "available"}, format="json")
    invited = client.post(f"{url}invite/", {"session": session.pk}, format="json")
    assert invited.status_code == 201, invited.json()
    assert (invited.json()["kind"], invited.json()["course"]) == ("lecturer", session.course_id)
    assert person in session.lecturers.all()
    assert client.post(f"{url}invite/", {"session": session.pk}, format="json").status_code == 409
    recruited = client.post(
        f"{url}recruit/",
        {
            "organization": unit("630102", "science").pk,
            "post_type": "part_time",
            "title": "兼职副主席",
            "start_date": str(TODAY),
        },
        format="json",
    )
    assert recruited.status_code == 201, recruited.json()
    history = client.get(f"{url}engagements/").json()  # newest first: the lecture is in three days
    assert [(row["kind"], row["date"], row["organization_name"]) for row in history] == [
        ("lecturer", str(TODAY + dt.timedelta(days=3)), session.course.lead_organization.name),
        ("recruited", str(TODAY), unit("630102", "science").name),
    ]
    detail = client.get(url).json()
    assert (detail["lectures"], detail["posts"]) == (1, 1)
    retired = client.patch(url, {"is_active": False}, format="json")
    assert retired.json()["is_active"] is False
    assert ExpertEngagement.objects.filter(expert_id=profile["id"]).count() == 2


def test_expert_search_by_field_region_and_text(county_staff, province_admin):
    herder = expert(PersonFactory(name="牧民专家"), fields=("agriculture",), specialty="牦牛养殖")
    weaver = expert(PersonFactory(name="绣娘"), fields=("handicraft", "heritage"), specialty="湟绣")
    far = expert(PersonFactory(name="外县专家", region=region("630103")), specialty="马铃薯种植")
    services.expert_update(expert=weaver, availability="limited")
    client = client_for(province_admin)

    def ids(**params) -> set[int]:
        response = client.get("/api/v1/experts/", params)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids(field="agriculture") == {herder.pk, far.pk}
    assert ids(field="agriculture", region=region("630100").pk) == {herder.pk, far.pk}
    assert ids(field="agriculture", region=region("630102").pk) == {herder.pk}
    assert ids(search="湟绣") == ids(search="绣娘") == ids(availability="limited") == {weaver.pk}
    assert ids(is_active="true") == {herder.pk, weaver.pk, far.pk}
    assert client.get("/api/v1/experts/", {"field": "astrology"}).status_code == 400
    assert {row["id"] for row in client_for(county_staff).get("/api/v1/experts/").json()["results"]} == {
        herder.pk,
        weaver.pk,
    }


# Delta sync and query counts


def test_updated_since_returns_only_what_changed(county_staff, time_machine):
    old, changed = CourseFactory(title="早先的班"), CourseFactory(title="后来改过的班")
    person = cadre()
    attended(old, [person])
    old_expert = expert(PersonFactory())
    time_machine.move_to(NOW + dt.timedelta(hours=2), tick=False)
    services.course_update(course=changed, title="改过名的班")
    services.attendance_mark(session=old.sessions.first(), marks={person: ABSENT})
    new_expert = expert(PersonFactory())
    since = {"updated_since": (NOW + dt.timedelta(hours=1)).isoformat()}
    client = client_for(county_staff)

    def ids(resource: str, params=since) -> list[int]:
        response = client.get(f"/api/v1/{resource}/", params)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids("trainings") == [changed.pk]
    assert ids("training-sessions") == []
    assert ids("attendances") == [old.sessions.first().attendances.get(person=person).pk]
    assert ids("experts") == [new_expert.pk]
    assert set(ids("experts", {})) == {old_expert.pk, new_expert.pk}
    assert ids("rotations") == []
    assert client.get("/api/v1/trainings/", {"updated_since": "昨天"}).status_code == 400


def _queries(user, url: str, params=None) -> int:
    forget_scope(user)  # a fresh request reads the scope again
    client = client_for(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
        assert response.status_code == 200, response.json()
    return len(queries)


def _batch(index: int) -> TrainingCourse:
    """A course with co-organizers, two sessions, two cadres who attended, a rotation, and an expert who lectured."""
    course = CourseFactory(title=f"培训班{index}", co_organizers=[unit("630102", "women"), unit("630102", "science")])
    people = [cadre(name=f"学员{index}{n}", since=TODAY - dt.timedelta(days=6 * 365)) for n in range(2)]
    attended(course, people)
    start = TODAY + dt.timedelta(days=30)
    services.rotation_plan(
        from_post=people[0].post,
        to_organization=unit("630102", "women"),
        title="挂职",
        start_date=start,
        end_date=add_months(start, 12),
    )
    pool = expert(PersonFactory(name=f"专家{index}"), fields=("agriculture", "skills"))
    services.expert_invite(expert=pool, session=course.sessions.first())
    return course


def test_lists_take_the_same_number_of_queries_for_1_and_3_batches(county_staff):
    urls = (
        "/api/v1/trainings/",
        "/api/v1/training-sessions/",
        "/api/v1/attendances/",
        "/api/v1/rotations/",
        "/api/v1/rotations/due/",
        "/api/v1/experts/",
        "/api/v1/attendances/hours/",
        "/api/v1/expertise-fields/",
    )
    course = _batch(0)
    pool = Expert.objects.get()

    def counts() -> list[int]:
        lists = [_queries(county_staff, url) for url in urls]
        per_course = [
            _queries(county_staff, f"/api/v1/trainings/{course.pk}/roster/"),
            _queries(county_staff, f"/api/v1/experts/{pool.pk}/engagements/"),
            _queries(county_staff, "/api/v1/attendances/record/", {"person": course.enrollments.first().person_id}),
        ]
        return lists + per_course

    one = counts()
    for index in (1, 2):
        _batch(index)
        # The same course and expert grow too: more cadres on the roster, more lectures.
        more = [cadre(name=f"加{index}{n}") for n in range(2)]
        attended(course, more)
        for session in TrainingSession.objects.filter(course__title=f"培训班{index}"):
            if not session.lecturers.filter(pk=pool.person_id).exists():
                services.expert_invite(expert=pool, session=session)
        # And the record's cadre takes part in another course.
        attended(TrainingCourse.objects.get(title=f"培训班{index}"), [course.enrollments.first().person])
    three = counts()
    assert one == three
    client = client_for(county_staff)
    assert len(client.get(urls[0]).json()["results"]) == 3
    assert len(client.get(urls[2]).json()["results"]) == 3 * 4 + 8 + 4  # each batch, the extras, the record's cadre
    assert len(client.get(f"/api/v1/trainings/{course.pk}/roster/").json()) == 6
    assert Certificate.objects.count() == 0
