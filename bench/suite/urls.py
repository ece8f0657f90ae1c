"""The project's URLs plus the anchors the scenarios measure against, under /bench/."""

from django.urls import include, path

from bench.suite import views

urlpatterns = [
    path("bench/plain/", views.plain, name="bench-plain"),
    path("bench/drf/", views.TrivialView.as_view(), name="bench-drf"),
    path("bench/drf-auth/", views.AuthenticatedTrivialView.as_view(), name="bench-drf-auth"),
    path("bench/insert/", views.TrivialInsertView.as_view(), name="bench-insert"),
    path("", include("qunzhi.urls")),
]
