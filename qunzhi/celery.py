import os
from logging.config import dictConfig

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qunzhi.settings")

# Every task is an OutboxTask: a message from the outbox (apps.core.outbox) runs once in effect.
app = Celery("qunzhi", task_cls="apps.core.outbox:OutboxTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def use_django_logging(**kwargs):
    """Worker and beat log through settings.LOGGING (JSON in production, ID numbers masked).

    A receiver on this signal stops Celery from putting its own plain-text handler on the root.
    """
    from django.conf import settings

    dictConfig(settings.LOGGING)
