"""PostgreSQL COPY from Python: rows are formatted as COPY text and streamed, never held whole.

`copy_rows` takes tuples of Python values; `copy_lines` takes lines already formatted (the
person rows, built in worker processes). Both feed psycopg2's `copy_expert` through a
file-like object whose `read()` hands over a few thousand lines at a time.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

from django.db import models

# COPY's text format: tab between columns, \N for NULL, a backslash escapes the rest.
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
BATCH_LINES = 5000


def cell(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} in COPY data")
        return value.isoformat(sep=" ")
    if isinstance(value, int | float | Decimal | dt.date | dt.time | uuid.UUID):
        return str(value)
    raise TypeError(f"cannot COPY {type(value).__name__}")


def line(values: Sequence) -> str:
    return "\t".join(map(cell, values)) + "\n"


class _LineStream:
    """What `copy_expert` reads: batches of lines, counted as they pass."""

    def __init__(self, lines: Iterable[str]):
        self._lines = iter(lines)
        self.count = 0

    def read(self, size: int = -1) -> str:
        batch = []
        for text in self._lines:
            batch.append(text)
            if len(batch) == BATCH_LINES:
                break
        text = "".join(batch)
        self.count += text.count("\n")  # a batch may be one preformatted block of many rows
        return text

    def readline(self, size: int = -1) -> str:  # psycopg2 checks for it; COPY FROM only reads()
        return self.read(size)


def table_columns(model: type[models.Model], fields: Sequence[str]) -> tuple[str, list[str]]:
    meta = model._meta
    return meta.db_table, [meta.get_field(name).column for name in fields]


def copy_lines(cursor, model: type[models.Model], fields: Sequence[str], lines: Iterable[str]) -> int:
    """COPY formatted lines (each ending in a newline) into the model's table; returns the row count."""
    table, columns = table_columns(model, fields)
    quoted = ", ".join(f'"{column}"' for column in columns)
    stream = _LineStream(lines)
    cursor.copy_expert(f'COPY "{table}" ({quoted}) FROM STDIN', stream)
    return stream.count


def copy_rows(cursor, model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence]) -> int:
    return copy_lines(cursor, model, fields, (line(row) for row in rows))


class Timestamps:
    """COPY text of aware datetimes in the project's zone (UTC+8, no daylight saving in China)."""

    OFFSET = "+08"

    @classmethod
    def at(cls, day: dt.date, hour: int = 0, minute: int = 0, second: int = 0) -> str:
        return f"{day.isoformat()} {hour:02d}:{minute:02d}:{second:02d}{cls.OFFSET}"

    @classmethod
    def of(cls, moment: dt.datetime) -> str:
        return f"{moment:%Y-%m-%d %H:%M:%S}{cls.OFFSET}"


def local(day: dt.date, hour: int = 0, minute: int = 0) -> dt.datetime:
    """An aware datetime in Qinghai's zone (Asia/Shanghai is UTC+8 all year)."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHINA)


CHINA = dt.timezone(dt.timedelta(hours=8))


def iter_chunks(total: int, size: int) -> Iterator[tuple[int, int]]:
    """(first, last) 1-based id ranges of `size` covering 1..total."""
    for start in range(1, total + 1, size):
        yield start, min(total, start + size - 1)
