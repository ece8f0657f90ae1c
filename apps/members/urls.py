"""Staff pages for people. Names carry a `web-` prefix: the API router owns `person-list` etc."""

from django.urls import path

from apps.members import views

urlpatterns = [
    path("people/", views.person_list, name="web-person-list"),
    path("people/new/", views.person_register, name="web-person-register"),
    path("people/check-id/", views.person_check_id, name="web-person-check-id"),
    path("people/<int:pk>/", views.person_detail, name="web-person-detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="web-person-edit"),
    path("people/<int:pk>/enroll/", views.person_enroll, name="web-person-enroll"),
    path("people/<int:pk>/id-number/", views.person_id_number, name="web-person-id-number"),
    path("people/<int:pk>/phone/", views.person_phone, name="web-person-phone"),
    path("people/<int:pk>/erase/", views.person_erase, name="web-person-erase"),
    path("memberships/<int:pk>/transfer/", views.membership_transfer, name="web-membership-transfer"),
    path("cadre-posts/", views.cadre_post_list, name="web-cadre-post-list"),
    path("cadre-posts/new/", views.cadre_post_create, name="web-cadre-post-create"),
]
