"""Staff pages of apps/insights. Names carry a `web-` prefix: the API router owns `person-record`."""

from django.urls import path

from apps.insights import views
from apps.insights import views_evaluation as evaluation

urlpatterns = [
    path("people/<int:pk>/record/", views.person_record, name="web-person-record"),
    path("scorecard/", views.scorecard_dashboard, name="web-scorecard"),
    # 联评联考
    path("evaluations/", evaluation.scheme_list, name="web-evaluation-list"),
    path("evaluations/new/", evaluation.scheme_create, name="web-evaluation-create"),
    path("evaluations/<int:pk>/", evaluation.scheme_detail, name="web-evaluation-scheme"),
    path("evaluations/<int:pk>/copy/", evaluation.scheme_copy, name="web-evaluation-copy"),
    path("evaluations/<int:pk>/publish/", evaluation.scheme_publish, name="web-evaluation-publish"),
    path("evaluations/<int:pk>/compute/", evaluation.scheme_compute, name="web-evaluation-compute"),
    path("evaluations/<int:pk>/close/", evaluation.scheme_close, name="web-evaluation-close"),
    path("evaluations/<int:pk>/delete/", evaluation.scheme_delete, name="web-evaluation-delete"),
    path("evaluations/<int:pk>/indicators/", evaluation.indicator_add, name="web-evaluation-indicator-add"),
    path("evaluations/<int:pk>/pending/", evaluation.pending, name="web-evaluation-pending"),
    path("evaluations/indicators/<int:pk>/", evaluation.indicator_edit, name="web-evaluation-indicator-edit"),
    path(
        "evaluations/indicators/<int:pk>/remove/",
        evaluation.indicator_remove,
        name="web-evaluation-indicator-remove",
    ),
    path("evaluations/results/<int:pk>/", evaluation.evaluation_detail, name="web-evaluation-detail"),
    path("evaluations/scores/<int:pk>/", evaluation.score, name="web-evaluation-score"),
    path("evaluations/scores/<int:pk>/evidence/", evaluation.evidence, name="web-evaluation-evidence"),
]
