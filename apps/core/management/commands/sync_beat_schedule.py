"""Copy the beat schedule declared in settings into django-celery-beat's tables.

Missing tasks are added; existing ones are left as they are, so a schedule an admin paused
or retimed in the admin stays that way. `--reset` puts every declared task back to its
declared schedule.
"""

from __future__ import annotations

from datetime import timedelta

from celery.schedules import crontab
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask


def _schedule_fields(schedule) -> dict:
    if isinstance(schedule, timedelta):
        interval, _ = IntervalSchedule.objects.get_or_create(
            every=int(schedule.total_seconds()), period=IntervalSchedule.SECONDS
        )
        return {"interval": interval, "crontab": None}
    if isinstance(schedule, crontab):
        cron, _ = CrontabSchedule.objects.get_or_create(
            minute=schedule._orig_minute,
            hour=schedule._orig_hour,
            day_of_week=schedule._orig_day_of_week,
            day_of_month=schedule._orig_day_of_month,
            month_of_year=schedule._orig_month_of_year,
            timezone=settings.TIME_ZONE,
        )
        return {"crontab": cron, "interval": None}
    raise TypeError(f"Unsupported schedule {schedule!r}")


class Command(BaseCommand):
    help = "把代码中声明的定时任务写入数据库（已在后台修改的保持不变；--reset 恢复为代码中的设置）。"

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="恢复为代码中的设置")

    @transaction.atomic
    def handle(self, *args, reset: bool = False, **options):
        added = reset_count = 0
        for name, entry in settings.QUNZHI_BEAT_SCHEDULE.items():
            existing = PeriodicTask.objects.filter(name=name).first()
            if existing is not None and not reset:
                continue
            fields = {"task": entry["task"], "enabled": True, **_schedule_fields(entry["schedule"])}
            PeriodicTask.objects.update_or_create(name=name, defaults=fields)
            if existing is None:
                added += 1
            else:
                reset_count += 1
        self.stdout.write(f"定时任务：新增 {added} 个，恢复 {reset_count} 个。")
