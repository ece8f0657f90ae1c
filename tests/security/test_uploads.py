"""Bad files at every import door: refused before any row is read, with a clear Chinese reason, nothing written."""

from __future__ import annotations

import html
import io

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse

from apps.core import admin as core_admin
from apps.core import error_pages
from apps.members.models import Person
from apps.members.services import bulk_import
from tests.factories import UserFactory

XLSX, CSV = "0", "1"  # ServiceImportExportMixin.formats order

CORRUPT_ZIP = b"PK\x03\x04" + b"\x00garbage" * 40
NEITHER_UTF8_NOR_GBK = b"\xff\xfe\x80\x81,\x80\n\x81\x82,\xff\n"

BAD_FILES = {
    "a text file named .xlsx": ("people.xlsx", b"name,id\n1,2\n", XLSX, core_admin.IMPORT_NOT_XLSX),
    "a corrupt xlsx": ("people.xlsx", CORRUPT_ZIP, XLSX, core_admin.IMPORT_NOT_XLSX),
    "a csv in another encoding": ("people.csv", NEITHER_UTF8_NOR_GBK, CSV, core_admin.IMPORT_NOT_TEXT),
    "a csv with other headers": ("people.csv", b"foo,bar\n1,2\n", CSV, core_admin.IMPORT_NO_HEADERS.split("（")[0]),
    "an empty file": ("people.csv", b"", CSV, "提交的是空文件。"),
}


def import_admins():
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, core_admin.ServiceImportExportMixin)
    ]


@pytest.fixture
def superuser(qinghai):
    return UserFactory(is_superuser=True, is_staff=True)


def importable(superuser):
    request = RequestFactory().get("/")
    request.user = superuser
    return [(model, admin_) for model, admin_ in import_admins() if admin_.has_import_permission(request)]


def post_import(client, model, name, content, file_format):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_import")
    return client.post(url, {"import_file": SimpleUploadedFile(name, content), "format": file_format, "resource": "0"})


def test_every_admin_import_uses_the_checked_form():
    assert len(import_admins()) >= 10
    for _, model_admin in import_admins():
        assert issubclass(model_admin.import_form_class, core_admin.CheckedImportForm)


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
def test_every_admin_import_refuses_a_bad_file_with_its_reason_and_writes_nothing(client, superuser, case):
    name, content, file_format, message = BAD_FILES[case]
    client.force_login(superuser)
    admins = importable(superuser)
    assert len(admins) >= 7
    for model, _ in admins:
        rows, logs = model.objects.count(), LogEntry.objects.count()

        response = post_import(client, model, name, content, file_format)

        assert response.status_code == 200, model
        assert message in html.unescape(response.content.decode()), (model, case)
        assert (model.objects.count(), LogEntry.objects.count()) == (rows, logs), model


def test_every_admin_import_refuses_a_file_over_the_limit_before_reading_it(client, superuser, settings):
    settings.IMPORT_MAX_UPLOAD_MB = 1
    client.force_login(superuser)
    big = b"x" * (2**20 + 1)  # not even a spreadsheet: the size is judged first
    for model, _ in importable(superuser):
        response = post_import(client, model, "big.csv", big, CSV)

        page = html.unescape(response.content.decode())
        assert core_admin.IMPORT_TOO_LARGE.format(size=big.__len__() / 2**20, limit=1) in page, model
        assert core_admin.IMPORT_NOT_TEXT not in page


# The people bulk import (its own streaming reader) ------------------------------------


@pytest.mark.parametrize(
    ("content", "file_format"),
    [(CORRUPT_ZIP, "xlsx"), (b"name,id\n1,2\n", "xlsx"), (NEITHER_UTF8_NOR_GBK, "csv")],
    ids=["corrupt xlsx", "text as xlsx", "csv in another encoding"],
)
def test_the_bulk_import_refuses_an_unreadable_file_and_writes_nothing(county_staff, content, file_format):
    people = Person.objects.count()  # the package's world holds the demo's people

    with pytest.raises(ValidationError) as error:
        bulk_import.people_bulk_import(
            actor=county_staff, file=io.BytesIO(content), file_format=file_format, size=len(content)
        )

    assert error.value.messages[0].startswith(bulk_import.FILE_UNREADABLE.split("{")[0])
    assert Person.objects.count() == people


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"foo,bar\n1,2\n", bulk_import.HEADERS_MISSING.split("“")[0]), (b"", "提交的是空文件。")],
    ids=["other headers", "empty"],
)
def test_the_bulk_import_page_names_missing_headers_and_empty_files(client, county_staff, content, message):
    client.force_login(county_staff)
    people = Person.objects.count()

    response = client.post(
        reverse("admin:members_person_bulk_import"), {"import_file": SimpleUploadedFile("people.csv", content)}
    )

    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    assert Person.objects.count() == people


def test_the_bulk_import_limit_comes_from_the_settings(settings):
    assert settings.PEOPLE_BULK_IMPORT_MAX_MB * 2**20 == bulk_import.MAX_FILE_BYTES


def test_an_api_body_over_the_limit_is_a_json_400_not_an_html_page(client, county_staff, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    client.force_login(county_staff)

    response = client.post("/api/v1/host-units/", "x" * 2048, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"detail": error_pages.BAD_REQUEST}
