"""Projects and service records in spreadsheets: every row through the services; a bad file writes
nothing and reports every bad row; exports are scoped and never hold a plaintext ID number."""

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

from apps.core.models import AuditEvent
from apps.members import idnumbers
from apps.members.resources import ID_NUMBER_MASKED
from apps.organizations.resources import base
from apps.projects import resources as columns
from apps.projects import services
from apps.projects.models import ProjectRole, ServiceProject, ServiceRecord
from apps.projects.resources import ServiceProjectResource, ServiceRecordResource
from apps.projects.targets import TAGS_MISSING
from tests.factories import region, unit
from tests.members.factories import PersonFactory, id_number, identity_tag
from tests.projects.factories import ProjectFactory, policy, served
from tests.venues.factories import aware

XLSX, CSV = "0", "1"  # the admin's format choices, in ServiceImportExportMixin.formats order
NOW = aware(2026, 6, 15, 10)
PROJECT_HEADERS = [
    "项目名称",
    "牵头组织",
    "参与组织",
    "政策标准",
    "工作性质",
    "服务内容",
    "提供的服务",
    "服务区域代码",
    "服务对象身份",
    "最低年龄",
    "年龄上限",
    "性别",
    "经费ID",
    "预算（元）",
    "开始日期",
    "结束日期",
    "项目内容",
]
RECORD_HEADERS = ["身份证号", "项目", "服务", "服务日期", "数量", "折合金额", "服务单位", "说明"]


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def upload(rows: list[list], headers: list[str], file_format: str = XLSX) -> dict:
    dataset = tablib.Dataset(*rows, headers=headers)
    if file_format == XLSX:
        content, name = dataset.export("xlsx"), "file.xlsx"
    else:
        content, name = dataset.export("csv").encode("utf-8"), "file.csv"
    return {"import_file": SimpleUploadedFile(name, content), "format": file_format, "resource": "0"}


def confirm(client, preview, model: str):
    """The admin's second step: post back what the preview page's confirmation form holds."""
    return client.post(reverse(f"admin:projects_{model}_process_import"), preview.context["confirm_form"].initial)


def import_rows(resource_class, user, rows: list[list], headers: list[str]):
    """What the admin's confirmation runs: a real import, rolled back if any row is bad."""
    return resource_class(user=user).import_data(
        tablib.Dataset(*rows, headers=headers), dry_run=False, rollback_on_validation_errors=True
    )


def errors_by_row(result) -> dict[int, dict[str, list[str]]]:
    return {row.number: row.error_dict for row in result.invalid_rows}


@pytest.fixture
def units(county_staff, chengdong_union, chengzhong_union):
    policy("warm_kang")
    policy("skills_contest")
    return SimpleNamespace(
        union=chengdong_union,
        women=unit("630102", "women"),
        league=unit("630102", "youth_league"),
        other=chengzhong_union,
    )


# Projects --------------------------------------------------------------------------------------------


def project_row(units, name: str, **cells) -> list:
    row = {
        "项目名称": name,
        "牵头组织": units.union.name,
        "参与组织": f"{units.women.name}（配合参与）、{units.league.name}",
        "政策标准": "warm_kang",
        "工作性质": "关爱帮扶",
        "服务内容": "暖心工程",
        "提供的服务": "电热炕改造",
        "服务区域代码": "630102",
        "服务对象身份": "职工、农民工",
        "最低年龄": "",
        "年龄上限": "",
        "性别": "",
        "经费ID": "",
        "预算（元）": "",
        "开始日期": "2026-01-01",
        "结束日期": "2026-12-31",
        "项目内容": "",
    }
    row.update(cells)
    return [row[header] for header in PROJECT_HEADERS]


