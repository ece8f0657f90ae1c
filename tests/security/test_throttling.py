"""API throttling (apps.accounts.throttles): per user, per address without credentials, and a
stricter count on the token endpoints; 429 in Chinese with Retry-After.

The suite runs at rates no test reaches (tests/conftest.py); these tests set low ones.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest
import time_machine
from django.conf import settings as django_settings
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from apps.accounts import throttles
from apps.accounts.throttles import THROTTLED
from tests.factories import UserFactory

URL = "/api/v1/federations/"
PASSWORD = "pass-for-tests-42"


@pytest.fixture
def rates(settings):
    def set_rates(**rates):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"user": None, "anon": None, "token": None, **rates},
        }

    return set_rates


def signed_in(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_user_over_the_rate_gets_429_in_chinese_with_retry_after(rates, mobile_user):
    rates(user="3/minute")
    client = signed_in(mobile_user)
    frozen = dt.datetime(2026, 5, 4, 9, 0, 20, tzinfo=dt.UTC)

    with time_machine.travel(frozen, tick=False):
        assert [client.get(URL).status_code for _ in range(3)] == [200, 200, 200]
        refused = client.get(URL)

    assert refused.status_code == 429
    # The window is the clock's minute: 40 seconds of it were left.
    assert refused["Retry-After"] == "40"
    assert refused.json() == {"detail": THROTTLED.format(wait=40)}


def test_each_user_has_their_own_count(rates, mobile_user, county_staff):
    rates(user="2/minute")
    first, second = signed_in(mobile_user), signed_in(county_staff)
    for _ in range(2):
        first.get(URL)

    assert first.get(URL).status_code == 429
    assert second.get(URL).status_code == 200


def test_the_count_starts_again_in_the_next_window(rates, mobile_user):
    rates(user="2/minute")
    client = signed_in(mobile_user)
    start = dt.datetime(2026, 5, 4, 9, 0, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(2):
            client.get(URL)
        assert client.get(URL).status_code == 429

    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        assert client.get(URL).status_code == 200


def test_a_worker_takes_request_numbers_a_lease_at_a_time_and_never_lets_more_than_the_rate_through(db):
    # 100 a minute: leases of 5 numbers, so 100 requests cost 20 increments of the shared counter.
    cache, key = CountingCache(), "throttle_user_7:29000000"
    worker = throttles._Leases()
    numbers = [worker.number(cache, key, 5, timeout=61) for _ in range(100)]
    assert numbers == list(range(1, 101)) and cache.increments == 20

    # Two workers serving one client: every number is handed out once, so the rate holds whatever
    # the interleaving; numbers the other worker holds unused only refuse a little early.
    cache, first, second = CountingCache(), throttles._Leases(), throttles._Leases()
    answered = [(first if n % 3 else second).number(cache, key, 5, timeout=61) for n in range(130)]
    assert len(set(answered)) == 130
    let_through = sum(number <= 100 for number in answered)
    assert 100 - (5 - 1) <= let_through <= 100


def test_leases_are_a_twentieth_of_the_rate_one_number_under_40_and_at_most_100():
    assert [throttles.lease_size(rate) for rate in (3, 39, 40, 600, 10_000_000)] == [1, 1, 2, 30, 100]


def test_through_the_api_a_rate_lets_exactly_that_many_requests_through(rates, mobile_user):
    rates(user="45/minute")  # leases of 2: the last one reaches past the rate
    client = signed_in(mobile_user)
    with time_machine.travel(dt.datetime(2026, 5, 4, 9, 0, 5, tzinfo=dt.UTC), tick=False):  # one window
        assert [client.get(URL).status_code for _ in range(47)].count(429) == 2


class CountingCache:
    """The shared counter, counting how often it is asked."""

    def __init__(self):
        self.value, self.increments = 0, 0

    def count(self, key, timeout, delta):
        self.increments += 1
        self.value += delta
        return self.value


class OpenView(APIView):
    """Stands for the API's open doors (the schema, Swagger UI): on the others 401 comes first."""

    permission_classes = [AllowAny]

    def get(self, request):
        return Response({})


def anonymous_get(**meta) -> int:
    return OpenView.as_view()(APIRequestFactory().get("/", **meta)).status_code


def test_anonymous_requests_are_counted_per_address(rates, db):
    rates(anon="2/minute")
    answers = [anonymous_get(REMOTE_ADDR="203.0.113.5") for _ in range(3)]

    assert answers == [200, 200, 429]
    assert anonymous_get(REMOTE_ADDR="203.0.113.6") == 200


def test_a_forged_forwarded_for_does_not_reset_the_anonymous_count(rates, db):
    rates(anon="2/minute")
    answers = [anonymous_get(REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}") for n in range(3)]

    assert answers == [200, 200, 429]


def test_behind_the_trusted_proxy_anonymous_clients_count_apart(rates, db, settings):
    rates(anon="2/minute")
    settings.TRUSTED_PROXIES = ["172.16.0.0/12"]
    proxy = "172.18.0.2"
    for _ in range(2):
        anonymous_get(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.5")

    assert anonymous_get(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.5") == 429
    # A client writing its own entry in front of the one the proxy added is still who the proxy saw.
    assert anonymous_get(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="10.0.0.1, 203.0.113.5") == 429
    assert anonymous_get(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.6") == 200


def test_credentials_are_checked_before_the_anonymous_count(rates, qinghai):
    """On the doors that need an account a stranger gets 401, whatever the anonymous rate."""
    rates(anon="1/minute")
    anonymous = APIClient()

    assert [anonymous.get(URL).status_code for _ in range(3)] == [401, 401, 401]


def test_the_token_endpoint_has_its_own_stricter_count(rates, qinghai):
    rates(user="100/minute", anon="100/minute", token="2/minute")
    api = APIClient()
    body = {"username": UserFactory().username, "password": PASSWORD}

    answers = [api.post("/api/v1/auth/token/", body).status_code for _ in range(3)]

    assert answers == [200, 200, 429]
    assert api.post("/api/v1/auth/token/refresh/", {"refresh": "x"}).status_code == 429
    # The ordinary API is not touched by the token endpoint's count.
    assert api.get(URL).status_code == 401


def test_signing_in_does_not_escape_the_count_of_the_address(rates, qinghai):
    """Anonymous and signed-in requests count apart; a user is limited by their own count."""
    rates(user="2/minute", anon="2/minute")
    user = UserFactory(username="someone")
    client = signed_in(user)
    for _ in range(2):
        client.get(URL)
    assert client.get(URL).status_code == 429
    assert APIClient().get(URL).status_code == 401


def test_rates_come_from_the_environment_and_off_turns_a_throttle_off():
    environment = dict(
        os.environ,
        API_THROTTLE_USER="off",
        API_THROTTLE_ANON="7/second",
        API_THROTTLE_TOKEN="5/hour",
        DJANGO_SETTINGS_MODULE="qunzhi.settings",
    )
    program = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']))"
    )
    output = subprocess.run(
        [sys.executable, "-c", program], env=environment, capture_output=True, text=True, check=True
    ).stdout

    assert json.loads(output.strip().splitlines()[-1]) == {"user": None, "anon": "7/second", "token": "5/hour"}
    assert django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] == [
        "apps.accounts.throttles.UserThrottle",
        "apps.accounts.throttles.AnonThrottle",
    ]
