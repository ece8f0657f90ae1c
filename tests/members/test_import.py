"""People in spreadsheets: imports register and enroll through the services; bad files write
nothing and report every bad row; exports are scoped and never hold a plaintext ID number."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from types import SimpleNamespace

import openpyxl
import pytest
import tablib
from django.contrib.admin.models import ADDITION, LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.core.models import AuditEvent
from apps.members import idnumbers, services
from apps.members import resources as columns
from apps.members.models import IdentityTag, Membership, MembershipSource, Person
from apps.members.resources import PersonResource
from apps.organizations import services as tree
from apps.organizations.resources import base
from tests.factories import GrassrootsUnitFactory, HostUnitFactory, UserFactory, region, unit
from tests.members.factories import PersonFactory, id_number, identity_tag

XLSX, CSV = "0", "1"  # the admin's format choices, in ServiceImportExportMixin.formats order
HEADERS = [
    "姓名",
    "身份证号",
    "民族",
    "手机号",
    "居住地区划代码",
    "工作单位统一社会信用代码",
    "工作单位",
    "身份",
    "残疾人证号",
]
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def credit_code(body: str) -> str:
    return next(body + char for char in CREDIT_CODE_ALPHABET if tree.credit_code_is_valid(body + char))


def upload(rows: list[list], file_format: str = XLSX, headers: list[str] = HEADERS) -> dict:
    dataset = tablib.Dataset(*rows, headers=headers)
    if file_format == XLSX:
        content, name = dataset.export("xlsx"), "people.xlsx"
    else:
        content, name = dataset.export("csv").encode("utf-8"), "people.csv"
    return {"import_file": SimpleUploadedFile(name, content), "format": file_format, "resource": "0"}


def confirm(client, preview):
    """The admin's second step: post back what the preview page's confirmation form holds."""
    return client.post(reverse("admin:members_person_process_import"), preview.context["confirm_form"].initial)


def import_rows(user, rows: list[list], headers: list[str] = HEADERS):
    """What the admin's confirmation runs: a real import, rolled back if any row is bad."""
    return PersonResource(user=user).import_data(
        tablib.Dataset(*rows, headers=headers), dry_run=False, rollback_on_validation_errors=True
    )


def number(serial: int, *, birth: dt.date | None = None, gender: str = "female", code: str = "630102") -> str:
    """A valid number per serial (0–999), distinct for distinct serials."""
    birth = birth or dt.date(1970, 1, 1) + dt.timedelta(days=(serial * 13) % 12000)
    sequence = f"{serial % 1000:03d}"
    if (int(sequence[2]) % 2 == 1) != (gender == "male"):
        sequence = f"{sequence[:2]}{(int(sequence[2]) + 1) % 10}"
    first17 = f"{code}{birth:%Y%m%d}{sequence}"
    return first17 + idnumbers.check_digit(first17)


@pytest.fixture
def area(county_staff, chengdong_union, chengzhong_union):
    """城东区 with every federation's unit and an employer with a union branch."""
    for code in ("youth_league", "women", "disabled"):
        unit("630102", code)
    employer = HostUnitFactory(
        name="城东测试企业", region=region("630102"), credit_code=credit_code("91630102MA0000001")
    )
    branch = GrassrootsUnitFactory(name="城东测试企业工会", host_unit=employer)
    return SimpleNamespace(employer=employer, branch=branch)


def good_rows(area) -> list[list]:
    zhuoma = id_number(age=25, gender="female")
    tashi = id_number(age=40, gender="male")
    tsering = id_number(age=33, gender="male")
    return [
        ["卓玛", zhuoma, "藏族", "13800000001", "630102", area.employer.credit_code, "", "职工、志愿者", ""],
        ["扎西", tashi.lower(), "藏", "", "630102001000", "", area.employer.name, "职工", ""],
        ["才让", tsering, "", "", "630102", "", "", "残疾人", tsering + "12"],
    ]


