"""Staff pages of 组织共建. Names carry a `web-` prefix: the API router owns `organization-list` etc."""

from django.urls import path

from apps.organizations import lookups, views
from apps.organizations import views_cobuilding as cobuilding

urlpatterns = [
    path("", views.home, name="home"),
    path("regions/", views.region_list, name="web-region-list"),
    path("regions/<int:pk>/", views.region_detail, name="web-region-detail"),
    path("organizations/", views.organization_list, name="web-organization-list"),
    path("organizations/<int:pk>/", views.organization_detail, name="web-organization-detail"),
    path("host-units/", views.host_unit_list, name="web-host-unit-list"),
    path("host-units/<int:pk>/", views.host_unit_detail, name="web-host-unit-detail"),
    # The forms' search selects ask these for a few matches as the user types.
    path("lookup/organizations/", lookups.organization_lookup, name="lookup-organizations"),
    path("lookup/host-units/", lookups.host_unit_lookup, name="lookup-host-units"),
    # Co-building (组织共建): joint branches, coverage, joint meetings and their follow-ups.
    path("organizations/joint-branches/", cobuilding.joint_branch_list, name="web-joint-branch-list"),
    path("organizations/joint-branches/new/", cobuilding.joint_branch_establish, name="web-joint-branch-establish"),
    path("organizations/coverage/", cobuilding.coverage, name="web-coverage"),
    path("organizations/meetings/", cobuilding.meeting_list, name="web-meeting-list"),
    path("organizations/meetings/new/", cobuilding.meeting_create, name="web-meeting-create"),
    path("organizations/meetings/<int:pk>/", cobuilding.meeting_detail, name="web-meeting-detail"),
    path("organizations/decisions/<int:pk>/follow-ups/", cobuilding.follow_up_add, name="web-follow-up-add"),
    path("organizations/follow-ups/", cobuilding.follow_up_list, name="web-follow-up-list"),
    path("organizations/follow-ups/<int:pk>/complete/", cobuilding.follow_up_complete, name="web-follow-up-complete"),
    path("organizations/follow-ups/<int:pk>/reopen/", cobuilding.follow_up_reopen, name="web-follow-up-reopen"),
]
