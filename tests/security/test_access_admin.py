"""The admin behind staff roles only, generated from every registered ModelAdmin: a user with a role
but no staff flag, and a staff user without model permissions, are refused on every changelist; a
county's staff never see another county's rows in any changelist or change form."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from apps.organizations.models import Role
from apps.organizations.services import role_assign
from tests.factories import UserFactory, region
from tests.security.routes import CHENGDONG, chengdong_rows, is_reference

pytestmark = pytest.mark.django_db

MODEL_ADMINS = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
SCOPED_ADMINS = [(model, model_admin) for model, model_admin in MODEL_ADMINS if not is_reference(model)]


def _changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_user_with_a_role_but_no_staff_flag_is_sent_to_the_admin_login(world):
    user = UserFactory(username="role_without_staff")
    role_assign(user=user, role=Role.COUNTY_STAFF, region=region(CHENGDONG))
    get_user_model().objects.filter(pk=user.pk).update(is_staff=False)
    client = _client(get_user_model().objects.get(pk=user.pk))
    login = reverse("admin:login")
    answered = {}
    for model, _ in MODEL_ADMINS:
        response = client.get(_changelist(model))
        if not (response.status_code == 302 and response["Location"].startswith(login)):
            answered[model._meta.label] = response.status_code
    assert answered == {}


def test_a_staff_user_without_permissions_is_refused_every_changelist(world):
    user = UserFactory(username="staff_without_permissions")
    get_user_model().objects.filter(pk=user.pk).update(is_staff=True)
    client = _client(get_user_model().objects.get(pk=user.pk))
    answered = {model._meta.label: status for model, status in _statuses(client) if status != 403}
    assert answered == {}


def _statuses(client):
    for model, _ in MODEL_ADMINS:
        yield model, client.get(_changelist(model)).status_code


@pytest.mark.parametrize(("model", "model_admin"), SCOPED_ADMINS, ids=lambda value: getattr(value, "__name__", ""))
def test_another_countys_staff_never_see_a_chengdong_row_in_the_admin(model, model_admin, other_county_staff):
    row = chengdong_rows(model).first()
    if row is None:
        pytest.skip(f"no 城东区 {model._meta.label} in the test world")
    client = _client(other_county_staff)
    response = client.get(_changelist(model), {"all": ""})
    if response.status_code == 200:
        shown = set(response.context["cl"].queryset.values_list("pk", flat=True))
        assert not shown & set(chengdong_rows(model).values_list("pk", flat=True))
    else:
        assert response.status_code == 403
    change = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[row.pk])
    response = client.get(change)
    # The admin answers an object outside the queryset by going back to the index ("does not exist").
    assert response.status_code in (302, 403, 404), change
