"""Deny by default: every staff page declares who may open it (apps.core.access), or the suite fails."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver

# Doors with their own rules: the admin (staff + model permissions), the API (DRF permission
# classes, checked by each app's API tests), login/logout, the health probe, the OpenAPI schema.
OWN_RULES = ("admin/", "api/", "accounts/login/", "accounts/logout/", "healthz", "static/", "media/")


def _patterns(resolver: URLResolver, prefix: str = ""):
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


def test_every_staff_page_declares_who_may_open_it():
    undeclared = [
        route
        for route, pattern in _patterns(get_resolver())
        if not route.startswith(OWN_RULES) and getattr(pattern.callback, "access", None) is None
    ]
    assert undeclared == []
