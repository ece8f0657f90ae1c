"""Structured logs: one JSON object per line on stdout, which a container's log driver ships as is.

`JsonFormatter` is the production formatter of every logger (Django, gunicorn, Celery); the
handler's filters (apps.core.log_filters) have masked the message before it gets here.
`RequestIdMiddleware` gives each request an id that its log lines and its response carry, so
one failing request can be found among the lines of several gunicorn workers.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from django.core.signals import request_finished

from apps.core.log_filters import mask_id_numbers

REQUEST_ID_HEADER = "X-Request-ID"
# A proxy's id is kept only if it looks like one: a header is the client's to write.
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_request_id: ContextVar[str | None] = ContextVar("qunzhi_request_id", default=None)

# gunicorn's access-log atoms worth a field of their own; the rest (path, query, user agent)
# stays in the message, where the masking filter sees it.
_ACCESS_FIELDS = {"s": "status", "m": "method", "B": "bytes"}


def current_request_id() -> str | None:
    return _request_id.get()


def _forget_request_id(**kwargs) -> None:
    _request_id.set(None)


class RequestIdMiddleware:
    """Sets the id for the rest of the request; `request_finished` clears it.

    Not cleared on the way out of the middleware: Django logs a 4xx/5xx response after the
    middleware has returned, and gunicorn writes its access line after that, both before
    the response is closed and `request_finished` is sent.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        request_finished.connect(_forget_request_id, dispatch_uid="qunzhi-request-id")

    def __call__(self, request):
        offered = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = offered if _VALID_REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex
        _request_id.set(request_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


class AccessLogFields(logging.Filter):
    """Copies a gunicorn access line's status, method, size and duration onto the record.

    Before the masking filter, which drops the arguments of a line it rewrites.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            atoms = record.args
            fields = {}
            for atom, field in _ACCESS_FIELDS.items():
                value = atoms.get(atom)
                if value not in (None, "-"):
                    fields[field] = int(value) if str(value).isdigit() else value
            if isinstance(atoms.get("D"), int):
                fields["duration_ms"] = round(atoms["D"] / 1000, 1)
            record.http = fields
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "http", {}))
        request_id = current_request_id()
        if request_id:
            entry["request_id"] = request_id
        # The filters mask only the message; a traceback can quote the same personal data.
        if record.exc_info:
            entry["exc"] = mask_id_numbers(self.formatException(record.exc_info))
        elif record.exc_text:
            entry["exc"] = mask_id_numbers(record.exc_text)
        if record.stack_info:
            entry["stack"] = mask_id_numbers(self.formatStack(record.stack_info))
        return json.dumps(entry, ensure_ascii=False, default=str)
