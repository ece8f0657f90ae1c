from django.urls import path

from apps.exports import views

urlpatterns = [
    path("exports/", views.export_list, name="web-export-list"),
    path("exports/new/", views.export_create, name="web-export-create"),
    path("exports/<int:pk>/download/", views.export_download, name="web-export-download"),
]
