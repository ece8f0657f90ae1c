"""Cells written to a spreadsheet a person will open: never read by Excel as a formula.

A value that starts with = + - @ (or a tab or carriage return, which some spreadsheets skip
before looking) would run as a formula — `=HYPERLINK(...)` in a unit's name sends the reader's
data elsewhere (CSV injection, OWASP). Such a value is written with a leading apostrophe, which
spreadsheets show as text. Plain numbers ("-12.50") are left alone: they are not formulas and
amounts must import back unchanged.
"""

from __future__ import annotations

import re

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def neutralize(value):
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) and not _NUMBER.match(value):
        return "'" + value
    return value
