"""The bulk import (批量导入人员): the same people, identities and memberships as registering
each row through person_register; a bad file reports every bad row and writes nothing."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
import tablib
from django.contrib.admin.models import ADDITION, LogEntry
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.core.exceptions import ConflictError
from apps.members import idnumbers, services
from apps.members import resources as columns
from apps.members.models import Membership, MembershipSource, Person
from apps.members.services import bulk_import
from apps.organizations import services as tree
from apps.organizations.resources import base
from tests.factories import GrassrootsUnitFactory, HostUnitFactory, region, unit
from tests.members.factories import PersonFactory, birth_date_for_age, id_number
from tests.members.test_import import HEADERS, credit_code, good_rows, import_rows, number


@pytest.fixture
def area(county_staff, chengdong_union, chengzhong_union):
    """As in test_import: 城东区 with every federation's unit and an employer with a union branch."""
    for code in ("youth_league", "women", "disabled"):
        unit("630102", code)
    employer = HostUnitFactory(
        name="城东测试企业", region=region("630102"), credit_code=credit_code("91630102MA0000001")
    )
    branch = GrassrootsUnitFactory(name="城东测试企业工会", host_unit=employer)
    return SimpleNamespace(employer=employer, branch=branch)


TAG_SETS = ["", "职工", "职工、志愿者", "学生", "残疾人", "农牧民、志愿者", "退休"]


def varied_rows(area) -> list[list[str]]:
    """People of every age from 6 to 80, both genders, with and without employer, identities, certificate."""
    rows = good_rows(area)
    for serial, age in enumerate(range(6, 81)):
        gender = "male" if serial % 2 else "female"
        value = number(serial + 100, birth=birth_date_for_age(age), gender=gender)
        tags = TAG_SETS[serial % len(TAG_SETS)]
        employer = area.employer.credit_code if "职工" in tags and serial % 3 else ""
        certificate = value + "31" if "残疾人" in tags else ""
        code = "630102001000" if serial % 4 == 0 else "630102"
        rows.append([f"人员{serial}", value, "回族", "", code, employer, "", tags, certificate])
    return rows


def file_of(rows: list[list], file_format: str, headers: list[str] = HEADERS) -> io.BytesIO:
    dataset = tablib.Dataset(*rows, headers=headers)
    content = dataset.export("xlsx") if file_format == "xlsx" else dataset.export("csv").encode("utf-8")
    return io.BytesIO(content)


def bulk(user, rows: list[list], file_format: str = "csv", headers: list[str] = HEADERS):
    return services.people_bulk_import(actor=user, file=file_of(rows, file_format, headers), file_format=file_format)


def registered() -> dict[str, tuple]:
    """Everyone as written: the record, identities and memberships, by ID number."""
    people = {}
    for person in Person.objects.prefetch_related("identity_tags", "memberships"):
        people[person.id_number] = (
            person.name,
            person.id_number_masked,
            person.gender,
            person.birth_date,
            person.ethnicity,
            person.phone,
            person.region_id,
            person.employer_id,
            person.disability_class,
            sorted(tag.code for tag in person.identity_tags.all()),
            sorted(
                (m.federation_id, m.organization_id, m.status, m.source, m.note, m.joined_on)
                for m in person.memberships.all()
            ),
        )
    return people


def wipe() -> None:
    Membership.objects.all().delete()
    Person.objects.all().delete()
    LogEntry.objects.all().delete()


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_bulk_import_writes_what_registering_each_row_writes(county_staff, area, file_format):
    rows = varied_rows(area)

    result = bulk(county_staff, rows, file_format)
    assert result.ok and result.created == len(rows) and result.skipped == 0
    assert result.memberships == Membership.objects.count() > len(rows) // 2
    by_bulk = registered()
    wipe()
    row_by_row = import_rows(county_staff, rows)
    assert row_by_row.totals["new"] == len(rows) and not row_by_row.has_validation_errors()

    assert registered() == by_bulk
    assert set(Membership.objects.values_list("source", flat=True)) == {MembershipSource.IMPORT}


