"""Staff pages of apps/insights. Names carry a `web-` prefix: the API router owns `person-record`."""

from django.urls import path

from apps.insights import views

urlpatterns = [
    path("people/<int:pk>/record/", views.person_record, name="web-person-record"),
    path("scorecard/", views.scorecard_dashboard, name="web-scorecard"),
]
