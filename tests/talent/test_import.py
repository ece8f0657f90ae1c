"""Attendance in spreadsheets: a file is judged whole and written per session through attendance_mark,
a bad file writes nothing and reports every bad row; exports are scoped, masked unless the user may
see full ID numbers, and audited."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal
from types import SimpleNamespace

import openpyxl
import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from apps.core.models import AuditEvent
from apps.members import idnumbers
from apps.members.resources import ID_NUMBER_MASKED
from apps.organizations.models import Role
from apps.organizations.services import role_assign
from apps.talent import resources as columns
from apps.talent import services
from apps.talent.models import Attendance, AttendanceStatus
from apps.talent.resources import AttendanceResource
from tests.factories import UserFactory, region, unit
from tests.members.factories import PersonFactory, id_number
from tests.talent.factories import CourseFactory, attended, cadre, expert
from tests.venues.factories import aware

pytestmark = pytest.mark.django_db

XLSX, CSV = "0", "1"  # the admin's format choices, in ServiceImportExportMixin.formats order
NOW = aware(2026, 6, 15, 10)
HEADERS = ["培训班", "课次开始时间", "身份证号", "出勤"]
EXPORT_HEADERS = ["培训班", "课次", "课次开始时间", "学员姓名", "身份证号", "出勤"]
PRESENT, LEAVE, ABSENT = AttendanceStatus.PRESENT, AttendanceStatus.LEAVE, AttendanceStatus.ABSENT


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def upload(rows: list[list], headers: list[str] = HEADERS, file_format: str = XLSX) -> dict:
    dataset = tablib.Dataset(*rows, headers=headers)
    if file_format == XLSX:
        content, name = dataset.export("xlsx"), "attendance.xlsx"
    else:
        content, name = dataset.export("csv").encode("utf-8"), "attendance.csv"
    return {"import_file": SimpleUploadedFile(name, content), "format": file_format, "resource": "0"}


def confirm(client, preview):
    """The admin's second step: post back what the preview page's confirmation form holds."""
    return client.post(reverse("admin:talent_attendance_process_import"), preview.context["confirm_form"].initial)


def import_rows(user, rows: list[list], headers: list[str] = HEADERS):
    """What the admin's confirmation runs: a real import, rolled back if any row is bad."""
    return AttendanceResource(user=user).import_data(
        tablib.Dataset(*rows, headers=headers), dry_run=False, rollback_on_validation_errors=True
    )


def errors_by_row(result) -> dict[int, dict[str, list[str]]]:
    return {row.number: row.error_dict for row in result.invalid_rows}


def sheet_rows(content: bytes) -> tuple[list, list[dict]]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    headers, *values = [[cell.value for cell in row] for row in sheet.rows]
    return headers, [dict(zip(headers, row, strict=True)) for row in values]


