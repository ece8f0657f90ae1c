"""The staff pages of 人才共育 — courses and their calendar, bulk enrollment, the attendance sheet,
certificates and their public check, training records, rotations and experts — through the
browser's door, with its scope, its Chinese errors and constant query counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.members.models import PostType
from apps.organizations.models import Role
from apps.organizations.services import role_assign
from apps.talent import services
from apps.talent.forms import NO_MARKS
from apps.talent.models import (
    Attendance,
    AttendanceStatus,
    Certificate,
    CourseStatus,
    Enrollment,
    Expert,
    ExpertEngagement,
    ExpertiseField,
    Rotation,
    RotationStatus,
    TrainingCourse,
    TrainingFormat,
    TrainingMode,
    TrainingRequirement,
    TrainingSession,
)
from apps.talent.rules import add_months
from apps.talent.views.experts import PERSON_NOT_FOUND
from tests.factories import UserFactory, region, unit
from tests.members.factories import CadrePostFactory, PersonFactory, id_number
from tests.talent.factories import CourseFactory, attended, cadre, expert
from tests.venues.factories import make_room, make_venue

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 27)
PRESENT, LEAVE, ABSENT = AttendanceStatus.PRESENT, AttendanceStatus.LEAVE, AttendanceStatus.ABSENT


@pytest.fixture(autouse=True)
def frozen():
    # Noon in Xining.
    with time_machine.travel(dt.datetime(2026, 11, 27, 4, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def demo(county_staff, chengdong_union):
    """Like the 城东区 demo: a course held with the women's federation (two sessions of 4 hours,
    10 and 9 days ago), one about to start, a planned rotation, a cadre due to rotate, an expert."""
    women = unit("630102", "women")
    cadres = [cadre(chengdong_union, name=name) for name in ("马晓梅", "韩德福", "李桂兰")]
    course = CourseFactory(title="群众之家阵地服务培训", lead=chengdong_union, co_organizers=[women])
    attended(course, cadres[:2], statuses=[PRESENT, PRESENT])
    services.attendance_mark(session=course.sessions.last(), marks={cadres[1]: LEAVE}, now=timezone.now())
    upcoming = CourseFactory(title="冬季群团干部履职能力培训班", lead=women, sessions=1, days_ago=-3)
    rotation = services.rotation_plan(
        from_post=cadres[2].post,
        to_organization=women,
        title="挂职副主席",
        start_date=TODAY + dt.timedelta(days=30),
        end_date=add_months(TODAY + dt.timedelta(days=30), 12),
    )
    # Five years in a full-time post (its longest stay) end within the next 90 days.
    due = cadre(unit("630102", "youth_league"), name="祁玉珍", since=add_months(TODAY, -60) + dt.timedelta(days=30))
    pool = expert(PersonFactory(name="才让多杰"), fields=("agriculture",), specialty="牦牛养殖")
    return {
        "women": women,
        "cadres": cadres,
        "course": course,
        "upcoming": upcoming,
        "rotation": rotation,
        "due": due,
        "expert": pool,
    }


def text(response) -> str:
    return response.content.decode()


def _after(response, marker: str) -> str:
    page = text(response)
    return page[page.index(marker) :]


# Every page, and scope ------------------------------------------------------------------


def test_every_page_renders_for_county_staff_with_the_demo_like_data(client, county_staff, demo):
    client.force_login(county_staff)
    course, upcoming = demo["course"], demo["upcoming"]

    page = text(client.get(reverse("web-course-list")))
    assert "共 2 个培训班" in page and "群众之家阵地服务培训" in page
    assert "联合：西宁市城东区妇女联合会" in page and "线下 · 集中培训" in page
    row = _after(client.get(reverse("web-course-list")), f'id="course-{course.pk}"')
    assert 'data-figure="sessions">2<' in row and 'data-figure="enrolled">2 / 30<' in row
    assert "2026-11-17 至 2026-11-18" in row

    page = text(client.get(reverse("web-course-calendar"), {"month": "2026-11"}))
    assert "2026年11月" in page and "本月共 3 个课次" in page

    page = text(client.get(reverse("web-course-create")))
    assert 'id="course-form"' in page and "西宁市城东区妇女联合会（妇联）" in page

    response = client.get(reverse("web-course-detail", args=[course.pk]))
    page = text(response)
    assert "西宁市城东区妇女联合会" in _after(response, 'id="co-organizers"')
    assert "出勤满 <strong>6.4</strong> 学时可结业" in page
    assert 'id="session-form"' in page and "批量报名" in page
    roster = _after(response, 'id="roster-table"')
    assert 'data-figure="hours">8 / 6.4<' in roster and 'data-figure="hours">4 / 6.4<' in roster

    page = text(client.get(reverse("web-course-enroll", args=[course.pk])))
    assert "李桂兰" in _after(client.get(reverse("web-course-enroll", args=[course.pk])), 'id="candidate-list"')

    session = course.sessions.last()
    page = text(client.get(reverse("web-attendance-sheet", args=[session.pk])))
    assert 'id="all-present"' in page and "马晓梅" in page and "韩德福" in page
    assert 'data-status="present">出勤 1<' in page and 'data-status="leave">请假 1<' in page
    page = text(client.get(reverse("web-attendance-sheet", args=[upcoming.sessions.get().pk])))
    assert "课次尚未开始" in page

    page = text(client.get(reverse("web-cadre-training-list")))
    assert "2026 年度要求" in page and "马晓梅" in page
    assert '<option value="2026" selected>' in page  # the year shown is the year counted, not next year
    page = text(client.get(reverse("web-cadre-training-record", args=[demo["cadres"][0].pk])))
    assert 'id="figure-hours">8<' in page and "群众之家阵地服务培训" in page

    page = text(client.get(reverse("web-rotation-list")))
    assert "挂职副主席" in page and 'data-across="yes"' in page and 'id="count-across">1<' in page
    page = text(client.get(reverse("web-rotation-create")))
    assert 'id="rotation-form"' in page
    page = text(client.get(reverse("web-rotation-due")))
    assert "祁玉珍" in page and f"?post={demo['due'].post.pk}" in page

    page = text(client.get(reverse("web-expert-list")))
    assert "才让多杰" in page and "牦牛养殖" in page
    page = text(client.get(reverse("web-expert-detail", args=[demo["expert"].pk])))
    assert 'id="invite-form"' in page and 'id="recruit-form"' in page
    page = text(client.get(reverse("web-expert-create")))
    assert 'id="expert-form"' in page and "农牧业" in page

    page = text(client.get(reverse("web-person-record", args=[demo["cadres"][0].pk])))
    assert "培训与学时" in page and "群众之家阵地服务培训" in page


def test_the_nav_opens_the_talent_common(client, county_staff):
    client.force_login(county_staff)
    page = text(client.get(reverse("web-course-list")))
    assert f'<a class="nav-link active" aria-current="true" href="{reverse("web-course-list")}">人才共育</a>' in page
    for name, label in [
        ("web-course-calendar", "培训日历"),
        ("web-rotation-due", "轮岗到期"),
        ("web-expert-list", "土专家"),
    ]:
        assert f'href="{reverse(name)}">{label}</a>' in page


@pytest.mark.parametrize(
    "method, name, args",
    [
        ("get", "web-course-detail", lambda demo: [demo["course"].pk]),
        ("get", "web-course-enroll", lambda demo: [demo["course"].pk]),
        ("get", "web-attendance-sheet", lambda demo: [demo["course"].sessions.first().pk]),
        ("get", "web-cadre-training-record", lambda demo: [demo["cadres"][0].pk]),
        ("get", "web-expert-detail", lambda demo: [demo["expert"].pk]),
        ("post", "web-rotation-cancel", lambda demo: [demo["rotation"].pk]),
        ("post", "web-course-finish", lambda demo: [demo["course"].pk]),
        ("post", "web-expert-invite", lambda demo: [demo["expert"].pk]),
    ],
)
def test_another_countys_staff_get_404_on_chengdong_pages(client, other_county_staff, demo, method, name, args):
    client.force_login(other_county_staff)
    assert getattr(client, method)(reverse(name, args=args(demo))).status_code == 404
    assert Rotation.objects.get(pk=demo["rotation"].pk).status == RotationStatus.PLANNED
    assert TrainingCourse.objects.get(pk=demo["course"].pk).status == CourseStatus.OPEN


def test_the_lists_show_nothing_of_another_county(client, other_county_staff, demo):
    client.force_login(other_county_staff)
    assert "共 0 个培训班" in text(client.get(reverse("web-course-list")))
    assert "本月共 0 个课次" in text(client.get(reverse("web-course-calendar"), {"month": "2026-11"}))
    assert "共 0 名干部" in text(client.get(reverse("web-cadre-training-list")))
    assert "共 0 项轮岗安排" in text(client.get(reverse("web-rotation-list")))
    assert "共 0 名干部" in text(client.get(reverse("web-rotation-due")))
    assert "共 0 位土专家" in text(client.get(reverse("web-expert-list")))


def test_a_co_organizers_staff_see_the_course_led_elsewhere(client, demo, chengdong_union):
    """A liaison of 城东区总工会 sees a course the women's federation leads with the union, not one it leads alone."""
    joint = CourseFactory(title="巾帼建功联合培训", lead=demo["women"], co_organizers=[chengdong_union], sessions=0)
    liaison = UserFactory(username="chengdong_union_liaison")
    role_assign(user=liaison, role=Role.FEDERATION_LIAISON, organization=chengdong_union)
    client.force_login(liaison)
    assert client.get(reverse("web-course-detail", args=[joint.pk])).status_code == 200
    assert client.get(reverse("web-course-detail", args=[demo["upcoming"].pk])).status_code == 404
    assert "共 2 个培训班" in text(client.get(reverse("web-course-list")))