@pytest.mark.parametrize("file_format", [XLSX, CSV])
def test_a_good_project_file_creates_every_project_through_the_admin(client, county_staff, units, file_format):
    rows = [
        project_row(units, "城东区职工电热炕改造"),
        project_row(
            units,
            "城东区青年职业技能大赛",
            牵头组织=units.league.name,
            参与组织="",
            政策标准="政策标准 skills_contest",
            工作性质="achievement",
            服务内容="职业技能竞赛",
            提供的服务="技能竞赛参赛",
            服务对象身份="",
            最低年龄="16",
            年龄上限="36",
            性别="女",
            开始日期="2026/03/01",
        ),
    ]
    client.force_login(county_staff)

    preview = client.post(reverse("admin:projects_serviceproject_import"), upload(rows, PROJECT_HEADERS, file_format))
    assert preview.status_code == 200 and "confirm_form" in preview.context, preview.context.get("result")
    assert not ServiceProject.objects.exists()  # the preview wrote nothing
    response = confirm(client, preview, "serviceproject")

    assert response.status_code == 302
    kang, contest = ServiceProject.objects.order_by("id")
    assert kang.name == "城东区职工电热炕改造" and kang.created_by == county_staff
    assert {(p.organization, p.role) for p in kang.participants.all()} == {
        (units.women, ProjectRole.SUPPORT),
        (units.league, ProjectRole.PARTNER),
    }
    assert set(kang.target_tags.values_list("code", flat=True)) == {"worker", "migrant_worker"}
    assert list(kang.service_types.values_list("code", flat=True)) == ["kang_retrofit"]
    assert (contest.lead_organization, contest.work_nature.code, contest.policy_standard.code) == (
        units.league,
        "achievement",
        "skills_contest",
    )
    assert (contest.min_age, contest.max_age, contest.gender, contest.start_date) == (
        16,
        36,
        "female",
        dt.date(2026, 3, 1),
    )


def test_a_project_file_with_3_bad_rows_writes_nothing_and_reports_each_with_its_row_and_reason(county_staff, units):
    rows = [
        project_row(units, "城东区职工电热炕改造"),
        project_row(units, "政策不明的项目", 政策标准="不存在的政策"),
        project_row(units, "城东区巾帼暖炕行动", 牵头组织=units.women.name, 参与组织=""),
        project_row(units, "倒着过的项目", 开始日期="2026-10-01", 结束日期="2026-03-01"),
        project_row(units, "别人的项目", 牵头组织=units.other.name, 服务对象身份="职工、宇航员"),
        project_row(units, "城东区职工电热炕改造二期", 开始日期="2026-07-01"),
    ]

    result = import_rows(ServiceProjectResource, county_staff, rows, PROJECT_HEADERS)

    tags = "、".join(["职工", "农牧民", "学生", "农民工", "新就业形态劳动者", "退休", "残疾人", "志愿者", "退役军人"])
    assert errors_by_row(result) == {
        2: {
            "政策标准": [
                columns.REFERENCE_NOT_FOUND.format(
                    value="不存在的政策", kind="政策标准", choices="政策标准 warm_kang、政策标准 skills_contest"
                )
            ]
        },
        4: {"结束日期": [services.PERIOD]},
        5: {
            "牵头组织": [columns.ORGANIZATION_NOT_FOUND.format(name=units.other.name)],
            "服务对象身份": [columns.IDENTITY_TAG_NOT_FOUND.format(name="宇航员", choices=tags)],
        },
    }
    assert result.totals["new"] == 3 and result.totals["invalid"] == 3
    assert not ServiceProject.objects.exists()


def test_the_admin_reports_the_bad_project_rows_in_chinese(client, county_staff, units):
    rows = [
        project_row(units, "城东区职工电热炕改造"),
        project_row(units, "", 服务区域代码="630103", **{"预算（元）": "5000"}),
    ]
    client.force_login(county_staff)

    response = client.post(reverse("admin:projects_serviceproject_import"), upload(rows, PROJECT_HEADERS, CSV))

    assert "confirm_form" not in response.context
    errors = {row.number: row.field_specific_errors for row in response.context["result"].invalid_rows}
    assert errors == {2: {"服务区域代码": [base.REGION_NOT_FOUND.format(code="630103")]}}
    assert base.REGION_NOT_FOUND.format(code="630103") in response.content.decode()
    assert not ServiceProject.objects.exists()


