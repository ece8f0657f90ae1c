"""The Redis cache when Redis is not there; the health endpoint's verdicts; the 503 for the API."""

from __future__ import annotations

import logging
import time

import pytest
from django.db import IntegrityError, InterfaceError, OperationalError
from django.test import RequestFactory

from apps.core.cache import TolerantRedisCache
from apps.core.middleware import (
    DATABASE_UNAVAILABLE,
    RETRY_AFTER_SECONDS,
    DatabaseUnavailableMiddleware,
    server_error_or_unavailable,
)
from tests.faults.conftest import free_port, wait_for


def _dead_cache() -> TolerantRedisCache:
    return TolerantRedisCache(
        f"redis://127.0.0.1:{free_port()}/0", {"OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5}}
    )


def test_a_cache_without_redis_misses_drops_writes_fails_open_and_warns_once(caplog):
    cache = _dead_cache()
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="apps.core.cache"):
        for _ in range(50):
            assert cache.get("key", "default") == "default"
            cache.set("key", 1)
            assert cache.get_or_set("other", 5) == 5
            assert cache.add("lock", 1) is True
            assert cache.incr("counter") == 1
            assert cache.count("window", timeout=60) == 1
            assert cache.get_many(["a", "b"]) == {}
            assert cache.set_many({"a": 1}) == ["a"]
            cache.delete("key")
    assert time.monotonic() - started < 1
    assert len(caplog.records) == 1
    assert not cache.available and not cache.ping()


def test_the_cache_comes_back_with_redis(redis_server):
    cache = TolerantRedisCache(redis_server.url, {"OPTIONS": {"socket_connect_timeout": 0.25}, "RETRY_AFTER": 0})
    redis_server.stop()
    cache.set("key", 1)
    assert cache.get("key") is None
    redis_server.start()
    cache.set("key", 2)
    assert cache.get("key") == 2


def test_a_count_starts_its_window_and_ends_with_it(redis_server):
    cache = TolerantRedisCache(redis_server.url, {"OPTIONS": {"socket_connect_timeout": 0.25}})
    assert [cache.count("window", timeout=1) for _ in range(3)] == [1, 2, 3]
    assert cache.get("window") == 3  # an integer as the cache reads it back, not a pickle
    client = cache._cache.get_client(write=True)
    assert 0 < client.pttl(cache.make_key("window")) <= 1000  # the first count set the lifetime; later ones kept it
    time.sleep(1.1)
    assert cache.count("window", timeout=1) == 1


@pytest.mark.django_db
def test_health_is_ok_with_the_embedded_set_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
        "broker": "eager",
        "workers": "eager",
        "outbox_pending": 0,
    }


@pytest.mark.django_db(transaction=True)
def test_health_is_degraded_but_200_while_redis_is_down(on_redis, client):
    on_redis.stop()
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"], body["cache"], body["broker"], body["workers"]) == (
        "degraded",
        "ok",
        "error",
        "error",
        0,
    )


@pytest.mark.django_db(transaction=True)
def test_health_counts_the_workers_that_answer(on_redis, client):
    from celery.contrib.testing.worker import start_worker

    from qunzhi.celery import app

    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10):
        # The worker may still be starting: it answers pings once its consumer is up.
        body = wait_for(lambda: (reply := client.get("/healthz").json())["workers"] and reply, 15, "a worker's pong")
    assert (body["cache"], body["broker"], body["workers"]) == ("ok", "ok", 1)
    assert body["beat"] == "unknown"  # no schedule has run yet


@pytest.mark.django_db
def test_health_is_503_when_the_database_is_down(client, monkeypatch):
    from apps.core import views

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(views.connection, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error" and response.json()["database"] == "error"


@pytest.mark.django_db
def test_a_database_error_in_the_api_is_a_json_503(county_staff, monkeypatch):
    from rest_framework.test import APIClient

    from apps.venues.api.viewsets import VenueViewSet

    def refuse(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(VenueViewSet, "list", refuse)
    api = APIClient()
    api.force_authenticate(county_staff)
    response = api.get("/api/v1/venues/")
    assert response.status_code == 503
    assert response.json() == {"detail": DATABASE_UNAVAILABLE}
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)


def test_a_page_gets_an_html_503_and_other_errors_are_left_alone():
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    request = RequestFactory().get("/venues/")
    response = middleware.process_exception(request, InterfaceError("connection already closed"))
    assert response.status_code == 503
    assert DATABASE_UNAVAILABLE in response.content.decode()
    assert middleware.process_exception(request, ValueError("a bug")) is None
    assert middleware.process_exception(request, IntegrityError("duplicate key")) is None


def test_a_database_error_outside_any_view_is_a_503_too():
    request = RequestFactory().get("/venues/")
    try:
        raise OperationalError("could not connect to server")
    except OperationalError:
        response = server_error_or_unavailable(request)
    assert response.status_code == 503