def test_a_user_without_the_permission_gets_the_chinese_403(client, mobile_user):
    client.force_login(mobile_user)
    for name in ("web-course-create", "web-rotation-create", "web-expert-create"):
        response = client.get(reverse(name))
        assert response.status_code == 403 and "您没有执行此操作的权限" in text(response)


# Courses --------------------------------------------------------------------------------


def test_the_list_filters_by_status_format_federation_and_search(client, county_staff, demo):
    services.course_cancel(course=demo["upcoming"])
    CourseFactory(title="青年网络学习班", lead=unit("630102", "youth_league"), format=TrainingFormat.VIDEO, sessions=0)
    client.force_login(county_staff)
    url = reverse("web-course-list")

    def results(**query) -> str:
        return _after(client.get(url, query), 'id="course-results"')

    assert "共 1 个培训班" in results(status=CourseStatus.CANCELLED)
    page = results(format=TrainingFormat.VIDEO)
    assert "共 1 个培训班" in page and "青年网络学习班" in page and "未排课" in page
    # The women's federation co-organizes one course and leads another.
    assert "共 2 个培训班" in results(federation=demo["women"].federation_id)
    assert "共 1 个培训班" in results(q="阵地")


def test_the_htmx_search_answers_with_the_results_only(client, county_staff, demo):
    client.force_login(county_staff)
    response = client.get(
        reverse("web-course-list"), {"q": "冬季"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="course-results"
    )
    assert "<html" not in text(response) and "共 1 个培训班" in text(response)


def test_the_calendar_shows_the_sessions_of_the_month_and_links_to_their_course(client, county_staff, demo):
    client.force_login(county_staff)
    course, upcoming = demo["course"], demo["upcoming"]
    page = text(client.get(reverse("web-course-calendar"), {"month": "2026-11"}))
    november = _after(client.get(reverse("web-course-calendar"), {"month": "2026-11"}), 'id="calendar"')
    for day, target in (("2026-11-17", course), ("2026-11-18", course), ("2026-11-30", upcoming)):
        cell = november[november.index(f'data-day="{day}"') :]
        cell = cell[: cell.index("</td>")]
        assert reverse("web-course-detail", args=[target.pk]) in cell, day
    assert "?month=2026-10" in page and "?month=2026-12" in page

    october = text(client.get(reverse("web-course-calendar"), {"month": "2026-10"}))
    assert "本月共 0 个课次" in october and "本月没有课次" in october
    # A nonsense month falls back on this one.
    assert "2026年11月" in text(client.get(reverse("web-course-calendar"), {"month": "soon"}))


def _course_form(chengdong_union, **changes) -> dict:
    data = {
        "title": "社区工会主席履职培训班",
        "lead_organization": chengdong_union.pk,
        "co_organizers": [unit("630102", "women").pk, unit("630102", "youth_league").pk],
        "mode": TrainingMode.BLENDED,
        "format": TrainingFormat.SEMINAR,
        "is_common": "0",
        "federation": chengdong_union.federation_id,
        "credit_hours": "12",
        "capacity": "40",
        "target_federation": chengdong_union.federation_id,
        "target_level": "",
        "target_post_type": PostType.PART_TIME,
        "description": "",
    }
    data.update(changes)
    return data


def test_a_course_created_through_the_form_has_its_co_organizers_and_target(client, county_staff, chengdong_union):
    client.force_login(county_staff)
    response = client.post(reverse("web-course-create"), _course_form(chengdong_union))

    course = TrainingCourse.objects.get(title="社区工会主席履职培训班")
    assert response.status_code == 302 and response.url == reverse("web-course-detail", args=[course.pk])
    assert {o.federation.code for o in course.co_organizers.all()} == {"women", "youth_league"}
    assert (course.is_common, course.federation.code, course.target_post_type) == (False, "union", "part_time")
    assert (course.credit_hours, course.capacity, course.created_by) == (Decimal("12"), 40, county_staff)
    assert "已创建培训班“社区工会主席履职培训班”。" in text(client.get(response.url))


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"federation": ""}, "federation", services.training.SPECIFIC_NEEDS_FEDERATION),
        ({"co_organizers": ["lead"]}, "co_organizers", services.training.CO_ORGANIZER_IS_LEAD),
        ({"credit_hours": "0"}, "credit_hours", "确保该值大于或等于0.5。"),
        ({"capacity": ""}, "capacity", "该字段是必填项"),
        ({"lead_organization": "outside"}, "lead_organization", "选择一个有效的选项"),
    ],
)
def test_bad_course_input_shows_the_chinese_error_on_its_field_and_writes_nothing(
    client, county_staff, chengdong_union, changes, field, message
):
    if changes.get("co_organizers") == ["lead"]:
        changes["co_organizers"] = [chengdong_union.pk]
    if changes.get("lead_organization") == "outside":
        changes["lead_organization"] = unit("630103").pk
    client.force_login(county_staff)
    response = client.post(reverse("web-course-create"), _course_form(chengdong_union, **changes))
    assert response.status_code == 400
    assert f'id="{field}-error">' in text(response) and message in text(response)
    assert not TrainingCourse.objects.exists()


