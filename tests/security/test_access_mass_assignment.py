"""Mass assignment (OWASP API3:2023): generated from the serializers of every API create and update.

Each writable field that places a row on the tree (a region, an organization: lead, host, owner,
receiving unit …) is sent by 城东区's staff with 城中区's value: the API answers 400 on that field,
or ignores it (read-only), and nothing is written out of scope. Each writable status field is sent
with every other status: refused or ignored, never stored by a plain update (status changes have
their own actions with their own rules).
"""

from __future__ import annotations

import pytest
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from apps.core.api import ScopedPrimaryKeyRelatedField
from apps.organizations.models import Organization, Region
from tests.factories import region, unit
from tests.security.routes import CHENGZHONG, all_routes, chengdong_rows

pytestmark = pytest.mark.django_db

WRITES = [
    (route, action)
    for route in all_routes()
    if route.door == "api"
    for action in ("create", "partial_update")
    if action in route.actions.values()
]


def _writable_fields(route, action: str, user) -> dict[str, serializers.Field]:
    request = Request(APIRequestFactory().post("/"))
    request.user = user
    view = route.view_class(action=action, request=request, format_kwarg=None, kwargs={})
    return {name: field for name, field in view.get_serializer().fields.items() if not field.read_only}


def _tree_model(field) -> type | None:
    related = field.child_relation if isinstance(field, serializers.ManyRelatedField) else field
    if isinstance(related, serializers.RelatedField):
        model = related.queryset.model if related.queryset is not None else None
        return model if model in (Region, Organization) else None
    return None


def _neighbour_value(model, many: bool):
    value = (region(CHENGZHONG) if model is Region else unit(CHENGZHONG)).pk
    return [value] if many else value


# Fields naming a partner rather than placing the row: another county's unit is a legitimate value,
# and the service checks what the partner may be. Any other region or organization field must be a
# ScopedPrimaryKeyRelatedField, or test_every_tree_field_is_scoped_or_a_known_partner fails.
PARTNER_FIELDS = {
    ("meeting-list", "attendees"): "a joint meeting invites units of any county; the host must be in scope",
    ("follow-up-list", "organization"): "a decision assigns work to any attending unit; the meeting's host is checked",
    ("training-list", "co_organizers"): "a course may be co-organized with another county's unit",
    ("training-detail", "co_organizers"): "a course may be co-organized with another county's unit",
    ("rotation-list", "to_organization"): "an exchange may go out of the county; rotation_plan checks the post",
}


def _is_scoped(field) -> bool:
    related = field.child_relation if isinstance(field, serializers.ManyRelatedField) else field
    return isinstance(related, ScopedPrimaryKeyRelatedField)


def _tree_fields(route, action, user) -> dict[str, serializers.Field]:
    return {
        name: field for name, field in _writable_fields(route, action, user).items() if _tree_model(field) is not None
    }


def _scope_fields(route, action, user) -> dict[str, object]:
    values = {}
    for name, field in _tree_fields(route, action, user).items():
        if _is_scoped(field):
            many = isinstance(field, serializers.ManyRelatedField)
            values[name] = _neighbour_value(_tree_model(field), many)
    return values


@pytest.mark.parametrize(("route", "action"), WRITES, ids=lambda value: str(value))
def test_every_tree_field_is_scoped_or_a_known_partner(route, action, county_staff):
    loose = [
        name
        for name, field in _tree_fields(route, action, county_staff).items()
        if not _is_scoped(field) and (route.name, name) not in PARTNER_FIELDS
    ]
    assert loose == [], "use apps.core.api.ScopedPrimaryKeyRelatedField, or list a partner field with why"


@pytest.mark.parametrize(("route", "action"), WRITES, ids=lambda value: str(value))
def test_a_neighbours_region_or_organization_is_refused(route, action, county_staff):
    values = _scope_fields(route, action, county_staff)
    if not values:
        pytest.skip("no field places the row on the tree")
    model = route.view_class.selector(user=None).model
    client = APIClient()
    client.force_authenticate(county_staff)
    count = model.objects.count()
    row = chengdong_rows(model).first() if action == "partial_update" else None
    for name, value in values.items():
        if action == "create":
            response = client.post(route.url(), {name: value}, format="json")
            assert response.status_code == 400 and name in response.json(), (name, response.content[:300])
        else:
            before = type(row).objects.filter(pk=row.pk).values().first()
            response = client.patch(route.url(pk=row.pk), {name: value}, format="json")
            # Refused (on the field, or because the row may no longer change) or ignored; never stored.
            assert response.status_code in (200, 400), (name, response.status_code)
            assert type(row).objects.filter(pk=row.pk).values().first() == before, (name, response.status_code)
    assert model.objects.count() == count


@pytest.mark.parametrize(("route", "action"), [w for w in WRITES if w[1] == "partial_update"], ids=str)
def test_a_status_is_never_set_by_a_plain_update(route, action, county_staff):
    model = route.view_class.selector(user=None).model
    fields = _writable_fields(route, action, county_staff)
    statuses = [name for name, field in fields.items() if name in ("status", "state") and hasattr(field, "choices")]
    if not statuses:
        pytest.skip("no writable status field")
    row = chengdong_rows(model).first()
    client = APIClient()
    client.force_authenticate(county_staff)
    for name in statuses:
        for choice in fields[name].choices:
            if choice == getattr(row, name):
                continue
            response = client.patch(route.url(pk=row.pk), {name: choice}, format="json")
            row.refresh_from_db()
            assert getattr(row, name) != choice, (name, choice, response.status_code)
