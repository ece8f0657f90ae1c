from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property
from rest_framework.pagination import CursorPagination, PageNumberPagination


class SyncCursorPagination(CursorPagination):
    """Cursor pages, stable under inserts; ordered by change time during delta sync.

    `?page_size=` up to 200. The cursor positions on the first ordering field and counts
    rows sharing its value by offset, so the order must be total: an id always ends it,
    and rows saved in the same instant are walked without repeats or gaps.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "id"

    def get_ordering(self, request, queryset, view):
        if "updated_since" in request.query_params:
            return (getattr(view, "updated_field", "updated_at"), "id")
        ordering = tuple(super().get_ordering(request, queryset, view))
        if not any(field.lstrip("-") in ("id", "pk") for field in ordering):
            ordering += ("-id" if ordering[0].startswith("-") else "id",)
        return ordering


class RankedPagination(PageNumberPagination):
    """Numbered pages of a list worked out per request, best first (no queryset to put a cursor on).

    `?page=`, `?page_size=` up to 200; `{count, next, previous, results}`.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class BoundedCountPaginator(Paginator):
    """The admin's pages at province scale: rows are counted up to `limit` + 1, never a whole
    million-row table (`SELECT COUNT(*) FROM (… LIMIT 10001)`). Past the limit the changelist says
    "超过 10000 条" and pages on through the first ones; search and filters narrow it down."""

    limit = 10_000

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if hasattr(rows, "order_by"):
            rows = rows.order_by()  # any 10,001 rows count the same: no sort to pick them
        first = rows[: self.limit + 1]
        return len(first) if isinstance(first, list) else first.count()

    @property
    def capped(self) -> bool:
        return self.count > self.limit
