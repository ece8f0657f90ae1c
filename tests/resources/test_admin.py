"""The admin door to pooled resources: scoped lists and pages, ledger import, roster export, reversal."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
import tablib
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.organizations import services as organization_services
from apps.resources import services
from apps.resources.models import CenterKind, DutyShift, Fund, FundKind, LedgerEntry, ServiceCenter, StaffLeave
from apps.resources.resources import LEDGER_HEADERS, ROSTER_HEADERS
from tests.factories import federation, region
from tests.members.factories import PersonFactory

XLSX, CSV = "0", "1"  # the admin's format choices, in ServiceImportExportMixin.formats order
TODAY = dt.date(2026, 12, 1)  # a Tuesday; December 2026 has no public holidays


def changelist(model: str) -> str:
    return reverse(f"admin:resources_{model}_changelist")


def change_page(obj) -> str:
    return reverse(f"admin:resources_{obj._meta.model_name}_change", args=[obj.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def staffed_center(region_code: str, name: str, organization, people: int = 2) -> ServiceCenter:
    center = services.center_save(center=ServiceCenter(name=name, kind=CenterKind.CENTER, region=region(region_code)))
    for number in range(people):
        person = PersonFactory(name=f"{name[:3]}值班员{number + 1}", region=region(region_code))
        services.secondment_create(
            center=center, person=person, organization=organization, post_type="seconded", start_date=TODAY
        )
    return center


@pytest.fixture
def places(county_staff, other_county_staff, chengdong_union, chengzhong_union):
    """A staffed center with a roster and a fund with a ledger in 城东区 (630102), and the same in 城中区."""
    mine = staffed_center("630102", "城东区群团服务中心", chengdong_union)
    theirs = staffed_center("630103", "城中区群团服务中心", chengzhong_union)
    for center in (mine, theirs):
        services.duty_roster_generate(center=center, start=TODAY, end=dt.date(2026, 12, 4), today=TODAY)
    my_fund = services.fund_save(
        fund=Fund(name="城东区总工会自有经费", kind=FundKind.OWN, owner=chengdong_union, year=2026)
    )
    their_fund = services.fund_save(
        fund=Fund(name="城中区总工会自有经费", kind=FundKind.OWN, owner=chengzhong_union, year=2026)
    )
    for fund, voucher in ((my_fund, "CD-001"), (their_fund, "CZ-001")):
        services.ledger_entry_create(
            fund=fund, kind="income", amount=Decimal("10000.00"), date=dt.date(2026, 3, 1), voucher_number=voucher
        )
    leave_person = mine.secondments.first().person
    services.leave_record(
        person=leave_person, start_date=dt.date(2026, 12, 21), end_date=dt.date(2026, 12, 22), today=TODAY
    )
    services.leave_record(
        person=theirs.secondments.first().person,
        start_date=dt.date(2026, 12, 21),
        end_date=dt.date(2026, 12, 22),
        today=TODAY,
    )
    return mine, theirs, my_fund, their_fund


# Scope ----------------------------------------------------------------------------------------


def _rows(places):
    mine, theirs, my_fund, their_fund = places
    return {
        "servicecenter": (mine, theirs),
        "secondment": (mine.secondments.first(), theirs.secondments.first()),
        "dutyshift": (mine.shifts.first(), theirs.shifts.first()),
        "staffleave": (
            StaffLeave.objects.get(person__secondments__center=mine),
            StaffLeave.objects.get(person__secondments__center=theirs),
        ),
        "fund": (my_fund, their_fund),
        "ledgerentry": (my_fund.entries.get(), their_fund.entries.get()),
    }


@pytest.mark.parametrize("model", ["servicecenter", "secondment", "dutyshift", "staffleave", "fund", "ledgerentry"])
def test_county_staff_see_only_their_countys_rows_and_the_others_answer_404(client, county_staff, places, model):
    mine, theirs = _rows(places)[model]
    client.force_login(county_staff)

    response = client.get(changelist(model))

    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    assert mine in shown and theirs not in shown
    assert client.get(change_page(mine)).status_code == 200
    assert client.get(change_page(theirs)).status_code == 404


def test_the_roster_filter_offers_only_the_users_centers(client, county_staff, places):
    client.force_login(county_staff)

    response = client.get(changelist("dutyshift"))

    page = response.content.decode()
    assert "城东区群团服务中心" in page and "城中区群团服务中心" not in page


# Ledger import --------------------------------------------------------------------------------


def upload(rows: list[list], file_format: str = XLSX) -> dict:
    dataset = tablib.Dataset(*rows, headers=list(LEDGER_HEADERS))
    if file_format == XLSX:
        content, name = dataset.export("xlsx"), "ledger.xlsx"
    else:
        content, name = dataset.export("csv").encode("utf-8"), "ledger.csv"
    return {"import_file": SimpleUploadedFile(name, content), "format": file_format, "resource": "0"}


@pytest.mark.parametrize("file_format", [XLSX, CSV])
def test_a_ledger_file_with_bad_rows_reports_every_one_and_writes_nothing(client, county_staff, places, file_format):
    _, _, fund, their_fund = places
    rows = [
        [fund.pk, "支出", "500.00", "2026-04-01", "CD-101", "基层服务活动", "", "职工书屋图书"],  # good
        [fund.pk, "支出", "999999.00", "2026-04-02", "CD-102", "阵地建设", "", "超支"],  # overdraft
        [fund.pk, "支出", "100.00", "2026-04-03", "CD-103", "不存在的类别", "", ""],
        [fund.pk, "支出", "100.00", "2026-13-40", "CD-104", "行政运行", "", ""],
        [their_fund.pk, "收入", "100.00", "2026-04-05", "CD-105", "", "", "别人的经费"],
    ]
    client.force_login(county_staff)
    before = LedgerEntry.objects.count()

    response = client.post(reverse("admin:resources_ledgerentry_import"), upload(rows, file_format))

    assert response.status_code == 200
    result = response.context["result"]
    errors = {row.number: row.field_specific_errors for row in result.invalid_rows}
    assert errors == {
        2: {"金额": [services.INSUFFICIENT_BALANCE.format(balance="9500.00", amount="999999.00")]},
        3: {"类别": ["没有名为“不存在的类别”的支出类别。"]},
        4: {"日期": ["日期应为 YYYY-MM-DD 格式，如 2027-03-15。"]},
        5: {"经费ID": [f"找不到 ID 为 {their_fund.pk} 的经费，或它不在您的管辖范围内。"]},
    }
    assert "confirm_form" not in response.context
    page = response.content.decode()
    assert all(message in page for row in errors.values() for messages in row.values() for message in messages)
    assert LedgerEntry.objects.count() == before


def test_a_good_ledger_file_is_imported_through_the_service(client, county_staff, places):
    _, _, fund, _ = places
    township = organization_services.organization_create(
        name="东关大街街道总工会", federation=federation(), region=region("630102001000"), parent=fund.owner
    )
    rows = [
        [fund.pk, "收入", 5000, "2026-05-01", "CD-201", "", "", "上级补助"],
        [fund.pk, "下拨", "3000", "2026-05-02", "CD-202", "基层服务活动", "东关大街街道总工会", "街道活动经费"],
        [fund.pk, "支出", "1200.50", "2026/05/03", "CD-203", "行政运行", "", "办公用品"],
    ]
    client.force_login(county_staff)

    preview = client.post(reverse("admin:resources_ledgerentry_import"), upload(rows))
    assert not LedgerEntry.objects.filter(voucher_number="CD-201").exists()  # the preview wrote nothing
    response = client.post(
        reverse("admin:resources_ledgerentry_process_import"), preview.context["confirm_form"].initial
    )

    assert response.status_code == 302
    allocation = LedgerEntry.objects.get(voucher_number="CD-202")
    assert allocation.receiving_organization == township and allocation.kind == "allocation"
    assert allocation.created_by == county_staff and allocation.category.name == "基层服务活动"
    assert LedgerEntry.objects.get(voucher_number="CD-203").date == dt.date(2026, 5, 3)
    assert services.fund_balance(fund) == Decimal("10000.00") + 5000 - 3000 - Decimal("1200.50")


def test_a_voucher_used_twice_in_a_file_is_reported_on_its_column(client, county_staff, places):
    _, _, fund, _ = places
    rows = [
        [fund.pk, "支出", "10", "2026-06-01", "CD-301", "行政运行", "", ""],
        [fund.pk, "支出", "10", "2026-06-02", "CD-301", "行政运行", "", ""],
    ]
    client.force_login(county_staff)

    response = client.post(reverse("admin:resources_ledgerentry_import"), upload(rows))

    errors = {row.number: row.field_specific_errors for row in response.context["result"].invalid_rows}
    assert errors == {2: {"凭证号": [services.VOUCHER_TAKEN.format(voucher="CD-301")]}}
    assert not LedgerEntry.objects.filter(voucher_number="CD-301").exists()


# Ledger entries are never edited ----------------------------------------------------------------


def test_a_ledger_entrys_page_has_no_editable_amount_only_a_reversal(client, county_staff, places):
    _, _, fund, _ = places
    entry = fund.entries.get()
    client.force_login(county_staff)

    page = client.get(change_page(entry)).content.decode()

    assert 'name="amount"' not in page and 'name="date"' not in page and 'name="voucher_number"' not in page
    assert 'name="reversal_date"' in page and "10000.00" in page


def test_reversing_from_the_page_writes_a_reversing_entry_and_leaves_the_original(client, county_staff, places):
    _, _, fund, _ = places
    entry = fund.entries.get()
    client.force_login(county_staff)

    response = client.post(
        change_page(entry),
        {"reversal_date": "2026-06-30", "reversal_voucher": "CD-001-冲", "reversal_note": "重复入账", "amount": "1"},
    )

    assert response.status_code == 302
    assert "已冲销，冲销分录凭证号 CD-001-冲。" in messages_of(response)
    reversal = LedgerEntry.objects.get(reverses=entry)
    entry.refresh_from_db()
    assert entry.amount == Decimal("10000.00") and reversal.amount == Decimal("10000.00")
    assert services.fund_balance(fund) == Decimal("0.00")
    # Neither can be reversed again: both pages are records only.
    assert 'name="reversal_date"' not in client.get(change_page(entry)).content.decode()
    assert (
        client.post(change_page(reversal), {"reversal_date": "2026-07-01", "reversal_voucher": "X"}).status_code == 403
    )


def test_a_refused_reversal_shows_the_services_message_on_its_field(client, county_staff, places):
    _, _, fund, _ = places
    entry = fund.entries.get()
    client.force_login(county_staff)

    response = client.post(change_page(entry), {"reversal_date": "2027-01-05", "reversal_voucher": "CD-001-冲"})

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["reversal_date"] == [services.DATE_OUTSIDE_YEAR.format(year=2026)]
    assert not LedgerEntry.objects.filter(reverses=entry).exists()


# Roster ------------------------------------------------------------------------------------------


def test_the_roster_export_holds_only_the_users_shifts_under_chinese_headers(client, county_staff, places):
    mine, theirs, _, _ = places
    client.force_login(county_staff)

    response = client.post(reverse("admin:resources_dutyshift_export"), {"format": XLSX, "resource": "0"})

    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    headers, *rows = [[cell.value for cell in row] for row in sheet.rows]
    assert headers == list(ROSTER_HEADERS)
    assert headers[:5] == ["日期", "星期", "班次", "值班人", "派出组织"]
    assert len(rows) == mine.shifts.count() == 4 and theirs.shifts.exists()
    assert {row[5] for row in rows} == {"城东区群团服务中心"}
    assert {row[4] for row in rows} == {"西宁市城东区总工会"}
    assert rows[0][:3] == ["2026-12-01", "星期二", "全天"]
    assert [row[0] for row in rows] == sorted(row[0] for row in rows)


def test_the_generate_action_plans_four_weeks_for_the_selected_centers_in_scope(client, county_staff, places):
    mine, theirs, _, _ = places
    before = theirs.shifts.count()
    client.force_login(county_staff)

    response = client.post(
        changelist("servicecenter"),
        {"action": "generate_rosters", "_selected_action": [mine.pk, theirs.pk]},
    )

    assert response.status_code == 302
    assert any(message.startswith("已为 1 个服务中心（站）生成未来四周排班") for message in messages_of(response))
    assert mine.shifts.filter(date__gt=dt.date(2026, 12, 4)).exists() or mine.shifts.count() > 4
    assert theirs.shifts.count() == before  # out of scope: not even selectable


def test_leave_is_recorded_through_the_service_and_then_only_read(client, county_staff, places):
    mine, _, _, _ = places
    shift = mine.shifts.order_by("date").last()
    client.force_login(county_staff)

    response = client.post(
        reverse("admin:resources_staffleave_add"),
        {"person": shift.person_id, "start_date": "2099-01-01", "end_date": "2099-01-02", "reason": "年休假"},
    )

    assert response.status_code == 302
    leave = StaffLeave.objects.get(reason="年休假")
    assert leave.person_id == shift.person_id
    assert client.get(change_page(leave)).status_code == 200
    assert 'name="start_date"' not in client.get(change_page(leave)).content.decode()


def test_staff_cannot_add_a_shift_by_hand(client, county_staff, places):
    client.force_login(county_staff)

    assert client.get(reverse("admin:resources_dutyshift_add")).status_code == 403
    assert DutyShift.objects.filter(center__region__code="630102").count() == 4