def test_an_open_course_is_changed_through_the_form_but_never_below_its_roster(client, county_staff, demo):
    course = demo["course"]
    client.force_login(county_staff)
    url = reverse("web-course-update", args=[course.pk])
    page = text(client.get(url))
    assert 'value="群众之家阵地服务培训"' in page and "修改培训班" in page
    data = _course_form(course.lead_organization, title="群众之家阵地服务培训（第二期）", capacity="1")
    data.update(is_common="1", federation="", target_federation="", target_post_type="", credit_hours="8")
    refused = client.post(url, data)
    assert refused.status_code == 400 and "已有 2 名学员，名额不能少于此数。" in text(refused)
    course.refresh_from_db()
    assert course.title == "群众之家阵地服务培训"
    response = client.post(url, {**data, "capacity": "45", "co_organizers": [demo["women"].pk]})
    assert response.status_code == 302
    course.refresh_from_db()
    assert (course.title, course.capacity) == ("群众之家阵地服务培训（第二期）", 45)
    assert list(course.co_organizers.all()) == [demo["women"]]
    services.course_cancel(course=demo["upcoming"])
    closed = client.get(reverse("web-course-update", args=[demo["upcoming"].pk]))
    assert closed.status_code == 302


def _session_form(**changes) -> dict:
    data = {
        "session-title": "第 3 讲：阵地服务规范",
        "session-starts_at": "2026-12-02T09:00",
        "session-ends_at": "2026-12-02T11:00",
        "session-hours": "2",
        "session-room": "",
        "session-location": "城东区群众之家三楼",
        "session-online_url": "",
        "session-lecturers": [],
    }
    data.update(changes)
    return data


def test_a_session_is_added_with_a_lecturer(client, county_staff, demo):
    course = CourseFactory(title="新开班", sessions=0, credit_hours=Decimal("8"))
    client.force_login(county_staff)
    teacher = demo["cadres"][0]
    response = client.post(
        reverse("web-session-create", args=[course.pk]), _session_form(**{"session-lecturers": [teacher.pk]})
    )
    assert response.status_code == 302
    session = course.sessions.get()
    assert session.title == "第 3 讲：阵地服务规范" and list(session.lecturers.all()) == [teacher]
    assert timezone.localtime(session.starts_at).hour == 9 and session.hours == Decimal("2")
    page = text(client.get(response.url))
    assert "已添加课次“第 3 讲：阵地服务规范”。" in page and "授课：马晓梅" in page


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"session-ends_at": "2026-12-02T08:00"}, "session-ends_at", services.training.SESSION_TIMES),
        ({"session-location": ""}, "session-location", services.training.SESSION_WHERE),
        ({"session-hours": "6"}, "session-hours", "超过培训班学时"),
        ({"session-online_url": "not a link"}, "session-online_url", "请输入合法的URL。"),
    ],
)
def test_a_refused_session_shows_why_on_its_field_and_writes_nothing(
    client, county_staff, demo, changes, field, message
):
    course = demo["course"]
    client.force_login(county_staff)
    response = client.post(reverse("web-session-create", args=[course.pk]), _session_form(**changes))
    assert response.status_code == 400
    assert f'id="{field}-error">' in text(response) and message in text(response)
    assert course.sessions.count() == 2


