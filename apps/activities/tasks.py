from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from apps.activities.services import activities_advance_status, activity_reminders_send


@shared_task(name="activities.send_reminders")
def activity_reminders_send_task() -> int:
    return activity_reminders_send()


@shared_task(name="activities.advance_status")
def activities_advance_status_task() -> int:
    return activities_advance_status(now=timezone.now())
