"""Staff pages of 资源共享. Names carry a `web-` prefix: the API router owns `servicecenter-detail` etc."""

from django.urls import path

from apps.resources import views

urlpatterns = [
    path("centers/", views.center_list, name="web-center-list"),
    path("centers/<int:pk>/", views.center_detail, name="web-center-detail"),
    path("centers/<int:pk>/roster/", views.center_roster, name="web-center-roster"),
    path("centers/<int:pk>/roster/generate/", views.roster_generate, name="web-roster-generate"),
    path("funds/", views.fund_list, name="web-fund-list"),
    path("funds/<int:pk>/", views.fund_detail, name="web-fund-detail"),
]