def test_a_session_in_a_room_books_it_and_a_taken_room_is_a_409_on_the_room(client, county_staff, demo):
    room = make_room(make_venue(name="城东区群众之家"), name="多功能厅", capacity=40)
    course = CourseFactory(title="新开班", sessions=0)
    client.force_login(county_staff)
    url = reverse("web-session-create", args=[course.pk])
    response = client.post(url, _session_form(**{"session-room": room.pk, "session-location": ""}), follow=True)
    session = course.sessions.get()
    assert session.booking.room == room and session.location == "城东区群众之家 多功能厅"
    assert "已添加课次“第 3 讲：阵地服务规范”，已预约 城东区群众之家 多功能厅。" in text(response)

    other = CourseFactory(title="另一班", sessions=0)
    response = client.post(reverse("web-session-create", args=[other.pk]), _session_form(**{"session-room": room.pk}))
    assert response.status_code == 409 and 'id="session-room-error">' in text(response)
    assert not other.sessions.exists()


def test_finishing_issues_certificates_to_the_completers_and_cancelling_is_then_refused(client, county_staff, demo):
    course = demo["course"]
    client.force_login(county_staff)
    response = client.post(reverse("web-course-finish", args=[course.pk]), follow=True)
    # 马晓梅 attended 8 hours; 韩德福 4 (on leave for the second session).
    assert "培训班已结业，颁发结业证书 1 份。" in text(response)
    certificate = Certificate.objects.get()
    assert certificate.enrollment.person == demo["cadres"][0] and certificate.hours == Decimal("8.0")
    assert certificate.code in text(response)
    response = client.post(reverse("web-course-cancel", args=[course.pk]), follow=True)
    assert "培训班已结业，不能再修改。" in text(response)
    assert TrainingCourse.objects.get(pk=course.pk).status == CourseStatus.FINISHED


def test_a_course_is_not_finished_before_its_last_session(client, county_staff, demo):
    upcoming = demo["upcoming"]
    client.force_login(county_staff)
    assert 'id="finish-course"' not in text(client.get(reverse("web-course-detail", args=[upcoming.pk])))
    response = client.post(reverse("web-course-finish", args=[upcoming.pk]), follow=True)
    assert "之后才能结业" in text(response)
    assert TrainingCourse.objects.get(pk=upcoming.pk).status == CourseStatus.OPEN


def test_a_completer_gets_a_certificate_before_the_course_closes_and_others_are_refused(client, county_staff, demo):
    course = demo["course"]
    done, short = (course.enrollments.get(person=person) for person in demo["cadres"][:2])
    client.force_login(county_staff)
    response = client.post(reverse("web-certificate-issue", args=[course.pk, short.pk]), follow=True)
    assert "韩德福出勤 4" in text(response) and "学时，未达到结业要求的 6.4 学时。" in text(response)
    response = client.post(reverse("web-certificate-issue", args=[course.pk, done.pk]), follow=True)
    assert "已为马晓梅颁发结业证书" in text(response)
    assert Certificate.objects.get().enrollment == done


# The certificate, its PDF and its public check -------------------------------------------


@pytest.fixture
def certificate(demo):
    services.course_finish(course=demo["course"])
    return Certificate.objects.select_related("enrollment").get()


