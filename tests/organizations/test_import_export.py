"""Spreadsheet import and export of organizations and host units, through the scope and the services."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
import tablib
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.organizations import services
from apps.organizations.models import HostUnit, HostUnitKind, Organization, OrganizationLevel, Role
from apps.organizations.resources import HostUnitResource, OrganizationResource
from apps.organizations.resources import base as resources
from tests.factories import HostUnitFactory, UserFactory, federation, region, unit

XLSX, CSV = "0", "1"  # the admin's format choices, in ServiceImportExportMixin.formats order
ORG_HEADERS = ["ID", "名称", "群团类别", "区划代码", "上级组织"]
HOST_UNIT_HEADERS = ["名称", "类型", "区划代码", "统一社会信用代码", "从业人数"]
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def credit_code(body: str) -> str:
    """A valid 统一社会信用代码 ending the given 17 characters."""
    return next(body + char for char in CREDIT_CODE_ALPHABET if services.credit_code_is_valid(body + char))


def upload(headers: list[str], rows: list[list], file_format: str = XLSX, encoding: str = "utf-8") -> dict:
    dataset = tablib.Dataset(*rows, headers=headers)
    if file_format == XLSX:
        content, name = dataset.export("xlsx"), "import.xlsx"
    else:
        content, name = dataset.export("csv").encode(encoding), "import.csv"
    return {"import_file": SimpleUploadedFile(name, content), "format": file_format, "resource": "0"}


def import_url(model: str) -> str:
    return reverse(f"admin:organizations_{model}_import")


def exported_rows(response, file_format: str) -> list[dict]:
    if file_format == XLSX:
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        headers, *rows = [[cell.value for cell in row] for row in sheet.rows]
        return [dict(zip(headers, row, strict=True)) for row in rows]
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.fixture
def chengdong(county_staff, chengdong_union, chengzhong_union):
    """城东区 as its staff see it, next to 城中区 which they must not reach."""
    unit("630102", "women")
    HostUnitFactory(name="城东测试企业", region=region("630102"))
    HostUnitFactory(name="城中测试企业", region=region("630103"))
    return chengdong_union


# Export -------------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", [XLSX, CSV])
def test_county_staff_export_their_countys_organizations_only(client, county_staff, chengdong, file_format):
    client.force_login(county_staff)

    response = client.post(reverse("admin:organizations_organization_export"), {"format": file_format, "resource": "0"})

    assert response.status_code == 200
    rows = exported_rows(response, file_format)
    assert {row["名称"] for row in rows} == {"西宁市城东区总工会", "西宁市城东区妇女联合会"}
    union = next(row for row in rows if row["名称"] == "西宁市城东区总工会")
    assert union["群团类别"] == "工会" and str(union["区划代码"]) == "630102"
    assert union["上级组织"] == "西宁市总工会" and union["层级"] == "县级"


@pytest.mark.parametrize("file_format", [XLSX, CSV])
def test_county_staff_export_their_countys_host_units_only(client, county_staff, chengdong, file_format):
    client.force_login(county_staff)

    response = client.post(reverse("admin:organizations_hostunit_export"), {"format": file_format, "resource": "0"})

    rows = exported_rows(response, file_format)
    assert [(row["名称"], row["类型"]) for row in rows] == [("城东测试企业", "企业")]


def test_the_resource_scopes_an_export_whatever_queryset_it_is_given(county_staff, chengdong):
    dataset = OrganizationResource(user=county_staff).export(Organization.objects.all())
    assert set(dataset["名称"]) == {"西宁市城东区总工会", "西宁市城东区妇女联合会"}


# Import: a bad file writes nothing --------------------------------------------------


BAD_ORGANIZATIONS = [
    ["", "东关大街街道总工会", "工会", "630102001000", "西宁市城东区总工会"],  # 1 good
    ["", "未知区划工会", "工会", "639999", "西宁市城东区总工会"],  # 2 no such region
    ["", "人民街街道总工会", "工会", "630103001000", "西宁市城中区总工会"],  # 3 out of scope
    ["", "西宁市城东区总工会", "工会", "630102", "西宁市城东区总工会"],  # 4 name taken
    ["", "清真巷街道总工会", "工会", "630102002000", "西宁市城东区妇女联合会"],  # 5 other federation
    ["", "大众街街道总工会", "工会", "630102003000", "西宁市城东区总工会"],  # 6 good
    ["", "东关大街街道总工会", "工会", "630102001000", "西宁市城东区总工会"],  # 7 same as row 1
    ["", "周家泉街道总工会", "侨联", "630102004000", "西宁市城东区总工会"],  # 8 no such federation
]
BAD_ORGANIZATION_ERRORS = {
    2: {"区划代码": [resources.REGION_NOT_FOUND.format(code="639999")]},
    3: {
        "区划代码": [resources.REGION_NOT_FOUND.format(code="630103001000")],
        "上级组织": [resources.PARENT_NOT_FOUND.format(name="西宁市城中区总工会")],
    },
    4: {"名称": [services.ORG_NAME_TAKEN.format(federation="工会", name="西宁市城东区总工会")]},
    5: {"上级组织": [services.ORG_PARENT_FEDERATION]},
    7: {"名称": [services.ORG_NAME_TAKEN.format(federation="工会", name="东关大街街道总工会")]},
    8: {"群团类别": [resources.FEDERATION_NOT_FOUND.format(name="侨联")]},
}


@pytest.mark.parametrize("file_format", [XLSX, CSV])
def test_an_organization_file_with_bad_rows_reports_every_one_and_writes_nothing(
    client, county_staff, chengdong, file_format
):
    client.force_login(county_staff)
    before = Organization.objects.count()

    response = client.post(import_url("organization"), upload(ORG_HEADERS, BAD_ORGANIZATIONS, file_format))

    assert response.status_code == 200
    result = response.context["result"]
    assert {row.number: row.field_specific_errors for row in result.invalid_rows} == BAD_ORGANIZATION_ERRORS
    assert "confirm_form" not in response.context
    page = response.content.decode()
    assert all(message in page for errors in BAD_ORGANIZATION_ERRORS.values() for message in errors)
    assert Organization.objects.count() == before


def test_the_resource_rolls_back_the_good_rows_of_a_bad_file(county_staff, chengdong):
    before = Organization.objects.count()

    result = OrganizationResource(user=county_staff).import_data(
        tablib.Dataset(*BAD_ORGANIZATIONS, headers=ORG_HEADERS), dry_run=False, rollback_on_validation_errors=True
    )

    assert [row.number for row in result.invalid_rows] == [2, 3, 4, 5, 7, 8]
    assert Organization.objects.count() == before
    assert not Organization.objects.filter(name__in=["东关大街街道总工会", "大众街街道总工会"]).exists()


def test_a_host_unit_file_with_bad_rows_reports_every_one_and_writes_nothing(client, county_staff, chengdong):
    rows = [
        ["城东新企业", "企业", "630102", credit_code("91630102MA0000001"), 10],  # 1 good
        ["坏代码企业", "企业", "630102", "91630102MA00000000", 5],  # 2 bad check digit
        ["城中新企业", "企业", "630103", "", 5],  # 3 out of scope
        ["未知类型企业", "工厂", "630102", "", 5],  # 4 no such kind
        ["人数不明企业", "企业", "630102", "", "很多"],  # 5 not a number
    ]
    client.force_login(county_staff)
    before = HostUnit.objects.count()

    response = client.post(import_url("hostunit"), upload(HOST_UNIT_HEADERS, rows, CSV))

    errors = {row.number: row.field_specific_errors for row in response.context["result"].invalid_rows}
    assert errors == {
        2: {"统一社会信用代码": [services.HOST_UNIT_CREDIT_CODE]},
        3: {"区划代码": [resources.REGION_NOT_FOUND.format(code="630103")]},
        4: {"类型": [resources.KIND_INVALID.format(choices="、".join(HostUnitKind.labels))]},
        5: {"从业人数": [resources.HEAD_COUNT_INVALID]},
    }
    assert HostUnit.objects.count() == before


def test_a_credit_code_held_outside_the_users_scope_is_a_conflict_not_an_update(county_staff, chengdong):
    code = credit_code("91630103MA0000003")
    elsewhere = HostUnitFactory(name="城中老企业", region=region("630103"), credit_code=code)
    rows = [["城东冒名企业", "企业", "630102", code, 1]]

    result = HostUnitResource(user=county_staff).import_data(
        tablib.Dataset(*rows, headers=HOST_UNIT_HEADERS), dry_run=False, rollback_on_validation_errors=True
    )

    assert result.invalid_rows[0].error_dict == {
        "统一社会信用代码": [services.HOST_UNIT_CREDIT_CODE_TAKEN.format(name="城中老企业")]
    }
    elsewhere.refresh_from_db()
    assert elsewhere.name == "城中老企业" and elsewhere.region.code == "630103"


def test_an_id_outside_the_users_scope_is_not_found(county_staff, chengdong, chengzhong_union):
    rows = [[chengzhong_union.pk, "改名", "工会", "630103", "西宁市总工会"]]

    result = OrganizationResource(user=county_staff).import_data(
        tablib.Dataset(*rows, headers=ORG_HEADERS), dry_run=False, rollback_on_validation_errors=True
    )

    assert result.invalid_rows[0].error_dict == {
        "ID": [resources.ID_NOT_FOUND.format(pk=chengzhong_union.pk, model="群团组织")]
    }
    chengzhong_union.refresh_from_db()
    assert chengzhong_union.name == "西宁市城中区总工会"


# Import: a good file goes through the services -----------------------------------------


def confirm(client, model: str, preview) -> object:
    """The admin's second step: post back what the preview page's confirmation form holds."""
    form = preview.context["confirm_form"]
    return client.post(reverse(f"admin:organizations_{model}_process_import"), form.initial)


def test_a_good_organization_file_is_imported_through_the_services(client, county_staff, chengdong):
    renamed = services.organization_create(
        name="八一路街道工会", federation=federation(), region=region("630102006000"), parent=chengdong
    )
    rows = [
        ["", "东关大街街道总工会", "工会", "630102001000", "西宁市城东区总工会"],
        ["", "东关大街街道机关工会", "工会", "630102001000", "东关大街街道总工会"],  # under the row above
        [renamed.pk, "八一路街道总工会", "工会", "630102006000", "西宁市城东区总工会"],
    ]
    client.force_login(county_staff)

    preview = client.post(import_url("organization"), upload(ORG_HEADERS, rows))
    assert not Organization.objects.filter(name="东关大街街道总工会").exists()  # the preview wrote nothing
    response = confirm(client, "organization", preview)

    assert response.status_code == 302
    township = Organization.objects.get(name="东关大街街道总工会")
    office = Organization.objects.get(name="东关大街街道机关工会")
    chengdong.refresh_from_db()
    assert township.parent == chengdong and township.path.startswith(chengdong.path)
    assert township.depth == chengdong.depth + 1 and township.level == OrganizationLevel.TOWNSHIP
    assert office.parent == township and office.path.startswith(township.path) and township.numchild == 1
    renamed.refresh_from_db()
    assert renamed.name == "八一路街道总工会" and chengdong.numchild == 2
    assert LogEntry.objects.filter(action_flag=ADDITION, object_id__in=[str(township.pk), str(office.pk)]).count() == 2


def test_a_parent_renamed_by_an_earlier_line_is_found_by_its_new_name(county_staff, chengdong):
    rows = [
        ["", "东关大街街道总工会", "工会", "630102001000", "西宁市城东区总工会"],
        [chengdong.pk, "城东区总工会", "工会", "630102", "西宁市总工会"],  # its parent lies above the user's scope
        ["", "大众街街道总工会", "工会", "630102003000", "城东区总工会"],
    ]

    result = OrganizationResource(user=county_staff).import_data(
        tablib.Dataset(*rows, headers=ORG_HEADERS), dry_run=False, rollback_on_validation_errors=True
    )

    assert not result.has_validation_errors() and not result.has_errors()
    chengdong.refresh_from_db()
    children = Organization.objects.filter(parent=chengdong)
    assert chengdong.name == "城东区总工会" and chengdong.numchild == children.count() == 2
    assert all(child.path.startswith(chengdong.path) and child.depth == chengdong.depth + 1 for child in children)


def test_host_units_are_created_or_updated_by_credit_code(client, county_staff, chengdong):
    code = credit_code("91630102MA0000002")
    existing = HostUnitFactory(name="城东老企业", region=region("630102"), credit_code=code, head_count=3)
    rows = [
        ["城东老企业", "企业", "630102", code, 30],
        ["城东新园区", "产业园区", "630102001000", "", 0],
    ]
    client.force_login(county_staff)

    response = confirm(client, "hostunit", client.post(import_url("hostunit"), upload(HOST_UNIT_HEADERS, rows)))

    assert response.status_code == 302
    existing.refresh_from_db()
    assert existing.head_count == 30
    assert HostUnit.objects.get(name="城东新园区").kind == "industrial_park"


def test_an_exported_file_imports_back_unchanged(client, county_staff, chengdong):
    client.force_login(county_staff)
    exported = client.post(reverse("admin:organizations_organization_export"), {"format": XLSX, "resource": "0"})
    before = list(Organization.objects.values_list("pk", "name", "path", "updated_at"))

    preview = client.post(
        import_url("organization"),
        {"import_file": SimpleUploadedFile("back.xlsx", exported.content), "format": XLSX, "resource": "0"},
    )

    assert preview.context["result"].totals == {"new": 0, "update": 0, "delete": 0, "skip": 2, "error": 0, "invalid": 0}
    confirm(client, "organization", preview)
    assert list(Organization.objects.values_list("pk", "name", "path", "updated_at")) == before


def test_a_csv_saved_by_excel_in_gbk_is_read(client, county_staff, chengdong):
    rows = [["", "东关大街街道总工会", "工会", "630102001000", "西宁市城东区总工会"]]
    client.force_login(county_staff)

    preview = client.post(import_url("organization"), upload(ORG_HEADERS, rows, CSV, encoding="gbk"))
    confirm(client, "organization", preview)

    assert Organization.objects.filter(name="东关大街街道总工会", parent=chengdong).exists()


def test_a_row_that_fails_at_confirmation_undoes_the_whole_import(client, county_staff, chengdong):
    rows = [
        ["", "东关大街街道总工会", "工会", "630102001000", "西宁市城东区总工会"],
        ["", "清真巷街道总工会", "工会", "630102002000", "西宁市城东区总工会"],
    ]
    client.force_login(county_staff)
    preview = client.post(import_url("organization"), upload(ORG_HEADERS, rows))
    # Someone else takes the second name between the preview and the confirmation.
    services.organization_create(
        name="清真巷街道总工会", federation=federation(), region=region("630102002000"), parent=chengdong
    )

    response = confirm(client, "organization", preview)

    assert response.status_code == 302 and response.url == import_url("organization")
    assert any("已全部撤销" in str(message) for message in get_messages(response.wsgi_request))
    assert not Organization.objects.filter(name="东关大街街道总工会").exists()


def test_users_without_add_permission_get_no_import(client, qinghai):
    station_staff = UserFactory()
    services.role_assign(user=station_staff, role=Role.STATION_STAFF, region=region("630102001000"))
    client.force_login(station_staff)

    assert client.get(import_url("organization")).status_code == 403
    assert client.get(reverse("admin:organizations_organization_export")).status_code == 200


def test_the_import_and_export_pages_name_their_columns_in_chinese(client, county_staff, chengdong):
    client.force_login(county_staff)

    import_page = client.get(import_url("organization")).context["fields_list"]
    export_page = client.get(reverse("admin:organizations_organization_export")).context["fields_list"]

    assert import_page[0][1] == [
        "ID",
        "名称",
        "群团类别",
        "区划代码",
        "上级组织",
        "所在单位",
        "所在单位统一社会信用代码",
    ]
    assert export_page[0][1] == [
        "ID",
        "名称",
        "群团类别",
        "区划代码",
        "所在区划",
        "上级组织",
        "所在单位",
        "所在单位统一社会信用代码",
        "层级",
    ]
