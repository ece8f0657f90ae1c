"""Object-level authorization (OWASP API1:2023 BOLA), generated from the URL list: for every API route
and staff page taking an id, a 城东区 row is refused to 城中区's staff with a 404 on every method the
route answers, and the row is unchanged afterwards; no API list shows a 城东区 row to 城中区.

The registry (tests/security/routes.py) says which model an id names; a new id route it cannot
place fails `test_every_id_route_is_in_the_registry`, so coverage cannot shrink without notice.
"""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.security.routes import all_routes, chengdong_rows, id_model, is_reference

pytestmark = pytest.mark.django_db

ROUTES = all_routes()
ID_ROUTES = [route for route in ROUTES if route.door in ("api", "page") and route.id_groups]
SCOPED_ID_ROUTES = [route for route in ID_ROUTES if id_model(route) and not is_reference(id_model(route)[0])]


def _list_model(route):
    return route.view_class.selector(user=None).model


# Lists whose answer is not rows of their model, with where their scope is tested instead.
NOT_ROWS = {
    "coverage-list": "figures per kind of unit; tests/organizations/test_cobuilding_api.py checks their scope",
}
LIST_ROUTES = [
    route
    for route in ROUTES
    if route.door == "api"
    and route.actions.get("get") == "list"
    and route.name not in NOT_ROWS
    and not is_reference(_list_model(route))
]

# A list that needs a filter to answer at all: the filter a 城东区 user would send.
LIST_PARAMS = {
    "evaluation-list": lambda: {"scheme": chengdong_rows(_list_model_by_name("evaluation-list")).first().scheme_id},
}

# Lists whose `id` is not the row's primary key: a tombstone shows the id of the row deleted.
LIST_ID_FIELD = {"deletion-list": "object_id"}


def _list_model_by_name(name):
    return next(_list_model(route) for route in LIST_ROUTES if route.name == name)


def _client(user, door: str):
    client = APIClient() if door == "api" else Client()
    client.force_login(user)
    return client


def _methods(route) -> list[str]:
    if route.door == "api":
        return sorted(route.actions)
    return ["get", "post"]


def _row(route):
    model, fill = id_model(route)
    outer = {attr for attr in fill.values() if attr != "pk"}
    rows = chengdong_rows(model).filter(**{f"{attr}__isnull": False for attr in outer})
    return rows.first()


def _snapshot(row, fill) -> list[dict]:
    """The row and the outer rows its other ids name, as stored."""
    rows = [row] + [getattr(row, attr.removesuffix("_id")) for attr in fill.values() if attr != "pk"]
    return [type(each).objects.filter(pk=each.pk).values().first() for each in rows]


def _lacks_declared_permission(route, user) -> bool:
    access = getattr(route.callback, "access", "")
    return "." in access and not user.has_perm(access)


def test_every_id_route_is_in_the_registry():
    unknown = [str(route) for route in ID_ROUTES if id_model(route) is None]
    assert unknown == [], "add these routes' models to tests/security/routes.py (PAGE_IDS or API_IDS)"


@pytest.mark.parametrize("route", SCOPED_ID_ROUTES, ids=str)
def test_a_row_of_another_county_is_404_and_stays_as_it_was(route, county_staff, other_county_staff):
    model, fill = id_model(route)
    row = _row(route)
    assert row is not None, f"the test world has no 城东区 {model._meta.label} for {route}"
    url = route.url(**{group: getattr(row, attr) for group, attr in fill.items()})
    methods = _methods(route)

    if route.actions.get("get") == "retrieve":
        # The row is really the neighbour's to see: the 404 below is about scope, not a wrong id.
        assert _client(county_staff, "api").get(url).status_code == 200, url
    before = _snapshot(row, fill)

    stranger = _client(other_county_staff, route.door)
    refused = {}
    for method in methods:
        response = stranger.generic(method.upper(), url, "{}", content_type="application/json")
        expected = {404}
        if route.door == "page":
            # A POST-only page answers GET with 405 before looking anything up; a page whose
            # permission the role lacks answers 403 before looking anything up.
            expected |= {405} if method == "get" else set()
            expected |= {403} if _lacks_declared_permission(route, other_county_staff) else set()
        if response.status_code not in expected:
            refused[method] = response.status_code
    assert refused == {}, f"{url}: {refused}"
    assert _snapshot(row, fill) == before


@pytest.mark.parametrize("route", LIST_ROUTES, ids=str)
def test_a_list_never_shows_another_countys_rows(route, county_staff, other_county_staff):
    model = _list_model(route)
    url = route.url()
    params = {"page_size": 200, **(LIST_PARAMS[route.name]() if route.name in LIST_PARAMS else {})}
    chengdong = set(chengdong_rows(model).values_list(LIST_ID_FIELD.get(route.name, "pk"), flat=True))
    assert chengdong, f"the test world has no 城东区 {model._meta.label}"

    assert chengdong & _ids(_client(county_staff, "api"), url, params), f"{url} shows 城东区 none of its rows"
    assert chengdong & _ids(_client(other_county_staff, "api"), url, params, refused=True) == set()


def _ids(client, url: str, params: dict, *, refused: bool = False) -> set[int]:
    response = client.get(url, params)
    if refused and response.status_code in (400, 404):
        # A filter naming a row out of scope is refused like one that does not exist: nothing shown.
        return set()
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    ids = set()
    while True:
        body = response.json()
        rows = body["results"] if isinstance(body, dict) else body
        ids |= {row["id"] for row in rows}
        if not (isinstance(body, dict) and body.get("next")):
            return ids
        response = client.get(body["next"])
