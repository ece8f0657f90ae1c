"""The monthly summaries: a scorecard served from them (whole months) and live rows (the days around
them) is exactly the scorecard counted live, for any period, region and figure; organization scopes
are never served from them; a refresh picks up what changed in a closed month."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.insights import summaries
from apps.insights.figures import BY_CODE, Period
from apps.insights.models import MonthlyFigure
from apps.insights.scorecard import scorecard, scorecard_trend
from apps.organizations.models import Role
from apps.organizations.scoping import forget_scope
from apps.organizations.services import role_assign
from tests.factories import UserFactory, region, unit
from tests.insights.test_scorecard_handworked import frozen, xining  # noqa: F401 — 2025, seen on 07-12

pytestmark = pytest.mark.django_db

D = dt.date


def _values(card) -> dict:
    areas = [card.total, card.own_level, *card.children]
    return {(area.label, code): value for area in areas for code, value in area.values.items()}


def same_both_ways(user, code: str, start: dt.date, end: dt.date) -> None:
    place = region(code)
    assert summaries.plan(user, place, Period(start, end)) is not None, "served from the summaries"
    served = scorecard(user=user, region=place, start=start, end=end)
    counted = scorecard(user=user, region=place, start=start, end=end, use_summaries=False)
    assert _values(served) == _values(counted), (code, start, end)
    # The same types too: a count shows as 3 either way, never 3.00.
    assert {key: type(value) for key, value in _values(served).items()} == {
        key: type(value) for key, value in _values(counted).items()
    }
    trend = scorecard_trend(user=user, region=place, start=start, end=end)
    assert trend.series == scorecard_trend(user=user, region=place, start=start, end=end, use_summaries=False).series


def test_the_hand_made_quarters_are_the_same_from_the_summaries(province_admin, xining):  # noqa: F811
    summaries.refresh()  # 2025-07-12: closed through June
    assert MonthlyFigure.objects.filter(code="participants").exists()
    for start, end in [
        (D(2025, 1, 1), D(2025, 12, 31)),  # whole months, the running one and those ahead live
        (D(2025, 4, 1), D(2025, 6, 30)),  # only summarized months
        (D(2025, 3, 15), D(2025, 7, 12)),  # a partial month before, the running one after
        (D(2025, 3, 31), D(2025, 5, 1)),  # one whole month between two single days
    ]:
        same_both_ways(province_admin, "630100", start, end)
    same_both_ways(province_admin, "630000", D(2025, 1, 1), D(2025, 12, 31))


def test_a_province_scorecard_from_the_summaries_reads_no_big_table_whole(province_admin, xining):  # noqa: F811
    summaries.refresh()
    forget_scope(province_admin)
    with CaptureQueriesContext(connection) as queries:
        scorecard(user=province_admin, region=region("630000"), start=D(2025, 4, 1), end=D(2025, 6, 30))
    tables = " ".join(query["sql"] for query in queries.captured_queries)
    # Q2 2025 is closed and summarized: bookings, sign-ups, shifts and ledgers are not read at all.
    for table in ("venues_booking", "activities_registration", "resources_dutyshift", "resources_ledgerentry"):
        assert f'FROM "{table}"' not in tables, table


def test_organization_scopes_are_always_counted_live(xining):  # noqa: F811
    summaries.refresh()
    liaison = UserFactory()
    role_assign(user=liaison, role=Role.FEDERATION_LIAISON, organization=unit("630102", "union"))
    assert summaries.plan(liaison, region("630102"), Period(D(2025, 4, 1), D(2025, 6, 30))) is None


def test_a_change_in_a_closed_month_counts_from_the_next_refresh(province_admin, xining):  # noqa: F811
    from apps.activities.models import Registration, RegistrationStatus

    summaries.refresh()
    attended = Registration.objects.filter(status=RegistrationStatus.ATTENDED, activity__start__month=5).first()
    Registration.objects.filter(pk=attended.pk).update(status=RegistrationStatus.CANCELLED)

    def participants(**options):
        card = scorecard(
            user=province_admin, region=region("630100"), start=D(2025, 4, 1), end=D(2025, 6, 30), **options
        )
        return card.total.value("participants")

    assert participants() == participants(use_summaries=False) + 1  # stale until the nightly refresh
    summaries.refresh()
    same_both_ways(province_admin, "630100", D(2025, 4, 1), D(2025, 6, 30))


def test_the_summaries_are_looked_at_and_refreshed_from_the_admin(client, xining):  # noqa: F811
    from apps.insights.models import SummaryState

    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    summaries.refresh()
    state = SummaryState.objects.get()
    page = client.get("/admin/insights/monthlyfigure/?code=participants")
    rows = page.context["cl"].result_list
    assert rows and {row.code for row in rows} == {"participants"}
    assert BY_CODE["participants"].label in page.content.decode()  # the figure named, in the filter and rows
    MonthlyFigure.objects.all().delete()  # as if lost: the action works them out again
    response = client.post(
        "/admin/insights/summarystate/", {"action": "refresh_now", "_selected_action": [state.pk]}, follow=True
    )
    assert "已重新汇总" in response.content.decode()
    assert MonthlyFigure.objects.filter(code="participants").exists()
