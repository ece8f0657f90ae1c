"""/api/v1/ for pooled resources: scope, the grassroots share, swaps, the ledger and query counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from apps.organizations.models import Role
from apps.organizations.services import role_assign
from apps.resources import services
from apps.resources.models import CenterKind, DutyShift, EntryKind, ExpenseCategory, Fund, FundKind, ServiceCenter
from tests.factories import region, unit
from tests.resources.roster_setup import FEDERATIONS, make_center, second

TODAY = dt.date(2026, 11, 27)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def center(qinghai):
    return make_center()


@pytest.fixture
def staffed_center(center):
    for federation in FEDERATIONS[:3]:
        second(center, federation=federation)
    services.duty_roster_generate(center=center, start=dt.date(2026, 12, 1), end=dt.date(2026, 12, 31), today=TODAY)
    return center


@pytest.fixture
def county_fund(chengdong_union):
    fund = services.fund_save(fund=Fund(name="城东区工会经费", kind=FundKind.OWN, owner=chengdong_union, year=2026))
    services.ledger_entry_create(
        fund=fund, kind=EntryKind.INCOME, amount=Decimal("100.00"), date=dt.date(2026, 3, 1), voucher_number="R-1"
    )
    return fund


# Scope ----------------------------------------------------------------------------------


def test_another_countys_staff_sees_none_of_it(staffed_center, county_fund, other_county_staff):
    client = client_for(other_county_staff)
    shift = DutyShift.objects.filter(center=staffed_center).first()
    entry = county_fund.entries.get()

    for path in ("service-centers", "secondments", "duty-shifts", "funds", "ledger-entries"):
        assert client.get(f"/api/v1/{path}/").json()["results"] == [], path
    for path in (
        f"service-centers/{staffed_center.pk}/",
        f"duty-shifts/{shift.pk}/",
        f"funds/{county_fund.pk}/",
        f"funds/{county_fund.pk}/grassroots-share/",
        f"ledger-entries/{entry.pk}/",
    ):
        assert client.get(f"/api/v1/{path}").status_code == 404, path
    assert client.post(f"/api/v1/ledger-entries/{entry.pk}/reverse/", {}).status_code == 404


def test_the_countys_own_staff_sees_its_center_with_the_staffing(staffed_center, county_staff):
    client = client_for(county_staff)

    listed = client.get("/api/v1/service-centers/").json()["results"]
    detail = client.get(f"/api/v1/service-centers/{staffed_center.pk}/").json()

    assert [row["id"] for row in listed] == [staffed_center.pk]
    assert "staffing" not in listed[0]
    staffing = {row["federation"]: (row["count"], row["gap"]) for row in detail["staffing"]}
    union = unit("630102", "union").federation_id
    assert staffing[union] == (1, "缺 1 人")
    assert len(staffing) == len(FEDERATIONS)


def test_duty_shifts_filter_by_center_date_and_person(staffed_center, county_staff):
    client = client_for(county_staff)
    shift = DutyShift.objects.filter(center=staffed_center, date=dt.date(2026, 12, 2)).get()

    rows = client.get(
        "/api/v1/duty-shifts/",
        {"center": staffed_center.pk, "date_from": "2026-12-02", "date_to": "2026-12-02", "person": shift.person_id},
    ).json()["results"]

    assert rows == [
        {
            "id": shift.pk,
            "center": staffed_center.pk,
            "person": shift.person_id,
            "date": "2026-12-02",
            "shift": "full_day",
            "status": "planned",
            "updated_at": rows[0]["updated_at"],
        }
    ]


def test_a_center_can_be_created_only_in_the_users_own_region(qinghai, county_staff):
    client = client_for(county_staff)
    body = {"name": "城东区群团服务中心", "kind": "center", "shift_pattern": "full_day", "staff_per_shift": 1}

    refused = client.post("/api/v1/service-centers/", {**body, "region": region("630103").pk}, format="json")
    created = client.post("/api/v1/service-centers/", {**body, "region": region("630102").pk}, format="json")

    assert refused.status_code == 400
    assert set(refused.json()) == {"region"}
    assert created.status_code == 201, created.json()
    assert created.json()["name"] == "城东区群团服务中心"


# Funds ----------------------------------------------------------------------------------


@pytest.fixture
def provincial_fund(qinghai):
    fund = services.fund_save(fund=Fund(name="省总工会经费", kind=FundKind.OWN, owner=unit("630000"), year=2026))
    admin = ExpenseCategory.objects.get(code="administration")
    rows = [
        (EntryKind.INCOME, "1000.00", None, None),
        (EntryKind.EXPENDITURE, "300.00", ExpenseCategory.objects.get(code="grassroots_service"), None),
        (EntryKind.ALLOCATION, "500.00", admin, unit("630102")),
        (EntryKind.EXPENDITURE, "200.00", admin, None),
    ]
    for number, (kind, amount, category, receiver) in enumerate(rows, start=1):
        services.ledger_entry_create(
            fund=fund,
            kind=kind,
            amount=Decimal(amount),
            date=dt.date(2026, 3, number),
            voucher_number=f"V-{number}",
            category=category,
            receiving_organization=receiver,
        )
    return fund


def test_the_grassroots_share_answers_in_decimal_strings(provincial_fund, province_admin):
    client = client_for(province_admin)
    entries = list(provincial_fund.entries.order_by("date"))

    body = client.get(
        f"/api/v1/funds/{provincial_fund.pk}/grassroots-share/", {"start": "2026-01-01", "end": "2026-12-31"}
    ).json()

    assert body == {
        "total": "1000.00",
        "grassroots": "800.00",
        "share": "0.8000",
        "target": "0.80",
        "meets_target": True,
        "entries": [
            {
                "id": entries[1].pk,
                "date": "2026-03-02",
                "kind": "expenditure",
                "amount": "300.00",
                "category": entries[1].category_id,
                "receiving_organization": None,
                "counted": True,
            },
            {
                "id": entries[2].pk,
                "date": "2026-03-03",
                "kind": "allocation",
                "amount": "500.00",
                "category": entries[2].category_id,
                "receiving_organization": entries[2].receiving_organization_id,
                "counted": True,
            },
            {
                "id": entries[3].pk,
                "date": "2026-03-04",
                "kind": "expenditure",
                "amount": "200.00",
                "category": entries[3].category_id,
                "receiving_organization": None,
                "counted": False,
            },
        ],
    }


def test_the_grassroots_share_refuses_a_malformed_date(provincial_fund, province_admin):
    response = client_for(province_admin).get(
        f"/api/v1/funds/{provincial_fund.pk}/grassroots-share/", {"start": "2026-13-01"}
    )

    assert response.status_code == 400
    assert set(response.json()) == {"start"}


def test_the_ledger_refuses_overspending_and_a_used_voucher_and_accepts_a_reversal(county_fund, county_staff):
    client = client_for(county_staff)
    spend = {
        "fund": county_fund.pk,
        "kind": "expenditure",
        "amount": "100.01",
        "category": ExpenseCategory.objects.get(code="training").pk,
        "date": "2026-04-01",
        "voucher_number": "P-1",
    }

    overspent = client.post("/api/v1/ledger-entries/", spend, format="json")
    spent = client.post("/api/v1/ledger-entries/", {**spend, "amount": "60.00"}, format="json")
    again = client.post("/api/v1/ledger-entries/", {**spend, "amount": "10.00"}, format="json")
    reversed_ = client.post(
        f"/api/v1/ledger-entries/{spent.json()['id']}/reverse/",
        {"date": "2026-04-02", "voucher_number": "C-1"},
        format="json",
    )

    assert overspent.status_code == 400
    assert overspent.json() == {
        "amount": [services.INSUFFICIENT_BALANCE.format(balance=Decimal("100.00"), amount=Decimal("100.01"))]
    }
    assert spent.status_code == 201, spent.json()
    assert spent.json()["amount"] == "60.00"
    assert again.status_code == 409
    assert again.json()["detail"] == services.VOUCHER_TAKEN.format(voucher="P-1")
    assert reversed_.status_code == 201
    assert reversed_.json()["reverses"] == spent.json()["id"]
    assert services.fund_balance(county_fund) == Decimal("100.00")


# Swaps ----------------------------------------------------------------------------------


DONGGUAN = "630102001000"  # 东关大街街道, a township of 城东区


def station_staff_seconded(center, federation):
    person = second(center, federation=federation, with_user=True)
    role_assign(user=person.user, role=Role.STATION_STAFF, region=region(DONGGUAN))
    return person


def test_a_swap_through_the_api_waits_for_the_other_persons_consent(qinghai, mobile_user, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC), tick=False)
    center = make_center(name="东关大街街道群团服务站", region_code=DONGGUAN, kind=CenterKind.STATION)
    asker, other = (station_staff_seconded(center, f) for f in FEDERATIONS[:2])
    services.duty_roster_generate(center=center, start=dt.date(2026, 12, 1), end=dt.date(2026, 12, 11), today=TODAY)
    mine = DutyShift.objects.filter(person=asker).first()
    theirs = DutyShift.objects.filter(person=other).first()
    as_asker, as_other = client_for(asker.user), client_for(other.user)

    stranger = client_for(mobile_user).post(f"/api/v1/duty-shifts/{mine.pk}/swap/", {"other_shift": theirs.pk})
    requested = as_asker.post(f"/api/v1/duty-shifts/{mine.pk}/swap/", {"other_shift": theirs.pk}, format="json")
    swap_id = requested.json()["id"]
    self_accepted = as_asker.post(f"/api/v1/shift-swaps/{swap_id}/accept/")
    unchanged = DutyShift.objects.get(pk=mine.pk).person_id
    accepted = as_other.post(f"/api/v1/shift-swaps/{swap_id}/accept/")

    assert stranger.status_code == 404
    assert requested.status_code == 201, requested.json()
    assert requested.json()["status"] == "pending"
    assert self_accepted.status_code == 403
    assert unchanged == asker.pk
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    assert DutyShift.objects.get(pk=mine.pk).person_id == other.pk
    assert DutyShift.objects.get(pk=theirs.pk).person_id == asker.pk
    assert as_other.post(f"/api/v1/shift-swaps/{swap_id}/decline/").status_code == 400


# Query counts ---------------------------------------------------------------------------


def grow(center, fund, *, rounds: int) -> None:
    """More centers, staff, shifts and ledger lines: the list queries must not grow with them."""
    for n in range(ServiceCenter.objects.count(), ServiceCenter.objects.count() + rounds):
        extra = make_center(name=f"城东区群团服务站{n}")
        second(extra, federation=FEDERATIONS[n % len(FEDERATIONS)])
        services.duty_roster_generate(center=extra, start=dt.date(2026, 12, 1), end=dt.date(2026, 12, 4), today=TODAY)
        services.ledger_entry_create(
            fund=fund, kind=EntryKind.INCOME, amount=Decimal("1.00"), date=dt.date(2026, 5, 1), voucher_number=f"G-{n}"
        )


# One query per page: the rows, with foreign keys as ids (the user's scope is cached).
LIST_QUERIES = 1
LISTS = ["service-centers", "secondments", "duty-shifts", "funds", "ledger-entries"]


@pytest.mark.parametrize("path", LISTS)
def test_lists_take_a_constant_number_of_queries(
    path, staffed_center, county_fund, county_staff, django_assert_num_queries
):
    client = client_for(county_staff)
    client.get(f"/api/v1/{path}/")  # the scope is cached per user after the first request
    grow(staffed_center, county_fund, rounds=1)
    with django_assert_num_queries(LIST_QUERIES) as small:
        assert client.get(f"/api/v1/{path}/").status_code == 200
    grow(staffed_center, county_fund, rounds=4)
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(f"/api/v1/{path}/").status_code == 200


def test_a_center_detail_with_its_staffing_takes_three_queries(staffed_center, county_staff, django_assert_num_queries):
    client = client_for(county_staff)
    client.get("/api/v1/service-centers/")  # the scope is cached per user after the first request

    # The center, its active secondments counted by federation, and the federations.
    with django_assert_num_queries(3):
        assert client.get(f"/api/v1/service-centers/{staffed_center.pk}/").status_code == 200


def test_a_ledger_entry_and_a_refused_one_take_a_fixed_number_of_queries(
    county_fund, county_staff, django_assert_num_queries
):
    """Bench scenario 9's write. Entered: the fund in scope with its owner and the owner's region (one
    read: the service checks the owner against the scope), the category, the fund locked, the balance,
    the insert in its savepoint, its change-log line (django-auditlog). An overdraft stops at the balance.
    No scoped list is built only to name the permission."""
    client = client_for(county_staff)
    spend = {
        "fund": county_fund.pk,
        "kind": "expenditure",
        "amount": "10.00",
        "category": ExpenseCategory.objects.get(code="training").pk,
        "date": "2026-04-01",
        "voucher_number": "Q-0",
    }
    assert client.post("/api/v1/ledger-entries/", spend, format="json").status_code == 201  # scope cached

    with django_assert_num_queries(10):
        entered = client.post("/api/v1/ledger-entries/", {**spend, "voucher_number": "Q-1"}, format="json")
    with django_assert_num_queries(7):
        refused = client.post(
            "/api/v1/ledger-entries/", {**spend, "amount": "500.00", "voucher_number": "Q-2"}, format="json"
        )

    assert entered.status_code == 201, entered.json()
    assert entered.json() == client.get(f"/api/v1/ledger-entries/{entered.json()['id']}/").json()
    assert refused.status_code == 400
    assert set(refused.json()) == {"amount"}