def test_an_exported_project_file_imports_back_as_all_skipped(client, county_staff, units):
    ProjectFactory(name="城东区职工电热炕改造", lead=units.union, participants=[(units.women, ProjectRole.SUPPORT)])
    client.force_login(county_staff)
    exported = client.post(reverse("admin:projects_serviceproject_export"), {"format": XLSX, "resource": "0"})
    sheet = openpyxl.load_workbook(io.BytesIO(exported.content)).active
    headers, *values = [[cell.value for cell in row] for row in sheet.rows]
    row = dict(zip(headers, values[0], strict=True))
    assert row["参与组织"] == f"{units.women.name}（配合参与）" and row["提供的服务"] == "电热炕改造"
    assert row["状态"] == "实施中"

    preview = client.post(
        reverse("admin:projects_serviceproject_import"),
        {"import_file": SimpleUploadedFile("back.xlsx", exported.content), "format": XLSX, "resource": "0"},
    )

    assert preview.context["result"].totals["skip"] == 1 and not preview.context["result"].has_validation_errors()
    assert ServiceProject.objects.count() == 1


# Service records ---------------------------------------------------------------------------------------


@pytest.fixture
def kang(units):
    """A running kang-retrofit project for workers in 城东区, the Women's Federation taking part, and three workers."""
    project = ProjectFactory(
        name="城东区职工电热炕改造",
        lead=units.union,
        target_tags=[identity_tag("worker")],
        participants=[(units.women, ProjectRole.PARTNER)],
        service_codes=["kang_retrofit"],
    )
    workers = [PersonFactory(name=name, identity_tags=[identity_tag("worker")]) for name in ("卓玛", "扎西", "才让")]
    return SimpleNamespace(project=project, workers=workers, units=units)


def record_row(person_or_number, project: str = "城东区职工电热炕改造", **cells) -> list:
    number = person_or_number if isinstance(person_or_number, str) else person_or_number.id_number
    row = {
        "身份证号": number,
        "项目": project,
        "服务": "电热炕改造",
        "服务日期": "2026-06-01",
        "数量": "1",
        "折合金额": "3000",
        "服务单位": "",
        "说明": "",
    }
    row.update(cells)
    return [row[header] for header in RECORD_HEADERS]


@pytest.mark.parametrize("file_format", [XLSX, CSV])
def test_a_good_service_record_file_records_every_row_through_the_admin(client, county_staff, kang, file_format):
    zhuoma, tashi, _ = kang.workers
    rows = [
        record_row(zhuoma, 说明="首批改造"),
        record_row(tashi.id_number.lower(), 服务="kang_retrofit", 服务单位=kang.units.women.name, 折合金额="", 数量=""),
    ]
    client.force_login(county_staff)

    preview = client.post(reverse("admin:projects_servicerecord_import"), upload(rows, RECORD_HEADERS, file_format))
    assert "confirm_form" in preview.context, preview.context["result"].invalid_rows
    html = preview.content.decode()
    assert zhuoma.id_number not in html and tashi.id_number not in html
    response = confirm(client, preview, "servicerecord")

    assert response.status_code == 302
    records = {record.person: record for record in ServiceRecord.objects.all()}
    assert set(records) == {zhuoma, tashi}
    assert (records[zhuoma].organization, records[zhuoma].amount, records[zhuoma].note) == (
        kang.units.union,
        Decimal("3000.00"),
        "首批改造",
    )
    assert (records[tashi].organization, records[tashi].amount, records[tashi].quantity) == (
        kang.units.women,
        None,
        Decimal("1.00"),
    )
    assert {record.recorded_by for record in records.values()} == {county_staff}


def test_a_service_record_file_with_bad_rows_writes_nothing_and_reports_every_one(county_staff, kang):
    zhuoma, tashi, tsering = kang.workers
    served(kang.project, tsering, date=dt.date(2026, 5, 20))  # already retrofitted
    stranger = id_number(age=40)  # valid, but nobody registered it
    not_a_worker = PersonFactory(name="拉姆")
    another_worker = PersonFactory(name="拉毛", identity_tags=[identity_tag("worker")])
    rows = [
        record_row(zhuoma),
        record_row(stranger),
        record_row(another_worker, project="没有这个项目"),
        record_row(not_a_worker),
        record_row(tsering),
        record_row(tashi, 服务日期="2026-06-02"),
    ]

    result = import_rows(ServiceRecordResource, county_staff, rows, RECORD_HEADERS)

    assert errors_by_row(result) == {
        2: {"身份证号": [columns.PERSON_NOT_FOUND.format(masked=idnumbers.mask(stranger))]},
        3: {"项目": [columns.PROJECT_NOT_FOUND.format(name="没有这个项目")]},
        4: {"身份证号": [services.NOT_IN_TARGET.format(name="拉姆", reason=TAGS_MISSING.format(tags="职工"))]},
        5: {
            "身份证号": [
                services.ALREADY_SERVED.format(
                    name="才让", date="2026-05-20", project="城东区职工电热炕改造", service="电热炕改造"
                )
            ]
        },
    }
    assert result.totals["new"] == 2 and result.totals["invalid"] == 4
    assert ServiceRecord.objects.count() == 1  # only the one recorded before


