"""/api/v1/ for activities, registrations and volunteer records (see ../shared/API.md)."""

from apps.activities.api.viewsets import ActivityViewSet, RegistrationViewSet, VolunteerRecordViewSet

__all__ = ["ActivityViewSet", "RegistrationViewSet", "VolunteerRecordViewSet"]