def test_the_certificate_pdf_is_a_pdf_pointing_at_the_public_check(client, county_staff, demo, certificate):
    client.force_login(county_staff)
    response = client.get(reverse("web-certificate-pdf", args=[demo["course"].pk, certificate.enrollment_id]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"] and certificate.code in response["Content-Disposition"]


def test_the_certificate_pdf_is_not_served_to_another_county(client, other_county_staff, demo, certificate):
    client.force_login(other_county_staff)
    url = reverse("web-certificate-pdf", args=[demo["course"].pk, certificate.enrollment_id])
    assert client.get(url).status_code == 404


def test_anyone_checks_a_genuine_code_and_sees_the_name_masked(client, demo, certificate):
    # No login: the code printed on the certificate is all one needs.
    response = client.get(reverse("web-certificate-verify"), {"code": certificate.code.lower().replace("-", " ")})
    page = text(response)
    assert response.status_code == 200 and 'data-result="genuine"' in page
    assert 'id="verify-name">马＊＊<' in page and "马晓梅" not in page
    assert 'id="verify-course">群众之家阵地服务培训<' in page and 'id="verify-hours">8 学时<' in page
    assert "西宁市城东区总工会、西宁市城东区妇女联合会" in page and "2026年11月27日" in page


@pytest.mark.parametrize("code", ["ABCD-EFGH-JKMN-PQRS", "123", "<script>"])
def test_a_forged_or_unknown_code_cannot_be_verified(client, demo, certificate, code):
    response = client.get(reverse("web-certificate-verify"), {"code": code})
    page = text(response)
    assert response.status_code == 200 and 'data-result="unknown"' in page and "无法核验" in page
    assert "马" not in page[page.index('id="verify-result"') :]


def test_the_check_without_a_code_asks_for_one(client, qinghai):
    assert "data-result" not in text(client.get(reverse("web-certificate-verify")))
    page = text(client.get(reverse("web-certificate-verify"), {"code": ""}))
    assert 'id="code-error">请输入证书上的验证码。' in page


# Bulk enrollment ------------------------------------------------------------------------


def test_cadres_are_enrolled_in_bulk(client, county_staff, demo):
    course, newcomer = demo["course"], demo["cadres"][2]
    other = cadre(unit("630102", "women"), name="白雪")
    client.force_login(county_staff)
    response = client.post(reverse("web-course-enroll", args=[course.pk]), {"people": [newcomer.pk, other.pk]})
    assert response.status_code == 302 and response.url.endswith("#roster")
    assert set(course.enrollments.values_list("person__name", flat=True)) == {"马晓梅", "韩德福", "李桂兰", "白雪"}
    assert "已将 2 名干部加入学员名单" in text(client.get(response.url))


def test_the_candidates_are_current_cadres_in_scope_fitting_the_target_and_not_yet_enrolled(client, county_staff, demo):
    course = CourseFactory(title="工会专职干部班", target_post_type=PostType.FULL_TIME, sessions=0)
    services.course_enroll(course=course, people=[demo["cadres"][0]])
    cadre(unit("630102", "women"), name="兼职委员", post_type=PostType.PART_TIME)
    cadre(unit("630103"), name="城中区干部")
    PersonFactory(name="普通群众")
    client.force_login(county_staff)
    listed = _after(client.get(reverse("web-course-enroll", args=[course.pk])), 'id="candidate-list"')
    assert "韩德福" in listed and "李桂兰" in listed
    for name in ("马晓梅", "兼职委员", "城中区干部", "普通群众"):
        assert name not in listed
    searched = text(
        client.get(
            reverse("web-course-enroll", args=[course.pk]),
            {"q": "韩", "people": [demo["cadres"][2].pk]},
            HTTP_HX_REQUEST="true",
            HTTP_HX_TARGET="candidate-results",
        )
    )
    # The search narrows the list; what was ticked stays ticked.
    assert "<html" not in searched and "韩德福" in searched
    assert f'value="{demo["cadres"][2].pk}" id="person-{demo["cadres"][2].pk}" checked' in searched


def test_every_refusal_of_a_bulk_enrollment_is_listed_and_nobody_is_added(client, county_staff, demo):
    course = demo["course"]
    bystander = PersonFactory(name="普通群众")
    client.force_login(county_staff)
    before = Enrollment.objects.count()
    response = client.post(
        reverse("web-course-enroll", args=[course.pk]),
        {"people": [demo["cadres"][2].pk, demo["cadres"][0].pk, bystander.pk]},
    )
    assert response.status_code == 400
    refusals = _after(response, 'id="enroll-refusals"')
    assert "马晓梅已在本班学员名单中。" in refusals
    assert "普通群众不是在职干部（没有当前任职）。" in refusals
    assert Enrollment.objects.count() == before
    # The ticked ones are still ticked, to fix and resend.
    assert f'id="person-{demo["cadres"][2].pk}" checked' in text(response)


def test_a_bulk_enrollment_over_capacity_is_a_409_and_a_stranger_is_refused(client, county_staff, demo):
    course = CourseFactory(title="小班", capacity=1, sessions=0)
    client.force_login(county_staff)
    url = reverse("web-course-enroll", args=[course.pk])
    response = client.post(url, {"people": [person.pk for person in demo["cadres"]]})
    assert response.status_code == 409 and "名额不足：本班共 1 个名额，已报 0 人，还能报 1 人，本次 3 人。" in text(
        response
    )
    stranger = cadre(
        unit("630103"), name="城中区干部", region=region("630103"), id_number=id_number(region_code="630103")
    )
    response = client.post(url, {"people": [stranger.pk]})
    assert response.status_code == 400 and "所选人员中有人不在您的管辖范围内" in text(response)
    response = client.post(url, {})
    assert response.status_code == 400 and "请选择至少一名学员。" in text(response)
    assert not course.enrollments.exists()


def test_a_cadre_withdraws_but_not_once_certified(client, county_staff, demo):
    course = demo["course"]
    short, done = (course.enrollments.get(person=person) for person in demo["cadres"][1::-1])
    services.certificate_issue(enrollment=done)
    client.force_login(county_staff)
    response = client.post(reverse("web-enrollment-withdraw", args=[course.pk, short.pk]), follow=True)
    assert "韩德福已退出本班。" in text(response)
    response = client.post(reverse("web-enrollment-withdraw", args=[course.pk, done.pk]), follow=True)
    assert "马晓梅已取得本班结业证书。" in text(response)
    assert Enrollment.objects.get(pk=done.pk).status == "enrolled"


# Attendance -----------------------------------------------------------------------------


def test_the_attendance_sheet_saves_every_mark_in_one_post(client, county_staff, demo):
    course = demo["course"]
    newcomer = demo["cadres"][2]
    services.course_enroll(course=course, people=[newcomer])
    session = course.sessions.first()
    ma, han = demo["cadres"][:2]
    client.force_login(county_staff)
    response = client.post(
        reverse("web-attendance-sheet", args=[session.pk]),
        {f"p{ma.pk}": ABSENT, f"p{han.pk}": PRESENT, f"p{newcomer.pk}": LEAVE},
        follow=True,
    )
    marks = dict(Attendance.objects.filter(session=session).values_list("person__name", "status"))
    assert marks == {"马晓梅": ABSENT, "韩德福": PRESENT, "李桂兰": LEAVE}
    page = text(response)
    assert "已保存 3 人的考勤：出勤 1，请假 1，缺勤 1。" in page
    assert f'id="id_p{newcomer.pk}_leave" value="leave" autocomplete="off" checked' in page
    assert Attendance.objects.get(session=session, person=han).marked_by == county_staff


def test_an_empty_sheet_and_a_sheet_before_the_session_are_refused(client, county_staff, demo):
    client.force_login(county_staff)
    session = demo["course"].sessions.first()
    response = client.post(reverse("web-attendance-sheet", args=[session.pk]), {})
    assert response.status_code == 400 and NO_MARKS in text(response)

    upcoming = demo["upcoming"]
    services.course_enroll(course=upcoming, people=[demo["cadres"][0]])
    later = upcoming.sessions.get()
    before = Attendance.objects.count()
    response = client.post(reverse("web-attendance-sheet", args=[later.pk]), {f"p{demo['cadres'][0].pk}": PRESENT})
    assert response.status_code == 400 and "课次尚未开始" in text(response)
    assert Attendance.objects.count() == before


def test_an_unknown_mark_is_refused_in_chinese(client, county_staff, demo):
    client.force_login(county_staff)
    session = demo["course"].sessions.first()
    response = client.post(reverse("web-attendance-sheet", args=[session.pk]), {f"p{demo['cadres'][0].pk}": "late"})
    assert response.status_code == 400 and "选择一个有效的选项" in text(response)
    assert Attendance.objects.get(session=session, person=demo["cadres"][0]).status == PRESENT


# Training records -----------------------------------------------------------------------


def test_the_behind_list_keeps_those_under_the_requirement(client, county_staff, demo):
    client.force_login(county_staff)
    url = reverse("web-cadre-training-list")
    page = _after(client.get(url, {"behind": "on"}), 'id="cadre-results"')
    # 32 hours a year by default: everybody is behind, 马晓梅 by 24.0.
    assert "共 4 名干部未达到要求" in page and 'id="required-hours">32<' in page
    row = page[page.index("马晓梅") :]
    assert 'data-figure="hours">8<' in row and 'data-figure="behind">24<' in row
    TrainingRequirement.objects.create(year=2026, hours=Decimal("6"))
    page = _after(client.get(url, {"behind": "on", "year": "2026"}), 'id="cadre-results"')
    assert "共 3 名干部未达到要求" in page and "马晓梅" not in page
    assert "共 0 名干部" in _after(client.get(url, {"year": "2025", "q": "不存在"}), 'id="cadre-results"')


def test_a_cadres_record_shows_the_years_courses_hours_and_certificate(client, county_staff, demo, certificate):
    client.force_login(county_staff)
    url = reverse("web-cadre-training-record", args=[demo["cadres"][0].pk])
    page = text(client.get(url, {"year": "2026"}))
    assert 'id="figure-required">32<' in page and 'id="figure-hours">8<' in page and 'id="figure-behind">24<' in page
    assert certificate.code in page
    assert "当年没有参加培训" in text(client.get(url, {"year": "2025"}))


# Rotations ------------------------------------------------------------------------------


def _rotation_form(post, women, **changes) -> dict:
    start = TODAY + dt.timedelta(days=10)
    data = {
        "from_post": post.pk,
        "to_organization": women.pk,
        "post_type": PostType.ROTATION,
        "title": "挂职副主席",
        "start_date": start.isoformat(),
        "end_date": add_months(start, 12).isoformat(),
        "note": "",
    }
    data.update(changes)
    return data


def test_a_rotation_is_planned_from_the_due_list(client, county_staff, demo):
    due = demo["due"]
    client.force_login(county_staff)
    form = text(client.get(reverse("web-rotation-create"), {"post": due.post.pk}))
    assert f'<option value="{due.post.pk}" selected>' in form
    response = client.post(reverse("web-rotation-create"), _rotation_form(due.post, demo["women"]))
    assert response.status_code == 302
    rotation = Rotation.objects.get(person=due)
    assert rotation.across_federations and rotation.status == RotationStatus.PLANNED
    page = text(client.get(response.url))
    assert "已安排祁玉珍到西宁市城东区妇女联合会轮岗" in page
    assert "祁玉珍" not in _after(client.get(reverse("web-rotation-due")), 'id="due-results"')


@pytest.mark.parametrize(
    "case, status, field, message",
    [
        ("too short", 400, "end_date", "轮岗任职期限至少 6 个月"),
        ("too long", 400, "end_date", "轮岗任职期限至多 24 个月"),
        ("same organization", 400, "to_organization", "轮岗组织须与原任职组织不同。"),
        ("too early", 400, "start_date", "须任职满 24 个月"),
        ("overlapping", 409, None, "已有轮岗安排（西宁市城东区妇女联合会），轮岗期间不能重叠。"),
        ("no title", 400, "title", "该字段是必填项"),
    ],
)
def test_a_refused_rotation_shows_why_in_chinese_and_writes_nothing(
    client, county_staff, demo, case, status, field, message
):
    post, women = demo["cadres"][2].post, demo["women"]
    start = TODAY + dt.timedelta(days=10)
    changes = {
        "too short": {"end_date": add_months(start, 3).isoformat()},
        "too long": {"end_date": add_months(start, 30).isoformat()},
        "same organization": {"to_organization": post.organization_id},
        "too early": {},
        "overlapping": {},
        "no title": {"title": ""},
    }[case]
    if case == "too early":
        post = cadre(unit("630102"), name="新任干部", since=TODAY - dt.timedelta(days=100)).post
    client.force_login(county_staff)
    before = Rotation.objects.count()
    response = client.post(reverse("web-rotation-create"), _rotation_form(post, women, **changes))
    assert response.status_code == status
    page = text(response)
    assert message in page
    if field:
        assert f'id="{field}-error">' in page
    else:
        assert 'class="alert alert-danger"' in page
    assert Rotation.objects.count() == before


def test_a_rotation_starts_completes_and_a_cancel_of_a_running_one_is_refused(client, county_staff, demo):
    rotation = demo["rotation"]
    client.force_login(county_staff)
    response = client.post(reverse("web-rotation-start", args=[rotation.pk]), follow=True)
    assert "尚未到开始日期" in text(response)
    with time_machine.travel(dt.datetime(2027, 1, 1, 4, 0, tzinfo=dt.UTC), tick=False):
        client.force_login(county_staff)  # a month later: a new session
        response = client.post(reverse("web-rotation-start", args=[rotation.pk]), follow=True)
        assert "轮岗已开始，李桂兰的轮岗任职已生效。" in text(response)
        response = client.post(reverse("web-rotation-cancel", args=[rotation.pk]), follow=True)
        assert "只有计划中的轮岗可以取消（当前：轮岗中）。" in text(response)
        response = client.post(reverse("web-rotation-complete", args=[rotation.pk]), follow=True)
        assert "轮岗已结束。" in text(response)
    rotation.refresh_from_db()
    assert rotation.status == RotationStatus.COMPLETED and rotation.post is not None


def test_the_rotation_list_counts_within_and_across_federations_for_the_year(client, county_staff, demo):
    services.rotation_plan(
        from_post=demo["due"].post,
        to_organization=unit("630100", "youth_league"),
        title="轮岗干事",
        start_date=TODAY + dt.timedelta(days=5),
        end_date=add_months(TODAY, 8),
    )
    client.force_login(county_staff)
    page = text(client.get(reverse("web-rotation-list"), {"year": "2026"}))
    assert 'id="count-within">1<' in page and 'id="count-across">1<' in page
    page = text(client.get(reverse("web-rotation-list"), {"year": "2026", "status": RotationStatus.PLANNED}))
    assert "共 2 项轮岗安排" in page
    page = text(client.get(reverse("web-rotation-list"), {"year": "2026", "status": RotationStatus.ACTIVE}))
    assert "共 0 项轮岗安排" in page


# Experts --------------------------------------------------------------------------------


def test_the_expert_search_finds_by_field_region_text_and_availability(client, county_staff, demo):
    expert(PersonFactory(name="卓玛", region=region("630102")), fields=("handicraft", "heritage"), specialty="青绣")
    expert(PersonFactory(name="索南"), fields=("agriculture",), specialty="牦牛改良", availability="unavailable")
    client.force_login(county_staff)
    url = reverse("web-expert-list")

    def results(**query) -> str:
        return _after(client.get(url, query), 'id="expert-results"')

    assert "共 3 位土专家" in results()
    page = results(field=ExpertiseField.objects.get(code="heritage").pk)
    assert "共 1 位土专家" in page and "卓玛" in page
    assert "共 2 位土专家" in results(q="牦牛")
    assert "共 1 位土专家" in results(q="牦牛", available="on")
    assert "共 3 位土专家" in results(region=region("630102").pk)


def test_an_expert_is_registered_by_id_number(client, county_staff, demo):
    number = id_number(age=48, gender="female")
    person = PersonFactory(name="卓玛", id_number=number)
    client.force_login(county_staff)
    data = {
        "id_number": number,
        "expertise": [ExpertiseField.objects.get(code="handicraft").pk],
        "specialty": "青绣",
        "region": "",
        "certifications": "省级非遗传承人\n高级工艺美术师",
        "availability": "available",
        "availability_note": "",
    }
    response = client.post(reverse("web-expert-create"), data)
    registered = Expert.objects.get(person=person)
    assert response.status_code == 302 and response.url == reverse("web-expert-detail", args=[registered.pk])
    assert registered.region == person.region and registered.certification_list == ["省级非遗传承人", "高级工艺美术师"]

    response = client.post(reverse("web-expert-create"), data)
    assert response.status_code == 409 and 'id="id_number-error">卓玛已在专家库中。' in text(response)


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"id_number": "unknown"}, "id_number", PERSON_NOT_FOUND),
        ({"expertise": []}, "expertise", "请选择至少一个专长领域。"),
        ({"specialty": "  "}, "specialty", "该字段是必填项"),
    ],
)
def test_a_refused_expert_shows_why_and_writes_nothing(client, county_staff, qinghai, changes, field, message):
    person = PersonFactory(name="卓玛")
    data = {
        "id_number": person.id_number,
        "expertise": [ExpertiseField.objects.get(code="handicraft").pk],
        "specialty": "青绣",
        "availability": "available",
    }
    if changes.get("id_number") == "unknown":
        changes["id_number"] = id_number()
    data.update(changes)
    client.force_login(county_staff)
    response = client.post(reverse("web-expert-create"), data)
    assert response.status_code == 400
    assert f'id="{field}-error">' in text(response) and message in text(response)
    assert not Expert.objects.exists()


