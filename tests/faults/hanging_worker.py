"""The Celery app for the killed-worker test's subprocesses: qunzhi's, with one hook.

With QUNZHI_TEST_HANG_FILE set, the booking notice hangs once it has written its notifications
(inside its transaction, not yet committed), after creating that file: the test's signal to kill
the worker in the middle of the task.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from qunzhi.celery import app  # `celery -A tests.faults.hanging_worker` finds it here

# Redis gives a message taken by a worker that died back to the queue once it has been
# unacknowledged for the visibility timeout, checked in sweeps every interval × throttle seconds.
# Production: an hour (longer than any task), sweeps every 100 s; here, seconds.
VISIBILITY_TIMEOUT = 2
app.conf.broker_transport_options = {
    **app.conf.broker_transport_options,
    "visibility_timeout": VISIBILITY_TIMEOUT,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}

_hang_file = os.environ.get("QUNZHI_TEST_HANG_FILE")
if _hang_file:
    import django

    django.setup()  # before the services can be imported; Celery's own setup comes later
    from apps.venues.services import notifications

    _notify = notifications.notify

    def _notify_then_hang(**kwargs):
        written = _notify(**kwargs)
        Path(_hang_file).write_text(str(os.getpid()))
        time.sleep(120)
        return written

    notifications.notify = _notify_then_hang
