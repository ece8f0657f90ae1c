"""The 六共 scorecard on a hand-made 西宁市: each figure as worked out by hand, the region's additive
figures the sum of its children's, shares weighed by size, and nothing outside the viewer's scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.insights.scorecard import FIGURES, scorecard
from apps.organizations import services as organization_services
from apps.organizations.models import HostUnitKind, MeetingKind
from apps.organizations.scoping import forget_scope
from apps.talent import services as talent_services
from apps.talent.rules import add_months
from tests.factories import HostUnitFactory, federation, region, unit
from tests.members.factories import PersonFactory
from tests.projects.factories import ProjectFactory, served
from tests.talent.factories import CourseFactory, attended, cadre

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YEAR_START, YEAR_END = dt.date(TODAY.year, 1, 1), dt.date(TODAY.year, 12, 31)


def _establish(host_unit, *codes):
    for code in codes:
        unit(host_unit.region.code, code)
    return organization_services.joint_branch_establish(
        host_unit=host_unit,
        federations=[federation(code) for code in codes],
        established_on=max(YEAR_START, TODAY - dt.timedelta(days=1)),
    )


@pytest.fixture
def xining(qinghai):
    """城东区 and 城中区 of 西宁市, each figure small enough to count on one's fingers."""
    # 组织共建: a park of 城东 fully covered, an enterprise of 城中 missing the Youth League.
    park = HostUnitFactory(name="东川园区", kind=HostUnitKind.INDUSTRIAL_PARK, region=region("630102"))
    firm = HostUnitFactory(name="城中企业", kind=HostUnitKind.ENTERPRISE, region=region("630103"), head_count=140)
    _establish(park, "union", "youth_league", "women", "science")
    _establish(firm, "union", "women")
    organization_services.meeting_create(
        kind=MeetingKind.JOINT, title="城东区联席会议", held_on=TODAY, host=unit("630102", "union")
    )
    # 服务共融: two projects in 城东, one in 城中; one person served in both counties.
    west_person, east_person = PersonFactory(name="城中受益", region=region("630103")), PersonFactory(name="城东受益")
    east = ProjectFactory(name="城东甲")
    ProjectFactory(name="城东乙", lead=unit("630102", "women"))
    west = ProjectFactory(name="城中甲", lead=unit("630103", "union"), region=region("630103"))
    served(east, east_person)
    served(west, west_person)
    # 人才共育: one course of 城东 with two sessions, three cadres at both; one exchange.
    cadres = [cadre(name=f"学员{index}") for index in range(3)]
    course = CourseFactory(title="城东培训", days_ago=3)
    attended(course, cadres)
    start = TODAY - dt.timedelta(days=1)
    veteran = cadre(name="交流干部", since=TODAY - dt.timedelta(days=4 * 365))
    talent_services.rotation_plan(
        from_post=veteran.post,
        to_organization=unit("630102", "women"),
        title="挂职",
        start_date=start,
        end_date=add_months(start, 6),
    )
    return {"east": east, "west": west, "course": course}


def _card(user, code="630100"):
    return scorecard(user=user, region=region(code), start=YEAR_START, end=YEAR_END)


def _by_child(card, figure: str) -> dict[str, object]:
    return {area.label: area.value(figure) for area in card.children if area.value(figure)}


def test_each_figure_is_what_was_counted_by_hand(province_admin, xining):
    card = _card(province_admin)
    total = card.total.values
    assert total["joint_branches"] == 2 and _by_child(card, "joint_branches") == {"城东区": 1, "城中区": 1}
    assert (total["coverable_units"], total["covered_units"], total["coverage_share"]) == (2, 1, Decimal("50.0"))
    assert total["meetings"] == 1
    assert total["projects"] == 3 and _by_child(card, "projects") == {"城东区": 2, "城中区": 1}
    assert total["service_records"] == 2 and total["beneficiaries"] == 2
    assert total["training_sessions"] == 2 and total["trainee_times"] == 6
    assert (total["rotations"], total["exchanges"]) == (1, 1)


def test_a_bundle_counts_once_under_its_lead_however_many_projects_run(province_admin, xining):
    from apps.projects import services as project_services
    from apps.projects.models import ServiceProject

    both = ServiceProject.objects.filter(name__in=["城东甲", "城东乙"])  # same policy, targets, nature, content
    project_services.bundle_create(name="城东暖炕捆绑", lead_organization=unit("630102", "union"), projects=both)
    card = _card(province_admin)
    assert card.total.value("bundles") == 1 and _by_child(card, "bundles") == {"城东区": 1}


def test_additive_figures_of_the_region_are_the_sum_of_its_children(province_admin, xining):
    card = _card(province_admin)
    for figure in FIGURES:
        if figure.share_of or figure.distinct:
            continue
        parts = sum((area.value(figure.code) or 0) for area in [*card.children, card.own_level])
        assert card.total.value(figure.code) == parts, figure.code


