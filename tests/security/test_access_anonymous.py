"""Deny by default, for every door: an anonymous request to any URL of the site, the admin and the API
is refused, except the short list of doors that must open without an account; and every DRF view
declares its own permission classes, so a new view cannot silently lean on the global default.

The public doors, and why each is public:
- the two login pages (staff pages, admin) and the JWT token and refresh endpoints: how one signs in;
  logout (staff, admin): ending a session one may not have harms nothing;
- the certificate verification page and its API: anyone holding a certificate's code may check it;
- /healthz: load balancers and docker-compose probe it without credentials; it says "ok" or not.
The OpenAPI schema and Swagger UI are NOT public: the platform is on closed networks and its API
serves its own staff and mobile clients only, so the map of every endpoint and field (personal data
included) is for signed-in users (OWASP API9:2023 inventory; ASVS 14.3.x on not disclosing internals).
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from tests.security.routes import all_routes

pytestmark = pytest.mark.django_db

PUBLIC = {
    "healthz": "load balancer and container health probe",
    "accounts/login/": "staff sign-in",
    "accounts/logout/": "sign-out",
    "admin/login/": "admin sign-in",
    "admin/logout/": "admin sign-out",
    "api/v1/auth/token/": "JWT sign-in",
    "api/v1/auth/token/refresh/": "JWT refresh (needs a valid refresh token)",
    "certificates/verify/": "certificate check by its code",
    "api/v1/certificates/verify/": "certificate check by its code",
}

# DRF views that rely on the global default (IsAuthenticated) on purpose, and why.
DEFAULT_PERMISSION_OK = {
    "api/v1/": "DRF's router index: it lists the endpoints' URLs to a signed-in user",
}

ROUTES = all_routes()
WALKED = [route for route in ROUTES if route.route not in PUBLIC]
API_METHODS = ("post", "patch", "delete")


def _sample(route, group: str) -> str:
    """A value the route's pattern accepts for `group`: the first of an alternation (the admin's
    app labels), else an id."""
    found = re.search(rf"\(\?P<{group}>([^)]*)\)", route.regex)
    choices = found.group(1) if found else ""
    if re.fullmatch(r"[\w|]+", choices) and "|" in choices:
        return choices.split("|")[0]
    return "1"


def _url(route) -> str:
    return route.url(**{group: _sample(route, group) for group in route.groups})


def _refused(route, method: str, response) -> bool:
    if response.status_code in (401, 403, 404):
        return True
    if response.status_code == 302:
        login = resolve_url("admin:login" if route.door == "admin" else settings.LOGIN_URL)
        return response["Location"].startswith(login)
    return False


def test_the_public_doors_are_routes_that_exist():
    assert set(PUBLIC) <= {route.route for route in ROUTES}


@pytest.mark.parametrize("route", WALKED, ids=str)
def test_an_anonymous_request_is_refused(route, qinghai):
    url = _url(route)
    client = Client(raise_request_exception=False)
    methods = ("get", *API_METHODS) if route.door == "api" else ("get",)
    answered = {}
    for method in methods:
        response = client.generic(method.upper(), url, "{}", content_type="application/json")
        if not _refused(route, method, response):
            answered[method] = response.status_code
    assert answered == {}, url


def test_the_public_doors_open_without_an_account(qinghai):
    client = Client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 200
    assert client.get("/admin/login/").status_code == 200
    assert client.get("/certificates/verify/").status_code == 200
    assert client.get("/api/v1/certificates/verify/", {"code": "NOSUCHCODE"}).status_code in (200, 404)
    assert client.post("/api/v1/auth/token/", {"username": "x", "password": "y"}).status_code == 401


def _declares_permissions(route) -> bool:
    """True when the route's `as_view(permission_classes=…)` or a class below APIView sets them."""
    if "permission_classes" in getattr(route.callback, "initkwargs", {}):
        return True
    owner = next(klass for klass in route.view_class.__mro__ if "permission_classes" in vars(klass))
    return owner is not APIView


def _permissions(route) -> list:
    return getattr(route.callback, "initkwargs", {}).get("permission_classes", route.view_class.permission_classes)


def test_every_api_view_declares_its_permission_classes():
    undeclared = sorted(
        route.route
        for route in ROUTES
        if _is_drf(route.view_class) and not _declares_permissions(route) and route.route not in DEFAULT_PERMISSION_OK
    )
    assert undeclared == [], "set permission_classes on these views (apps.core.api.ScopedViewSet does)"


def test_only_the_public_doors_let_anyone_in():
    open_to_all = sorted(
        route.route
        for route in ROUTES
        if _is_drf(route.view_class)
        and (not _permissions(route) or any(issubclass(permission, AllowAny) for permission in _permissions(route)))
    )
    assert open_to_all == sorted(route for route in PUBLIC if route.startswith("api/"))


def _is_drf(view_class) -> bool:
    return isinstance(view_class, type) and issubclass(view_class, APIView)
