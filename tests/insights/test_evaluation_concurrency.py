"""Evaluation writes that race (PostgreSQL only): manual scores given at the same moment for every county
all count, totals and ranks agreeing with the scores afterwards (the scheme's row lock); a scheme
published twice at once is published once."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from apps.core.exceptions import ConflictError
from apps.insights import services
from apps.insights.models import Evaluation, EvaluationSubject, IndicatorMethod, Score
from tests.factories import region

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="只有 PostgreSQL 有真正的并发写入和行锁（SQLite 串行写入）。"
    ),
    pytest.mark.django_db(transaction=True),
]


def _at_once(calls) -> list:
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index):
        try:
            barrier.wait()
            outcomes[index] = calls[index]()
        except Exception as exc:  # noqa: BLE001 - reported by the assertions
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def _draft(admin):
    scheme = services.scheme_create(
        actor=admin, year=2026, name="满意度测评", region=region("630100"), subject=EvaluationSubject.REGION
    )
    for name in ("群众满意度", "工作创新"):
        services.indicator_add(
            actor=admin,
            scheme=scheme,
            common="organizations",
            name=name,
            weight=Decimal(50),
            method=IndicatorMethod.MANUAL,
        )
    return scheme


def test_scores_given_at_the_same_moment_all_count(qinghai, province_admin):
    scheme = services.scheme_publish(actor=province_admin, scheme=_draft(province_admin))
    scores = list(Score.objects.filter(evaluation__scheme=scheme, indicator__name="群众满意度").order_by("pk"))
    calls = [
        (
            lambda score=score, points=10 + index: services.score_manual(
                actor=province_admin, score=score, points=points, evidence="测评报告"
            )
        )
        for index, score in enumerate(scores)
    ]
    outcomes = _at_once(calls)
    assert all(isinstance(outcome, Score) for outcome in outcomes), outcomes
    rows = list(Evaluation.objects.filter(scheme=scheme).order_by("total"))
    # Each total is its own score: no writer put back a total read before another's score.
    for row in rows:
        assert row.total == Score.objects.get(evaluation=row, indicator__name="群众满意度").points
        assert row.manual_pending == 1
    assert [row.rank for row in rows] == list(range(len(rows), 0, -1))


def test_a_scheme_published_twice_at_once_is_published_once(qinghai, province_admin):
    scheme = _draft(province_admin)
    outcomes = _at_once([lambda: services.scheme_publish(actor=province_admin, scheme=scheme)] * 2)
    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["ConflictError", "EvaluationScheme"]
    assert any(isinstance(outcome, ConflictError) for outcome in outcomes)
    assert Evaluation.objects.filter(scheme=scheme).count() == 7
