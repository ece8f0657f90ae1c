from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.core.views import health

admin.site.site_header = "群智 · 管理后台"
admin.site.site_title = "群智管理后台"
admin.site.index_title = "数据管理"

urlpatterns = [
    path("healthz", health, name="health"),
    path("admin/", admin.site.urls),
    path("accounts/", include("apps.accounts.urls")),
    path("api/v1/", include("qunzhi.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
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