def test_a_one_off_service_twice_within_one_file_is_reported_on_the_second_row(county_staff, kang):
    zhuoma, tashi, _ = kang.workers
    rows = [record_row(zhuoma), record_row(tashi), record_row(zhuoma, 服务日期="2026-06-03"), record_row(tashi)]

    result = import_rows(ServiceRecordResource, county_staff, rows, RECORD_HEADERS)

    assert errors_by_row(result) == {
        3: {"服务": [columns.ONE_OFF_REPEATED.format(row=1, service="电热炕改造")]},
        4: {"服务": [columns.ONE_OFF_REPEATED.format(row=2, service="电热炕改造")]},
    }
    assert not ServiceRecord.objects.exists()


def test_the_admin_shows_bad_record_rows_with_their_id_numbers_masked(client, county_staff, kang):
    zhuoma, _, _ = kang.workers
    stranger = id_number(age=40)
    rows = [record_row(zhuoma), record_row(stranger), record_row(zhuoma.id_number_masked)]
    client.force_login(county_staff)

    response = client.post(reverse("admin:projects_servicerecord_import"), upload(rows, RECORD_HEADERS, CSV))

    errors = {row.number: row.field_specific_errors for row in response.context["result"].invalid_rows}
    assert errors == {
        2: {"身份证号": [columns.PERSON_NOT_FOUND.format(masked=idnumbers.mask(stranger))]},
        3: {"身份证号": [ID_NUMBER_MASKED]},
    }
    html = response.content.decode()
    assert stranger not in html and zhuoma.id_number not in html and idnumbers.mask(stranger) in html
    assert not ServiceRecord.objects.exists()


def every_text_in(content: bytes) -> str:
    """An xlsx is a zip: every part of it, unpacked."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


def test_the_service_record_export_is_xlsx_scoped_masked_and_audited(client, county_staff, kang):
    zhuoma = kang.workers[0]
    served(kang.project, zhuoma, amount=Decimal("3000"))
    theirs = ProjectFactory(name="城中区电热炕改造", lead=kang.units.other, region=region("630103"))
    outsider = PersonFactory(name="城中居民", region=region("630103"), id_number=id_number(region_code="630103"))
    served(theirs, outsider)
    client.force_login(county_staff)

    response = client.post(reverse("admin:projects_servicerecord_export"), {"format": XLSX, "resource": "0"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    headers, *rows = [[cell.value for cell in row] for row in sheet.rows]
    assert headers == ["身份证号", "姓名", "项目", "服务", "服务日期", "数量", "折合金额", "服务单位", "说明"]
    (row,) = [dict(zip(headers, values, strict=True)) for values in rows]
    assert (row["身份证号"], row["姓名"], row["项目"]) == (zhuoma.id_number_masked, "卓玛", "城东区职工电热炕改造")
    text = every_text_in(response.content)
    assert zhuoma.id_number not in text and outsider.id_number not in text
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.actor_id == county_staff.pk and event.model == "projects.servicerecord" and "1 条" in event.detail


def test_the_import_pages_name_their_columns_in_chinese(client, county_staff, units):
    client.force_login(county_staff)

    projects = client.get(reverse("admin:projects_serviceproject_import")).context["fields_list"]
    records = client.get(reverse("admin:projects_servicerecord_import")).context["fields_list"]

    assert projects[0][1] == ["ID", *PROJECT_HEADERS]
    assert records[0][1] == RECORD_HEADERS
