"""The staff pages of 资源共享, through HTTP: scope, staffing gaps, generating the roster,
the month calendar and its query count, and a fund's ledger with its grassroots share."""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.members.models import PostType
from apps.organizations.views import SIGNED_IN
from apps.resources import services
from apps.resources import urls as resource_urls
from apps.resources.models import (
    CenterKind,
    DutyShift,
    EntryKind,
    ExpenseCategory,
    Fund,
    FundKind,
    ServiceCenter,
)
from tests.factories import region, unit
from tests.members.factories import PersonFactory
from tests.venues.factories import aware

TODAY = dt.date(2026, 12, 1)  # a Tuesday; December 2026 has no public holiday
SUNDAY = dt.date(2026, 12, 6)
WEDNESDAY = dt.date(2026, 12, 2)


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(aware(2026, 12, 1, 8), tick=False)


@pytest.fixture
def staff_client(client, county_staff):
    client.force_login(county_staff)
    return client


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _center(region_code: str, name: str = "城东区群团服务中心") -> ServiceCenter:
    return services.center_save(
        center=ServiceCenter(name=name, kind=CenterKind.CENTER, region=region(region_code), staff_per_shift=1)
    )


def _second(center: ServiceCenter, name: str, federation_code: str = "union"):
    person = PersonFactory(name=name)
    return services.secondment_create(
        center=center,
        person=person,
        organization=unit(center.region.code, federation_code),
        post_type=PostType.SECONDED,
        start_date=dt.date(2026, 11, 1),
    )


def _fund(region_code: str, name: str = "职工服务经费") -> Fund:
    return services.fund_save(fund=Fund(name=name, kind=FundKind.OWN, owner=unit(region_code), year=2026))


def _cell(text: str, day: dt.date) -> str:
    match = re.search(rf'<td id="day-{day:%Y-%m-%d}"[^>]*>(.*?)</td>', text, re.S)
    assert match, day
    return match.group(1)


@pytest.fixture
def center(qinghai):
    return _center("630102")


@pytest.fixture
def other_center(qinghai):
    return _center("630103", name="城中区群团服务中心")


# Scope ----------------------------------------------------------------------------------


def test_a_center_of_another_county_is_absent_from_the_list_and_its_pages_are_404(staff_client, center, other_center):
    text = _text(staff_client.get(reverse("web-center-list")))
    assert "城东区群团服务中心" in text
    assert "城中区群团服务中心" not in text
    for name in ("web-center-detail", "web-center-roster"):
        assert staff_client.get(reverse(name, args=[other_center.pk])).status_code == 404, name
    assert staff_client.post(reverse("web-roster-generate", args=[other_center.pk])).status_code == 404
    assert not DutyShift.objects.filter(center=other_center).exists()


def test_a_fund_of_another_county_is_absent_from_the_list_and_its_page_is_404(staff_client, qinghai):
    _fund("630102", name="城东区经费")
    other = _fund("630103", name="城中区经费")
    text = _text(staff_client.get(reverse("web-fund-list")))
    assert "城东区经费" in text
    assert "城中区经费" not in text
    assert staff_client.get(reverse("web-fund-detail", args=[other.pk])).status_code == 404


def test_every_page_declares_who_may_use_it():
    rules = {pattern.name: getattr(pattern.callback, "access", None) for pattern in resource_urls.urlpatterns}
    assert rules.pop("web-roster-generate") == "resources.change_servicecenter"
    assert set(rules.values()) == {SIGNED_IN}