def test_an_expert_is_invited_to_teach_and_a_second_invitation_is_a_409(client, county_staff, demo):
    pool, session = demo["expert"], demo["upcoming"].sessions.get()
    client.force_login(county_staff)
    url = reverse("web-expert-invite", args=[pool.pk])
    response = client.post(url, {"invite-session": session.pk, "invite-note": ""}, follow=True)
    assert "已邀请才让多杰为“冬季群团干部履职能力培训班 · 第 1 讲”授课。" in text(response)
    assert list(TrainingSession.objects.get(pk=session.pk).lecturers.all()) == [pool.person]
    assert "受邀授课" in _after(response, 'id="engagement-list"')

    response = client.post(url, {"invite-session": session.pk})
    assert response.status_code == 409 and 'id="invite-session-error">才让多杰已是该课次的授课人。' in text(response)
    # A past session is not offered.
    response = client.post(url, {"invite-session": demo["course"].sessions.first().pk})
    assert response.status_code == 400 and 'id="invite-session-error">选择一个有效的选项' in text(response)
    assert ExpertEngagement.objects.count() == 1


def test_an_unavailable_expert_is_not_invited(client, county_staff, demo):
    pool = demo["expert"]
    services.expert_update(expert=pool, availability="unavailable")
    client.force_login(county_staff)
    response = client.post(
        reverse("web-expert-invite", args=[pool.pk]), {"invite-session": demo["upcoming"].sessions.get().pk}
    )
    assert response.status_code == 400 and "才让多杰当前暂不可邀请，不能邀请授课或任用。" in text(response)
    assert not ExpertEngagement.objects.exists()


