"""PostgreSQL COPY from Python: rows are formatted as COPY text and streamed, never held whole.

`copy_rows` takes tuples of Python values; `copy_lines` takes lines already formatted (the
person rows, built in worker processes). Both feed psycopg2's `copy_expert` through a
file-like object whose `read()` hands over a few thousand lines at a time.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.db import models

# COPY's text format: tab between columns, \N for NULL, a backslash escapes the rest.
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
BATCH_LINES = 5000


def _datetime(value: dt.datetime) -> str:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r} in COPY data")
    return value.isoformat(sep=" ")


# By exact type (a bool is not written as an int): called some ten million times at 1M people.
_FORMATS = {
    type(None): lambda value: "\\N",
    bool: lambda value: "t" if value else "f",
    str: lambda value: value.translate(_ESCAPES),
    int: str,
    float: repr,
    Decimal: str,
    dt.date: dt.date.isoformat,
    dt.datetime: _datetime,
    dt.time: dt.time.isoformat,
    uuid.UUID: str,
}


def cell(value) -> str:
    kind = type(value)
    if kind not in _FORMATS:  # a subclass (a TextChoices member is a str): format as its base
        base = next((base for base in kind.__mro__ if base in _FORMATS), None)
        if base is None:
            raise TypeError(f"cannot COPY {kind.__name__}")
        _FORMATS[kind] = _FORMATS[base]
    return _FORMATS[kind](value)


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


CHINA = dt.timezone(dt.timedelta(hours=8))  # Asia/Shanghai: UTC+8 all year, no daylight saving


def local(day: dt.date, hour: int = 0, minute: int = 0) -> dt.datetime:
    """An aware datetime in Qinghai's zone."""
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHINA)
