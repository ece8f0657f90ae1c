from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import IsAuthenticated

from apps.core.views import health

# A database error outside any view (a middleware, the session save) is a 503 too.
handler500 = "apps.core.middleware.server_error_or_unavailable"

admin.site.site_header = "群智 · 管理后台"
admin.site.site_title = "群智管理后台"
admin.site.index_title = "数据管理"

urlpatterns = [
    path("healthz", health, name="health"),
    path("admin/", admin.site.urls),
    path("accounts/", include("apps.accounts.urls")),
    path("api/v1/", include("qunzhi.api_urls")),
    # The map of every endpoint and field is for signed-in users (session or JWT), not the world:
    # the API serves the platform's own staff and apps on closed networks.
    path("api/schema/", SpectacularAPIView.as_view(permission_classes=[IsAuthenticated]), name="api-schema"),
    path(
        "api/docs/",
        login_required(SpectacularSwaggerView.as_view(url_name="api-schema", permission_classes=[IsAuthenticated])),
        name="api-docs",
    ),
    path("", include("apps.members.urls")),
    path("", include("apps.venues.urls")),
    path("", include("apps.resources.urls")),
    path("", include("apps.activities.urls")),
    path("", include("apps.projects.urls")),
    path("", include("apps.talent.urls")),
    path("", include("apps.insights.urls")),
    path("", include("apps.organizations.urls")),
    path("", include("apps.exports.urls")),
]

handler400 = "apps.core.error_pages.bad_request"
handler403 = "apps.core.error_pages.permission_denied"
handler404 = "apps.core.error_pages.page_not_found"
handler500 = "apps.core.error_pages.server_error"
