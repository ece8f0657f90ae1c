"""Bookings in spreadsheets (xlsx, csv): an export only, through the user's scope.

A booking is made through services.booking_create, rule by rule and slot by slot; a file
of bookings would skip the calendar the booker must see, so there is no import. The
export holds the rows the user may see (the venue's region or the booking organization
in their scope). The contact's phone is in full only for holders of members.view_full_phone
(as in the people export), masked otherwise; an export with full phones is written to the
audit trail.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.utils import timezone
from import_export import fields, resources

from apps.core.audit import audit_record
from apps.core.models import AuditEvent
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
FULL_PHONE_PERM = "members.view_full_phone"
EXPORT_AUDIT = "导出场地预约 {count} 条（含完整联系电话）"

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
    contact_phone = fields.Field(column_name=CONTACT_PHONE)

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
        self.full_phones = bool(user is not None and user.has_perm(FULL_PHONE_PERM))

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
        queryset = scoped(queryset, self.actor).select_related(*self.list_select_related)
        # The ciphertext is not even read (nor decrypted) for a masked export; the admin's
        # changelist defers it, so a full export asks for it again.
        return queryset.defer(None) if self.full_phones else queryset.defer("contact_phone")

    def export(self, queryset=None, **kwargs):
        dataset = super().export(queryset, **kwargs)
        if self.full_phones:
            audit_record(
                actor=self.actor,
                action=AuditEvent.Action.EXPORT,
                model=Booking._meta.label_lower,
                detail=EXPORT_AUDIT.format(count=len(dataset)),
            )
        return dataset

    def dehydrate_contact_phone(self, booking: Booking) -> str:
        return booking.contact_phone if self.full_phones else booking.contact_phone_masked

    def dehydrate_start(self, booking: Booking) -> str:
        return f"{timezone.localtime(booking.start):{_TIME_FORMAT}}"

    def dehydrate_end(self, booking: Booking) -> str:
        return f"{timezone.localtime(booking.end):{_TIME_FORMAT}}"
