"""Schemathesis against the API's own OpenAPI schema: no 500 and no schema violation on any operation.

The schema is the one `/api/schema/` serves (drf-spectacular's generator, in-process). Every
operation is called through the WSGI application as a real user holding a JWT, with the Qinghai
demo data in the database so that `{id}` paths also reach real rows (ids seen in the user's own
lists are drawn beside arbitrary integers). Both positive (valid by the schema) and negative
(invalid) inputs are generated; each operation's examples share one transaction, rolled back
after the operation, and the demo data is rolled back after the module.

Bounded for CI: derandomized (the same examples on every run), no deadline (PostgreSQL on a busy
CI machine is slow now and then, which is not a failure). The county staff member gets every
phase, the coverage phase's boundary values of every field included (most of the time: it is
not bounded by max_examples); the provincial admin, whose requests take the same paths with a
wider scope, the fuzzing phase's few random examples only.
"""

from __future__ import annotations

import re

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from apps.accounts.authentication import AccessToken
from apps.accounts.models import User
from apps.core import error_pages
from apps.core.filters import SEARCH_INVALID

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

# The demo users (apps/*/demo.py) are the test personas: a county staff member of 城东区 with write
# permissions there, and the provincial admin who sees and may change everything.
PERSONAS = ["chengdong_staff", "province_admin"]

# Filled by the `demo_world` fixture: the ids each persona can see, by collection path.
_SEEN_IDS: dict[str, dict[str, list[int]]] = {}
_ACTIVE: dict[str, str] = {}


RAW_SCHEMA = SchemaGenerator().get_schema(request=None, public=True)


def _schema(*, coverage: bool):
    loaded = schemathesis.openapi.from_dict(RAW_SCHEMA)
    loaded.config.phases.coverage.enabled = coverage
    loaded.app = WSGIHandler()
    return loaded


schema = _schema(coverage=True)
fuzzing_only = _schema(coverage=False)


def _collection(path: str) -> str:
    """`/api/v1/people/{id}/record/` → `/api/v1/people/`: the list whose rows the id names."""
    return path.split("{", 1)[0]


@schema.hook
def flatmap_path_parameters(ctx, path_parameters):
    # Random integers only ever find 404s; the rows the user can list exercise the real code paths.
    if not isinstance(path_parameters, dict) or not isinstance(path_parameters.get("id"), int):
        return st.just(path_parameters)
    seen = _SEEN_IDS.get(_ACTIVE.get("persona", ""), {}).get(_collection(ctx.operation.path), [])
    if not seen:
        return st.just(path_parameters)
    return st.one_of(st.sampled_from(seen).map(lambda pk: {**path_parameters, "id": pk}), st.just(path_parameters))


def _list_ids(client: Client, token: str, path: str) -> list[int]:
    response = client.get(path, {"page_size": 20}, HTTP_AUTHORIZATION=f"Bearer {token}")
    if response.status_code != 200:
        return []
    body = response.json()
    rows = body.get("results", body) if isinstance(body, dict) else body
    return [row["id"] for row in rows if isinstance(row, dict) and isinstance(row.get("id"), int)][:20]


@pytest.fixture(scope="module")
def demo_world(django_db_setup, django_db_blocker):
    """The demo data for the whole module, in one transaction rolled back at the end."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
            client = Client()
            tokens = {}
            collections = {_collection(path) for path in RAW_SCHEMA["paths"] if "{id}" in path}
            for username in PERSONAS:
                token = str(AccessToken.for_user(User.objects.get(username=username)))
                tokens[username] = token
                _SEEN_IDS[username] = {path: _list_ids(client, token, path) for path in collections}
            yield tokens
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            _SEEN_IDS.clear()


def _signed_in(persona: str, demo_world, settings, tmp_path):
    """The persona's JWT; its requests go through the WSGI handler on the test's connection.

    Django's test client keeps `close_old_connections` from closing the connection at the end of
    each request (the test transaction lives on it); the plain WSGI handler needs the same.
    """
    settings.MEDIA_ROOT = tmp_path
    _ACTIVE["persona"] = persona
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield demo_world[persona]
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
    _ACTIVE.clear()


@pytest.fixture
def county_staff_token(demo_world, db, settings, tmp_path):
    yield from _signed_in("chengdong_staff", demo_world, settings, tmp_path)


@pytest.fixture
def province_admin_token(demo_world, db, settings, tmp_path):
    yield from _signed_in("province_admin", demo_world, settings, tmp_path)


BOUNDED = hypothesis_settings(max_examples=5, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


@schema.parametrize()
@BOUNDED
def test_api_operation_conforms_to_its_schema_for_county_staff(case, county_staff_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {county_staff_token}"}, checks=CHECKS)


@fuzzing_only.parametrize()
@BOUNDED
def test_api_operation_conforms_to_its_schema_for_the_province(case, province_admin_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {province_admin_token}"}, checks=CHECKS)


def test_every_operation_is_fuzzed():
    # A schema that failed to load or an operation filtered away by mistake would pass silently.
    operations = list(schema.get_all_operations())
    assert len(operations) > 150
    assert all(re.match(r"^/api/v1/", result.ok().path) for result in operations)
    assert schema.config.phases.coverage.enabled and not fuzzing_only.config.phases.coverage.enabled


@pytest.mark.parametrize("path", ["/api/v1/people/0.5/", "/api/v1/no-such-thing/", "/api/v1/bookings/1/nope/"])
def test_a_path_no_route_matches_answers_json_under_the_api(client, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response.json() == {"detail": error_pages.NOT_FOUND}


def test_a_path_no_route_matches_elsewhere_keeps_the_html_page(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


# Found by the fuzzing above, kept as plain regressions ------------------------------------


def test_an_offset_postgresql_does_not_know_is_still_an_instant(client, county_staff):
    client.force_login(county_staff)

    response = client.get("/api/v1/people/", {"updated_since": "2026-01-01T08:59:25-23:14"})

    assert response.status_code == 200


def test_a_search_term_with_a_nul_character_is_refused_under_its_name(client, county_staff):
    client.force_login(county_staff)

    response = client.get("/api/v1/training-sessions/", {"search": "培训\x00"})

    assert response.status_code == 400
    assert response.json() == {"search": [SEARCH_INVALID]}


def test_export_jobs_ignore_delta_sync_parameters_they_do_not_have(client, county_staff):
    client.force_login(county_staff)

    response = client.get("/api/v1/exports/", {"updated_since": "2026-01-01T00:00:00+08:00", "ordering": "x"})

    assert response.status_code == 200
