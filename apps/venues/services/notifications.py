"""Telling both sides: managers of a new request or a cancellation, bookers of a decision."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import get_users_with_perms

from apps.accounts.services import notify
from apps.venues.models import Booking, BookingStatus

MESSAGES = {
    "created": "新的场地预约待处理：{room}",
    "approved": "场地预约已通过：{room}",
    "rejected": "场地预约被驳回：{room}",
    "cancelled": "场地预约已取消：{room}",
    "reminder": "明天的场地预约提醒：{room}",
}


def venue_managers(venue) -> list:
    return list(get_users_with_perms(venue, only_with_perms_in=["manage_venue"], with_group_users=True))


def booking_notify(*, booking_id: int, event: str) -> int:
    booking = Booking.objects.select_related("room__venue", "organization", "booked_by").filter(pk=booking_id).first()
    if booking is None:
        return 0
    if event in ("approved", "rejected", "reminder"):
        recipients = [booking.booked_by]
    else:
        recipients = venue_managers(booking.room.venue)
        if event == "created" and booking.status == BookingStatus.APPROVED:
            recipients.append(booking.booked_by)  # booked straight away: the booker hears it too
    start, end = timezone.localtime(booking.start), timezone.localtime(booking.end)
    body = f"{start:%Y-%m-%d %H:%M}–{end:%H:%M} · {booking.organization.name} · {booking.purpose}"
    if event == "rejected":
        body += f" · 原因：{booking.rejection_reason}"
    return len(
        notify(
            users=recipients,
            title=MESSAGES[event].format(room=booking.room),
            body=body,
            url=reverse("web-booking-detail", args=[booking.pk]),
        )
    )


def bookings_remind(*, now: dt.datetime | None = None) -> int:
    """Remind bookers of tomorrow's approved bookings, once each (claimed by a conditional UPDATE)."""
    now = now or timezone.now()
    tomorrow = timezone.localtime(now).date() + dt.timedelta(days=1)
    due = Booking.objects.filter(status=BookingStatus.APPROVED, reminded_at__isnull=True, start__date=tomorrow)
    sent = 0
    for booking_id in due.values_list("pk", flat=True):
        claimed = Booking.objects.filter(pk=booking_id, reminded_at__isnull=True).update(reminded_at=now)
        if claimed:
            sent += booking_notify(booking_id=booking_id, event="reminder")
    return sent