def test_an_expert_is_recruited_into_a_post_and_the_history_keeps_it(client, county_staff, demo):
    pool = demo["expert"]
    client.force_login(county_staff)
    response = client.post(
        reverse("web-expert-recruit", args=[pool.pk]),
        {
            "recruit-organization": unit("630102", "science").pk,
            "recruit-post_type": PostType.PART_TIME,
            "recruit-title": "兼职副主席",
            "recruit-start_date": "2026-12-01",
            "recruit-end_date": "",
        },
        follow=True,
    )
    assert "才让多杰已任西宁市城东区科学技术协会兼职副主席（兼职）。" in text(response)
    engagement = ExpertEngagement.objects.get()
    assert engagement.kind == "recruited" and engagement.post.person == pool.person
    response = client.post(reverse("web-expert-recruit", args=[pool.pk]), {"recruit-title": ""})
    assert response.status_code == 400 and 'id="recruit-title-error">该字段是必填项' in text(response)


# Constant query counts --------------------------------------------------------------------


def _same_queries(client, url, grow, django_assert_num_queries, expect: str, params=None):
    client.get(url, params)  # warm the session and the content types
    with CaptureQueriesContext(connection) as small:
        assert client.get(url, params).status_code == 200
    grow()
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url, params)
    assert expect in text(response)