# A good file -------------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", [XLSX, CSV])
def test_a_good_file_registers_and_enrolls_everyone_through_the_admin(client, county_staff, area, file_format):
    rows = good_rows(area)
    client.force_login(county_staff)

    preview = client.post(reverse("admin:members_person_import"), upload(rows, file_format))
    assert preview.status_code == 200 and "confirm_form" in preview.context
    assert not Person.objects.exists()  # the preview wrote nothing
    response = confirm(client, preview)

    assert response.status_code == 302
    people = {person.name: person for person in Person.objects.all()}
    assert set(people) == {"卓玛", "扎西", "才让"}
    assert people["扎西"].id_number == rows[1][1].upper() and people["扎西"].ethnicity == "藏族"
    assert set(people["卓玛"].identity_tags.values_list("code", flat=True)) == {"worker", "volunteer"}

    def federations(name: str) -> dict[str, Membership]:
        return {m.federation.code: m for m in people[name].memberships.select_related("federation", "organization")}

    assert set(federations("卓玛")) == {"union", "youth_league", "women"}
    assert federations("卓玛")["union"].organization == area.branch
    assert set(federations("扎西")) == {"union"}
    assert set(federations("才让")) == {"disabled"}
    assert set(Membership.objects.values_list("source", flat=True)) == {MembershipSource.IMPORT}
    logged = LogEntry.objects.filter(action_flag=ADDITION, object_id__in=[str(p.pk) for p in people.values()])
    assert logged.count() == 3
    assert not any(row[1].upper() in entry.object_repr for entry in logged for row in rows)


def test_the_same_file_imported_twice_creates_nothing_new(client, county_staff, area):
    rows = good_rows(area)
    first = import_rows(county_staff, rows)
    people, memberships = Person.objects.count(), Membership.objects.count()
    client.force_login(county_staff)

    preview = client.post(reverse("admin:members_person_import"), upload(rows))
    confirm(client, preview)
    second = import_rows(county_staff, rows)

    assert first.totals["new"] == 3
    assert preview.context["result"].totals == {"new": 0, "update": 0, "delete": 0, "skip": 3, "error": 0, "invalid": 0}
    assert second.totals["skip"] == 3 and second.totals["new"] == 0 and not second.has_validation_errors()
    assert (Person.objects.count(), Membership.objects.count()) == (people, memberships)


def test_a_row_of_someone_registered_elsewhere_is_skipped_not_registered_again(county_staff, area):
    number_ = id_number(age=30, region_code="630103")
    PersonFactory(name="城中居民", region=region("630103"), id_number=number_)
    rows = [["城中居民", number_, "", "", "630102", "", "", "", ""]]

    result = import_rows(county_staff, rows)

    assert result.totals["skip"] == 1 and not result.has_validation_errors()
    assert Person.objects.count() == 1


def test_an_import_reads_the_rules_and_the_units_once_not_once_a_row(county_staff, area):
    rows = [["测试人员0", number(0), "", "", "630102", area.employer.credit_code, "", "职工", ""]]
    rows += [[f"测试人员{serial}", number(serial), "", "", "630102", "", "", "", ""] for serial in range(1, 8)]

    with CaptureQueriesContext(connection) as queries:
        result = import_rows(county_staff, rows)

    assert result.totals["new"] == 8
    sql = [query["sql"] for query in queries.captured_queries]
    assert sum('FROM "members_eligibilityrule"' in statement for statement in sql) == 1
    assert sum(statement.startswith('SELECT "organizations_federation"') for statement in sql) == 1
    assert sum('FROM "organizations_hostunit"' in statement for statement in sql) <= 2  # by code, by name
    # Outside an import, enrollment reads them afresh: a rule changed now applies at once.
    with CaptureQueriesContext(connection) as single:
        services.person_enroll(person=Person.objects.first())
    assert any('FROM "members_eligibilityrule"' in query["sql"] for query in single.captured_queries)


# A bad file writes nothing and says why, row by row ---------------------------------------------


