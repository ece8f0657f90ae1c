"""The API's JWT authentication (apps.accounts.authentication): simplejwt's answers, for less.

A remembered token is still refused once expired, a deactivated or deleted account at once, and
the user comes back exactly as the ORM would load it, in one query that also checks the connection.
"""

from __future__ import annotations

import datetime as dt

import psycopg2
import pytest
import time_machine
from django.db import connection, connections
from django.forms.models import model_to_dict
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from apps.accounts.authentication import user_by_pk
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


def test_the_user_is_loaded_as_the_orm_loads_it(user):
    loaded = user_by_pk(user.pk)

    assert model_to_dict(loaded) | {"pk": loaded.pk} == model_to_dict(User.objects.get(pk=user.pk)) | {"pk": user.pk}
    assert loaded.last_login == User.objects.get(pk=user.pk).last_login
    assert loaded._state.adding is False and loaded._state.db == "default"
    assert user_by_pk(user.pk + 1000) is None


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


def test_an_authenticated_request_reads_the_user_in_one_query(user, django_assert_num_queries):
    client = bearer(RefreshToken.for_user(user).access_token)
    client.get(URL)
    # The user, their scope, the federations.
    with django_assert_num_queries(3):
        assert client.get(URL).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_the_user_query_stands_in_for_the_connection_health_check(qinghai):
    """A connection that died between requests is reopened, not turned into a 500."""
    user = UserFactory(username="mobile_user")
    client = bearer(RefreshToken.for_user(user).access_token)
    assert client.get(URL).status_code == 200
    connection.health_check_enabled = True
    connection.health_check_done = False
    # The server ends this connection, as a restart or a proxy's idle timeout would.
    with _other_connection() as other, other.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [connection.connection.get_backend_pid()])

    assert user_by_pk(user.pk).pk == user.pk


@pytest.mark.django_db(transaction=True)
def test_a_live_connection_needs_no_separate_health_check(qinghai, monkeypatch):
    user = UserFactory(username="mobile_user")
    wrapper = connections["default"]
    wrapper.ensure_connection()
    wrapper.health_check_enabled = True
    wrapper.health_check_done = False
    checks = []
    monkeypatch.setattr(wrapper, "is_usable", lambda: checks.append(1) or True)

    assert user_by_pk(user.pk).pk == user.pk
    assert checks == []
    assert wrapper.health_check_done


def _other_connection():
    settings = connection.settings_dict
    return psycopg2.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        password=settings["PASSWORD"],
    )