def test_the_course_list_and_calendar_run_the_same_queries_for_2_and_6_courses(
    client, county_staff, demo, django_assert_num_queries
):
    client.force_login(county_staff)

    def grow():
        for number in range(4):
            course = CourseFactory(
                title=f"加开班{number}", co_organizers=[demo["women"]], sessions=1, days_ago=number + 1
            )
            services.course_enroll(course=course, people=demo["cadres"][:2])

    _same_queries(client, reverse("web-course-list"), grow, django_assert_num_queries, "共 6 个培训班")
    _same_queries(
        client,
        reverse("web-course-calendar"),
        lambda: CourseFactory(title="再加一班", sessions=3, hours=2, days_ago=5),
        django_assert_num_queries,
        "本月共 10 个课次",
        {"month": "2026-11"},
    )


def test_the_course_page_enroll_page_and_attendance_sheet_run_the_same_queries_for_2_and_6_cadres(
    client, county_staff, demo, django_assert_num_queries
):
    course = demo["course"]
    session = course.sessions.first()
    client.force_login(county_staff)
    extra = [cadre(name=f"新学员{number}") for number in range(4)]

    def grow_roster():
        attended(course, extra)

    urls = [reverse("web-course-detail", args=[course.pk]), reverse("web-attendance-sheet", args=[session.pk])]
    client.get(urls[0])
    captured = []
    for url in urls:
        with CaptureQueriesContext(connection) as small:
            client.get(url)
        captured.append(len(small.captured_queries))
    grow_roster()
    for url, count in zip(urls, captured, strict=True):
        with django_assert_num_queries(count):
            response = client.get(url)
        assert "新学员3" in text(response)

    _same_queries(
        client,
        reverse("web-course-enroll", args=[demo["upcoming"].pk]),
        lambda: [cadre(name=f"候选{number}") for number in range(4)],
        django_assert_num_queries,
        "候选3",
    )


def test_the_behind_list_runs_the_same_queries_for_2_and_6_cadres(
    client, county_staff, chengdong_union, django_assert_num_queries
):
    course = CourseFactory(title="班")
    attended(course, [cadre(name=f"干部{number}") for number in range(2)])
    client.force_login(county_staff)
    _same_queries(
        client,
        reverse("web-cadre-training-list"),
        lambda: attended(course, [cadre(name=f"干部{number}") for number in range(2, 6)]),
        django_assert_num_queries,
        "共 6 名干部",
        {"behind": "on"},
    )


def test_the_due_list_runs_the_same_queries_for_2_and_6_cadres(client, county_staff, django_assert_num_queries):
    since = add_months(TODAY, -60)

    def due(numbers):
        for number in numbers:
            cadre(unit("630102", ("union", "women", "youth_league")[number % 3]), name=f"到期{number}", since=since)

    due(range(2))
    client.force_login(county_staff)
    _same_queries(
        client, reverse("web-rotation-due"), lambda: due(range(2, 6)), django_assert_num_queries, "共 6 名干部"
    )


def test_the_rotation_list_runs_the_same_queries_for_1_and_4_rotations(
    client, county_staff, demo, django_assert_num_queries
):
    def plan():
        for number in range(3):
            person = cadre(unit("630102", "youth_league"), name=f"轮岗{number}")
            services.rotation_plan(
                from_post=person.post,
                to_organization=demo["women"],
                title="挂职",
                start_date=TODAY + dt.timedelta(days=10),
                end_date=add_months(TODAY, 9),
            )

    client.force_login(county_staff)
    _same_queries(client, reverse("web-rotation-list"), plan, django_assert_num_queries, "共 4 项轮岗安排")


def test_the_expert_search_and_page_run_the_same_queries_whatever_their_size(
    client, county_staff, demo, django_assert_num_queries
):
    pool = demo["expert"]
    client.force_login(county_staff)

    def grow():
        for number in range(4):
            expert(PersonFactory(name=f"专家{number}"), fields=("agriculture", "skills"), specialty="农机维修")
        for session in CourseFactory(title="专家课", sessions=3, hours=2, days_ago=-5).sessions.all():
            services.expert_invite(expert=pool, session=session)

    page = reverse("web-expert-detail", args=[pool.pk])
    client.get(page)
    with CaptureQueriesContext(connection) as small_page:
        client.get(page)
    _same_queries(client, reverse("web-expert-list"), grow, django_assert_num_queries, "共 5 位土专家")
    with django_assert_num_queries(len(small_page.captured_queries)):
        response = client.get(page)
    assert "使用记录（3）" in text(response)


def test_an_expert_is_changed_and_taken_out_of_the_pool_keeping_the_history(client, county_staff, demo):
    pool = demo["expert"]
    client.force_login(county_staff)
    url = reverse("web-expert-update", args=[pool.pk])
    assert 'value="牦牛养殖"' in text(client.get(url))
    data = {
        "expertise": [f.pk for f in pool.fields.all()],
        "specialty": "牦牛藏羊养殖",
        "region": pool.region_id,
        "certifications": "高级畜牧师",
        "availability": "unavailable",
        "availability_note": "外出务工至明年三月",
    }
    refused = client.post(url, {**data, "expertise": []})
    assert refused.status_code == 400 and "请选择至少一个专长领域。" in text(refused)
    assert client.post(url, data).status_code == 302  # is_active unticked: out of the pool
    pool.refresh_from_db()
    assert (pool.specialty, pool.availability, pool.is_active) == ("牦牛藏羊养殖", "unavailable", False)
    assert client.get(reverse("web-expert-update", args=[pool.pk]), HTTP_HOST="testserver").status_code == 200


def test_the_cadre_list_shows_newest_records_first_and_fewest_hours_first_on_request(client, county_staff, demo):
    client.force_login(county_staff)
    url = reverse("web-cadre-training-list")
    response = client.get(url, {"year": "2026"})
    newest = [person.pk for person, _, _ in response.context["rows"]]
    assert newest == sorted(newest, reverse=True) and len(newest) == 4
    # Counted on the posts: a cadre holding two posts is one cadre.
    CadrePostFactory(person=response.context["rows"][0][0], organization=unit("630102", "women"), title="兼职")
    assert "共 4 名干部" in text(client.get(url, {"year": "2026"}))
    rows = client.get(url, {"year": "2026", "order": "hours"}).context["rows"]
    hours = [person.year_hours for person, _, _ in rows]
    assert hours == sorted(hours) and hours != [hours[0]] * len(hours)
