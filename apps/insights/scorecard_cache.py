"""The scorecard and the member rollup as they are served: worked out once and kept for a few minutes,
so that a province-wide page or API call at a million people answers from the cache instead of ~30
grouped queries (the rollup: a grouped count of a million memberships and a distinct count of people).

Only viewers whose scope takes in the whole region are served from the cache: they all see the same
figures (every row under the region), so one entry per region and period serves them all. Viewers
scoped to organizations (federation liaisons) see only their own rows and are always counted anew.

How stale: an entry lives SCORECARD_CACHE_SECONDS (10 minutes by default); the beat task
`insights.warm_scorecards` works out the province's and its 市州' current year (and rollups) every 5 minutes, so
those are never missed and never more than about 5 minutes behind. Closed months come from the nightly
summaries either way (apps.insights.summaries).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from apps.insights.rollups import MemberRollup, member_rollup
from apps.insights.scorecard import Scorecard, Trend, scorecard, scorecard_trend
from apps.organizations.models import Region, RegionLevel
from apps.organizations.scoping import PLATFORM, sees_all_of

ROLLUP = "member-rollup"


def served(*, user, region: Region, start: dt.date, end: dt.date) -> tuple[Scorecard, Trend]:
    """The scorecard and its month trend, from the cache where the viewer shares it."""
    return _kept(user, region, _period(start, end), lambda viewer: _worked_out(viewer, region, start, end))


def served_rollup(*, user, region: Region) -> MemberRollup:
    """The member rollup of the region today, from the cache where the viewer shares it."""
    return _kept(user, region, ROLLUP, lambda viewer: member_rollup(user=viewer, region=region))


def _kept(user, region: Region, what: str, work_out):
    if not sees_all_of(user, region):
        return work_out(user)
    key = _entry(region, what)
    found = cache.get(key)
    if found is None:
        # The viewer sees every row under the region, as the platform does: counted without the
        # scope's conditions (ORs over two region paths and object permissions), which cost scans.
        found = work_out(PLATFORM)
        _keep(key, found)
    return found


def warm() -> int:
    """Work out again the current year of the province and its 市州 (the pages opened most)."""
    today = timezone.localdate()
    start, end = dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)
    regions = Region.objects.filter(level__in=(RegionLevel.PROVINCE, RegionLevel.PREFECTURE)).order_by("path")
    for region in regions:
        _keep(_entry(region, _period(start, end)), _worked_out(PLATFORM, region, start, end))
        _keep(_entry(region, ROLLUP), member_rollup(user=PLATFORM, region=region))
    return len(regions)


def _entry(region: Region, what: str) -> str:
    return f"insights:{region.pk}:{what}"


def _period(start: dt.date, end: dt.date) -> str:
    return f"scorecard:{start:%Y%m%d}:{end:%Y%m%d}"


def _keep(key: str, value) -> None:
    cache.set(key, value, settings.SCORECARD_CACHE_SECONDS)


def _worked_out(user, region, start, end) -> tuple[Scorecard, Trend]:
    return (
        scorecard(user=user, region=region, start=start, end=end),
        scorecard_trend(user=user, region=region, start=start, end=end),
    )
