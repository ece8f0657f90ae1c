from __future__ import annotations

from rest_framework.pagination import CursorPagination


class SyncCursorPagination(CursorPagination):
    """Cursor pages, stable under inserts; ordered by change time during delta sync."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "id"

    def get_ordering(self, request, queryset, view):
        if "updated_since" in request.query_params:
            return (getattr(view, "updated_field", "updated_at"), "id")
        return super().get_ordering(request, queryset, view)
