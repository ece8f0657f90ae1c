"""Registering a whole spreadsheet of people at once (批量导入), with person_register's rules set-wise.

The row-by-row import (resources.PersonResource → person_register) runs ≈ 85 rows/s; a
county's 100,000 people take 20 minutes. Here the same rules run over plain data:

- the file is read streaming (csv module, openpyxl read-only) in chunks; every cell is read
  by the same readers (import_cells) and checked by the same validators as person_register
  (ID number, gender and birth date against it, certificate number, region and employer in
  the actor's scope, identities); regions, employers and identities are looked up once per
  distinct value, the file's ID numbers by their keyed hash in one query per chunk;
- every bad row is reported with its number, column and Chinese message, and then nothing
  is written (all or nothing, like the admin's import);
- a registered ID number's row is skipped, never updated (as the row-by-row import does);
- otherwise, in one transaction: the people (encrypted number, keyed hash, masked number),
  their identities, the memberships joint enrollment gives them (eligibility.rule_failure
  on the same facts person_enroll gathers, source "批量导入") and one admin log entry per
  person (what the admin's row-by-row import writes) go in by COPY on PostgreSQL, chunk by
  chunk as the file is read (memory stays flat); a bad row further on rolls it all back.

A registration of the same number committed meanwhile trips the unique hash: the import
then fails as a whole with IMPORT_CONFLICT (409) and writes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from apps.core.audit import audit_record
from apps.core.crypto import keyed_hash
from apps.core.exceptions import ConflictError
from apps.core.models import AuditEvent
from apps.members import idnumbers
from apps.members.models import IdentityTag, Person
from apps.members.services import import_cells as cells
from apps.members.services.bulk_writes import ChunkWriter
from apps.members.services.people import (
    BIRTH_DATE_MISMATCH,
    CERTIFICATE_FORMAT,
    CERTIFICATE_MISMATCH,
    CERTIFICATE_REQUIRED,
)
from apps.organizations.models import HostUnit, Region
from apps.organizations.resources.base import COLUMN_REQUIRED, ID, ID_INVALID, REGION_NOT_FOUND, CellError, cell_text
from apps.organizations.scoping import scoped
from apps.organizations.services import credit_code_normalize
from apps.organizations.services.checks import NAME_REQUIRED, require_perm

FILE_TOO_LARGE = "文件过大（{size:.0f} MB），单次最多导入 {limit} MB；请拆分后分批导入。"
TOO_MANY_ROWS = "文件超过 {limit} 行，请拆分后分批导入。"
FORMAT_UNKNOWN = "只能导入 .xlsx 或 .csv 文件。"
FILE_UNREADABLE = "无法读取文件：{reason}"
HEADERS_MISSING = "文件缺少“{columns}”列（第一行应为列名）。"
EMPTY_FILE = "文件中没有人员。"
TOO_LONG = "“{column}”不能超过 {limit} 个字符（现为 {length} 个）。"
GENDER_MISMATCH = "性别与身份证号不符（身份证号显示为{gender}）。"
ID_NOT_FOUND = "找不到 ID 为 {pk} 的人员，或其不在您的管辖范围内。"
IMPORT_AUDIT = "批量导入人员 {created} 条、会员关系 {memberships} 条，跳过已登记 {skipped} 条（{rows} 行）"
IMPORT_CONFLICT = "导入期间，文件中的身份证号（第 {rows} 行等）已被他人登记；本次未写入任何人员，请重新导入。"

#: Memory stays bounded whatever the file (read as a stream).
MAX_FILE_BYTES = settings.PEOPLE_BULK_IMPORT_MAX_MB * 2**20
# The import runs inside the request: 100,000 rows take about 12 s (csv) to 35 s (xlsx) on two
# cores, within gunicorn's 120 s timeout (Dockerfile, docker-compose.yml); larger files are split.
MAX_ROWS = 100_000
#: Rows read, checked and looked up together (one hash query per chunk).
CHUNK = 5_000
_REQUIRED_COLUMNS = (cells.NAME, cells.ID_NUMBER, cells.REGION_CODE)
_NAME_LENGTH = Person._meta.get_field("name").max_length
_PHONE_LENGTH = Person._meta.get_field("phone").max_length


@dataclass
class BadRow:
    number: int
    errors: dict[str, str]
    name: str = ""
    id_number_masked: str = ""


@dataclass
class BulkImportResult:
    bad_rows: list[BadRow] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    rows: int = 0
    created: int = 0
    skipped: int = 0
    memberships: int = 0

    @property
    def ok(self) -> bool:
        return not self.bad_rows and not self.file_errors


@dataclass(slots=True)
class _Row:
    number: int
    name: str
    id_number: str
    gender: str
    birth_date: dt.date
    ethnicity: str
    phone: str
    region: Region
    employer: HostUnit | None
    tag_ids: tuple[int, ...]
    disability_class: str
    id_number_hash: str

    @property
    def masked(self) -> str:
        return idnumbers.mask(self.id_number)


# Reading ------------------------------------------------------------------------------------


def read_table(file: IO[bytes], file_format: str) -> Iterator[list[Any]]:
    """The file's rows as lists of cell values, the header row first, streaming."""
    if file_format == "csv":
        text = io.TextIOWrapper(file, encoding="utf-8-sig", newline="")
        try:
            yield from csv.reader(text)
        finally:
            if not file.closed:
                text.detach()  # the caller's file stays open
    elif file_format == "xlsx":
        import openpyxl

        workbook = openpyxl.load_workbook(file, read_only=True, data_only=True)
        try:
            yield from (list(row) for row in workbook.active.iter_rows(values_only=True))
        finally:
            workbook.close()
    else:
        raise ValidationError(FORMAT_UNKNOWN)


