"""The API's JWT authentication (apps.accounts.authentication): simplejwt's answers, for less.

A token is verified once and remembered, yet still refused once expired; a deactivated or deleted
account is refused at once, since the user is read on every request.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from apps.accounts.authentication import _verified_claims
from apps.accounts.models import User
from tests.factories import UserFactory

# Any endpoint behind the default authentication; the federations are reference data.
URL = "/api/v1/federations/"


def bearer(token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def user(qinghai):
    return UserFactory(username="mobile_user", name="卓玛")


def test_a_token_is_accepted_again_and_again(user):
    client = bearer(RefreshToken.for_user(user).access_token)
    assert client.get(URL).status_code == 200
    assert client.get(URL).status_code == 200


def test_a_token_is_verified_once_and_then_remembered(user):
    _verified_claims.cache_clear()
    client = bearer(RefreshToken.for_user(user).access_token)

    for _ in range(3):
        assert client.get(URL).status_code == 200

    assert _verified_claims.cache_info().misses == 1 and _verified_claims.cache_info().hits == 2


def test_a_remembered_token_is_refused_once_it_expires(user):
    token = RefreshToken.for_user(user).access_token
    client = bearer(token)
    assert client.get(URL).status_code == 200

    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=31)):
        response = client.get(URL)

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_a_deactivated_account_is_refused_at_once(user):
    client = bearer(RefreshToken.for_user(user).access_token)
    assert client.get(URL).status_code == 200

    User.objects.filter(pk=user.pk).update(is_active=False)

    response = client.get(URL)
    assert response.status_code == 401
    assert response.json()["code"] == "user_inactive"


def test_a_deleted_account_is_refused_at_once(user):
    client = bearer(RefreshToken.for_user(user).access_token)
    assert client.get(URL).status_code == 200

    user.delete()

    response = client.get(URL)
    assert response.status_code == 401
    assert response.json()["code"] == "user_not_found"


def test_a_forged_or_refresh_token_is_refused(user):
    refresh = RefreshToken.for_user(user)
    access = str(refresh.access_token)
    header, payload, signature = access.split(".")
    forged = f"{header}.{payload}.{signature[:-4]}AAAA"

    assert bearer(access).get(URL).status_code == 200
    for token in (forged, str(refresh)):
        response = bearer(token).get(URL)
        assert response.status_code == 401
        assert response.json()["code"] == "token_not_valid"