def every_text_in(content: bytes) -> str:
    """An xlsx is a zip: every part of it, unpacked."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


@pytest.fixture
def course(qinghai):
    """城东区 course of two past 4-hour sessions (8 hours, 6.4 to complete), three cadres on its roster."""
    course = CourseFactory(title="城东区群团干部培训班")
    people = [cadre(name=name) for name in ("卓玛", "扎西", "才让")]
    services.course_enroll(course=course, people=people)
    first, second = course.sessions.order_by("starts_at")
    return SimpleNamespace(course=course, people=people, first=first, second=second)


def row(course, session, person_or_number, status: str = "出勤") -> list:
    number = person_or_number if isinstance(person_or_number, str) else person_or_number.id_number
    return [course.course.title, local(session.starts_at), number, status]


# A good file ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", [XLSX, CSV])
def test_a_good_attendance_file_marks_every_row_and_credits_the_hours(client, county_staff, course, file_format):
    zhuoma, tashi, tsering = course.people
    rows = [
        row(course, course.first, zhuoma),
        row(course, course.first, tashi.id_number.lower(), "请假"),
        row(course, course.first, tsering, "absent"),
        row(course, course.second, zhuoma),
        row(course, course.second, tashi),
    ]
    client.force_login(county_staff)

    preview = client.post(reverse("admin:talent_attendance_import"), upload(rows, file_format=file_format))
    assert preview.status_code == 200 and "confirm_form" in preview.context, preview.context["result"].invalid_rows
    html = preview.content.decode()
    assert zhuoma.id_number not in html and tashi.id_number not in html
    assert not Attendance.objects.exists()  # the preview wrote nothing
    response = confirm(client, preview)

    assert response.status_code == 302
    marks = {(a.session_id, a.person.name): a.status for a in Attendance.objects.select_related("person")}
    assert marks == {
        (course.first.pk, "卓玛"): PRESENT,
        (course.first.pk, "扎西"): LEAVE,
        (course.first.pk, "才让"): ABSENT,
        (course.second.pk, "卓玛"): PRESENT,
        (course.second.pk, "扎西"): PRESENT,
    }
    assert {a.marked_by for a in Attendance.objects.all()} == {county_staff}
    hours = services.credited_hours(course.course)
    assert hours == {zhuoma.pk: Decimal("8.0"), tashi.pk: Decimal("4.0")}


def test_a_file_naming_sessions_by_id_corrects_marks_and_skips_those_unchanged(county_staff, course):
    zhuoma, tashi, _ = course.people
    attended(course.course, [zhuoma, tashi])
    headers = ["课次ID", "身份证号", "出勤"]
    rows = [[course.first.pk, zhuoma.id_number, "出勤"], [course.first.pk, tashi.id_number, "缺勤"]]

    result = import_rows(county_staff, rows, headers)

    assert not result.has_validation_errors() and not result.has_errors()
    assert (result.totals["skip"], result.totals["update"]) == (1, 1)
    assert Attendance.objects.get(session=course.first, person=tashi).status == ABSENT
    assert services.credited_hours(course.course)[tashi.pk] == Decimal("4.0")


def test_the_marks_are_written_once_per_session_through_attendance_mark(county_staff, course, monkeypatch):
    calls = []
    original = services.attendance_mark

    def spy(**kwargs):
        calls.append((kwargs["session"].pk, dict(kwargs["marks"])))
        return original(**kwargs)

    monkeypatch.setattr(columns.services, "attendance_mark", spy)
    zhuoma, tashi, _ = course.people
    rows = [row(course, course.first, zhuoma), row(course, course.second, zhuoma), row(course, course.first, tashi)]

    import_rows(county_staff, rows)

    assert calls == [
        (course.first.pk, {zhuoma.pk: PRESENT, tashi.pk: PRESENT}),
        (course.second.pk, {zhuoma.pk: PRESENT}),
    ]


# A bad file -------------------------------------------------------------------------------------------


def test_a_file_with_bad_rows_writes_nothing_and_reports_every_one_with_its_row(county_staff, course):
    zhuoma, tashi, tsering = course.people
    stranger = id_number(age=40)  # valid, but nobody registered it
    outsider = cadre(name="未报名")
    later = CourseFactory(title="城东区下月培训班", days_ago=-20)
    services.course_enroll(course=later, people=[zhuoma])
    upcoming = later.sessions.order_by("starts_at").first()
    rows = [
        row(course, course.first, zhuoma),
        [course.course.title, "2026-01-01 09:00", tashi.id_number, "出勤"],
        row(course, course.first, stranger),
        row(course, course.first, outsider),
        [later.title, local(upcoming.starts_at), zhuoma.id_number, "出勤"],
        row(course, course.first, tsering, "迟到"),
        row(course, course.first, zhuoma, "缺勤"),
        row(course, course.second, tashi),
    ]

    result = import_rows(county_staff, rows)

    statuses = "、".join(["“出勤”", "“请假”", "“缺勤”"])
    assert errors_by_row(result) == {
        2: {"培训班": [columns.SESSION_NOT_FOUND.format(course=course.course.title, start="2026-01-01 09:00")]},
        3: {"身份证号": [columns.PERSON_NOT_FOUND.format(masked=idnumbers.mask(stranger))]},
        4: {"身份证号": [services.NOT_ENROLLED.format(name="未报名")]},
        5: {"课次开始时间": [services.NOT_STARTED.format(start=local(upcoming.starts_at))]},
        6: {"出勤": [columns.STATUS_INVALID.format(choices=statuses)]},
        7: {"身份证号": [columns.DUPLICATE_ROW.format(row=1)]},
    }
    assert result.totals["new"] == 2 and result.totals["invalid"] == 6
    assert not Attendance.objects.exists()


def test_unknown_session_ids_and_unreadable_cells_are_reported_on_their_columns(
    county_staff, course, other_county_staff
):
    theirs = CourseFactory(title="城中区培训班", lead=unit("630103", "union")).sessions.first()
    zhuoma = course.people[0]
    headers = ["课次ID", "培训班", "课次开始时间", "身份证号", "出勤"]
    rows = [
        [theirs.pk, "", "", zhuoma.id_number, "出勤"],
        ["第一课", "", "", zhuoma.id_number, "出勤"],
        ["", course.course.title, "六月五日上午", zhuoma.id_number_masked, ""],
        ["", "", "", "123", "出勤"],
    ]

    result = import_rows(county_staff, rows, headers)

    errors = errors_by_row(result)
    assert errors[1] == {"课次ID": [columns.SESSION_ID_NOT_FOUND.format(pk=theirs.pk)]}
    assert errors[2] == {"课次ID": [columns.SESSION_ID_INVALID]}
    assert errors[3] == {
        "课次开始时间": [columns.STARTS_AT_INVALID],
        "身份证号": [ID_NUMBER_MASKED],
        "出勤": ["请填写“出勤”。"],
    }
    assert set(errors[4]) == {"培训班", "课次开始时间", "身份证号"}
    assert not Attendance.objects.exists()


def test_the_admin_shows_the_bad_rows_in_chinese_with_their_id_numbers_masked(client, county_staff, course):
    zhuoma = course.people[0]
    stranger = id_number(age=40)
    rows = [row(course, course.first, zhuoma), row(course, course.first, stranger)]
    client.force_login(county_staff)

    response = client.post(reverse("admin:talent_attendance_import"), upload(rows, file_format=CSV))

    assert "confirm_form" not in response.context
    errors = {r.number: r.field_specific_errors for r in response.context["result"].invalid_rows}
    assert errors == {2: {"身份证号": [columns.PERSON_NOT_FOUND.format(masked=idnumbers.mask(stranger))]}}
    html = response.content.decode()
    assert stranger not in html and zhuoma.id_number not in html and idnumbers.mask(stranger) in html
    assert not Attendance.objects.exists()


def test_a_liaison_may_import_attendance_and_the_course_list_has_no_import(client, course):
    liaison = UserFactory(username="chengdong_women")
    role_assign(user=liaison, role=Role.FEDERATION_LIAISON, organization=unit("630102", "women"))
    client.force_login(liaison)

    assert client.get(reverse("admin:talent_attendance_import")).status_code == 200
    assert client.get(reverse("admin:talent_trainingcourse_import")).status_code == 403


def test_the_import_page_names_its_columns_in_chinese(client, county_staff, course):
    client.force_login(county_staff)

    fields = client.get(reverse("admin:talent_attendance_import")).context["fields_list"]

    assert fields[0][1] == ["课次ID", "培训班", "课次开始时间", "身份证号", "出勤"]


# Exports ----------------------------------------------------------------------------------------------


def export(client, model: str):
    return client.post(reverse(f"admin:talent_{model}_export"), {"format": XLSX, "resource": "0"})


def test_the_attendance_export_is_scoped_masked_and_audited_for_staff_without_the_permission(
    client, county_staff, course
):
    zhuoma = course.people[0]
    attended(course.course, [zhuoma])
    theirs = CourseFactory(title="城中区培训班", lead=unit("630103", "union"))
    outsider = cadre(
        unit("630103", "union"), name="城中干部", region=region("630103"), id_number=id_number(region_code="630103")
    )
    attended(theirs, [outsider])
    client.force_login(county_staff)

    response = export(client, "attendance")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    headers, rows = sheet_rows(response.content)
    assert headers == EXPORT_HEADERS
    assert [(r["课次"], r["学员姓名"], r["身份证号"], r["出勤"]) for r in rows] == [
        ("第 1 讲", "卓玛", zhuoma.id_number_masked, "出勤"),
        ("第 2 讲", "卓玛", zhuoma.id_number_masked, "出勤"),
    ]
    assert rows[0]["课次开始时间"] == local(course.first.starts_at)
    text = every_text_in(response.content)
    assert zhuoma.id_number not in text and outsider.id_number not in text
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.actor_id == county_staff.pk and event.model == "talent.attendance"
    assert event.detail == columns.ATTENDANCE_EXPORT_AUDIT.format(count=2, numbers=columns.EXPORT_MASKED)


def test_an_admin_who_may_see_full_numbers_exports_a_file_that_imports_back_unchanged(client, province_admin, course):
    zhuoma, tashi, _ = course.people
    attended(course.course, [zhuoma, tashi])
    client.force_login(province_admin)

    exported = export(client, "attendance")
    _, rows = sheet_rows(exported.content)
    assert {r["身份证号"] for r in rows} == {zhuoma.id_number, tashi.id_number}
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.detail == columns.ATTENDANCE_EXPORT_AUDIT.format(count=4, numbers=columns.EXPORT_FULL)

    preview = client.post(
        reverse("admin:talent_attendance_import"),
        {"import_file": SimpleUploadedFile("back.xlsx", exported.content), "format": XLSX, "resource": "0"},
    )

    result = preview.context["result"]
    assert not result.has_validation_errors() and result.totals["skip"] == 4


def test_courses_enrollments_rotations_and_experts_export_as_xlsx(client, county_staff, course):
    zhuoma, tashi, _ = course.people
    attended(course.course, [zhuoma])
    attended(course.course, [tashi], statuses=[PRESENT, ABSENT])
    services.certificate_issue(enrollment=course.course.enrollments.get(person=zhuoma))
    start = timezone.localdate() + dt.timedelta(days=30)
    services.rotation_plan(
        from_post=zhuoma.post,
        to_organization=unit("630102", "women"),
        title="挂职副主席",
        start_date=start,
        end_date=start + dt.timedelta(days=300),
    )
    expert(PersonFactory(name="扎西才让"), fields=("agriculture", "heritage"), certifications="高级农艺师\n非遗传承人")
    client.force_login(county_staff)

    _, courses = sheet_rows(export(client, "trainingcourse").content)
    _, enrollments = sheet_rows(export(client, "enrollment").content)
    _, rotations = sheet_rows(export(client, "rotation").content)
    _, experts = sheet_rows(export(client, "expert").content)

    (listed,) = courses
    assert (listed["培训班名称"], listed["在册学员"], listed["课次数"], listed["状态"]) == (
        "城东区群团干部培训班",
        "3",
        "2",
        "开班",
    )
    by_name = {r["学员姓名"]: r for r in enrollments}
    assert Decimal(str(by_name["卓玛"]["已获学时"])) == Decimal("8") and by_name["卓玛"]["结业证书验证码"]
    assert Decimal(str(by_name["扎西"]["已获学时"])) == Decimal("4") and not by_name["扎西"]["结业证书验证码"]
    assert by_name["卓玛"]["身份证号"] == zhuoma.id_number_masked
    (rotation,) = rotations
    assert (rotation["干部"], rotation["轮岗组织"], rotation["跨群团交流"]) == ("卓玛", "西宁市城东区妇女联合会", "是")
    (listed_expert,) = experts
    assert listed_expert["专长领域"] == "农牧业、非遗" and listed_expert["资质证书"] == "高级农艺师、非遗传承人"
