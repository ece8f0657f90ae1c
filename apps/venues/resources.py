"""Bookings in spreadsheets (xlsx, csv): an export only, through the user's scope.

A booking is made through services.booking_create, rule by rule and slot by slot; a file
of bookings would skip the calendar the booker must see, so there is no import. The
export holds the rows the user may see (the venue's region or the booking organization
in their scope), contact phone included: every row of it is in the user's scope.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.utils import timezone
from import_export import fields, resources

from apps.organizations.scoping import scoped
from apps.venues.models import Booking

ROOM = "功能室"
VENUE = "场地"
ORGANIZATION = "预约组织"
FEDERATION = "群团"
START = "开始"
END = "结束"
STATUS = "状态"
PURPOSE = "用途"
ATTENDEES = "人数"
CONTACT = "联系人"
CONTACT_PHONE = "联系电话"

HEADERS = (ROOM, VENUE, ORGANIZATION, FEDERATION, START, END, STATUS, PURPOSE, ATTENDEES, CONTACT, CONTACT_PHONE)

_TIME_FORMAT = "%Y-%m-%d %H:%M"


class BookingResource(resources.ModelResource):
    room = fields.Field(attribute="room__name", column_name=ROOM)
    venue = fields.Field(attribute="room__venue__name", column_name=VENUE)
    organization = fields.Field(attribute="organization__name", column_name=ORGANIZATION)
    federation = fields.Field(attribute="organization__federation__name", column_name=FEDERATION)
    start = fields.Field(column_name=START)
    end = fields.Field(column_name=END)
    status = fields.Field(attribute="get_status_display", column_name=STATUS)
    purpose = fields.Field(attribute="purpose", column_name=PURPOSE)
    attendees = fields.Field(attribute="attendees", column_name=ATTENDEES)
    contact_name = fields.Field(attribute="contact_name", column_name=CONTACT)
    contact_phone = fields.Field(attribute="contact_phone", column_name=CONTACT_PHONE)

    list_select_related = ("room__venue", "organization__federation")

    class Meta:
        model = Booking
        name = "场地预约"
        fields = (
            "room",
            "venue",
            "organization",
            "federation",
            "start",
            "end",
            "status",
            "purpose",
            "attendees",
            "contact_name",
            "contact_phone",
        )
        export_order = fields
        chunk_size = 2000

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user

    @property
    def actor(self):
        if self.user is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs user= for its scope.")
        return self.user

    def get_queryset(self) -> QuerySet:
        return self.filter_export(Booking.objects.order_by("start", "id"))

    def filter_export(self, queryset: QuerySet, **kwargs) -> QuerySet:
        # The admin hands over its (scoped) changelist; scoping here as well keeps any
        # other caller from exporting beyond the user's reach.
        return scoped(queryset, self.actor).select_related(*self.list_select_related)

    def dehydrate_start(self, booking: Booking) -> str:
        return f"{timezone.localtime(booking.start):{_TIME_FORMAT}}"

    def dehydrate_end(self, booking: Booking) -> str:
        return f"{timezone.localtime(booking.end):{_TIME_FORMAT}}"
