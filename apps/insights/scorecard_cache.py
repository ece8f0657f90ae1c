"""The scorecard as it is served: worked out once and kept for a few minutes, so that a province-wide
page or API call at a million people answers from the cache instead of ~30 grouped queries.

Only viewers whose scope takes in the whole region are served from the cache: they all see the same
figures (every row under the region), so one entry per region and period serves them all. Viewers
scoped to organizations (federation liaisons) see only their own rows and are always counted anew.

How stale: an entry lives SCORECARD_CACHE_SECONDS (10 minutes by default); the beat task
`insights.warm_scorecards` works out the province's and its 市州' current year every 5 minutes, so
those are never missed and never more than about 5 minutes behind. Closed months come from the nightly
summaries either way (apps.insights.summaries).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from apps.insights.scorecard import Scorecard, Trend, scorecard, scorecard_trend
from apps.organizations.models import Region, RegionLevel
from apps.organizations.scoping import PLATFORM, scope_for


def served(*, user, region: Region, start: dt.date, end: dt.date) -> tuple[Scorecard, Trend]:
    """The scorecard and its month trend, from the cache where the viewer shares it."""
    key = _key(user, region, start, end)
    found = cache.get(key) if key else None
    if found is None:
        found = _worked_out(user, region, start, end)
        if key:
            _keep(key, found)
    return found


def warm() -> int:
    """Work out again the current year of the province and its 市州 (the pages opened most)."""
    today = timezone.localdate()
    start, end = dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)
    regions = Region.objects.filter(level__in=(RegionLevel.PROVINCE, RegionLevel.PREFECTURE)).order_by("path")
    for region in regions:
        cache.set(
            _key(PLATFORM, region, start, end),
            _worked_out(PLATFORM, region, start, end),
            settings.SCORECARD_CACHE_SECONDS,
        )
    return len(regions)


def _keep(key: str, value) -> None:
    cache.set(key, value, settings.SCORECARD_CACHE_SECONDS)


def _worked_out(user, region, start, end) -> tuple[Scorecard, Trend]:
    return (
        scorecard(user=user, region=region, start=start, end=end),
        scorecard_trend(user=user, region=region, start=start, end=end),
    )


def _key(user, region: Region, start: dt.date, end: dt.date) -> str | None:
    scope = scope_for(user)
    if not (scope.everything or any(region.path.startswith(path) for path in scope.region_paths)):
        return None
    return f"insights:scorecard:{region.pk}:{start:%Y%m%d}:{end:%Y%m%d}"
