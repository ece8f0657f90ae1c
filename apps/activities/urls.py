"""Staff pages of 活动共办. Names carry a `web-` prefix: the API router owns `activity-detail` etc."""

from django.urls import path

from apps.activities import views

urlpatterns = [
    path("activities/", views.activity_list, name="web-activity-list"),
    path("activities/new/", views.activity_create, name="web-activity-create"),
    path("activities/room-availability/", views.room_availability, name="web-activity-room-availability"),
    path("activities/<int:pk>/", views.activity_detail, name="web-activity-detail"),
    path("activities/<int:pk>/register/", views.registration_create, name="web-activity-register"),
    path("activities/<int:pk>/publish/", views.activity_publish, name="web-activity-publish"),
    path("activities/<int:pk>/cancel/", views.activity_cancel, name="web-activity-cancel"),
    path(
        "activities/<int:pk>/registrations/<int:registration_pk>/cancel/",
        views.registration_cancel,
        name="web-registration-cancel",
    ),
    path("activities/<int:pk>/check-in/", views.activity_check_in, name="web-activity-check-in"),
    path(
        "activities/<int:pk>/registrations/<int:registration_pk>/check-out/",
        views.registration_check_out,
        name="web-registration-check-out",
    ),
    path("activities/<int:pk>/results/", views.activity_results, name="web-activity-results"),
    path("activities/<int:pk>/summary/", views.activity_summarize, name="web-activity-summarize"),
    path(
        "activities/<int:pk>/volunteer-records/<int:record_pk>/correct/",
        views.volunteer_hours_correct,
        name="web-volunteer-hours-correct",
    ),
]
