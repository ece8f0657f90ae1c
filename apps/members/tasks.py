from __future__ import annotations

from celery import shared_task

from apps.members.services import memberships_reevaluate


@shared_task(name="members.reevaluate_memberships")
def memberships_reevaluate_task(window_days: int = 7) -> int:
    """Daily: people who crossed an age limit are enrolled again (League members reaching 28 age out)."""
    return memberships_reevaluate(window_days=window_days)
