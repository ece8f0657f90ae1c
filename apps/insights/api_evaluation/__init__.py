"""/api/v1/ for joint evaluation (联评联考): schemes, indicators, the figures a formula may read, the
ranking and manual scores."""

from apps.insights.api_evaluation.viewsets import (
    EvaluationFigureView,
    EvaluationIndicatorViewSet,
    EvaluationSchemeViewSet,
    EvaluationScoreViewSet,
    EvaluationViewSet,
)

__all__ = [
    "EvaluationFigureView",
    "EvaluationIndicatorViewSet",
    "EvaluationSchemeViewSet",
    "EvaluationScoreViewSet",
    "EvaluationViewSet",
]
