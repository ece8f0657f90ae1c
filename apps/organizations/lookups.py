"""Search-as-you-type lookups behind the forms' search selects (apps/organizations/widgets.py).

A province holds thousands of organizations and host units: a form cannot list them all in a
<select>. The widget asks these endpoints for a few matches by name instead. They read through
the same scoped selectors as the forms' fields, so they never name a row the form would refuse,
and each answers in a constant number of queries whatever the size of the scope.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils.cache import add_never_cache_headers

from apps.core.access import signed_in
from apps.organizations import selectors
from apps.organizations.models import HostUnit, Organization

# Enough to find one by a few characters of its name; more is noise in a dropdown.
LOOKUP_LIMIT = 20
QUERY_MAX_LENGTH = 64
BAD_NUMBER = "参数须为整数。"


def organization_label(organization: Organization) -> str:
    return organization.name


def organization_group(organization: Organization) -> str:
    """What tells two same-named organizations apart: their federation and their region."""
    return f"{organization.federation.name} · {organization.region.full_name or organization.region.name}"


def host_unit_label(host_unit: HostUnit) -> str:
    return host_unit.name


def host_unit_group(host_unit: HostUnit) -> str:
    return host_unit.region.full_name or host_unit.region.name


def _optional_int(request: HttpRequest, name: str) -> int | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise ValueError(name)
    return int(raw)


def _answer(rows, label, group) -> JsonResponse:
    response = JsonResponse(
        {"results": [{"id": row.pk, "label": label(row), "group": group(row)} for row in rows]},
        json_dumps_params={"ensure_ascii": False},
    )
    # Scoped answers: never shared by a cache between users.
    add_never_cache_headers(response)
    return response


def _bad_request(name: str) -> JsonResponse:
    return JsonResponse({"detail": BAD_NUMBER, "field": name}, status=400, json_dumps_params={"ensure_ascii": False})


@signed_in
def organization_lookup(request: HttpRequest) -> JsonResponse:
    """`?q=` part of the name, `federation=` one federation, `exclude=` one organization (a transfer's own)."""
    try:
        federation, exclude = _optional_int(request, "federation"), _optional_int(request, "exclude")
    except ValueError as error:
        return _bad_request(str(error))
    search = request.GET.get("q", "").strip()[:QUERY_MAX_LENGTH]
    organizations = selectors.organization_list(user=request.user, federation=federation, search=search)
    if exclude is not None:
        organizations = organizations.exclude(pk=exclude)
    # The selector's order (the tree's path) walks an index and stops at the limit.
    return _answer(organizations[:LOOKUP_LIMIT], organization_label, organization_group)


@signed_in
def host_unit_lookup(request: HttpRequest) -> JsonResponse:
    """`?q=` part of the name or the full credit code."""
    search = request.GET.get("q", "").strip()[:QUERY_MAX_LENGTH]
    host_units = selectors.host_unit_list(user=request.user, search=search)
    return _answer(host_units[:LOOKUP_LIMIT], host_unit_label, host_unit_group)
