"""Reads of joint evaluation for every door: schemes, the ranking with the scores and figures behind
each total, one evaluation in full, and the manual scores still to give. All scoped: a county sees
its own row of the province's ranking, never its neighbours'."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, OuterRef, Prefetch, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from apps.insights.models import Evaluation, EvaluationScheme, Indicator, IndicatorMethod, Score
from apps.insights.scorecard import BY_CODE
from apps.organizations.scoping import get_in_scope, scoped


def scheme_list(*, user, year: int | None = None, status: str = "") -> QuerySet[EvaluationScheme]:
    schemes = scoped(EvaluationScheme.objects.select_related("region"), user)
    if year:
        schemes = schemes.filter(year=year)
    if status:
        schemes = schemes.filter(status=status)
    # Subqueries, not joins: joining indicators and evaluations at once would multiply the sums.
    indicators = Indicator.objects.filter(scheme=OuterRef("pk")).order_by().values("scheme")
    evaluations = Evaluation.objects.filter(scheme=OuterRef("pk")).order_by().values("scheme")
    return schemes.annotate(
        indicator_count=Coalesce(Subquery(indicators.annotate(n=Count("pk")).values("n")), 0),
        weight_total=Coalesce(
            Subquery(indicators.annotate(total=Sum("weight")).values("total")),
            Value(Decimal("0.00")),
            output_field=DecimalField(max_digits=7, decimal_places=2),
        ),
        evaluation_count=Coalesce(Subquery(evaluations.annotate(n=Count("pk")).values("n")), 0),
    ).order_by("-year", "name", "id")


def scheme_get(*, user, pk: int) -> EvaluationScheme:
    return get_in_scope(EvaluationScheme.objects.select_related("region", "created_by"), user, pk=pk)


def scheme_indicators(scheme: EvaluationScheme) -> list[Indicator]:
    return list(scheme.indicators.order_by("position", "id"))


def _scores() -> Prefetch:
    return Prefetch("scores", queryset=Score.objects.select_related("indicator", "scored_by"))


def ranking(*, user, scheme: EvaluationScheme) -> QuerySet[Evaluation]:
    """The scheme's evaluations the viewer may see, best first, each with its scores."""
    return (
        scoped(scheme.evaluations.all(), user)
        .select_related("region", "organization__federation", "organization__region")
        .prefetch_related(_scores())
        .order_by("rank", "region__code", "organization__path", "id")
    )


def evaluation_get(*, user, pk: int) -> Evaluation:
    queryset = Evaluation.objects.select_related(
        "scheme__region", "region", "organization__federation", "organization__region"
    ).prefetch_related(_scores())
    return get_in_scope(queryset, user, pk=pk)


def manual_scores_pending(*, user, scheme: EvaluationScheme) -> QuerySet[Score]:
    """Manual scores the scheme's level still has to give, subject by subject."""
    return (
        scoped(Score.objects.filter(evaluation__scheme=scheme), user)
        .filter(indicator__method=IndicatorMethod.MANUAL, points__isnull=True)
        .select_related("indicator", "evaluation__region", "evaluation__organization")
        .order_by("indicator__position", "indicator_id", "evaluation__rank", "evaluation_id")
    )


def evaluation_years(*, user) -> list[int]:
    years = scoped(EvaluationScheme.objects.all(), user).values_list("year", flat=True)
    return list(years.distinct().order_by("-year"))


@dataclass(frozen=True)
class FigureShown:
    code: str
    label: str
    unit: str
    value: object


def figures_behind(score: Score) -> list[FigureShown]:
    """The figures a formula read, with their names, in the order the formula reads them."""
    shown = []
    for code, value in score.figures.items():
        figure = BY_CODE.get(code)
        shown.append(FigureShown(code, figure.label if figure else code, figure.unit if figure else "", value))
    return shown
