"""Login lockout (apps.accounts.lockout, django-axes), through the three doors that take a password.

An account is locked after LOGIN_FAILURE_LIMIT failures from anywhere; an address after
LOGIN_ADDRESS_FAILURE_LIMIT failures on any accounts. Both are set low here so each test shows
the edge: one failure fewer is still let in.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.management import call_command
from rest_framework.test import APIClient

from apps.accounts.lockout import LOCKED_OUT
from tests.factories import UserFactory

PASSWORD = "pass-for-tests-42"
ACCOUNT_LIMIT = 3
ADDRESS_LIMIT = 6
COOL_OFF_MINUTES = 15
LOCKED_OUT_TEXT = LOCKED_OUT.format(minutes=COOL_OFF_MINUTES)
OFFICE = "10.20.30.40"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.AXES_FAILURE_LIMIT = ACCOUNT_LIMIT
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = ADDRESS_LIMIT
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=COOL_OFF_MINUTES)
    settings.TRUSTED_PROXIES = []


def staff_login(client, username, password, address=OFFICE, path="/accounts/login/", **headers):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address, **headers)


def logged_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.wsgi_request.session


def test_an_account_is_locked_after_its_limit_even_with_the_right_password(client, county_staff):
    for _ in range(ACCOUNT_LIMIT - 1):
        assert staff_login(client, "chengdong_staff", "wrong-password").status_code == 200

    locked = staff_login(client, "chengdong_staff", "wrong-password")
    assert locked.status_code == 429
    assert LOCKED_OUT_TEXT in locked.content.decode()
    assert locked["Retry-After"] == str(COOL_OFF_MINUTES * 60)
    assert "登录已暂时锁定" in locked.content.decode()

    still = staff_login(client, "chengdong_staff", PASSWORD)
    assert still.status_code == 429 and not logged_in(still)


def test_one_failure_fewer_than_the_limit_still_lets_the_right_password_in(client, county_staff):
    for _ in range(ACCOUNT_LIMIT - 1):
        staff_login(client, "chengdong_staff", "wrong-password")

    assert logged_in(staff_login(client, "chengdong_staff", PASSWORD))


def test_an_account_attacked_from_many_addresses_is_locked(client, county_staff):
    for n in range(ACCOUNT_LIMIT):
        staff_login(client, "chengdong_staff", "wrong-password", address=f"203.0.113.{n + 1}")

    # The owner, from an address that never failed, waits out the cool-off like everyone else.
    assert staff_login(client, "chengdong_staff", PASSWORD, address="198.51.100.7").status_code == 429


def test_an_address_spraying_many_accounts_is_locked_for_every_account(client, county_staff):
    for n in range(ADDRESS_LIMIT):
        staff_login(client, f"guess-{n}", "wrong-password")

    assert staff_login(client, "chengdong_staff", PASSWORD).status_code == 429
    # The account itself is not locked: from elsewhere its owner gets in.
    assert logged_in(staff_login(client, "chengdong_staff", PASSWORD, address="198.51.100.7"))


def test_colleagues_typos_at_one_office_do_not_lock_out_the_office(client, county_staff):
    # Below the address's limit, spread over accounts each below its own limit.
    for n in range(ADDRESS_LIMIT - 1):
        staff_login(client, f"colleague-{n % 2}", "typo")

    assert logged_in(staff_login(client, "chengdong_staff", PASSWORD))


def test_typos_followed_by_the_right_password_count_for_nothing(client, county_staff):
    for _ in range(ACCOUNT_LIMIT - 1):
        staff_login(client, "chengdong_staff", "typo")
    assert logged_in(staff_login(client, "chengdong_staff", PASSWORD))
    client.post("/accounts/logout/")

    for _ in range(ACCOUNT_LIMIT - 1):
        staff_login(client, "chengdong_staff", "typo")
    assert logged_in(staff_login(client, "chengdong_staff", PASSWORD))


def test_an_attacker_cannot_clear_the_address_by_logging_into_their_own_account(client, county_staff):
    UserFactory(username="attacker")
    for n in range(ADDRESS_LIMIT - 1):
        staff_login(client, f"guess-{n}", "wrong-password")
    assert logged_in(staff_login(APIClient(), "attacker", PASSWORD))

    assert staff_login(client, "guess-last", "wrong-password").status_code == 429


def test_a_forged_forwarded_for_does_not_escape_the_address_lockout(client, county_staff):
    for n in range(ADDRESS_LIMIT):
        staff_login(client, f"guess-{n}", "wrong-password", HTTP_X_FORWARDED_FOR=f"192.0.2.{n + 1}")

    assert staff_login(client, "chengdong_staff", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429


def test_behind_the_trusted_proxy_each_client_address_counts_apart(client, county_staff, settings):
    settings.TRUSTED_PROXIES = ["172.16.0.0/12"]
    proxy = "172.18.0.2"
    for n in range(ADDRESS_LIMIT):
        staff_login(client, f"guess-{n}", "wrong-password", address=proxy, HTTP_X_FORWARDED_FOR=OFFICE)

    from_office = staff_login(client, "chengdong_staff", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR=OFFICE)
    assert from_office.status_code == 429
    from_elsewhere = staff_login(client, "chengdong_staff", PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR="10.99.0.1")
    assert logged_in(from_elsewhere)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {OFFICE}


def test_the_lockout_ends_after_the_cool_off(client, county_staff):
    for _ in range(ACCOUNT_LIMIT):
        staff_login(client, "chengdong_staff", "wrong-password")
    assert staff_login(client, "chengdong_staff", PASSWORD).status_code == 429

    # Each refused try restarts the cool-off; the owner waits it out from the last one.
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=COOL_OFF_MINUTES - 1)):
        assert staff_login(client, "chengdong_staff", PASSWORD).status_code == 429
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=2 * COOL_OFF_MINUTES)):
        assert logged_in(staff_login(client, "chengdong_staff", PASSWORD))


def test_the_admin_login_is_locked_with_the_chinese_page(client, province_admin):
    for _ in range(ACCOUNT_LIMIT):
        response = staff_login(client, "province_admin", "wrong-password", path="/admin/login/")

    assert response.status_code == 429
    assert LOCKED_OUT_TEXT in response.content.decode()
    assert staff_login(client, "province_admin", PASSWORD, path="/admin/login/").status_code == 429


def token(username, password):
    return APIClient().post("/api/v1/auth/token/", {"username": username, "password": password}, REMOTE_ADDR=OFFICE)


def test_the_token_endpoint_answers_a_lockout_with_429_json_and_retry_after(county_staff):
    for _ in range(ACCOUNT_LIMIT - 1):
        assert token("chengdong_staff", "wrong").status_code == 401

    locked = token("chengdong_staff", "wrong")
    assert locked.status_code == 429
    assert locked.json() == {"detail": LOCKED_OUT_TEXT}
    assert locked["Retry-After"] == str(COOL_OFF_MINUTES * 60)

    right = token("chengdong_staff", PASSWORD)
    assert right.status_code == 429 and "access" not in right.json()


def test_the_api_and_the_pages_share_one_count(client, county_staff):
    for _ in range(ACCOUNT_LIMIT - 1):
        token("chengdong_staff", "wrong")

    assert staff_login(client, "chengdong_staff", "wrong-password").status_code == 429


def test_an_admin_sees_the_lockout_and_lifts_it_with_the_command(client, county_staff):
    for _ in range(ACCOUNT_LIMIT):
        staff_login(client, "chengdong_staff", "wrong-password")

    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    admin = type(client)()
    admin.force_login(superuser)
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "chengdong_staff" in listing.content.decode()

    call_command("axes_reset_username", "chengdong_staff")

    assert logged_in(staff_login(client, "chengdong_staff", PASSWORD))
