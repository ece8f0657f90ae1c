"""Staff pages of 阵地共用. Names carry a `web-` prefix: the API router owns `booking-detail` etc.

`web-booking-detail` is the page the booking notifications link to.
"""

from django.urls import path

from apps.venues import views

urlpatterns = [
    path("venues/", views.venue_list, name="web-venue-list"),
    path("venues/utilization/", views.utilization_index, name="web-utilization-index"),
    path("venues/<int:pk>/", views.venue_detail, name="web-venue-detail"),
    path("venues/<int:pk>/calendar/", views.venue_calendar, name="web-venue-calendar"),
    path("venues/<int:pk>/utilization/", views.venue_utilization, name="web-venue-utilization"),
    path("rooms/<int:pk>/calendar/", views.room_calendar, name="web-room-calendar"),
    path("rooms/<int:pk>/book/", views.booking_create, name="web-booking-create"),
    path("bookings/mine/", views.booking_mine, name="web-booking-mine"),
    path("bookings/pending/", views.booking_pending, name="web-booking-pending"),
    path("bookings/<int:pk>/", views.booking_detail, name="web-booking-detail"),
    path("bookings/<int:pk>/cancel/", views.booking_cancel, name="web-booking-cancel"),
    path("bookings/<int:pk>/approve/", views.booking_approve, name="web-booking-approve"),
    path("bookings/<int:pk>/reject/", views.booking_reject, name="web-booking-reject"),
]
