"""One world for the generated access tests: the Qinghai demo data plus the few rows it lacks, built
once for the whole package inside a transaction that is rolled back at the end (each test runs in a
savepoint inside it), so several hundred requests share one set-up of a few seconds.

The personas are the demo's own accounts, with the same roles as tests/conftest.py's:
chengdong_staff (县级服务中心 on 城东区 630102) and chengzhong_staff (the same on 城中区 630103).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction

from apps.activities.models import Registration, VolunteerRecord
from apps.exports.models import ExportJob, ExportStatus
from apps.insights import services as insights
from apps.insights.models import EvaluationSubject, IndicatorMethod
from apps.organizations.models import HostUnitKind
from apps.organizations.services import host_unit_create, host_unit_delete
from apps.resources.models import DutyShift, EntryKind, Fund, FundKind, ShiftSwap
from apps.resources.services import fund_save, ledger_entry_create
from tests.conftest import CHENGDONG, ensure_reference_data
from tests.factories import region, unit


@pytest.fixture(scope="package")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        ensure_reference_data()
        call_command("seed_demo", stdout=StringIO())
        _add_what_the_demo_lacks()
        users = get_user_model().objects
        yield {
            "county_staff": users.get(username="chengdong_staff"),
            "other_county_staff": users.get(username="chengzhong_staff"),
            "province_admin": users.get(username="province_admin"),
        }
        transaction.set_rollback(True)


@pytest.fixture
def county_staff(world, db):
    return world["county_staff"]


@pytest.fixture
def other_county_staff(world, db):
    return world["other_county_staff"]


def _add_what_the_demo_lacks() -> None:
    """A 城东区 row of every model the demo leaves empty there, so every id route has a row to try."""
    union = unit(CHENGDONG)
    fund = fund_save(fund=Fund(name="城东区总工会自有经费（访问测试）", kind=FundKind.OWN, owner=union, year=2026))
    ledger_entry_create(
        fund=fund, kind=EntryKind.INCOME, amount=Decimal("1000"), date=dt.date(2026, 1, 5), voucher_number="AC-1"
    )

    chengdong_shifts = DutyShift.objects.filter(center__region__path__startswith=region(CHENGDONG).path)
    first = chengdong_shifts.order_by("pk").first()
    other = chengdong_shifts.exclude(person=first.person).order_by("pk").first()
    ShiftSwap.objects.create(shift=first, other_shift=other)

    registration = Registration.objects.filter(activity__region__path__startswith=region(CHENGDONG).path).first()
    VolunteerRecord.objects.create(
        registration=registration,
        activity=registration.activity,
        person=registration.person,
        organization=registration.activity.lead_organization,
        computed_hours=Decimal("2"),
        hours=Decimal("2"),
    )

    scheme = insights.scheme_create(
        year=2026, name="城东区街道联评（访问测试）", region=region(CHENGDONG), subject=EvaluationSubject.REGION
    )
    insights.indicator_add(
        scheme=scheme,
        common="organizations",
        name="群众满意度",
        weight=Decimal(100),
        method=IndicatorMethod.MANUAL,
        position=1,
    )
    insights.scheme_publish(scheme=scheme)

    # A deletion tombstone (delta sync) of a 城东区 row.
    doomed = host_unit_create(name="访问测试临时企业", kind=HostUnitKind.ENTERPRISE, region=region(CHENGDONG))
    host_unit_delete(host_unit=doomed)

    chengdong_staff = get_user_model().objects.get(username="chengdong_staff")
    ExportJob.objects.create(requested_by=chengdong_staff, kind="people", status=ExportStatus.PENDING)
