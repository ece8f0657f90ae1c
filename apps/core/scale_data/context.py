"""What the steps share: the seed, the database cursor, the day the data describe, what earlier steps made."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import models

from apps.core.scale_data.copy import copy_lines, copy_rows, local

if TYPE_CHECKING:
    from apps.core.scale_data.divisions import Divisions
    from apps.core.scale_data.organizations import Tree
    from apps.core.scale_data.people import People

# The data describe the province as of this day (a Friday): everything before it happened,
# bookings and shifts after it are planned. Fixed, so the same seed gives the same rows
# whenever it runs; most dates fall in 2025–2026.
AS_OF = dt.date(2026, 11, 27)
HISTORY_START = dt.date(2025, 1, 1)


@dataclass
class Context:
    cursor: object
    seed: int
    persons: int
    workers: int
    as_of: dt.date = AS_OF
    counts: Counter = field(default_factory=Counter)
    divisions: Divisions | None = None
    tree: Tree | None = None
    people: People | None = None
    shared: dict = field(default_factory=dict)

    def rng(self, step: str) -> random.Random:
        """A generator of its own for each step, so steps can change without shifting the others."""
        # Reproducible synthetic data, not a secret.
        return random.Random(f"{self.seed}:{step}")  # nosec B311

    def recorded(self, moment: dt.datetime) -> dt.datetime:
        """When a row was written: never after the data's day (a booking made for next month was made by now)."""
        return min(moment, local(self.as_of, 18))

    def scaled(self, per_person: float, minimum: int = 1) -> int:
        return max(minimum, round(self.persons * per_person))

    def copy(self, model: type[models.Model], fields, rows) -> int:
        count = copy_rows(self.cursor, model, fields, rows)
        self.counts[model._meta.db_table] += count
        return count

    def copy_lines(self, model: type[models.Model], fields, lines) -> int:
        count = copy_lines(self.cursor, model, fields, lines)
        self.counts[model._meta.db_table] += count
        return count
