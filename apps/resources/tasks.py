from __future__ import annotations

from celery import shared_task

from apps.resources.services import duty_reminders_send, duty_rosters_extend, duty_shifts_mark_worked


@shared_task(name="resources.extend_duty_rosters")
def duty_rosters_extend_task(weeks: int = 4) -> int:
    """Weekly: every center's roster reaches four weeks ahead (idempotent)."""
    return duty_rosters_extend(weeks=weeks)


@shared_task(name="resources.send_duty_reminders")
def duty_reminders_send_task() -> int:
    """Evenings: tomorrow's on-duty staff are reminded, each once."""
    return duty_reminders_send()


@shared_task(name="resources.mark_worked_shifts")
def duty_shifts_mark_worked_task() -> int:
    return duty_shifts_mark_worked()
