"""/api/v1/ for people, memberships and cadre posts (see ../shared/API.md)."""

from apps.members.api.viewsets import CadrePostViewSet, MembershipViewSet, PersonViewSet

__all__ = ["CadrePostViewSet", "MembershipViewSet", "PersonViewSet"]
