"""The admin door to talent co-cultivation: scoped, fast lists; every write through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.members.models import PostType
from apps.organizations.models import Role
from apps.organizations.services import role_assign
from apps.talent import services
from apps.talent.admin.courses import CERTIFIED, FINISHED
from apps.talent.admin.roster import CERTIFICATES_ISSUED, ENROLLED, WITHDRAWN
from apps.talent.admin.rotations import CANCELLED as ROTATIONS_CANCELLED
from apps.talent.admin.rotations import STARTED as ROTATIONS_STARTED
from apps.talent.models import (
    Attendance,
    AttendanceStatus,
    Certificate,
    CourseStatus,
    Enrollment,
    EnrollmentStatus,
    Expert,
    ExpertiseField,
    Rotation,
    RotationStatus,
    SessionReminder,
    TenureRule,
    TrainingCourse,
    TrainingRequirement,
    TrainingSession,
)
from apps.talent.rules import add_months
from apps.talent.services.rotations import NOT_PLANNED
from apps.talent.services.training import COURSE_CLOSED, SESSION_HAS_ATTENDANCE, SPECIFIC_NEEDS_FEDERATION
from tests.factories import UserFactory, region, unit
from tests.members.factories import PersonFactory, id_number
from tests.talent.factories import CourseFactory, attended, cadre, expert
from tests.venues.factories import aware

pytestmark = pytest.mark.django_db

NOW = aware(2026, 6, 15, 10)
TODAY = NOW.date()
PRESENT, ABSENT = AttendanceStatus.PRESENT, AttendanceStatus.ABSENT
READ_ONLY = ("certificate", "sessionreminder", "expertengagement")
MODELS = (
    "expertisefield",
    "tenurerule",
    "trainingrequirement",
    "trainingcourse",
    "trainingsession",
    "enrollment",
    "attendance",
    "certificate",
    "sessionreminder",
    "rotation",
    "expert",
    "expertengagement",
)


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def changelist(model: str) -> str:
    return reverse(f"admin:talent_{model}_changelist")


def add_page(model: str) -> str:
    return reverse(f"admin:talent_{model}_add")


def change_page(obj) -> str:
    return reverse(f"admin:talent_{obj._meta.model_name}_change", args=[obj.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def course_named(title: str, **kwargs) -> TrainingCourse:
    return TrainingCourse.objects.filter(title=title).first() or CourseFactory(title=title, **kwargs)


def women():
    return unit("630102", "women")


# Rows for the changelists: `count` of each, all in 城东区 ------------------------------------------


def _courses(count: int, start: int = 0) -> None:
    for number in range(start, start + count):
        CourseFactory(title=f"城东区干部培训班{number}", co_organizers=[women()], sessions=1)


def _sessions(count: int, start: int = 0) -> None:
    course = course_named("城东区系列讲座", credit_hours=Decimal("40"), sessions=0)
    for number in range(start, start + count):
        begins = NOW - dt.timedelta(days=number + 1)
        services.session_create(
            course=course,
            title=f"第 {number + 1} 讲",
            starts_at=begins,
            ends_at=begins + dt.timedelta(hours=2),
            hours=Decimal("1"),
            location="城东区群众之家",
            lecturers=[PersonFactory(name=f"讲师{number}")],
        )


def _enrollments(count: int, start: int = 0) -> None:
    course = course_named("城东区工会干部培训班", sessions=1, hours=4, credit_hours=Decimal("4"))
    people = [cadre(name=f"学员{number}") for number in range(start, start + count)]
    attended(course, people)
    services.certificate_issue(enrollment=course.enrollments.get(person=people[0]))


def _attendances(count: int, start: int = 0) -> None:
    course = course_named("城东区考勤培训班", sessions=1, hours=4, credit_hours=Decimal("4"))
    attended(course, [cadre(name=f"出勤学员{number}") for number in range(start, start + count)])


def _certificates(count: int, start: int = 0) -> None:
    course = course_named("城东区结业培训班", sessions=1, hours=4, credit_hours=Decimal("4"))
    people = [cadre(name=f"结业学员{number}") for number in range(start, start + count)]
    attended(course, people)
    for enrollment in course.enrollments.filter(person__in=people):
        services.certificate_issue(enrollment=enrollment)


def _reminders(count: int, start: int = 0) -> None:
    course = course_named("城东区提醒培训班", sessions=1, days_ago=-1)
    session = course.sessions.get()
    for number in range(start, start + count):
        # The reminder task's claim row, as session_reminders_send writes it.
        SessionReminder.objects.create(session=session, person=PersonFactory(name=f"提醒学员{number}"))


def plan(person, *, to=None, start: dt.date | None = None, months: int = 12) -> Rotation:
    start = start or TODAY + dt.timedelta(days=30)
    return services.rotation_plan(
        from_post=person.post,
        to_organization=to or women(),
        title="挂职副主席",
        start_date=start,
        end_date=add_months(start, months) - dt.timedelta(days=1),
    )


def _rotations(count: int, start: int = 0) -> None:
    for number in range(start, start + count):
        plan(cadre(name=f"轮岗干部{number}"))


def _experts(count: int, start: int = 0) -> None:
    for number in range(start, start + count):
        expert(PersonFactory(name=f"土专家{number}"), fields=("agriculture", "heritage"))


def _engagements(count: int, start: int = 0) -> None:
    session = course_named("城东区专家讲座", sessions=1).sessions.get()
    for number in range(start, start + count):
        services.expert_invite(expert=expert(PersonFactory(name=f"授课专家{number}")), session=session)


ROWS = {
    "trainingcourse": _courses,
    "trainingsession": _sessions,
    "enrollment": _enrollments,
    "attendance": _attendances,
    "certificate": _certificates,
    "sessionreminder": _reminders,
    "rotation": _rotations,
    "expert": _experts,
    "expertengagement": _engagements,
}


# Every page opens ---------------------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
def test_every_changelist_and_add_page_opens_for_a_provincial_admin(client, province_admin, model):
    TrainingRequirement.objects.create(year=2026, hours=Decimal("40"))  # the province enters it
    if model in ROWS:
        ROWS[model](1)
    client.force_login(province_admin)

    assert province_admin.is_staff and not province_admin.is_superuser
    assert client.get(changelist(model)).status_code == 200
    assert client.get(add_page(model)).status_code == (403 if model in READ_ONLY else 200)
    first = client.get(changelist(model)).context["cl"].result_list[0]
    assert client.get(change_page(first)).status_code == 200


@pytest.mark.parametrize("model", sorted(ROWS))
def test_a_changelist_costs_the_same_queries_for_2_and_6_rows(client, province_admin, model, django_assert_num_queries):
    client.force_login(province_admin)
    ROWS[model](2)
    client.get(changelist(model))  # warm the per-process caches (content types, site)
    with CaptureQueriesContext(connection) as two:
        assert client.get(changelist(model)).status_code == 200

    ROWS[model](4, start=2)

    with django_assert_num_queries(len(two.captured_queries)):
        response = client.get(changelist(model))
    assert len(response.context["cl"].result_list) == 6


@pytest.mark.parametrize("model", ["trainingcourse", "enrollment", "attendance", "rotation", "expert"])
def test_the_export_page_opens_where_there_is_an_export(client, province_admin, model):
    client.force_login(province_admin)
    assert client.get(reverse(f"admin:talent_{model}_export")).status_code == 200


# Reference data -----------------------------------------------------------------------------------


def test_the_province_edits_the_reference_data_and_county_staff_only_read_it(client, province_admin, county_staff):
    client.force_login(county_staff)
    assert client.get(changelist("tenurerule")).status_code == 200
    assert client.get(add_page("trainingrequirement")).status_code == 403

    client.force_login(province_admin)
    response = client.post(add_page("trainingrequirement"), {"year": "2027", "hours": "48", "_save": "保存"})

    assert response.status_code == 302
    assert TrainingRequirement.objects.get(year=2027).hours == Decimal("48")


def test_a_tenure_rule_with_its_range_reversed_is_refused(client, province_admin):
    rule = TenureRule.objects.get(post_type=PostType.ROTATION)
    client.force_login(province_admin)

    response = client.post(
        change_page(rule), {"post_type": PostType.ROTATION, "min_months": "24", "max_months": "6", "_save": "保存"}
    )

    assert response.status_code == 200
    rule.refresh_from_db()
    assert (rule.min_months, rule.max_months) == (6, 24)


def test_a_field_experts_are_filed_under_cannot_be_deleted(client, province_admin):
    expert(PersonFactory(name="扎西"), fields=("heritage",))
    client.force_login(province_admin)

    heritage = ExpertiseField.objects.get(code="heritage")
    unused = ExpertiseField.objects.get(code="legal")

    assert client.get(reverse("admin:talent_expertisefield_delete", args=[heritage.pk])).status_code == 403
    assert client.get(reverse("admin:talent_expertisefield_delete", args=[unused.pk])).status_code == 200


# Scope --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", sorted(ROWS))
def test_every_list_shows_staff_their_countys_rows_and_another_countys_staff_none(
    client, county_staff, other_county_staff, model
):
    ROWS[model](1)
    client.force_login(county_staff)
    (row,) = client.get(changelist(model)).context["cl"].result_list
    assert client.get(change_page(row)).status_code == 200

    client.force_login(other_county_staff)

    assert not client.get(changelist(model)).context["cl"].result_list
    assert client.get(change_page(row)).status_code == 404


@pytest.fixture
def courses_in_two_counties(qinghai):
    mine = CourseFactory(title="城东区群团干部培训班")
    theirs = CourseFactory(title="城中区群团干部培训班", lead=unit("630103", "union"))
    shared = CourseFactory(title="城中区联合培训班", lead=unit("630103", "women"), co_organizers=[women()])
    return mine, theirs, shared


def test_county_staff_see_their_countys_courses_and_those_it_co_organizes_and_the_others_answer_404(
    client, county_staff, courses_in_two_counties
):
    mine, theirs, shared = courses_in_two_counties
    client.force_login(county_staff)

    response = client.get(changelist("trainingcourse"))

    assert set(response.context["cl"].result_list) == {mine, shared}
    assert client.get(change_page(shared)).status_code == 200
    assert "城中区群团干部培训班" not in response.content.decode()
    assert client.get(change_page(mine)).status_code == 200
    assert client.get(change_page(theirs)).status_code == 404
    assert client.get(change_page(theirs.sessions.first())).status_code == 404


def test_a_co_organizers_liaison_sees_the_course_it_runs_together(client, courses_in_two_counties):
    mine, theirs, shared = courses_in_two_counties
    liaison = UserFactory(username="chengdong_women")
    role_assign(user=liaison, role=Role.FEDERATION_LIAISON, organization=women())
    client.force_login(liaison)

    response = client.get(changelist("trainingcourse"))

    assert list(response.context["cl"].result_list) == [shared]
    assert client.get(change_page(shared)).status_code == 200
    assert client.get(change_page(mine)).status_code == 404


def test_certificates_and_engagements_are_seen_with_their_enrollment_and_expert(
    client, county_staff, other_county_staff
):
    course = CourseFactory(title="城东区结业培训班")
    person = cadre(name="卓玛")
    attended(course, [person])
    certificate = services.certificate_issue(enrollment=course.enrollments.get())
    engagement = services.expert_invite(expert=expert(PersonFactory(name="扎西")), session=course.sessions.first())

    client.force_login(county_staff)
    assert list(client.get(changelist("certificate")).context["cl"].result_list) == [certificate]
    assert list(client.get(changelist("expertengagement")).context["cl"].result_list) == [engagement]
    client.force_login(other_county_staff)
    assert not client.get(changelist("certificate")).context["cl"].result_list
    assert not client.get(changelist("expertengagement")).context["cl"].result_list
    assert client.get(change_page(certificate)).status_code == 404


# Courses ------------------------------------------------------------------------------------------


def course_post(**overrides) -> dict:
    data = {
        "title": "城东区妇女干部培训班",
        "lead_organization": unit("630102", "union").pk,
        "co_organizers": [women().pk],
        "mode": "offline",
        "format": "concentrated",
        "is_common": "on",
        "federation": "",
        "credit_hours": "8",
        "target_federation": "",
        "target_level": "",
        "target_post_type": "",
        "capacity": "30",
        "description": "",
        "_save": "保存",
    }
    data.update(overrides)
    return data


def sessions_inline(count: int = 0) -> dict:
    return {
        "sessions-TOTAL_FORMS": str(count),
        "sessions-INITIAL_FORMS": str(count),
        "sessions-MIN_NUM_FORMS": "0",
        "sessions-MAX_NUM_FORMS": "1000",
    }


def test_a_course_added_in_the_admin_goes_through_course_create(client, county_staff):
    client.force_login(county_staff)

    response = client.post(add_page("trainingcourse"), course_post())

    assert response.status_code == 302
    course = TrainingCourse.objects.get()
    assert course.created_by == county_staff and course.status == CourseStatus.OPEN
    assert list(course.co_organizers.all()) == [women()]


def test_a_specific_course_without_its_federation_is_refused_on_that_field(client, county_staff):
    client.force_login(county_staff)

    response = client.post(add_page("trainingcourse"), course_post(is_common=""))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["federation"] == [SPECIFIC_NEEDS_FEDERATION]
    assert SPECIFIC_NEEDS_FEDERATION in response.content.decode()
    assert not TrainingCourse.objects.exists()


def test_a_course_changed_in_the_admin_goes_through_course_update(client, county_staff):
    course = CourseFactory(title="城东区干部培训班", co_organizers=[women()])
    client.force_login(county_staff)

    response = client.post(
        change_page(course),
        {**course_post(title="城东区干部培训班（春季）", co_organizers=[], capacity="40"), **sessions_inline(2)},
    )

    assert response.status_code == 302
    course.refresh_from_db()
    assert (course.title, course.capacity) == ("城东区干部培训班（春季）", 40)
    assert not course.co_organizers.exists() and course.sessions.count() == 2


def test_the_finish_action_issues_certificates_and_reports_each_refused_course(client, county_staff):
    course = CourseFactory(title="城东区干部培训班")
    done, missed = cadre(name="卓玛"), cadre(name="扎西")
    attended(course, [done])
    attended(course, [missed], statuses=[PRESENT, ABSENT])
    closed = CourseFactory(title="已取消的培训班")
    services.course_cancel(course=closed)
    client.force_login(county_staff)

    response = client.post(
        changelist("trainingcourse"),
        {"action": "finish_selected", "_selected_action": [course.pk, closed.pk]},
        follow=True,
    )

    course.refresh_from_db()
    assert course.status == CourseStatus.FINISHED
    assert list(Certificate.objects.values_list("enrollment__person__name", flat=True)) == ["卓玛"]
    shown = messages_of(response)
    assert FINISHED.format(count=1) in shown and CERTIFIED.format(count=1) in shown
    assert f"“已取消的培训班”未处理：{COURSE_CLOSED.format(status='取消')}" in shown


def test_the_cancel_action_cancels_through_the_service(client, county_staff):
    course = CourseFactory(title="城东区干部培训班", days_ago=-5)
    client.force_login(county_staff)

    client.post(changelist("trainingcourse"), {"action": "cancel_selected", "_selected_action": [course.pk]})

    course.refresh_from_db()
    assert course.status == CourseStatus.CANCELLED
    assert client.get(change_page(course)).status_code == 200  # to read: a closed course is not edited


# Sessions -----------------------------------------------------------------------------------------


def session_post(course, **overrides) -> dict:
    begins = NOW + dt.timedelta(days=3)
    data = {
        "course": course.pk,
        "title": "加课",
        "starts_at_0": begins.date().isoformat(),
        "starts_at_1": "09:00",
        "ends_at_0": begins.date().isoformat(),
        "ends_at_1": "11:00",
        "hours": "2",
        "location": "城东区群众之家",
        "room": "",
        "online_url": "",
        "lecturers": [],
        "contact_name": "",
        "contact_phone": "",
        "_save": "保存",
    }
    data.update(overrides)
    return data


def test_a_session_added_in_the_admin_goes_through_session_create(client, county_staff):
    course = CourseFactory(credit_hours=Decimal("10"), sessions=2, hours=4)
    lecturer = PersonFactory(name="讲师甲")
    client.force_login(county_staff)

    response = client.post(add_page("trainingsession"), session_post(course, lecturers=[lecturer.pk]))

    assert response.status_code == 302
    session = course.sessions.get(title="加课")
    assert list(session.lecturers.all()) == [lecturer] and session.hours == Decimal("2")


def test_a_session_beyond_the_course_hours_is_refused_on_its_hours(client, county_staff):
    course = CourseFactory(credit_hours=Decimal("8"), sessions=2, hours=4)
    client.force_login(county_staff)

    response = client.post(add_page("trainingsession"), session_post(course))

    assert response.status_code == 200
    (error,) = response.context["adminform"].form.errors["hours"]
    # The sum reads 10 on SQLite and 10.0 on PostgreSQL.
    totals = (Decimal("10"), Decimal("10.0"))
    assert error in {services.SESSION_HOURS_OVER.format(total=total, credit=Decimal("8.0")) for total in totals}
    assert course.sessions.count() == 2


def test_a_session_with_attendance_is_not_deleted_and_the_admin_says_why(client, province_admin):
    course = CourseFactory()
    attended(course, [cadre()])
    session = course.sessions.first()
    client.force_login(province_admin)

    response = client.post(reverse("admin:talent_trainingsession_delete", args=[session.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert TrainingSession.objects.filter(pk=session.pk).exists()
    assert f"未能删除“{session}”：{SESSION_HAS_ATTENDANCE}" in messages_of(response)


# Roster -------------------------------------------------------------------------------------------


def test_cadres_enrolled_in_bulk_in_the_admin_go_through_course_enroll(client, county_staff):
    course = CourseFactory(title="城东区干部培训班")
    first, second = cadre(name="卓玛"), cadre(name="扎西")
    client.force_login(county_staff)

    response = client.post(
        add_page("enrollment"), {"course": course.pk, "people": [first.pk, second.pk], "_save": "保存"}, follow=True
    )

    enrolled = [enrollment.person.name for enrollment in course.enrollments.order_by("id")]
    assert sorted(enrolled) == sorted(["卓玛", "扎西"])
    assert ENROLLED.format(course=course, count=2, names="、".join(enrolled)) in messages_of(response)


def test_a_bulk_enrollment_with_one_refusal_enrolls_nobody_and_names_why(client, county_staff):
    course = CourseFactory()
    fits, nobody = cadre(name="卓玛"), PersonFactory(name="群众甲")
    client.force_login(county_staff)

    response = client.post(add_page("enrollment"), {"course": course.pk, "people": [fits.pk, nobody.pk]})

    assert response.status_code == 200
    (error,) = response.context["adminform"].form.errors["people"]
    assert error == services.NOT_A_CADRE.format(name="群众甲", reason="不是在职干部（没有当前任职）")
    assert not Enrollment.objects.exists()


def test_a_full_course_is_refused_on_the_people_field(client, county_staff):
    course = CourseFactory(capacity=1)
    client.force_login(county_staff)

    response = client.post(add_page("enrollment"), {"course": course.pk, "people": [cadre().pk, cadre().pk]})

    assert response.status_code == 200
    assert "名额不足" in response.context["adminform"].form.errors["people"][0]
    assert not Enrollment.objects.exists()


def test_the_roster_actions_withdraw_and_certify_through_the_services(client, county_staff):
    course = CourseFactory()
    done, leaving = cadre(name="卓玛"), cadre(name="扎西")
    attended(course, [done])
    services.course_enroll(course=course, people=[leaving])
    client.force_login(county_staff)
    certified, withdrawn = course.enrollments.get(person=done), course.enrollments.get(person=leaving)

    certify = client.post(
        changelist("enrollment"),
        {"action": "certify_selected", "_selected_action": [certified.pk, withdrawn.pk]},
        follow=True,
    )
    withdraw = client.post(
        changelist("enrollment"), {"action": "withdraw_selected", "_selected_action": [withdrawn.pk]}, follow=True
    )

    assert Certificate.objects.get().enrollment == certified
    assert CERTIFICATES_ISSUED.format(count=1) in messages_of(certify)
    refused = services.NOT_COMPLETED.format(name="扎西", hours=0, needed=Decimal("6.4"))
    assert f"“{withdrawn}”未处理：{refused}" in messages_of(certify)
    withdrawn.refresh_from_db()
    assert withdrawn.status == EnrollmentStatus.WITHDRAWN and WITHDRAWN.format(count=1) in messages_of(withdraw)


def test_the_roster_shows_each_cadres_hours_and_masked_id_number(client, county_staff):
    course = CourseFactory()
    person = cadre(name="卓玛")
    attended(course, [person], statuses=[PRESENT, ABSENT])
    client.force_login(county_staff)

    response = client.get(changelist("enrollment"))

    (row,) = response.context["cl"].result_list
    assert row.hours == Decimal("4.0")
    page = response.content.decode()
    assert person.id_number_masked in page and person.id_number not in page


# Attendance ---------------------------------------------------------------------------------------


def test_a_mark_for_a_session_not_yet_begun_is_refused_on_the_session(client, county_staff):
    course = CourseFactory(days_ago=-3)
    person = cadre()
    services.course_enroll(course=course, people=[person])
    session = course.sessions.first()
    client.force_login(county_staff)

    response = client.post(
        add_page("attendance"), {"session": session.pk, "person": person.pk, "status": PRESENT, "_save": "保存"}
    )

    assert response.status_code == 200
    start = timezone.localtime(session.starts_at).strftime("%Y-%m-%d %H:%M")
    assert response.context["adminform"].form.errors["session"] == [services.NOT_STARTED.format(start=start)]
    assert not Attendance.objects.exists()


def test_a_mark_corrected_in_the_admin_goes_through_attendance_mark(client, county_staff):
    course = CourseFactory()
    person = cadre()
    attended(course, [person])
    mark = Attendance.objects.filter(person=person).first()
    client.force_login(county_staff)

    response = client.post(change_page(mark), {"status": ABSENT, "_save": "保存"})

    assert response.status_code == 302
    mark.refresh_from_db()
    assert mark.status == ABSENT and mark.marked_by == county_staff
    assert services.credited_hours(course)[person.pk] == Decimal("4.0")


def test_a_stranger_cannot_be_marked_present(client, county_staff):
    course = CourseFactory()
    stranger = cadre(name="未报名")
    client.force_login(county_staff)

    response = client.post(
        add_page("attendance"),
        {"session": course.sessions.first().pk, "person": stranger.pk, "status": PRESENT, "_save": "保存"},
    )

    assert response.context["adminform"].form.errors["person"] == [services.NOT_ENROLLED.format(name="未报名")]
    assert not Attendance.objects.exists()


# Certificates -------------------------------------------------------------------------------------


def test_a_certificate_is_found_by_its_code_as_people_type_it(client, county_staff):
    course = CourseFactory()
    people = [cadre(name="卓玛"), cadre(name="扎西")]
    attended(course, people)
    certificates = [services.certificate_issue(enrollment=e) for e in course.enrollments.order_by("id")]
    client.force_login(county_staff)

    typed = certificates[1].code.lower().replace("-", " ")
    response = client.get(changelist("certificate"), {"q": typed})

    assert list(response.context["cl"].result_list) == [certificates[1]]
    assert client.get(add_page("certificate")).status_code == 403


# Rotations ----------------------------------------------------------------------------------------


def rotation_post(person, start: dt.date, end: dt.date, **overrides) -> dict:
    data = {
        "from_post": person.post.pk,
        "to_organization": women().pk,
        "post_type": PostType.ROTATION,
        "title": "挂职副主席",
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "note": "",
        "_save": "保存",
    }
    data.update(overrides)
    return data


def test_a_rotation_planned_in_the_admin_goes_through_rotation_plan(client, county_staff):
    person = cadre(name="韩建国")
    start = TODAY + dt.timedelta(days=30)
    client.force_login(county_staff)

    response = client.post(add_page("rotation"), rotation_post(person, start, add_months(start, 12)))

    assert response.status_code == 302
    rotation = Rotation.objects.get()
    assert rotation.person == person and rotation.across_federations and rotation.created_by == county_staff


def test_a_rotation_too_short_or_overlapping_is_refused_with_the_services_message(client, county_staff):
    person = cadre(name="韩建国")
    start = TODAY + dt.timedelta(days=30)
    first = plan(person, start=start)
    client.force_login(county_staff)

    short = client.post(add_page("rotation"), rotation_post(person, start, start + dt.timedelta(days=30)))
    overlapping = client.post(add_page("rotation"), rotation_post(person, start, add_months(start, 12)))

    assert "任职期限至少 6 个月" in short.context["adminform"].form.errors["end_date"][0]
    (error,) = overlapping.context["adminform"].form.errors["start_date"]
    assert error == services.OVERLAPPING_ROTATION.format(
        name="韩建国", start=first.start_date, end=first.end_date, organization=women().name
    )
    assert Rotation.objects.count() == 1


def test_the_rotation_actions_start_and_cancel_through_the_services(client, county_staff):
    due = plan(cadre(name="韩建国"), start=TODAY)
    later = plan(cadre(name="马晓梅"))
    client.force_login(county_staff)

    started = client.post(
        changelist("rotation"), {"action": "start_selected", "_selected_action": [due.pk]}, follow=True
    )
    cancelled = client.post(
        changelist("rotation"), {"action": "cancel_selected", "_selected_action": [due.pk, later.pk]}, follow=True
    )

    due.refresh_from_db()
    later.refresh_from_db()
    assert due.status == RotationStatus.ACTIVE and due.post is not None
    assert later.status == RotationStatus.CANCELLED
    assert ROTATIONS_STARTED.format(count=1) in messages_of(started)
    shown = messages_of(cancelled)
    assert ROTATIONS_CANCELLED.format(count=1) in shown
    assert f"“{due}”未处理：{NOT_PLANNED.format(action='取消', status='轮岗中')}" in shown


# Experts ------------------------------------------------------------------------------------------


def expert_post(person, **overrides) -> dict:
    data = {
        "person": person.pk,
        "fields": [ExpertiseField.objects.get(code="agriculture").pk],
        "specialty": "牦牛养殖",
        "region": "",
        "certifications": "高级农艺师",
        "availability": "available",
        "availability_note": "",
        "joined_on": "",
        "_save": "保存",
    }
    data.update(overrides)
    return data


def test_an_expert_registered_in_the_admin_goes_through_expert_register(client, county_staff):
    person = PersonFactory(name="扎西")
    client.force_login(county_staff)

    response = client.post(add_page("expert"), expert_post(person))
    again = client.post(add_page("expert"), expert_post(person))

    assert response.status_code == 302
    registered = Expert.objects.get()
    assert (registered.region, registered.joined_on) == (region("630102"), TODAY)
    assert again.context["adminform"].form.errors["person"] == [services.ALREADY_EXPERT.format(name="扎西")]


def test_an_expert_changed_in_the_admin_goes_through_expert_update(client, county_staff):
    registered = expert(PersonFactory(name="扎西"))
    client.force_login(county_staff)
    data = expert_post(
        registered.person,
        fields=[ExpertiseField.objects.get(code="heritage").pk],
        specialty="藏绣",
        region=region("630102").pk,
        is_active="",
        **{
            "engagements-TOTAL_FORMS": "0",
            "engagements-INITIAL_FORMS": "0",
            "engagements-MIN_NUM_FORMS": "0",
            "engagements-MAX_NUM_FORMS": "1000",
        },
    )

    response = client.post(change_page(registered), data)

    assert response.status_code == 302
    registered.refresh_from_db()
    assert registered.specialty == "藏绣" and not registered.is_active
    assert list(registered.fields.values_list("code", flat=True)) == ["heritage"]


def test_an_experts_page_shows_the_history_of_lectures(client, county_staff):
    registered = expert(PersonFactory(name="扎西"))
    session = CourseFactory(title="城东区牦牛养殖培训班").sessions.first()
    services.expert_invite(expert=registered, session=session)
    client.force_login(county_staff)

    page = client.get(change_page(registered)).content.decode()

    assert "受邀授课" in page and "城东区牦牛养殖培训班" in page


def test_an_id_number_is_never_shown_on_the_talent_lists(client, province_admin):
    person = cadre(name="卓玛", id_number=id_number())
    course = CourseFactory()
    attended(course, [person])
    client.force_login(province_admin)

    for model in ("enrollment", "attendance"):
        page = client.get(changelist(model)).content.decode()
        assert person.id_number_masked in page and person.id_number not in page
