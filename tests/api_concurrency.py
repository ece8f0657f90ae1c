"""Parallel API requests for the concurrency tests (PostgreSQL): each in its own thread and connection."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection
from rest_framework.test import APIClient


def all_at_once(user, requests: list[Callable[[APIClient], object]]) -> list:
    """Run the requests in parallel threads, each with its own connection, released together."""
    barrier = threading.Barrier(len(requests))
    answers: list[object] = [None] * len(requests)

    def run(index: int) -> None:
        try:
            client = APIClient()
            client.force_authenticate(user)
            barrier.wait()
            response = requests[index](client)
            answers[index] = (response.status_code, response.json())
        except Exception as exc:  # noqa: BLE001 - reported by the assertions
            answers[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert all(isinstance(answer, tuple) for answer in answers), answers
    return answers
