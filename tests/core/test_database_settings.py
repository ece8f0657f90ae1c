"""How the platform's connections to PostgreSQL are set up."""

from __future__ import annotations

import pytest
from django.db import connection


@pytest.mark.django_db
def test_postgresql_runs_the_platforms_statements_without_jit():
    # The province's reports are estimated above jit_above_cost, and compiling them cost more than
    # running them (qunzhi/settings.py).
    if connection.vendor != "postgresql":
        pytest.skip("JIT is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
