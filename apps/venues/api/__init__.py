"""/api/v1/ for venues, rooms and bookings (see ../shared/API.md)."""

from apps.venues.api.viewsets import BookingViewSet, RoomViewSet, VenueViewSet

__all__ = ["BookingViewSet", "RoomViewSet", "VenueViewSet"]