def test_a_person_served_at_two_levels_is_one_beneficiary_of_the_city(province_admin, xining):
    person = PersonFactory(name="两级受益")
    citywide = ProjectFactory(
        name="全市法律援助",
        lead=unit("630100", "union"),
        region=region("630100"),
        policy_code="general",
        content_code="legal_aid",
        service_codes=["legal_consultation"],
    )
    served(xining["east"], person)
    served(citywide, person)
    card = _card(province_admin)
    assert _by_child(card, "beneficiaries") == {"城东区": 2, "城中区": 1}
    assert card.own_level.value("beneficiaries") == 1
    assert card.total.value("beneficiaries") == 3  # 城东受益, 城中受益, 两级受益: not 4


def test_a_county_viewer_sees_only_its_own_county(county_staff, xining):
    card = _card(county_staff)
    assert [area.label for area in card.children] == ["城东区"]
    assert card.total.value("projects") == 2 and card.total.value("joint_branches") == 1
    assert card.total.value("coverable_units") == 1


def test_the_scorecard_costs_the_same_queries_for_a_small_and_a_bigger_region(province_admin, xining):
    forget_scope(province_admin)  # each card as a fresh request reads it
    with CaptureQueriesContext(connection) as small:
        _card(province_admin, "630102")
    for index in range(3):
        ProjectFactory(name=f"更多{index}", lead=unit("630103", "women"), region=region("630103"))
    forget_scope(province_admin)
    with CaptureQueriesContext(connection) as big:
        _card(province_admin, "630000")
    assert len(small) == len(big)


# The doors ---------------------------------------------------------------------------------------


def test_the_api_answers_for_the_viewers_scope_and_404_outside(county_staff, other_county_staff, xining):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(county_staff)
    body = client.get("/api/v1/scorecard/").json()  # the top of the scope: 城东区
    assert body["region"]["code"] == "630102" and body["total"]["values"]["projects"] == 2
    assert body["total"]["values"]["coverage_share"] == "100.0"
    assert {f["code"] for f in body["figures"]} >= {"joint_branches", "trainee_times", "grassroots_share"}
    city = client.get("/api/v1/scorecard/", {"region": region("630100").pk})
    assert city.status_code == 404  # above the county: not in scope
    bad = client.get("/api/v1/scorecard/", {"start": "2026-05-01", "end": "2026-01-01"})
    assert bad.status_code == 400 and "结束日期不能早于开始日期" in bad.json()["end"][0]
    client.force_authenticate(other_county_staff)
    assert client.get("/api/v1/scorecard/", {"region": region("630102").pk}).status_code == 404
    assert APIClient().get("/api/v1/scorecard/").status_code == 401


