"""A database that is restarting or unreachable answers 503 in Chinese, not a 500 traceback.

Nothing is kept between requests that would need a restart of the app: Django's
CONN_HEALTH_CHECKS throws a broken persistent connection away at the next request, so the
first request after the database is back succeeds.
"""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.views.defaults import server_error

logger = logging.getLogger(__name__)

DATABASE_UNAVAILABLE = "数据库暂时不可用（可能正在重启或维护），请稍后再试。"
RETRY_AFTER_SECONDS = 30
DATABASE_ERRORS = (OperationalError, InterfaceError)


def database_unavailable_response(request) -> HttpResponse:
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": DATABASE_UNAVAILABLE}, status=503)
    else:
        html = loader.get_template("503.html").render({"message": DATABASE_UNAVAILABLE})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def is_database_unavailable(exc: BaseException | None) -> bool:
    """An error of the connection, not of the query: a constraint or a syntax error stays a 4xx/500."""
    return isinstance(exc, DATABASE_ERRORS) and not _is_query_error(exc)


def _is_query_error(exc: BaseException) -> bool:
    # psycopg2 reports a lock or statement timeout as an OperationalError too; those are the
    # query's fault (SQLSTATE class 57014 query_canceled, 55P03 lock_not_available).
    pgcode = getattr(getattr(exc, "__cause__", None), "pgcode", None)
    return pgcode in {"57014", "55P03"}


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_database_unavailable(exception):
            return None
        logger.warning("Database unavailable for %s %s: %s", request.method, request.path, exception)
        return database_unavailable_response(request)


def server_error_or_unavailable(request, template_name="500.html"):
    """handler500: a database error raised outside any view (a middleware, the session save)
    is a 503 too."""
    if is_database_unavailable(sys.exc_info()[1]):
        return database_unavailable_response(request)
    return server_error(request, template_name)
