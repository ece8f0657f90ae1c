from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from apps.talent.services import rotations_advance, session_reminders_send


@shared_task(name="talent.send_session_reminders")
def session_reminders_send_task() -> int:
    return session_reminders_send()


@shared_task(name="talent.advance_rotations")
def rotations_advance_task() -> int:
    return rotations_advance(today=timezone.localdate())
