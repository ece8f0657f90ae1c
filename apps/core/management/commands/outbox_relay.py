"""`manage.py outbox_relay`: publish the outbox's pending tasks now (beat does it every minute)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from apps.core.models import OutboxMessage, OutboxStatus
from apps.core.outbox import outbox_relay

BROKER_DOWN = "消息队列（Redis）不可用，仍有 {count} 条任务待发送，请稍后再试。"


class Command(BaseCommand):
    help = "将待发任务（事务发件箱中尚未发送的 Celery 任务）按顺序发送到消息队列。"

    def handle(self, *args, **options):
        published = outbox_relay()
        self.stdout.write(f"已发送 {published} 条任务。")
        left = OutboxMessage.objects.filter(status=OutboxStatus.PENDING).count()
        if left:
            raise CommandError(BROKER_DOWN.format(count=left))
