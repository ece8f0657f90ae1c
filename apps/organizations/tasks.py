from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from apps.organizations.services import follow_ups_remind_overdue


@shared_task(name="organizations.remind_overdue_follow_ups")
def follow_ups_remind_overdue_task() -> int:
    return follow_ups_remind_overdue(today=timezone.localdate())
