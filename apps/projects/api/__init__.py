"""/api/v1/ for service projects, bundles, service records and their reference data (see ../shared/API.md)."""

from apps.projects.api.viewsets import (
    BundleViewSet,
    ContentCategoryViewSet,
    PolicyStandardViewSet,
    ProjectViewSet,
    ServiceRecordViewSet,
    ServiceTypeViewSet,
    WorkNatureViewSet,
)

__all__ = [
    "BundleViewSet",
    "ContentCategoryViewSet",
    "PolicyStandardViewSet",
    "ProjectViewSet",
    "ServiceRecordViewSet",
    "ServiceTypeViewSet",
    "WorkNatureViewSet",
]
