"""Query filters of the venues, rooms and bookings lists; every id filter is limited to the scope."""

from __future__ import annotations

from django.db.models import QuerySet
from django_filters import rest_framework as filters

from apps.core.api import scoped_choices
from apps.organizations.models import Federation
from apps.organizations.selectors import organization_list, region_list
from apps.venues.models import Booking, BookingStatus, Room, RoomKind, Venue, VenueKind
from apps.venues.selectors import room_list, venue_list


class VenueFilter(filters.FilterSet):
    region = filters.ModelChoiceFilter(
        queryset=scoped_choices(region_list), method="filter_region", label="所在区划 ID（含全部下级区划）"
    )
    kind = filters.ChoiceFilter(choices=VenueKind.choices, label="类型")
    federation = filters.ModelChoiceFilter(
        queryset=Federation.objects.all(), field_name="federations", label="共建群团类别 ID"
    )

    class Meta:
        model = Venue
        fields = ["region", "kind", "federation"]

    def filter_region(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(region__path__startswith=value.path)


class RoomFilter(filters.FilterSet):
    venue = filters.ModelChoiceFilter(queryset=scoped_choices(venue_list), label="场地 ID")
    kind = filters.ChoiceFilter(choices=RoomKind.choices, label="类型")
    contributed_by = filters.ModelChoiceFilter(queryset=Federation.objects.all(), label="提供群团类别 ID")
    is_active = filters.BooleanFilter(label="是否可预约")
    needs_approval = filters.BooleanFilter(label="预约是否需审批")

    class Meta:
        model = Room
        fields = ["venue", "kind", "contributed_by", "is_active", "needs_approval"]


class BookingFilter(filters.FilterSet):
    room = filters.ModelChoiceFilter(queryset=scoped_choices(room_list), label="功能室 ID")
    venue = filters.ModelChoiceFilter(queryset=scoped_choices(venue_list), field_name="room__venue", label="场地 ID")
    status = filters.ChoiceFilter(choices=BookingStatus.choices, label="状态")
    organization = filters.ModelChoiceFilter(queryset=scoped_choices(organization_list), label="预约组织 ID")
    starts_after = filters.IsoDateTimeFilter(
        field_name="start", lookup_expr="gte", label="开始时间不早于（ISO 8601，含时区）"
    )
    starts_before = filters.IsoDateTimeFilter(
        field_name="start", lookup_expr="lt", label="开始时间早于（ISO 8601，含时区）"
    )
    mine = filters.BooleanFilter(method="filter_mine", label="true：只看本人提交的预约")

    class Meta:
        model = Booking
        fields = ["room", "venue", "status", "organization", "starts_after", "starts_before", "mine"]

    def filter_mine(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        user = self.request.user
        return queryset.filter(booked_by=user) if value else queryset.exclude(booked_by=user)
