from __future__ import annotations

from datetime import UTC, datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import filters
from rest_framework.exceptions import ValidationError
from rest_framework.filters import BaseFilterBackend

UPDATED_SINCE_INVALID = "请使用 ISO 8601 时间，例如 2026-11-27T08:00:00+08:00。"


def parse_updated_since(raw: str) -> datetime:
    """The instant in `?updated_since=`; anything else is a 400 with a Chinese message, never a 500."""
    try:
        # An unencoded "+08:00" arrives as " 08:00"; take it back rather than reject the client.
        value = parse_datetime(raw.strip().replace(" ", "+")) if raw.strip() else None
        if value is not None:
            if timezone.is_naive(value):
                value = timezone.make_aware(value)
            # The database compares in UTC; 0001-01-01+08:00 has no UTC counterpart, and PostgreSQL
            # refuses offsets Python accepts (up to ±23:59), so the instant is sent in UTC.
            value = value.astimezone(UTC)
    except (ValueError, OverflowError):
        # Well-formed but impossible ("2026-02-30"), or beyond the calendar's ends.
        value = None
    if value is None:
        raise ValidationError({"updated_since": [UPDATED_SINCE_INVALID]})
    return value


class UpdatedSinceFilter(BaseFilterBackend):
    """`?updated_since=<ISO 8601>`: rows changed after that instant (delta sync)."""

    param = "updated_since"

    def filter_queryset(self, request, queryset, view):
        raw = request.query_params.get(self.param)
        if raw is None:
            return queryset
        field = getattr(view, "updated_field", "updated_at")
        return queryset.filter(**{f"{field}__gt": parse_updated_since(raw)})

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.param,
                "required": False,
                "in": "query",
                "description": "只返回此时间之后变更的记录（ISO 8601，含时区）。",
                "schema": {"type": "string", "format": "date-time"},
            }
        ]


SEARCH_INVALID = "搜索词不能包含空字符（\\x00）或无效的 Unicode 字符。"


class SearchFilter(filters.SearchFilter):
    """DRF's, with a bad search term answered as every other bad parameter is: under its name
    (DRF's own answer is a bare list, which the schema's 400 does not allow)."""

    def get_search_terms(self, request):
        try:
            return super().get_search_terms(request)
        except ValidationError as error:
            raise ValidationError({self.search_param: [SEARCH_INVALID]}) from error
