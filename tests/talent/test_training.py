"""Joint training: who may enroll, capacity, hours credited only for attended sessions, certificates
(a genuine code checks out, a forged one does not), the yearly requirement, and reminders sent once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.accounts.models import Notification
from apps.core.exceptions import ConflictError
from apps.talent import rules, selectors, services
from apps.talent.models import AttendanceStatus, Certificate, CourseStatus, TrainingRequirement
from tests.factories import UserFactory, federation, unit
from tests.members.factories import PersonFactory
from tests.talent.factories import CourseFactory, attended, cadre

pytestmark = pytest.mark.django_db

PRESENT, LEAVE, ABSENT = AttendanceStatus.PRESENT, AttendanceStatus.LEAVE, AttendanceStatus.ABSENT


@pytest.fixture
def course(qinghai):
    """Two past sessions of 4 hours each: 8 credit hours, 6.4 needed to complete."""
    return CourseFactory(title="城东区群团干部培训班", co_organizers=[unit("630102", "women")])


def test_hours_are_credited_only_for_attended_sessions(course):
    came, missed_one, on_leave = cadre(), cadre(), cadre()
    attended(course, [came])
    attended(course, [missed_one], statuses=[PRESENT, ABSENT])
    attended(course, [on_leave], statuses=[LEAVE, LEAVE])
    hours = services.credited_hours(course)
    assert hours[came.pk] == Decimal("8.0")
    assert hours[missed_one.pk] == Decimal("4.0")
    assert on_leave.pk not in hours
    roster = {row.enrollment.person_id: row for row in selectors.course_roster(course)}
    assert roster[on_leave.pk].hours == 0 and not roster[missed_one.pk].completed and roster[came.pk].completed


def test_a_corrected_sheet_corrects_the_hours(course):
    person = cadre()
    attended(course, [person])
    first = course.sessions.first()
    services.attendance_mark(session=first, marks={person: ABSENT})
    assert services.credited_hours(course)[person.pk] == Decimal("4.0")


def test_only_enrolled_cadres_get_a_mark_and_only_once_the_session_began(qinghai):
    course = CourseFactory(days_ago=-3)
    person, stranger = cadre(), cadre(name="未报名")
    services.course_enroll(course=course, people=[person])
    session = course.sessions.first()
    with pytest.raises(ValidationError, match="尚未开始"):
        services.attendance_mark(session=session, marks={person: PRESENT})
    with pytest.raises(ValidationError, match="未报名不在本班学员名单中"):
        services.attendance_mark(session=session, marks={person: PRESENT, stranger: PRESENT}, now=session.ends_at)
    assert not session.attendances.exists()  # all or nothing


def test_enrollment_takes_current_cadres_of_the_target_only(qinghai):
    course = CourseFactory(target_federation=federation("women"), target_level="county")
    women, union, nobody = cadre(unit("630102", "women")), cadre(), PersonFactory(name="群众甲")
    with pytest.raises(ValidationError) as refused:
        services.course_enroll(course=course, people=[women, union, nobody])
    messages = refused.value.message_dict["people"]
    assert any("当前任职不符合培训对象（妇联、县级干部）" in m for m in messages)
    assert any("群众甲不是在职干部" in m for m in messages)
    assert not course.enrollments.exists()
    services.course_enroll(course=course, people=[women])
    with pytest.raises(ValidationError, match="已在本班学员名单中"):
        services.course_enroll(course=course, people=[women])


def test_enrollment_beyond_capacity_is_a_conflict_that_names_the_places_left(qinghai):
    course = CourseFactory(capacity=2)
    services.course_enroll(course=course, people=[cadre()])
    with pytest.raises(ConflictError, match="还能报 1 人，本次 2 人"):
        services.course_enroll(course=course, people=[cadre(), cadre()])
    assert course.enrollments.count() == 1


def test_sessions_cannot_add_up_to_more_than_the_course_hours(qinghai):
    course = CourseFactory(credit_hours=Decimal("8"), sessions=2, hours=4)
    start = timezone.now() + dt.timedelta(days=5)
    with pytest.raises(ValidationError, match="超过培训班学时"):
        services.session_create(
            course=course, title="加课", starts_at=start, ends_at=start + dt.timedelta(hours=1), hours=1, location="x"
        )


def test_finishing_issues_certificates_to_completers_only(course):
    full, most, half = cadre(), cadre(), cadre()
    attended(course, [full, most])
    attended(course, [half], statuses=[PRESENT, ABSENT])
    issued = services.course_finish(course=course)
    assert {c.enrollment.person_id for c in issued} == {full.pk, most.pk}
    course.refresh_from_db()
    assert course.status == CourseStatus.FINISHED
    with pytest.raises(ValidationError):
        services.course_finish(course=course)


def test_certificate_code_checks_out_and_a_forged_one_does_not(course):
    person = cadre(name="卓玛")
    attended(course, [person])
    certificate = services.certificate_issue(enrollment=course.enrollments.get(person=person))
    assert len(certificate.code) == 19 and certificate.hours == Decimal("8.0")
    found = services.certificate_verify(certificate.code.lower().replace("-", " "))
    assert found == certificate and found.enrollment.person.name == "卓玛"
    forged = certificate.code[:-1] + ("A" if certificate.code[-1] != "A" else "B")
    assert services.certificate_verify(forged) is None
    assert services.certificate_verify("") is None and services.certificate_verify("<script>") is None
    with pytest.raises(ConflictError):
        services.certificate_issue(enrollment=course.enrollments.get(person=person))


def test_no_certificate_without_the_hours(course):
    person = cadre()
    attended(course, [person], statuses=[PRESENT, LEAVE])
    with pytest.raises(ValidationError, match="未达到结业要求的 6.4 学时"):
        services.certificate_issue(enrollment=course.enrollments.get(person=person))
    assert not Certificate.objects.exists()


def test_the_yearly_requirement_shows_who_is_behind(county_staff, course):
    year = timezone.localdate().year
    TrainingRequirement.objects.create(year=year - 1, hours=Decimal("6"))
    ahead, behind = cadre(name="学满"), cadre(name="欠学时")
    attended(course, [ahead])
    attended(course, [behind], statuses=[PRESENT, ABSENT])
    assert selectors.required_hours(year) == Decimal("6")  # the latest earlier year's
    listed = {p.name: p.year_hours for p in selectors.cadre_training_list(user=county_staff, year=year)}
    assert listed["学满"] == Decimal("8.0") and listed["欠学时"] == Decimal("4.0")
    behind_only = selectors.cadre_training_list(user=county_staff, year=year, behind_only=True)
    assert {p.name for p in behind_only} == {"欠学时"}
    record = selectors.cadre_training_record(user=county_staff, person=behind, year=year)
    assert record.hours == Decimal("4.0") and record.behind == Decimal("2.0")


def test_yearly_totals_count_held_sessions_and_trainee_times(province_admin, course):
    people = [cadre() for _ in range(3)]
    attended(course, people[:2])
    attended(course, people[2:], statuses=[PRESENT, ABSENT])
    CourseFactory(days_ago=-5)  # not held yet
    year = timezone.localtime(course.sessions.first().starts_at).year
    totals = selectors.training_year_totals(user=province_admin, year=year)
    assert (totals.sessions, totals.trainee_times, totals.trainees, totals.hours) == (2, 5, 3, Decimal("20.0"))


def test_reminders_go_once_to_enrolled_cadres_with_an_account(qinghai):
    course = CourseFactory(days_ago=-1, sessions=1)
    with_account, without = cadre(), cadre()
    with_account.user = UserFactory(username="cadre_account")
    with_account.save()
    services.course_enroll(course=course, people=[with_account, without])
    now = course.sessions.first().starts_at - dt.timedelta(days=1)
    assert services.session_reminders_send(now=now) == 1
    assert services.session_reminders_send(now=now) == 0
    (note,) = Notification.objects.filter(user=with_account.user)
    assert course.title in note.title


def test_staff_of_another_county_may_not_run_the_course(course, other_county_staff, county_staff):
    with pytest.raises(PermissionDenied):
        services.course_enroll(actor=other_county_staff, course=course, people=[cadre()])
    services.course_enroll(actor=county_staff, course=course, people=[cadre()])


def test_a_course_shows_to_the_staff_of_its_co_organizers_counties(qinghai, other_county_staff, county_staff):
    shared = CourseFactory(title="两区联办", co_organizers=[unit("630103", "women")])
    alone = CourseFactory(title="城东自办")
    assert list(selectors.course_list(user=other_county_staff)) == [shared]
    assert set(selectors.course_list(user=county_staff)) == {shared, alone}
    services.course_enroll(actor=other_county_staff, course=shared, people=[cadre(unit("630103", "women"))])


def test_the_candidate_list_and_the_enrolment_rule_agree_on_who_fits(county_staff):
    course = CourseFactory(target_federation=federation("women"), target_level="county", target_post_type="full_time")
    cadres = [
        cadre(unit("630102", "women"), name="县妇联专职"),
        cadre(unit("630102", "women"), post_type="part_time", name="县妇联兼职"),
        cadre(unit("630102", "union"), name="县工会专职"),
    ]
    listed = {p.name for p in selectors.enroll_candidates(user=county_staff, course=course)}
    fits = {p.name for p in cadres if rules.post_fits(course, p.post)}
    assert listed == fits == {"县妇联专职"}
