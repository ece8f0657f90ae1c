"""Staff pages of 服务共融. Names carry a `web-` prefix: the API router owns `serviceproject-detail` etc."""

from django.urls import path

from apps.projects import views

urlpatterns = [
    path("projects/", views.project_list, name="web-project-list"),
    path("projects/new/", views.project_create, name="web-project-create"),
    path("projects/<int:pk>/", views.project_detail, name="web-project-detail"),
    path("projects/<int:pk>/start/", views.project_set_status, {"action": "start"}, name="web-project-start"),
    path("projects/<int:pk>/finish/", views.project_set_status, {"action": "finish"}, name="web-project-finish"),
    path("projects/<int:pk>/cancel/", views.project_set_status, {"action": "cancel"}, name="web-project-cancel"),
    path("projects/<int:pk>/records/", views.service_record_create, name="web-service-record-create"),
    path(
        "projects/<int:pk>/records/<int:record_pk>/delete/",
        views.service_record_delete,
        name="web-service-record-delete",
    ),
    path("projects/<int:pk>/goals/", views.project_goal_add, name="web-project-goal-add"),
    path("projects/<int:pk>/goals/<int:goal_pk>/delete/", views.project_goal_delete, name="web-project-goal-delete"),
    path("projects/<int:pk>/expenses/", views.project_expense_record, name="web-project-expense"),
    path("bundles/", views.bundle_list, name="web-bundle-list"),
    path("bundles/suggestions/", views.bundle_suggestions, name="web-bundle-suggestions"),
    path("bundles/suggestions/create/", views.suggestion_bundle_create, name="web-suggestion-bundle-create"),
    path("bundles/<int:pk>/", views.bundle_detail, name="web-bundle-detail"),
    path("bundles/<int:pk>/projects/", views.bundle_add_project, name="web-bundle-add-project"),
    path(
        "bundles/<int:pk>/projects/<int:project_pk>/remove/",
        views.bundle_remove_project,
        name="web-bundle-remove-project",
    ),
    path("bundles/<int:pk>/goals/", views.bundle_goal_add, name="web-bundle-goal-add"),
    path("bundles/<int:pk>/goals/<int:goal_pk>/delete/", views.bundle_goal_delete, name="web-bundle-goal-delete"),
]
