"""Rows to a file, one at a time: memory stays flat whatever the number of rows."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

# A cell a spreadsheet would read as a formula (CSV injection) is shown as text instead.
from apps.core.spreadsheets import neutralize


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence]) -> int:
    count = 0
    # utf-8-sig: Excel opens Chinese CSV correctly only with the byte-order mark.
    with open(path, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow([neutralize(value) for value in row])
            count += 1
    return count


def write_xlsx(path: Path, header: Sequence[str], rows: Iterable[Sequence]) -> int:
    from openpyxl import Workbook

    # write_only streams rows to a temporary file instead of keeping every cell in memory.
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("导出")
    sheet.append(list(header))
    count = 0
    for row in rows:
        sheet.append([neutralize(value) for value in row])
        count += 1
    workbook.save(path)
    return count


WRITERS = {"csv": write_csv, "xlsx": write_xlsx}