def test_each_person_is_logged_as_an_addition_by_the_importer_with_the_number_masked(county_staff, area):
    rows = good_rows(area)

    bulk(county_staff, rows)

    entries = LogEntry.objects.filter(action_flag=ADDITION, user=county_staff)
    assert sorted(int(entry.object_id) for entry in entries) == sorted(Person.objects.values_list("pk", flat=True))
    assert not any(row[1].upper() in entry.object_repr for entry in entries for row in rows)
    assert all(entry.get_edited_object().name in entry.object_repr for entry in entries)


def test_registered_numbers_are_skipped_and_new_people_still_get_the_next_ids(county_staff, area):
    rows = good_rows(area)
    earlier = PersonFactory(name="已登记", region=region("630103"), id_number=rows[0][1])

    result = bulk(county_staff, rows)
    later = services.person_register(
        actor=county_staff, name="之后登记", id_number=id_number(), region=region("630102")
    )

    assert result.ok and (result.created, result.skipped) == (2, 1)
    assert Person.objects.get(pk=earlier.pk).name == "已登记"
    assert later[0].pk > max(Person.objects.exclude(pk=later[0].pk).values_list("pk", flat=True))


def test_every_bad_row_is_reported_by_column_and_nothing_is_written(county_staff, area):
    rows = [[f"测试人员{serial}", number(serial), "汉族", "", "630102", "", "", "", ""] for serial in range(300)]
    expected: dict[int, dict[str, str]] = {}

    def spoil(row_number: int, column: str, value: str, message: str) -> None:
        rows[row_number - 1][HEADERS.index(column)] = value
        expected.setdefault(row_number, {})[column] = message

    good = rows[6][1]
    spoil(7, "身份证号", good[:17] + ("0" if good[17] != "0" else "1"), idnumbers.ID_CHECK_DIGIT)
    spoil(20, "居住地区划代码", "630103", base.REGION_NOT_FOUND.format(code="630103"))
    spoil(20, "民族", "火星族", columns.ETHNICITY_INVALID.format(value="火星族"))
    spoil(45, "身份证号", rows[1][1], columns.ID_NUMBER_REPEATED.format(row=2))
    spoil(99, "姓名", "", tree.NAME_REQUIRED)
    rows[149][HEADERS.index("身份")] = "残疾人"
    expected[150] = {"残疾人证号": services.CERTIFICATE_REQUIRED}
    spoil(151, "残疾人证号", rows[0][1] + "11", services.CERTIFICATE_MISMATCH)
    spoil(200, "工作单位", "不存在的单位", columns.EMPLOYER_NOT_FOUND.format(value="不存在的单位"))
    spoil(300, "身份证号", "630***********1234", columns.ID_NUMBER_MASKED)

    result = bulk(county_staff, rows)

    assert {row.number: row.errors for row in result.bad_rows} == expected
    assert not result.ok and result.created == 0 and result.rows == 300
    assert not Person.objects.exists() and not Membership.objects.exists() and not LogEntry.objects.exists()
    shown = {row.number: row.id_number_masked for row in result.bad_rows}
    assert shown[7] == idnumbers.mask(rows[6][1]) and shown[300] == "630***********1234"


def test_a_bad_row_after_chunks_already_written_undoes_them(county_staff, area, monkeypatch):
    monkeypatch.setattr(bulk_import, "CHUNK", 2)
    rows = [*good_rows(area), ["", id_number(), "", "", "630102", "", "", "", ""]]

    result = bulk(county_staff, rows)

    assert {row.number: row.errors for row in result.bad_rows} == {4: {"姓名": tree.NAME_REQUIRED}}
    assert (result.created, result.memberships) == (0, 0)
    assert not Person.objects.exists() and not Membership.objects.exists() and not LogEntry.objects.exists()


