"""How a joint evaluation is worked out: who is evaluated, the scorecard figures of each, an
indicator's points from its formula's value, and the ranking. The writes are apps.insights.services'.

A region scheme reads the scorecard of the scheme's region, whose children are the evaluated
regions (one grouped query per figure). An organization scheme groups the same figures' rows by
the evaluated organizations' subtrees instead (ORGANIZATION_PATHS), one grouped query per figure.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.db.models.functions import Substr

from apps.insights import formulas
from apps.insights.models import EvaluationScheme, EvaluationSubject, Indicator
from apps.insights.scorecard import BY_CODE, FIGURES, ORGANIZATION_PATHS, Period, scorecard, share_percent
from apps.organizations.models import Organization, Region
from apps.organizations.scoping import PLATFORM

CENT = Decimal("0.01")


def figure_codes(subject: str) -> list[str]:
    """The figures a formula of a scheme over this kind of subject may read."""
    if subject == EvaluationSubject.REGION:
        return [figure.code for figure in FIGURES]
    return [
        figure.code
        for figure in FIGURES
        if figure.code in ORGANIZATION_PATHS
        or (figure.share_of and all(part in ORGANIZATION_PATHS for part in figure.share_of))
    ]


def scheme_period(scheme: EvaluationScheme) -> Period:
    return Period(dt.date(scheme.year, 1, 1), dt.date(scheme.year, 12, 31))


def subjects(scheme: EvaluationScheme) -> list[Region | Organization]:
    """Everyone the scheme evaluates: the region's children, or its organizations of the level."""
    if scheme.subject == EvaluationSubject.REGION:
        return list(Region.objects.filter(parent=scheme.region).order_by("code"))
    return list(
        Organization.objects.filter(
            region__path__startswith=scheme.region.path, level=scheme.organization_level
        ).order_by("path")
    )


def subject_figures(scheme: EvaluationScheme, evaluated: list[Region | Organization]) -> dict[int, dict]:
    """Each subject's figures for the scheme's year, keyed by the subject's id. The platform's
    own view: a scheme's figures do not depend on who pressed the button."""
    period = scheme_period(scheme)
    if scheme.subject == EvaluationSubject.REGION:
        card = scorecard(user=PLATFORM, region=scheme.region, start=period.start, end=period.end)
        return {area.region.pk: area.values for area in card.children}
    return _organization_figures(evaluated, period)


def _organization_figures(organizations: list[Organization], period: Period) -> dict[int, dict]:
    values = {organization.pk: {} for organization in organizations}
    by_path = {organization.path: organization.pk for organization in organizations}
    lengths = sorted({len(path) for path in by_path})
    for code, lookup in ORGANIZATION_PATHS.items():
        figure = BY_CODE[code]
        for length in lengths:
            paths = [path for path in by_path if len(path) == length]
            grouped = (
                figure.rows(PLATFORM, period)
                .order_by()
                .annotate(bucket=Substr(lookup, 1, length))
                .filter(_under_any(lookup, paths))
                .values("bucket")
                .annotate(value=figure.aggregate())
                .values_list("bucket", "value")
            )
            for bucket, value in grouped:
                if bucket in by_path:
                    values[by_path[bucket]][code] = _plain(value)
    for figure_values in values.values():
        for code in ORGANIZATION_PATHS:
            figure_values.setdefault(code, 0)
        for figure in FIGURES:
            if figure.share_of and all(part in ORGANIZATION_PATHS for part in figure.share_of):
                numerator, denominator = figure.share_of
                figure_values[figure.code] = share_percent(figure_values[numerator], figure_values[denominator])
    return values


def _under_any(lookup: str, paths: list[str]) -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{lookup}__startswith": path})
    return q


def _plain(value):
    if isinstance(value, dt.timedelta):
        return Decimal(value.total_seconds() / 3600).quantize(Decimal("0.1"))
    return value or 0


def formula_value(indicator: Indicator, figures: dict) -> tuple[Decimal | None, dict]:
    """The formula's value over the subject's figures, and the figures it read (for showing)."""
    tree, names = formulas.parse(indicator.formula, set(figures) | set(BY_CODE))
    read = {name: _as_json(figures.get(name)) for name in names}
    value = formulas.evaluate(tree, figures)
    return (None if value is None else value.quantize(CENT, rounding=ROUND_HALF_UP)), read


def _as_json(value):
    if value is None or isinstance(value, int):
        return value
    return str(value)


def points(indicator: Indicator, value: Decimal | None) -> Decimal:
    """Full weight at the target, in proportion below it (above it for lower-is-better); no data, no points."""
    if value is None:
        return Decimal("0.00")
    weight, target = indicator.weight, indicator.target
    if indicator.lower_is_better:
        share = Decimal(1) if value <= target else (target / value if value > 0 else Decimal(0))
    else:
        share = max(Decimal(0), min(Decimal(1), value / target))
    return (weight * share).quantize(CENT, rounding=ROUND_HALF_UP)


def ranks(totals: list[Decimal]) -> list[int]:
    """Competition ranking (1, 2, 2, 4): equal totals share a place."""
    ordered = sorted(totals, reverse=True)
    first_place = {}
    for place, total in enumerate(ordered, start=1):
        first_place.setdefault(total, place)
    return [first_place[total] for total in totals]