def test_the_dashboard_drills_down_from_the_city_to_a_county_and_exports(client, province_admin, xining):
    from io import BytesIO

    from django.urls import reverse
    from openpyxl import load_workbook

    client.force_login(province_admin)
    url = reverse("web-scorecard")
    page = client.get(url, {"region": region("630100").pk}).content.decode()
    assert 'id="scorecard-cards"' in page and page.count('class="card h-100 qz-common"') == 6
    assert f'href="?region={region("630102").pk}&amp;year=' in page and 'id="children-data"' in page
    county = client.get(url, {"region": region("630102").pk}).content.decode()
    assert "六共指标：城东区" in county and "西宁市</a>" in county  # the breadcrumb leads back up
    export = client.get(url, {"region": region("630100").pk, "format": "xlsx"})
    rows = list(load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[1][0] == "西宁市" and {row[0] for row in rows} >= {"城东区", "城中区", "西宁市本级"}
    assert client.get(url, {"region": "x"}).status_code == 404
    assert client.get(url, {"year": "abc"}).status_code == 200


def test_the_demo_provinces_scorecard_shows_the_seeds_figures(province_admin):
    """100+ collaborative projects, 43 trainings, ≥2,700 trainee-times, ≥80 % to the grassroots."""
    from io import StringIO

    from django.core.management import call_command

    call_command("seed_demo", stdout=StringIO())
    card = scorecard(user=province_admin, region=region("630000"), start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))
    total = card.total.values
    assert total["projects"] >= 100
    assert total["training_sessions"] == 43 and total["trainee_times"] >= 2700
    assert total["grassroots_share"] >= 80
    # The demo's joint evaluation is worked out from the same data: every 市州 ranked.
    from apps.insights.evaluation_selectors import ranking
    from apps.insights.models import EvaluationScheme

    scheme = EvaluationScheme.objects.get(year=2026, name="全省群团工作整体联评联考")
    rows = list(ranking(user=province_admin, scheme=scheme))
    assert len(rows) == 8 and rows[0].rank == 1 and rows[0].total > rows[-1].total
    assert {row.region.code for row in rows if not row.manual_pending} == {"630100", "630200", "632200"}
    # The demo's closed months are summarized (the demo refreshes them): served the same as counted.
    from tests.insights.test_scorecard_summaries import same_both_ways

    same_both_ways(province_admin, "630000", dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    same_both_ways(province_admin, "630100", dt.date(2026, 3, 15), dt.date(2026, 10, 20))
    same_both_ways(province_admin, "630102", dt.date(2025, 12, 1), dt.date(2026, 6, 30))


def test_the_trend_counts_each_month_and_costs_one_query_per_figure(province_admin, xining):
    from apps.insights.scorecard import TREND, scorecard_trend

    organization_services.meeting_create(
        kind=MeetingKind.REGULAR, title="西宁市工作例会", held_on=YEAR_START, host=unit("630100", "union")
    )
    city = region("630100")
    forget_scope(province_admin)
    with CaptureQueriesContext(connection) as queries:
        trend = scorecard_trend(user=province_admin, region=city, start=YEAR_START, end=YEAR_END)
    assert len(queries) == len(TREND) + 2  # and the viewer's scope, and whether summaries exist
    assert len(trend.months) == 12 and trend.labels()[0] == f"{TODAY.year}-01"
    meetings = trend.series["meetings"]
    assert meetings[0] == 1 and meetings[TODAY.month - 1] == (2 if TODAY.month == 1 else 1)
    assert sum(trend.series["trainee_times"]) == 6


def test_room_use_and_the_grassroots_share_as_worked_out_by_hand(province_admin, qinghai):
    """A room of 城东区 contributed by the union, booked once by the union and once by the women's
    federation (co-use); the city union's fund spends 800 of 1000 on the grassroots, 城东's 0 of 100."""
    from apps.resources import services as resource_services
    from apps.resources.models import EntryKind, ExpenseCategory, Fund, FundKind
    from apps.venues import services as venue_services
    from tests.venues.factories import make_room, make_venue

    room = make_room(make_venue("630102"), contributed_by="union")
    now = timezone.now()
    day = timezone.localdate(now) + dt.timedelta(days=1)
    while day.weekday() == 6:  # the venue closes on Sundays
        day += dt.timedelta(days=1)
    for organization, (start, end) in ((unit("630102", "union"), (9, 10)), (unit("630102", "women"), (14, 16))):
        venue_services.booking_create(
            room=room,
            organization=organization,
            start=timezone.make_aware(dt.datetime.combine(day, dt.time(start))),
            end=timezone.make_aware(dt.datetime.combine(day, dt.time(end))),
            purpose="议事",
            attendees=5,
            contact_name="测试",
            now=now,
        )

    def spend(owner, entries):
        fund = resource_services.fund_save(fund=Fund(name="工会经费", kind=FundKind.OWN, owner=owner, year=TODAY.year))
        for index, (kind, amount, category, receiver) in enumerate(entries):
            resource_services.ledger_entry_create(
                fund=fund,
                kind=kind,
                amount=Decimal(amount),
                date=YEAR_START,
                voucher_number=f"V-{index}",
                category=ExpenseCategory.objects.get(code=category) if category else None,
                receiving_organization=receiver,
            )

    spend(unit("630100", "union"), [
        (EntryKind.INCOME, "1000", None, None),
        (EntryKind.EXPENDITURE, "300", "grassroots_service", None),
        (EntryKind.ALLOCATION, "500", "administration", unit("630102", "union")),
        (EntryKind.EXPENDITURE, "200", "administration", None),
    ])  # fmt: skip
    spend(unit("630102", "union"), [(EntryKind.INCOME, "100", None, None),
                                    (EntryKind.EXPENDITURE, "100", "administration", None)])  # fmt: skip
    card = _card(province_admin)
    east = next(area for area in card.children if area.label == "城东区")
    if day.year == TODAY.year:  # the bookings fall in this year's period
        assert (east.value("bookings"), east.value("co_use_bookings"), east.value("co_use_share")) == (
            2,
            1,
            Decimal("50.0"),
        )
        assert east.value("booked_hours") == Decimal("3.0") and card.total.value("venues") == 1
    assert card.own_level.value("grassroots_share") == Decimal("80.0")
    assert east.value("grassroots_share") == Decimal("0.0")
    assert (card.total.value("grassroots_spent"), card.total.value("fund_spent")) == (Decimal("800"), Decimal("1100"))
    assert card.total.value("grassroots_share") == Decimal("72.7")  # weighed by size, not the mean of 80 and 0


PREFECTURES = ("630100", "630200", "632200", "632300", "632500", "632600", "632700", "632800")


def test_the_province_page_maps_its_eight_prefectures_by_code_and_a_city_has_no_map(client, province_admin):
    import json
    import re

    from django.contrib.staticfiles import finders
    from django.urls import reverse

    client.force_login(province_admin)
    url = reverse("web-scorecard")
    page = client.get(url, {"region": region("630000").pk}).content.decode()
    found = re.search(r'<script id="map-data" type="application/json">(.*?)</script>', page)
    areas = json.loads(found.group(1))["areas"]
    assert {area["code"]: area["id"] for area in areas} == {code: region(code).pk for code in PREFECTURES}
    assert "vendor/qinghai-map/qinghai.js" in page
    # The vendored map has a feature for each of them, known by the same code.
    drawn = Path(finders.find("vendor/qinghai-map/qinghai.js")).read_text(encoding="utf-8")
    assert set(re.findall(r'"id":"(\d{6})"', drawn)) == set(PREFECTURES)
    city = client.get(url, {"region": region("630100").pk}).content.decode()
    assert 'id="children-data"' in city and 'id="map-data"' not in city and "qinghai-map" not in city
