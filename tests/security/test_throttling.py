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
