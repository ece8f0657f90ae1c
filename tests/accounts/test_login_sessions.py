"""Sessions around login and logout, the password rules, and who may enter the admin.

A new session key at every login defeats session fixation (a key planted before login is
worthless after it); logout throws the session away on the server, not only the cookie.
"""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session

from apps.accounts.models import User
from apps.accounts.password_validation import PASSWORD_TOO_SHORT
from apps.organizations.models import Role
from apps.organizations.services import role_revoke
from tests.factories import UserFactory

PASSWORD = "pass-for-tests-42"
ADMIN_REFUSED = "请输入一个正确的工作人员账户"


def planted_session(client) -> str:
    """A session that exists before login, as an attacker's planted cookie would."""
    client.get("/accounts/login/")
    session = client.session
    session["planted"] = "yes"
    session.save()
    return session.session_key


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_logging_in_rotates_the_session_key(client, county_staff, path):
    before = planted_session(client)

    response = client.post(path, {"username": "chengdong_staff", "password": PASSWORD})

    assert response.status_code == 302
    after = client.cookies["sessionid"].value
    assert after != before
    assert SessionStore(session_key=after).get("_auth_user_id") == str(county_staff.pk)
    # The planted key no longer names a session at all.
    assert not Session.objects.filter(session_key=before).exists()


def test_logging_out_flushes_the_session_on_the_server(client, county_staff):
    client.post("/accounts/login/", {"username": "chengdong_staff", "password": PASSWORD})
    signed_in = client.cookies["sessionid"].value
    assert client.get("/").status_code == 200

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert not Session.objects.filter(session_key=signed_in).exists()
    # Replaying the old cookie gets the login page, not the user's pages.
    replay = type(client)()
    replay.cookies["sessionid"] = signed_in
    assert replay.get("/")["Location"].startswith("/accounts/login/")


# Password rules -------------------------------------------------------------------------


def test_the_admin_refuses_a_weak_password_for_a_new_account_in_chinese(client, qinghai):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))

    response = client.post(
        "/admin/accounts/user/add/",
        {"username": "zhuoma", "name": "卓玛", "password1": "12345678", "password2": "12345678"},
    )

    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.errors["password2"])
    assert PASSWORD_TOO_SHORT.format(min_length=10) in errors
    assert "这个密码太常见了。" in errors and "密码只包含数字。" in errors
    assert not User.objects.filter(username="zhuoma").exists()


def test_a_staff_member_cannot_change_their_password_to_one_like_their_username(client, county_staff):
    client.force_login(county_staff)

    response = client.post(
        "/admin/password_change/",
        {"old_password": PASSWORD, "new_password1": "chengdong_staff1", "new_password2": "chengdong_staff1"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"] == ["密码跟 用户名 太相似了。"]
    county_staff.refresh_from_db()
    assert county_staff.check_password(PASSWORD)


def test_a_strong_new_password_is_accepted_and_the_session_stays(client, county_staff):
    client.force_login(county_staff)
    strong = "青海湖-bird-island-2026"

    response = client.post(
        "/admin/password_change/", {"old_password": PASSWORD, "new_password1": strong, "new_password2": strong}
    )

    assert response.status_code == 302
    county_staff.refresh_from_db()
    assert county_staff.check_password(strong)
    assert client.get("/admin/").status_code == 200


# Admin behind staff roles -----------------------------------------------------------------


def test_an_account_without_a_role_cannot_log_into_the_admin(client, mobile_user):
    response = client.post("/admin/login/", {"username": "mobile_user", "password": PASSWORD})

    assert response.status_code == 200
    assert ADMIN_REFUSED in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_a_county_staff_member_logs_into_the_admin(client, county_staff):
    response = client.post("/admin/login/", {"username": "chengdong_staff", "password": PASSWORD, "next": "/admin/"})

    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_losing_the_last_role_closes_the_admin(client, county_staff):
    assignment = county_staff.role_assignments.get(role=Role.COUNTY_STAFF)
    role_revoke(assignment=assignment)

    response = client.post("/admin/login/", {"username": "chengdong_staff", "password": PASSWORD})

    assert response.status_code == 200 and ADMIN_REFUSED in response.content.decode()
