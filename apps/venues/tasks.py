from __future__ import annotations

from celery import shared_task

from apps.venues.services import booking_notify, bookings_complete, bookings_remind


@shared_task(name="venues.booking_notify", autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def booking_notify_task(booking_id: int, event: str) -> int:
    return booking_notify(booking_id=booking_id, event=event)


@shared_task(name="venues.bookings_remind")
def bookings_remind_task() -> int:
    return bookings_remind()


@shared_task(name="venues.bookings_complete")
def bookings_complete_task() -> int:
    return bookings_complete()
