"""Exports: the requester's scope only, masked ID numbers, formulas neutralized, csv and xlsx, failures recorded."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from apps.exports import services, writers
from apps.exports.models import ExportJob, ExportStatus
from apps.members.services.memberships import membership_create
from tests.conftest import CHENGZHONG
from tests.factories import region
from tests.members.factories import PersonFactory, id_number

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def members(chengdong_union, chengzhong_union):
    """One member in 城东区 (the county staff's scope), one in 城中区 (not)."""
    mine = PersonFactory(name="城东会员", id_number=id_number(age=30))
    theirs = PersonFactory(name="城中会员", region=region(CHENGZHONG), id_number=id_number(region_code=CHENGZHONG))
    membership_create(person=mine, organization=chengdong_union)
    membership_create(person=theirs, organization=chengzhong_union)
    return mine, theirs


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.fixture
def tasks(django_capture_on_commit_callbacks):
    """The export task runs after the request's commit, as Celery would run it."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_it_exports_only_the_requesters_scope_with_masked_id_numbers(county_staff, members, tasks):
    mine, _ = members
    with tasks():
        reply = api(county_staff).post("/api/v1/exports/", {"kind": "memberships", "format": "csv"}, format="json")
    assert reply.status_code == 201, reply.data
    reply = api(county_staff).get(f"/api/v1/exports/{reply.data['id']}/")
    assert reply.data["status"] == ExportStatus.DONE
    assert reply.data["row_count"] == 1
    download = api(county_staff).get(f"/api/v1/exports/{reply.data['id']}/download/")
    assert download.status_code == 200
    header, *rows = csv_rows(b"".join(download.streaming_content))
    assert header[:3] == ["编号", "姓名", "身份证号（脱敏）"]
    assert [row[1] for row in rows] == ["城东会员"]
    assert rows[0][2] == mine.id_number_masked and "*" in rows[0][2]


def test_it_refuses_a_region_outside_the_scope(county_staff, members):
    reply = api(county_staff).post(
        "/api/v1/exports/", {"kind": "memberships", "filters": {"region": CHENGZHONG}}, format="json"
    )
    assert reply.status_code == 400
    assert "region" in reply.data
    assert not ExportJob.objects.exists()


def test_a_region_filter_narrows_the_province_admins_export(province_admin, members, tasks):
    with tasks():
        job = services.export_request(actor=province_admin, kind="people", filters={"region": CHENGZHONG})
    job.refresh_from_db()
    header, *rows = csv_rows(job.file.read())
    assert [row[1] for row in rows] == ["城中会员"]


def test_it_refuses_a_user_without_the_view_permission(mobile_user, members):
    reply = api(mobile_user).post("/api/v1/exports/", {"kind": "memberships"}, format="json")
    assert reply.status_code == 403


def test_another_users_job_is_not_found(county_staff, other_county_staff, members):
    job = services.export_request(actor=county_staff, kind="memberships")
    assert api(other_county_staff).get(f"/api/v1/exports/{job.pk}/").status_code == 404
    assert api(other_county_staff).get(f"/api/v1/exports/{job.pk}/download/").status_code == 404
    assert api(county_staff).get(f"/api/v1/exports/{job.pk}/").status_code == 200


def test_cells_that_spreadsheets_read_as_formulas_are_written_as_text(tmp_path):
    # Plain numbers ("-2") are no formulas: left alone so that amounts import back unchanged.
    row = ['=HYPERLINK("http://x")', "+1+cmd|' /C calc'!A0", "-2", "@SUM(A1)", "普通", 3]
    writers.write_csv(tmp_path / "a.csv", ["a", "b", "c", "d", "e", "f"], [row])
    (_, written) = csv_rows((tmp_path / "a.csv").read_bytes())
    assert written == ['\'=HYPERLINK("http://x")', "'+1+cmd|' /C calc'!A0", "-2", "'@SUM(A1)", "普通", "3"]
    writers.write_xlsx(tmp_path / "a.xlsx", ["a", "b", "c", "d", "e", "f"], [row])
    sheet = load_workbook(tmp_path / "a.xlsx").active
    assert [cell.value for cell in sheet[2]] == [
        '\'=HYPERLINK("http://x")',
        "'+1+cmd|' /C calc'!A0",
        "-2",
        "'@SUM(A1)",
        "普通",
        3,
    ]
    assert all(cell.data_type != "f" for cell in sheet[2])


def test_an_xlsx_export_holds_the_header_and_the_rows(province_admin, members, tasks):
    with tasks():
        job = services.export_request(actor=province_admin, kind="memberships", format="xlsx")
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE and job.row_count == 2
    sheet = load_workbook(job.file.path).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][1] == "姓名"
    assert sorted(row[1] for row in rows[1:]) == ["城东会员", "城中会员"]


def test_a_failed_export_says_so_on_the_job(province_admin, members, monkeypatch, tasks):
    def broken(path, header, rows):
        raise OSError("磁盘已满")

    monkeypatch.setitem(writers.WRITERS, "csv", broken)
    with tasks():
        job = services.export_request(actor=province_admin, kind="memberships")
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED
    assert "磁盘已满" in job.error and job.finished_at is not None
    assert not job.file


def test_a_job_is_written_once_however_often_the_task_runs(province_admin, members, tasks):
    with tasks():
        job = services.export_request(actor=province_admin, kind="memberships")
    assert services.export_run(job_id=job.pk) is None
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE


def test_the_page_lists_the_users_exports_with_download_links(client, county_staff, members, tasks):
    client.force_login(county_staff)
    with tasks():
        reply = client.post("/exports/new/", {"kind": "memberships", "format": "csv"})
    assert reply.status_code == 302
    job = ExportJob.objects.get()
    page = client.get("/exports/").content.decode()
    assert f"/exports/{job.pk}/download/" in page
    download = client.get(f"/exports/{job.pk}/download/")
    assert "城东会员" in b"".join(download.streaming_content).decode("utf-8-sig")
