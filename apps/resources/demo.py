"""Demo: 城东区群团服务中心 with staff seconded by four federations, its roster, and a union fund."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from apps.members import idnumbers
from apps.members.models import PostType
from apps.members.services import person_by_id_number, person_register
from apps.organizations.models import Organization, Region
from apps.resources.models import CenterKind, EntryKind, ExpenseCategory, Fund, FundKind, Secondment, ServiceCenter
from apps.resources.services import center_save, duty_roster_generate, fund_save, ledger_entry_create, secondment_create

CENTER_NAME = "城东区群团服务中心"
# Invented cadres (well-formed ID numbers that belong to no one): name, first 17 digits, federation.
DEMO_STAFF = [
    ("王海明", "63010219820314011", "union"),
    ("赵春梅", "63010219870921022", "union"),
    ("才让东智", "63252219930605031", "youth_league"),
    ("马燕", "63010219960118042", "youth_league"),
    ("李淑芳", "63010219780702062", "women"),
    ("韩玉兰", "63010219850410082", "women"),
    ("张志强", "63010219750830091", "disabled"),
    ("祁秀英", "63010219890227102", "disabled"),
]


def _staff(region: Region) -> list[tuple]:
    staff = []
    for name, first17, federation in DEMO_STAFF:
        number = first17 + idnumbers.check_digit(first17)
        person = person_by_id_number(number) or person_register(name=name, id_number=number, region=region)[0]
        staff.append((person, Organization.objects.get(federation__code=federation, region=region, host_unit=None)))
    return staff


def _fund() -> Fund:
    owner = Organization.objects.get(name="青海省总工会")
    year = timezone.localdate().year
    fund = Fund.objects.filter(owner=owner, year=year, name="省总工会自有经费").first()
    if fund is not None:
        return fund
    fund = fund_save(fund=Fund(name="省总工会自有经费", kind=FundKind.OWN, owner=owner, year=year))
    categories = {category.code: category for category in ExpenseCategory.objects.all()}
    county_union = Organization.objects.get(name="西宁市城东区总工会")
    day = dt.date(year, 1, 15)
    ledger_entry_create(
        fund=fund, kind=EntryKind.INCOME, amount=Decimal("1000000.00"), date=day, voucher_number="DEMO-001"
    )
    ledger_entry_create(
        fund=fund,
        kind=EntryKind.ALLOCATION,
        amount=Decimal("600000.00"),
        date=day,
        voucher_number="DEMO-002",
        category=categories["grassroots_service"],
        receiving_organization=county_union,
        note="下拨城东区总工会基层服务经费",
    )
    ledger_entry_create(
        fund=fund,
        kind=EntryKind.EXPENDITURE,
        amount=Decimal("250000.00"),
        date=day,
        voucher_number="DEMO-003",
        category=categories["venue_building"],
        note="职工之家阵地建设",
    )
    ledger_entry_create(
        fund=fund,
        kind=EntryKind.EXPENDITURE,
        amount=Decimal("90000.00"),
        date=day,
        voucher_number="DEMO-004",
        category=categories["administration"],
        note="机关行政运行",
    )
    return fund


def seed() -> list[str]:
    region = Region.objects.get(code="630102")
    center = ServiceCenter.objects.filter(region=region, name=CENTER_NAME).first()
    if center is None:
        center = center_save(center=ServiceCenter(name=CENTER_NAME, kind=CenterKind.CENTER, region=region))
    start = timezone.localdate().replace(month=1, day=1)
    for person, organization in _staff(region):
        if not Secondment.objects.filter(center=center, person=person).exists():
            secondment_create(
                center=center, person=person, organization=organization, post_type=PostType.ROTATION, start_date=start
            )
    created = duty_roster_generate(center=center).created
    fund = _fund()
    return [f"演示服务中心：{CENTER_NAME}（派驻 {len(DEMO_STAFF)} 人，本次新排班 {created} 个）；经费：{fund}。"]