def test_the_pages_ask_for_a_sign_in(client, center):
    response = client.get(reverse("web-center-detail", args=[center.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# Centers --------------------------------------------------------------------------------


def test_the_center_page_shows_each_federations_staffing_gap_in_red(staff_client, center):
    for name in ("工会甲", "工会乙", "工会丙", "工会丁"):
        _second(center, name, "union")
    _second(center, "妇联甲", "women")
    _second(center, "妇联乙", "women")
    _second(center, "团委甲", "youth_league")
    text = _text(staff_client.get(reverse("web-center-detail", args=[center.pk])))
    rows = {
        name: (cls, count, state)
        for cls, name, count, state in re.findall(
            r'<tr( class="table-danger")?>\s*<td>(\S+)</td>\s*<td class="text-end">(\d+)</td>\s*<td>(.*?)</td>', text
        )
    }
    assert rows["工会"][0] and rows["工会"][1] == "4" and "超出 1 人" in rows["工会"][2]
    assert not rows["妇联"][0] and rows["妇联"][1] == "2" and "符合要求" in rows["妇联"][2]
    assert rows["共青团"][0] and "缺 1 人" in rows["共青团"][2]
    assert rows["残联"][0] and rows["残联"][1] == "0" and "缺 2 人" in rows["残联"][2]
    for name in ("工会甲", "妇联乙", "团委甲"):
        assert name in text


def test_the_generate_button_plans_four_weeks_and_a_second_press_creates_nothing(staff_client, center):
    _second(center, "张值班")
    _second(center, "李值班", "women")
    url = reverse("web-roster-generate", args=[center.pk])
    assert 'id="generate-roster"' in _text(staff_client.get(reverse("web-center-detail", args=[center.pk])))

    text = _text(staff_client.post(url, follow=True))
    working_days = sum(
        services.is_working_day(TODAY + dt.timedelta(days=offset)) for offset in range(28)
    )  # one full-day shift of one person each
    assert DutyShift.objects.filter(center=center).count() == working_days == 20
    assert f"新增 {working_days} 个班次" in text
    assert not DutyShift.objects.filter(center=center, date__gt=TODAY + dt.timedelta(days=27)).exists()

    text = _text(staff_client.post(url, follow=True))
    assert "新增 0 个班次" in text
    assert DutyShift.objects.filter(center=center).count() == working_days


def test_generating_reports_the_shifts_no_one_could_fill(staff_client, center):
    text = _text(staff_client.post(reverse("web-roster-generate", args=[center.pk]), follow=True))
    assert "新增 0 个班次" in text
    assert "人手不足" in text and "12月1日全天" in text


def test_the_generate_button_needs_the_permission_and_a_post(client, center, mobile_user, county_staff):
    url = reverse("web-roster-generate", args=[center.pk])
    client.force_login(county_staff)
    assert client.get(url).status_code == 405
    client.force_login(mobile_user)
    assert client.post(url).status_code == 403
    assert 'id="generate-roster"' not in _text(client.get(reverse("web-center-list")))
    assert not DutyShift.objects.exists()


# The roster calendar --------------------------------------------------------------------


def test_the_roster_month_shows_who_is_on_duty_on_a_working_day_and_nobody_on_a_sunday(staff_client, center):
    _second(center, "张值班")
    services.duty_roster_generate(center=center, today=TODAY)
    text = _text(staff_client.get(reverse("web-center-roster", args=[center.pk]), {"month": "2026-12"}))
    assert "2026年12月" in text
    assert "张值班" in _cell(text, WEDNESDAY)
    sunday = _cell(text, SUNDAY)
    assert "张值班" not in sunday and "休息" in sunday
    assert "?month=2026-11" in text and "?month=2027-01" in text


def test_the_roster_month_greys_the_national_day_holiday(staff_client, center):
    with time_machine.travel(dt.datetime(2026, 9, 25, 8, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        text = _text(staff_client.get(reverse("web-center-roster", args=[center.pk]), {"month": "2026-10"}))
    assert "节假日" in _cell(text, dt.date(2026, 10, 1))
    assert "未排" in _cell(text, dt.date(2026, 10, 9))  # a coming working day without anyone on duty


def test_a_past_day_without_shifts_is_not_flagged_as_unplanned(staff_client, center):
    with time_machine.travel(dt.datetime(2026, 11, 27, 8, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        text = _text(staff_client.get(reverse("web-center-roster", args=[center.pk]), {"month": "2026-10"}))
    assert "未排" not in _cell(text, dt.date(2026, 10, 9))


def test_an_invalid_month_falls_back_to_the_current_one(staff_client, center):
    text = _text(staff_client.get(reverse("web-center-roster", args=[center.pk]), {"month": "2026-13"}))
    assert "2026年12月" in text


def _roster_queries(client, center) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("web-center-roster", args=[center.pk]), {"month": "2026-12"})
    assert response.status_code == 200
    return len(queries)


def test_the_roster_page_takes_the_same_queries_for_one_week_or_four(staff_client, center):
    for name in ("张值班", "李值班", "王值班"):
        _second(center, name)
    services.duty_roster_generate(center=center, start=TODAY, end=TODAY + dt.timedelta(days=6), today=TODAY)
    one_week = DutyShift.objects.count()
    few = _roster_queries(staff_client, center)
    services.duty_roster_generate(center=center, start=TODAY, end=TODAY + dt.timedelta(days=27), today=TODAY)
    assert DutyShift.objects.count() > one_week
    assert _roster_queries(staff_client, center) == few


# Funds ----------------------------------------------------------------------------------


def _entry(fund, kind, amount, voucher, category=None, receiver=None, day=dt.date(2026, 3, 1)):
    return services.ledger_entry_create(
        fund=fund,
        kind=kind,
        amount=Decimal(amount),
        date=day,
        voucher_number=voucher,
        category=ExpenseCategory.objects.get(code=category) if category else None,
        receiving_organization=receiver,
    )


def test_the_fund_page_shows_the_balance_the_ledger_and_the_grassroots_share_exactly(staff_client, qinghai):
    fund = _fund("630102")
    _entry(fund, EntryKind.INCOME, "2000.00", "SR-1")
    _entry(fund, EntryKind.EXPENDITURE, "800.00", "ZC-1", category="grassroots_service")
    _entry(fund, EntryKind.EXPENDITURE, "200.00", "ZC-2", category="administration")
    wrong = _entry(fund, EntryKind.EXPENDITURE, "50.00", "ZC-3", category="administration")
    services.ledger_entry_reverse(entry=wrong, date=dt.date(2026, 3, 2), voucher_number="CX-1")
    text = _text(staff_client.get(reverse("web-fund-detail", args=[fund.pk])))

    assert re.search(r'id="balance">1,?000\.00 元', text)
    assert re.search(r'id="grassroots-share">80\.00 %', text)
    assert 'id="target-marker"' in text and "left: 80%" in text
    assert "text-success" in re.search(r'<span class="[^"]*" id="grassroots-share">', text).group(0)
    for voucher in ("SR-1", "ZC-1", "ZC-2", "ZC-3", "CX-1"):
        assert voucher in text
    assert "已冲销" in text and "冲销 ZC-3" in text
    counted = re.search(r'<table class="table table-sm mb-0" id="share-entries">(.*?)</table>', text, re.S).group(1)
    rows = re.findall(r"<td>(ZC-\d|CX-\d)</td>.*?<td>(?:<span[^>]*>)?(计入|不计入)", counted, re.S)
    assert rows == [("ZC-1", "计入"), ("ZC-2", "不计入"), ("ZC-3", "不计入"), ("CX-1", "不计入")]


def test_a_share_below_the_line_is_shown_as_missing_the_target(staff_client, qinghai):
    fund = _fund("630102")
    _entry(fund, EntryKind.INCOME, "1000.00", "SR-1")
    _entry(fund, EntryKind.EXPENDITURE, "799.00", "ZC-1", category="training")
    _entry(fund, EntryKind.EXPENDITURE, "201.00", "ZC-2", category="other")
    text = _text(staff_client.get(reverse("web-fund-detail", args=[fund.pk])))
    assert re.search(r'id="grassroots-share">79\.90 %', text)
    assert "未达到目标" in text


def test_the_nav_marks_resources_active_on_its_pages(staff_client, center):
    text = _text(staff_client.get(reverse("web-center-list")))
    assert f'<a class="nav-link active" aria-current="true" href="{reverse("web-center-list")}">资源共享</a>' in text
    assert '<a class="nav-link" href="/">组织共建</a>' in text
