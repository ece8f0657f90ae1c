"""Mass assignment through the staff pages' forms, generated from the URL list: every form a page
without an id offers (a new person, activity, project, meeting …, and the lists' filters) refuses
a 城中区 region or organization sent by hand by 城东区's staff, on its field, and writes nothing."""

from __future__ import annotations

import pytest
from django import forms
from django.test import Client

from apps.organizations.models import Organization, Region
from tests.factories import region, unit
from tests.security.routes import CHENGZHONG, all_routes

pytestmark = pytest.mark.django_db

FILTERS = ("FilterForm", "SearchForm", "CoverageForm")
PAGES = [route for route in all_routes() if route.door == "page" and not route.groups]


def _tree_fields(form) -> dict[str, forms.ModelChoiceField]:
    return {
        name: field
        for name, field in form.fields.items()
        if isinstance(field, forms.ModelChoiceField) and field.queryset.model in (Region, Organization)
    }


def _outside(model) -> object:
    return region(CHENGZHONG) if model is Region else unit(CHENGZHONG)


@pytest.mark.parametrize("route", PAGES, ids=str)
def test_a_page_form_offers_and_accepts_no_region_or_organization_outside_the_scope(route, county_staff):
    client = Client()
    client.force_login(county_staff)
    response = client.get(route.url())
    form = (response.context or {}).get("form") if response.status_code == 200 else None
    if form is None or not _tree_fields(form):
        pytest.skip("no form choosing a region or an organization")

    # A list's filter is sent by GET, a form that writes by POST.
    send = client.get if type(form).__name__.endswith(FILTERS) else client.post
    accepted = {}
    for name, field in _tree_fields(form).items():
        answer = send(route.url(), {name: _outside(field.queryset.model).pk})
        errors = answer.context["form"].errors if answer.context and "form" in answer.context else {}
        if answer.status_code not in (200, 400) or name not in errors:
            accepted[name] = answer.status_code
    assert accepted == {}, f"{route.url()}: a 城中区 value was not refused on {accepted}"
