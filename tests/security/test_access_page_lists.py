"""Staff pages without an id (lists, calendars, dashboards, lookups) show 城中区's staff nothing of
城东区, generated from the URL list: the demo world names its 城东区 rows after their county, so a
page of 城中区 that mentions 城东 shows a neighbour's row (or its name in a filter), even when
asked for it by name (`?q=城东`, the search parameter of the lists and lookups)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.security.routes import all_routes

pytestmark = pytest.mark.django_db

PAGES = [route for route in all_routes() if route.door == "page" and not route.groups]
NEIGHBOUR = "城东"
TAGS = re.compile(r"<[^>]+>")


def _text(client: Client, url: str, **params) -> str:
    response = client.get(url, params)
    kind = response.get("Content-Type", "")
    if response.status_code != 200 or not ("html" in kind or "json" in kind):
        return ""
    return TAGS.sub(" ", response.content.decode())


@pytest.mark.parametrize("route", PAGES, ids=str)
def test_a_page_shows_another_countys_staff_nothing_of_this_county(route, client, other_county_staff):
    client.force_login(other_county_staff)

    for params in ({}, {"q": NEIGHBOUR}):
        text = _text(client, route.url(), **params)
        assert NEIGHBOUR not in text, f"{route.url()} {params} shows 城中区 staff: {_around(text, NEIGHBOUR)}"


def test_the_pages_do_show_a_county_its_own_rows(client, county_staff):
    """The marker is real: 城东区's own staff meet it on their pages."""
    client.force_login(county_staff)

    showing = {route.url() for route in PAGES if NEIGHBOUR in _text(client, route.url(), q=NEIGHBOUR)}

    assert {"/people/", "/venues/", "/organizations/", "/lookup/organizations/"} <= showing


def _around(text: str, needle: str) -> str:
    at = text.find(needle)
    return " ".join(text[max(at - 80, 0) : at + 80].split())
