from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from apps.projects.services import projects_finish_ended


@shared_task(name="projects.finish_ended")
def projects_finish_ended_task() -> int:
    return projects_finish_ended(today=timezone.localdate())
