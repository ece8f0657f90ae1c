from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.utils import timezone

from apps.core.models import Deletion
from apps.core.tasks import tombstones_purge_task
from qunzhi.celery import app


def _tombstones(*ages_in_days: int) -> None:
    for index, age in enumerate(ages_in_days):
        tombstone = Deletion.objects.create(model="organizations", object_id=index + 1)
        Deletion.objects.filter(pk=tombstone.pk).update(deleted_at=timezone.now() - timedelta(days=age))


def test_the_celery_app_discovers_the_apps_tasks():
    app.loader.import_default_modules()
    assert "core.tombstones_purge" in app.tasks


@pytest.mark.django_db
def test_purging_keeps_tombstones_within_retention():
    _tombstones(400, 200, 3)
    assert tombstones_purge_task.delay(older_than_days=180).get() == 2
    assert list(Deletion.objects.values_list("object_id", flat=True)) == [3]


@pytest.mark.redis
@pytest.mark.skipif(not settings.REDIS_URL, reason="需要 REDIS_URL 指向真实的 Redis（CI 中由 .ci/run 提供）")
@pytest.mark.django_db(transaction=True)
def test_a_task_travels_through_the_real_redis_broker_to_a_real_worker():
    _tombstones(400, 1)
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10):
            result = tombstones_purge_task.delay(older_than_days=30)
            assert result.get(timeout=30) == 1
    finally:
        app.conf.task_always_eager = True
    assert result.status == "SUCCESS"
    assert Deletion.objects.count() == 1
