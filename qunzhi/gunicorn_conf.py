"""gunicorn's settings for the web container: `gunicorn -c python:qunzhi.gunicorn_conf qunzhi.wsgi`.

The arbiter's own lines and the access log go through settings.LOGGING, so they are JSON in
production and masked like every other line. Workers: gunicorn reads WEB_CONCURRENCY.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qunzhi.settings")

from django.conf import settings  # noqa: E402 - needs DJANGO_SETTINGS_MODULE

bind = "0.0.0.0:8000"
timeout = 120
# A worker replaced now and then gives back the memory that a long-lived Python process keeps.
max_requests = 1000
max_requests_jitter = 100
# With a logging dict gunicorn logs every request, through the root's JSON handler.
logconfig_dict = settings.LOGGING
# gunicorn starts with %(h)s; behind the proxy the client is in X-Forwarded-For.
access_log_format = '%({x-forwarded-for}i)s %(h)s "%(r)s" %(s)s %(B)s %(D)sus "%(a)s"'