def test_a_1000_row_file_with_37_bad_rows_writes_none_and_reports_all_37(county_staff, area):
    rows = [[f"测试人员{serial}", number(serial), "汉族", "", "630102", "", "", "", ""] for serial in range(1000)]
    expected: dict[int, dict[str, list[str]]] = {}

    def spoil(row_number: int, column: str, value: str, message: str) -> None:
        rows[row_number - 1][HEADERS.index(column)] = value
        expected[row_number] = {column: [message]}

    for position in range(10):  # a wrong check digit
        row_number = 7 + position * 97
        good = rows[row_number - 1][1]
        spoil(row_number, "身份证号", good[:17] + ("0" if good[17] != "0" else "1"), idnumbers.ID_CHECK_DIGIT)
    for position, impossible in enumerate(["0230", "0431", "1301", "0000", "0229", "0631", "0931", "1131", "0732"]):
        row_number = 30 + position * 101  # a birth date that does not exist (2001 is no leap year)
        first17 = f"630102{'2001' if impossible == '0229' else '1990'}{impossible}{position:03d}"
        date = f"{first17[6:10]}-{first17[10:12]}-{first17[12:14]}"
        spoil(
            row_number, "身份证号", first17 + idnumbers.check_digit(first17), idnumbers.ID_BIRTH_DATE.format(date=date)
        )
    for position in range(9):  # no such region, or one outside 城东区
        row_number = 55 + position * 103
        code = ["639999", "630103", "630102999999"][position % 3]
        spoil(row_number, "居住地区划代码", code, base.REGION_NOT_FOUND.format(code=code))
    for position in range(9):  # the same ID number as an earlier row
        row_number, earlier = 80 + position * 104, 2 + position * 104
        spoil(row_number, "身份证号", rows[earlier - 1][1], columns.ID_NUMBER_REPEATED.format(row=earlier))
    assert len(expected) == 37

    result = import_rows(county_staff, rows)

    assert {row.number: row.error_dict for row in result.invalid_rows} == expected
    assert result.totals["new"] == 963 and result.totals["invalid"] == 37
    assert not Person.objects.exists() and not Membership.objects.exists()


def test_the_admin_shows_every_bad_row_in_chinese_with_the_numbers_masked(client, county_staff, area):
    good, bad = id_number(age=30), id_number(age=30)
    bad = bad[:17] + ("0" if bad[17] != "0" else "1")
    rows = [
        ["卓玛", good, "", "", "630102", "", "", "", ""],
        ["扎西", bad, "", "", "630102", "", "", "", ""],
        ["", id_number(age=30), "火星族", "", "639999", "91630102MA00000000", "", "宇航员", ""],
        ["卓玛", good, "", "", "630102", "", "", "", ""],
        ["才让", "630***********1234", "", "", "630102", "", "", "", ""],
    ]
    client.force_login(county_staff)

    response = client.post(reverse("admin:members_person_import"), upload(rows, CSV))

    errors = {row.number: row.field_specific_errors for row in response.context["result"].invalid_rows}
    assert errors == {
        2: {"身份证号": [idnumbers.ID_CHECK_DIGIT]},
        3: {
            "民族": [columns.ETHNICITY_INVALID.format(value="火星族")],
            "居住地区划代码": [base.REGION_NOT_FOUND.format(code="639999")],
            "工作单位统一社会信用代码": [columns.EMPLOYER_NOT_FOUND.format(value="91630102MA00000000")],
            "身份": [
                columns.IDENTITY_TAG_NOT_FOUND.format(
                    name="宇航员", choices="、".join(IdentityTag.objects.values_list("name", flat=True))
                )
            ],
        },
        4: {"身份证号": [columns.ID_NUMBER_REPEATED.format(row=1)]},
        5: {"身份证号": [columns.ID_NUMBER_MASKED]},
    }
    assert "confirm_form" not in response.context
    html = response.content.decode()
    assert all(message in html for row in errors.values() for messages in row.values() for message in messages)
    assert good not in html and bad not in html and idnumbers.mask(bad) in html
    assert not Person.objects.exists()


def test_a_blank_name_and_a_contradicting_gender_are_reported_on_their_columns(county_staff, area):
    headers = [*HEADERS, "性别", "出生日期"]
    woman = id_number(age=30, gender="female")
    rows = [
        ["", id_number(age=30), "", "", "630102", "", "", "", "", "", ""],
        ["卓玛", woman, "", "", "630102", "", "", "", "", "男", ""],
        ["拉姆", id_number(age=31), "", "", "630102", "", "", "", "", "女", "2001年13月1日"],
    ]

    result = import_rows(county_staff, rows, headers)

    assert {row.number: row.error_dict for row in result.invalid_rows} == {
        1: {"姓名": [tree.NAME_REQUIRED]},
        2: {"性别": [services.GENDER_MISMATCH.format(gender="女")]},
        3: {"出生日期": [columns.BIRTH_DATE_INVALID.format(value="2001年13月1日")]},
    }
    assert not Person.objects.exists()