def file_format_of(name: str) -> str:
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in ("csv", "xlsx"):
        raise ValidationError(FORMAT_UNKNOWN)
    return suffix


# Checking -----------------------------------------------------------------------------------


class _Lookups:
    """Regions, employers and identities the file names, each read once, within the actor's scope."""

    def __init__(self, actor):
        self.actor = actor
        self.regions: dict[str, Region | None] = {}
        self.employers_by_code: dict[str, HostUnit | None] = {}
        self.employers_by_name: dict[str, list[HostUnit]] = {}
        self.tags = {tag.name: tag for tag in IdentityTag.objects.all()}
        self.existing_ids: dict[int, bool] = {}

    def load(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        codes, credit_codes, names, ids = set(), set(), set(), set()
        for _, row in rows:
            code = cell_text(row.get(cells.REGION_CODE))
            if code and code not in self.regions:
                codes.add(code)
            credit = credit_code_normalize(cell_text(row.get(cells.EMPLOYER_CREDIT_CODE)))
            if credit and credit not in self.employers_by_code:
                credit_codes.add(credit)
            name = cell_text(row.get(cells.EMPLOYER))
            if name and name not in self.employers_by_name:
                names.add(name)
            raw_id = cell_text(row.get(ID))
            if raw_id.isdigit() and int(raw_id) not in self.existing_ids:
                ids.add(int(raw_id))
        if codes:
            # A 12-digit code ending in 000000 names the 6-digit county (as region_by_code reads it).
            wanted = codes | {code[:6] for code in codes if len(code) == 12 and code.endswith("000000")}
            found = dict(scoped(Region.objects.filter(code__in=wanted), self.actor).values_list("code", "pk"))
            by_pk = Region.objects.in_bulk(list(found.values()))
            for code in codes:
                pk = found.get(code) or (found.get(code[:6]) if len(code) == 12 and code.endswith("000000") else None)
                self.regions[code] = by_pk.get(pk)
        host_units = scoped(HostUnit.objects.all(), self.actor)
        if credit_codes:
            found_units = {unit.credit_code: unit for unit in host_units.filter(credit_code__in=credit_codes)}
            self.employers_by_code.update({code: found_units.get(code) for code in credit_codes})
        if names:
            by_name: dict[str, list[HostUnit]] = {name: [] for name in names}
            for unit in host_units.filter(name__in=names):
                by_name[unit.name].append(unit)
            self.employers_by_name.update(by_name)
        if ids:
            present = set(scoped(Person.objects.filter(pk__in=ids), self.actor).values_list("pk", flat=True))
            self.existing_ids.update({pk: pk in present for pk in ids})


def _employer(lookups: _Lookups, row: dict[str, Any], errors: dict[str, str]) -> HostUnit | None:
    credit = credit_code_normalize(cell_text(row.get(cells.EMPLOYER_CREDIT_CODE)))
    if credit:
        employer = lookups.employers_by_code.get(credit)
        if employer is None:
            errors[cells.EMPLOYER_CREDIT_CODE] = cells.EMPLOYER_NOT_FOUND.format(value=credit)
        return employer
    name = cell_text(row.get(cells.EMPLOYER))
    if not name:
        return None
    candidates = lookups.employers_by_name.get(name, [])
    if not candidates:
        errors[cells.EMPLOYER] = cells.EMPLOYER_NOT_FOUND.format(value=name)
    elif len(candidates) > 1:
        errors[cells.EMPLOYER] = cells.EMPLOYER_AMBIGUOUS.format(name=name)
    return candidates[0] if len(candidates) == 1 else None


def _tags(lookups: _Lookups, value: Any) -> list[IdentityTag]:
    tags = []
    for name in cells.TAG_SEPARATORS.split(cell_text(value)):
        if not name:
            continue
        if name not in lookups.tags:
            raise CellError(cells.IDENTITY_TAG_NOT_FOUND.format(name=name, choices="、".join(lookups.tags)))
        tags.append(lookups.tags[name])
    return tags


def _read(errors: dict[str, str], column: str, reader, *args) -> Any:
    try:
        return reader(*args)
    except CellError as exc:
        errors[column] = str(exc)
        return None


def _check_length(errors: dict[str, str], column: str, value: str, limit: int) -> None:
    if len(value) > limit and column not in errors:
        errors[column] = TOO_LONG.format(column=column, limit=limit, length=len(value))


def _check_row(number: int, row: dict[str, Any], lookups: _Lookups, today: dt.date) -> tuple[_Row | None, dict]:
    """One row as person_register would take it, or the errors by column (all of them)."""
    errors: dict[str, str] = {}
    raw_id = cell_text(row.get(ID))
    if raw_id:
        # A line naming a registered person by ID is skipped, as in the row-by-row import.
        if not raw_id.isdigit():
            errors[ID] = ID_INVALID
        elif not lookups.existing_ids.get(int(raw_id)):
            errors[ID] = ID_NOT_FOUND.format(pk=raw_id)
        return None, errors
    name = cell_text(row.get(cells.NAME))
    if not name:
        errors[cells.NAME] = NAME_REQUIRED
    _check_length(errors, cells.NAME, name, _NAME_LENGTH)
    number_ = _read(errors, cells.ID_NUMBER, cells.read_id_number, row.get(cells.ID_NUMBER), today)
    gender = _read(errors, cells.GENDER, cells.read_gender, row.get(cells.GENDER))
    birth_date = _read(errors, cells.BIRTH_DATE, cells.read_birth_date, row.get(cells.BIRTH_DATE))
    ethnicity = _read(errors, cells.ETHNICITY, cells.read_ethnicity, row.get(cells.ETHNICITY))
    phone = cell_text(row.get(cells.PHONE))
    _check_length(errors, cells.PHONE, phone, _PHONE_LENGTH)
    code = cell_text(row.get(cells.REGION_CODE))
    region = lookups.regions.get(code) if code else None
    if not code:
        errors[cells.REGION_CODE] = COLUMN_REQUIRED.format(column=cells.REGION_CODE)
    elif region is None:
        errors[cells.REGION_CODE] = REGION_NOT_FOUND.format(code=code)
    tags = _read(errors, cells.IDENTITY_TAGS, _tags, lookups, row.get(cells.IDENTITY_TAGS)) or []
    employer = _employer(lookups, row, errors)
    disability_class = ""
    if number_ is not None:
        if gender and gender != number_.gender:
            errors[cells.GENDER] = GENDER_MISMATCH.format(gender="男" if number_.gender == "male" else "女")
        if birth_date and birth_date != number_.birth_date:
            errors[cells.BIRTH_DATE] = BIRTH_DATE_MISMATCH.format(date=number_.birth_date.isoformat())
        certificate = idnumbers.normalize(cell_text(row.get(cells.CERTIFICATE)))
        if certificate and (
            len(certificate) != 20 or certificate[18] not in "1234567" or certificate[19] not in "1234"
        ):
            errors[cells.CERTIFICATE] = CERTIFICATE_FORMAT
        elif certificate and certificate[:18] != number_.value:
            errors[cells.CERTIFICATE] = CERTIFICATE_MISMATCH
        else:
            disability_class = certificate[18:]
        if any(tag.code == IdentityTag.DISABLED for tag in tags) and not disability_class:
            errors.setdefault(cells.CERTIFICATE, CERTIFICATE_REQUIRED)
    if errors or number_ is None:
        return None, errors
    return (
        _Row(
            number=number,
            name=name,
            id_number=number_.value,
            gender=number_.gender,
            birth_date=number_.birth_date,
            ethnicity=ethnicity,
            phone=phone,
            region=region,
            employer=employer,
            tag_ids=tuple(dict.fromkeys(tag.pk for tag in tags)),
            disability_class=disability_class,
            id_number_hash=keyed_hash(number_.value),
        ),
        {},
    )


def _bad_row(number: int, row: dict[str, Any], errors: dict[str, str]) -> BadRow:
    # Shown back to the user: never the plaintext number.
    text = idnumbers.normalize(cell_text(row.get(cells.ID_NUMBER)))
    return BadRow(number, errors, cell_text(row.get(cells.NAME)), idnumbers.mask(text) if text else "")


def _chunks(table: Iterator[list[Any]], headers: list[str]) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    chunk: list[tuple[int, dict[str, Any]]] = []
    number = 0
    for values in table:
        if not any(cell_text(value) for value in values):
            continue  # blank lines (spreadsheets keep formatted empty rows)
        number += 1
        if number > MAX_ROWS:
            raise ValidationError(TOO_MANY_ROWS.format(limit=MAX_ROWS))
        chunk.append((number, dict(zip(headers, values, strict=False))))
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _checked_chunks(actor, table: Iterator[list[Any]], result: BulkImportResult, today: dt.date):
    """The file's new people, chunk by chunk; bad rows go into `result` (the caller stops writing)."""
    try:
        headers = [cell_text(value) for value in next(table)]
    except StopIteration:
        result.file_errors.append(EMPTY_FILE)
        return
    missing = [column for column in _REQUIRED_COLUMNS if column not in headers]
    if missing:
        result.file_errors.append(HEADERS_MISSING.format(columns="”“".join(missing)))
        return
    lookups = _Lookups(actor)
    first_row: dict[str, int] = {}  # keyed hash → the row it first appears on
    for chunk in _chunks(table, headers):
        result.rows += len(chunk)
        lookups.load(chunk)
        checked = []
        for number, row in chunk:
            person, errors = _check_row(number, row, lookups, today)
            if person is not None:
                first = first_row.setdefault(person.id_number_hash, number)
                if first != number:
                    errors[cells.ID_NUMBER] = cells.ID_NUMBER_REPEATED.format(row=first)
            elif not errors:
                result.skipped += 1  # a registered person named by ID
            if errors:
                result.bad_rows.append(_bad_row(number, row, errors))
            elif person is not None:
                checked.append(person)
        # Registered numbers (anywhere, as person_register refuses them all) are skipped.
        registered = _registered([person.id_number_hash for person in checked])
        result.skipped += len(registered)
        yield [person for person in checked if person.id_number_hash not in registered]
    if result.rows == 0:
        result.file_errors.append(EMPTY_FILE)


def _registered(hashes: list[str]) -> set[str]:
    """Which of these keyed hashes are registered: one query (an array, not thousands of parameters)."""
    if connection.vendor != "postgresql":
        return set(Person.objects.filter(id_number_hash__in=hashes).values_list("id_number_hash", flat=True))
    with connection.cursor() as cursor:
        # The table is the model's own name; the hashes are a parameter.
        query = f"SELECT id_number_hash FROM {Person._meta.db_table} WHERE id_number_hash = ANY(%s)"  # nosec B608
        cursor.execute(query, [hashes])
        return {row[0] for row in cursor.fetchall()}


def people_bulk_import(
    *, actor, file: IO[bytes], file_format: str, size: int | None = None, today: dt.date | None = None
) -> BulkImportResult:
    """Register every person of an xlsx/csv file, or none: see the module docstring.

    Returns the result; `result.ok` is False when the file or some rows are bad (nothing
    written). Raises ValidationError for an oversize or unreadable file, ConflictError (409)
    when a number of the file is registered concurrently.
    """
    require_perm(actor, "members.add_person")
    if size is not None and size > MAX_FILE_BYTES:
        raise ValidationError(FILE_TOO_LARGE.format(size=size / 2**20, limit=MAX_FILE_BYTES // 2**20))
    if file_format not in ("csv", "xlsx"):
        raise ValidationError(FORMAT_UNKNOWN)
    today = today or timezone.localdate()
    result = BulkImportResult()
    written: dict[str, int] = {}
    try:
        with transaction.atomic():
            _write_file(actor, read_table(file, file_format), today, result, written)
            if result.created:
                # COPY bypasses the model signals django-auditlog listens to: the import leaves one
                # line naming what it wrote, in the same transaction (and the admin log has a row a person).
                audit_record(
                    actor=actor,
                    action=AuditEvent.Action.BULK_IMPORT,
                    model=Person._meta.label_lower,
                    detail=IMPORT_AUDIT.format(
                        created=result.created, memberships=result.memberships, skipped=result.skipped, rows=result.rows
                    ),
                )
    except (UnicodeDecodeError, csv.Error, OSError, KeyError, zipfile.BadZipFile) as exc:
        raise ValidationError(FILE_UNREADABLE.format(reason=exc)) from exc
    except IntegrityError as exc:
        # Registered by someone else after its chunk was checked: the unique hash refused it.
        taken = _registered(list(written))
        rows = sorted(number for digest, number in written.items() if digest in taken)[:5]
        raise ConflictError(IMPORT_CONFLICT.format(rows="、".join(map(str, rows)) or "?")) from exc
    return result


def _write_file(actor, table, today: dt.date, result: BulkImportResult, written: dict[str, int]) -> None:
    """Check and write chunk by chunk, inside the caller's transaction; roll back if any row is bad.

    Writing as the file is read keeps memory flat whatever its size; a bad file (the
    exception) costs the writes that are then rolled back.
    """
    chunks = ChunkWriter(actor, today, result)
    for people in _checked_chunks(actor, table, result, today):
        if result.ok and people:  # after a bad row, only the checking goes on
            written.update((person.id_number_hash, person.number) for person in people)
            chunks.write(people)
    if not result.ok:
        # Every bad row is reported; what the good rows before them wrote is rolled back.
        transaction.set_rollback(True)
        result.created = result.memberships = result.skipped = 0
