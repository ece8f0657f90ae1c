from __future__ import annotations

from celery import shared_task

from apps.insights import scorecard_cache, services, summaries
from apps.insights.models import EvaluationScheme, SchemeStatus


@shared_task(name="insights.compute_evaluations")
def evaluations_compute_task(scheme_id: int | None = None) -> int:
    """Rework the scores of one published scheme, or of all of them (nightly), from the day's data."""
    schemes = EvaluationScheme.objects.filter(status=SchemeStatus.PUBLISHED)
    if scheme_id is not None:
        schemes = schemes.filter(pk=scheme_id)
    count = 0
    for scheme in schemes:
        services.scheme_compute(scheme=scheme)
        count += 1
    return count


@shared_task(name="insights.refresh_scorecard_summaries")
def scorecard_summaries_refresh_task() -> int:
    """Nightly: the closed months' figures the province-wide scorecard sums (apps.insights.summaries)."""
    summaries.refresh()
    return summaries.MonthlyFigure.objects.count()


@shared_task(name="insights.warm_scorecards")
def scorecards_warm_task() -> int:
    """Every few minutes: the province's and the 市州' scorecards of the year, worked out ahead of the pages."""
    return scorecard_cache.warm()
