"""The outbox without a broker (tasks run eagerly, as in the embedded set-up and the tests)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.sites import site
from django.db import transaction
from django.test import RequestFactory

from apps.accounts.models import Notification
from apps.core.admin import OUTBOX_RETRIED
from apps.core.models import OutboxMessage, OutboxStatus
from apps.core.outbox import outbox_enqueue, outbox_relay
from apps.exports.models import ExportJob, ExportStatus
from apps.exports.services import export_request
from apps.exports.tasks import export_run_task
from apps.venues.services import booking_create
from apps.venues.tasks import booking_notify_task
from tests.faults.conftest import next_working_day
from tests.faults.test_redis_down import SHANGHAI
from tests.venues.factories import make_room, make_venue


@pytest.fixture
def booking(county_staff, chengdong_union, django_capture_on_commit_callbacks):
    room = make_room(make_venue("630102", federations=("union",)))
    start = dt.datetime.combine(next_working_day(), dt.time(9), tzinfo=SHANGHAI)
    with django_capture_on_commit_callbacks(execute=True):
        return booking_create(
            actor=county_staff,
            room=room,
            organization=chengdong_union,
            start=start,
            end=start + dt.timedelta(hours=1),
            purpose="妇女议事会",
            attendees=5,
            contact_name="张老师",
        )


def test_a_committed_booking_runs_its_notice_after_commit_and_marks_it_done(booking, county_staff):
    message = OutboxMessage.objects.get()
    assert (message.task_name, message.args, message.status) == (
        "venues.booking_notify",
        [booking.pk, "created"],
        OutboxStatus.DONE,
    )
    assert Notification.objects.filter(user=county_staff).count() == 1


def test_a_rolled_back_write_leaves_no_message_and_runs_nothing(booking, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                outbox_enqueue(booking_notify_task, booking.pk, "cancelled")
                raise RuntimeError("the write failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert OutboxMessage.objects.count() == 1  # the booking's own notice only


def test_a_message_delivered_twice_sends_its_notice_once(booking, county_staff):
    message = OutboxMessage.objects.get()
    assert booking_notify_task.apply(args=message.args, task_id=message.task_id).get() is None
    assert Notification.objects.filter(user=county_staff).count() == 1


def test_an_export_delivered_twice_is_written_once(county_staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = export_request(actor=county_staff, kind="memberships")
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE
    finished, name = job.finished_at, job.file.name
    message = OutboxMessage.objects.get(task_name="exports.run")
    export_run_task.apply(args=message.args, task_id=message.task_id)
    job = ExportJob.objects.get(pk=job.pk)
    assert (job.finished_at, job.file.name) == (finished, name)


def test_a_task_that_fails_is_marked_failed_and_retried_from_the_admin(booking, county_staff, admin_user):
    message = OutboxMessage.objects.get()
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.FAILED, last_error="boom")
    Notification.objects.all().delete()
    request = RequestFactory().post("/admin/core/outboxmessage/")
    request.user = admin_user
    sent = []
    model_admin = site._registry[OutboxMessage]
    model_admin.message_user = lambda request, text, level=None: sent.append(text)
    model_admin.retry(request, OutboxMessage.objects.filter(pk=message.pk))
    assert sent == [OUTBOX_RETRIED.format(count=1)]
    assert OutboxMessage.objects.get().status == OutboxStatus.DONE
    assert Notification.objects.filter(user=county_staff).count() == 1


def test_the_relay_publishes_pending_messages_oldest_first(booking, monkeypatch):
    from qunzhi.celery import app

    order = []
    task = app.tasks["venues.booking_notify"]
    monkeypatch.setattr(task, "apply_async", lambda **options: order.append(options["args"]))
    first = OutboxMessage.objects.create(task_name=task.name, args=[booking.pk, "approved"], task_id="outbox-a")
    second = OutboxMessage.objects.create(task_name=task.name, args=[booking.pk, "reminder"], task_id="outbox-b")
    assert outbox_relay() == 2
    assert order == [first.args, second.args]
    assert set(OutboxMessage.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {
        OutboxStatus.SENT
    }
    assert outbox_relay() == 0
