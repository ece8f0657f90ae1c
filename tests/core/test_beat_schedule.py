from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from qunzhi.celery import app

pytestmark = pytest.mark.django_db


def _sync(*args) -> None:
    call_command("sync_beat_schedule", *args, stdout=StringIO())


def test_every_declared_task_exists_and_is_scheduled():
    _sync()
    app.loader.import_default_modules()
    tasks = dict(PeriodicTask.objects.values_list("name", "task"))
    assert tasks == {name: entry["task"] for name, entry in settings.QUNZHI_BEAT_SCHEDULE.items()}
    assert set(tasks.values()) <= set(app.tasks)
    assert not PeriodicTask.objects.filter(interval__isnull=True, crontab__isnull=True).exists()


def test_an_admins_edit_survives_a_second_sync_until_reset():
    _sync()
    PeriodicTask.objects.filter(name="extend-duty-rosters").update(enabled=False)
    _sync()
    assert not PeriodicTask.objects.get(name="extend-duty-rosters").enabled
    _sync("--reset")
    assert PeriodicTask.objects.get(name="extend-duty-rosters").enabled