# Export ------------------------------------------------------------------------------------------


@pytest.fixture
def people_on_both_sides(area):
    mine = PersonFactory(
        name="才让",
        id_number=(number_ := id_number(age=33, gender="male")),
        identity_tags=[identity_tag(IdentityTag.DISABLED), identity_tag("volunteer")],
        disability_certificate_number=number_ + "12",
    )
    theirs = PersonFactory(name="城中居民", region=region("630103"), id_number=id_number(region_code="630103"))
    return SimpleNamespace(mine=mine, theirs=theirs, numbers=[mine.id_number, theirs.id_number])


def exported(response, file_format: str) -> list[dict]:
    if file_format == XLSX:
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        headers, *rows = [[cell.value for cell in row] for row in sheet.rows]
        return [dict(zip(headers, row, strict=True)) for row in rows]
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def every_text_in(content: bytes, file_format: str) -> str:
    """The file as text; an xlsx is a zip, so every part of it, unpacked."""
    if file_format == CSV:
        return content.decode("utf-8-sig")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


@pytest.mark.parametrize("file_format", [XLSX, CSV])
def test_county_staff_export_their_countys_people_masked(client, county_staff, people_on_both_sides, file_format):
    client.force_login(county_staff)

    response = client.post(reverse("admin:members_person_export"), {"format": file_format, "resource": "0"})

    assert response.status_code == 200
    rows = exported(response, file_format)
    person = people_on_both_sides.mine
    assert [row["姓名"] for row in rows] == ["才让"]
    assert rows[0]["身份证号"] == person.id_number_masked
    assert rows[0]["残疾人证号"] == person.id_number_masked + person.disability_class != person.id_number_masked
    assert (
        rows[0]["身份"] == "残疾人、志愿者" and rows[0]["性别"] == "男" and str(rows[0]["居住地区划代码"]) == "630102"
    )
    text = every_text_in(response.content, file_format)
    assert not any(plain in text or plain.lower() in text for plain in people_on_both_sides.numbers)
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.actor_id == county_staff.pk and event.model == "members.person" and "1 条" in event.detail


@pytest.mark.parametrize("file_format", [XLSX, CSV])
def test_not_even_a_superuser_exports_a_plaintext_number(client, people_on_both_sides, file_format):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))

    response = client.post(reverse("admin:members_person_export"), {"format": file_format, "resource": "0"})

    assert {row["姓名"] for row in exported(response, file_format)} == {"才让", "城中居民"}
    text = every_text_in(response.content, file_format)
    assert not any(plain in text or plain.lower() in text for plain in people_on_both_sides.numbers)


def test_the_resource_scopes_an_export_whatever_queryset_it_is_given(county_staff, people_on_both_sides):
    dataset = PersonResource(user=county_staff).export(Person.objects.all())
    assert list(dataset["姓名"]) == ["才让"]


def test_an_exported_file_imports_back_as_all_skipped(client, county_staff, people_on_both_sides):
    client.force_login(county_staff)
    exported_file = client.post(reverse("admin:members_person_export"), {"format": XLSX, "resource": "0"})

    preview = client.post(
        reverse("admin:members_person_import"),
        {"import_file": SimpleUploadedFile("back.xlsx", exported_file.content), "format": XLSX, "resource": "0"},
    )

    assert preview.context["result"].totals["skip"] == 1 and not preview.context["result"].has_validation_errors()


def test_the_import_and_export_pages_name_their_columns_in_chinese(client, county_staff, area):
    client.force_login(county_staff)

    import_page = client.get(reverse("admin:members_person_import")).context["fields_list"]
    export_page = client.get(reverse("admin:members_person_export")).context["fields_list"]

    assert import_page[0][1] == ["ID", "姓名", "身份证号", "性别", "出生日期", *HEADERS[2:]]
    assert export_page[0][1] == ["ID", "姓名", "身份证号", "性别", "出生日期", *HEADERS[2:5], "居住地", *HEADERS[5:]]