def test_a_gender_and_birth_date_contradicting_the_number_are_reported(county_staff, area):
    headers = [*HEADERS, "性别", "出生日期"]
    woman = id_number(age=30, gender="female")
    rows = [
        ["卓玛", woman, "", "", "630102", "", "", "", "", "男", ""],
        ["拉姆", id_number(age=31), "", "", "630102", "", "", "", "", "女", "2001年13月1日"],
        ["措姆", id_number(age=31), "", "", "630102", "", "", "", "", "", "1950-01-01"],
    ]

    result = bulk(county_staff, rows, headers=headers)

    errors = {row.number: row.errors for row in result.bad_rows}
    assert errors[1] == {"性别": bulk_import.GENDER_MISMATCH.format(gender="女")}
    assert errors[2] == {"出生日期": columns.BIRTH_DATE_INVALID.format(value="2001年13月1日")}
    assert list(errors[3]) == ["出生日期"] and not Person.objects.exists()


def test_an_oversize_file_is_refused_before_it_is_read(county_staff, area, monkeypatch):
    with pytest.raises(ValidationError) as refused:
        services.people_bulk_import(
            actor=county_staff, file=io.BytesIO(b""), file_format="csv", size=bulk_import.MAX_FILE_BYTES + 1
        )
    assert "文件过大" in refused.value.messages[0]

    monkeypatch.setattr(bulk_import, "MAX_ROWS", 2)
    with pytest.raises(ValidationError) as too_long:
        bulk(county_staff, good_rows(area))
    assert too_long.value.messages == [bulk_import.TOO_MANY_ROWS.format(limit=2)]
    assert not Person.objects.exists()


def test_a_number_registered_meanwhile_fails_the_whole_import_with_a_conflict(county_staff, area, monkeypatch):
    rows = good_rows(area)
    services.person_register(actor=county_staff, name="抢先登记", id_number=rows[2][1], region=region("630102"))
    registered = bulk_import._registered
    checks = []

    def registered_after_the_check(hashes):
        # The other registration commits just after the file's numbers were looked up.
        checks.append(hashes)
        return set() if len(checks) == 1 else registered(hashes)

    monkeypatch.setattr(bulk_import, "_registered", registered_after_the_check)

    with pytest.raises(ConflictError) as conflict:
        bulk(county_staff, rows)

    assert conflict.value.message == bulk_import.IMPORT_CONFLICT.format(rows="3")
    assert list(Person.objects.values_list("name", flat=True)) == ["抢先登记"]
    assert not Membership.objects.exclude(person__name="抢先登记").exists() and not LogEntry.objects.exists()


# The admin page ------------------------------------------------------------------------------


def upload(rows: list[list], name: str = "people.csv") -> dict:
    file_format = "xlsx" if name.endswith(".xlsx") else "csv"
    return {"import_file": SimpleUploadedFile(name, file_of(rows, file_format).getvalue())}


def test_the_admin_page_shows_every_bad_row_masked_and_writes_nothing(client, county_staff, area):
    rows = good_rows(area)
    bad = rows[1][1][:17] + ("0" if rows[1][1][17] != "0" else "1")
    rows[1][1] = bad
    rows[2][4] = "639999"
    client.force_login(county_staff)

    response = client.post(reverse("admin:members_person_bulk_import"), upload(rows))

    assert response.status_code == 200
    html = response.content.decode()
    assert idnumbers.ID_CHECK_DIGIT in html and base.REGION_NOT_FOUND.format(code="639999") in html
    assert bad not in html and idnumbers.mask(bad) in html
    assert not Person.objects.exists()


@pytest.mark.parametrize("name", ["people.csv", "people.xlsx"])
def test_the_admin_page_imports_a_good_file_and_says_how_many(client, county_staff, area, name):
    client.force_login(county_staff)
    changelist = client.get(reverse("admin:members_person_changelist"))
    assert reverse("admin:members_person_bulk_import") in changelist.content.decode()

    response = client.post(reverse("admin:members_person_bulk_import"), upload(good_rows(area), name), follow=True)

    assert Person.objects.count() == 3
    assert "已批量导入 3 人" in response.content.decode()


def test_the_admin_page_refuses_another_kind_of_file(client, county_staff, area):
    client.force_login(county_staff)

    response = client.post(
        reverse("admin:members_person_bulk_import"), {"import_file": SimpleUploadedFile("people.pdf", b"%PDF")}
    )

    assert bulk_import.FORMAT_UNKNOWN in response.content.decode() and not Person.objects.exists()
