"""Staff pages of 组织共建. Names carry a `web-` prefix: the API router owns `organization-list` etc."""

from django.urls import path

from apps.organizations import views

urlpatterns = [
    path("", views.home, name="home"),
    path("regions/", views.region_list, name="web-region-list"),
    path("regions/<int:pk>/", views.region_detail, name="web-region-detail"),
    path("organizations/", views.organization_list, name="web-organization-list"),
    path("organizations/<int:pk>/", views.organization_detail, name="web-organization-detail"),
    path("host-units/", views.host_unit_list, name="web-host-unit-list"),
    path("host-units/<int:pk>/", views.host_unit_detail, name="web-host-unit-detail"),
]
