"""The roster-extension task through a real Redis broker and a real (in-thread) worker."""

from __future__ import annotations

import datetime as dt

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.utils import timezone

from apps.resources import services
from apps.resources.models import CenterKind, DutyShift, ServiceCenter
from apps.resources.tasks import duty_rosters_extend_task
from qunzhi.celery import app
from tests.factories import region
from tests.members.factories import PersonFactory


def test_the_celery_app_discovers_the_roster_tasks():
    app.loader.import_default_modules()
    assert "resources.extend_duty_rosters" in app.tasks


@pytest.mark.redis
@pytest.mark.skipif(not settings.REDIS_URL, reason="需要 REDIS_URL 指向真实的 Redis（CI 中由 .ci/run 提供）")
@pytest.mark.django_db(transaction=True)
def test_the_roster_extension_travels_through_the_real_broker_and_plans_the_shifts(qinghai, chengdong_union):
    center = services.center_save(
        center=ServiceCenter(name="城东区群团服务中心", kind=CenterKind.CENTER, region=region("630102"))
    )
    for number in range(2):
        services.secondment_create(
            center=center,
            person=PersonFactory(name=f"值班员{number + 1}"),
            organization=chengdong_union,
            post_type="seconded",
            start_date=timezone.localdate() - dt.timedelta(days=30),
        )
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10):
            result = duty_rosters_extend_task.delay(weeks=4)
            created = result.get(timeout=60)
    finally:
        app.conf.task_always_eager = True
    assert result.status == "SUCCESS"
    assert created > 0 and DutyShift.objects.filter(center=center).count() == created
    horizon = timezone.localdate() + dt.timedelta(weeks=4)
    assert all(timezone.localdate() <= day < horizon for day in DutyShift.objects.values_list("date", flat=True))
