"""Writing a checked file of people (the bulk import's second half): joint enrollment worked
out on plain data, and COPY into the people, identity, membership and admin-log tables."""

from __future__ import annotations

import bisect
import datetime as dt
import io
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from apps.core.crypto import _fernet
from apps.core.phones import mask_phone
from apps.members.eligibility import PersonFacts, rule_failure
from apps.members.models import Membership, MembershipSource, MembershipStatus, Person
from apps.members.services.enrollment import _ancestor_paths, _rules_by_federation
from apps.organizations.models import Federation, Organization, Region

if TYPE_CHECKING:
    from apps.members.services.bulk_import import BulkImportResult, _Row

LOG_MESSAGE = "批量导入"


# Enrollment ---------------------------------------------------------------------------------


class Enrollment:
    """person_enroll for people who have just been registered (no membership, no post yet).

    The same facts, the same rules in the same order, the same units; the answer depends only
    on those facts, so it is worked out once per distinct set of facts.
    """

    def __init__(self, today: dt.date):
        self.today = today
        self.federations = list(Federation.objects.all())
        self.rules = _rules_by_federation()
        self.employer_units: dict[int | None, dict] = {None: {}}
        self.residence_units: dict[int, dict] = {}
        self.answers: dict[tuple, list[tuple[int, int, str]]] = {}
        # Ages matter only as the side of each rule's limits they fall on: people between the
        # same two limits get the same answer, so the answer is keyed by that band, not the age.
        limits = {age for rules in self.rules.values() for rule in rules for age in (rule.min_age, rule.max_age)}
        self.age_limits = sorted(limits - {None})

    def load_units(self, people: list[_Row]) -> None:
        """The units person_enroll would find, for every employer and residence at once (two queries).

        As enrollment's _employer_units: each federation's first unit (by path) inside the
        employer. As _residence_units: each federation's unit nearest the residence, walking up
        the region's ancestors, the first by path on one level.
        """
        employer_ids = {person.employer.pk for person in people if person.employer is not None}
        employer_ids -= set(self.employer_units)
        if employer_ids:
            self.employer_units.update({pk: {} for pk in employer_ids})
            units = Organization.objects.filter(host_unit_id__in=employer_ids).order_by("path")
            for pk, host_unit_id, federation_id in units.values_list("pk", "host_unit_id", "federation_id"):
                self.employer_units[host_unit_id].setdefault(federation_id, pk)
        regions = {person.region.pk: person.region for person in people if person.region.pk not in self.residence_units}
        if not regions:
            return
        ancestors = {pk: _ancestor_paths(region.path, Region.steplen) for pk, region in regions.items()}
        at_path: dict[str, list[tuple[int, int]]] = {}
        units = Organization.objects.filter(
            region__path__in={path for paths in ancestors.values() for path in paths}, host_unit__isnull=True
        ).order_by("path")
        for pk, federation_id, region_path in units.values_list("pk", "federation_id", "region__path"):
            at_path.setdefault(region_path, []).append((federation_id, pk))
        for region_pk, paths in ancestors.items():
            nearest: dict[int, int] = {}
            for path in reversed(paths):  # the residence first, then each level up
                for federation_id, pk in at_path.get(path, ()):
                    nearest.setdefault(federation_id, pk)
            self.residence_units[region_pk] = nearest

    def memberships(self, person: _Row) -> list[tuple[int, int, str]]:
        """(organization id, federation id, note) of every membership the person gets."""
        today, birth = self.today, person.birth_date
        age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
        employer_id = person.employer.pk if person.employer else None
        band = bisect.bisect_right(self.age_limits, age)
        key = (band, person.gender, person.tag_ids, person.region.pk, bool(person.disability_class), employer_id)
        if key in self.answers:
            return self.answers[key]
        employer_units = self.employer_units[employer_id]
        residence_units = self.residence_units[person.region.pk]
        facts = PersonFacts(
            age=age,
            gender=person.gender,
            tag_ids=frozenset(person.tag_ids),
            region_path=person.region.path,
            has_disability_certificate=bool(person.disability_class),
            employer_branch_federation_ids=frozenset(employer_units),
            post_federation_ids=frozenset(),
        )
        answer = []
        for federation in self.federations:
            matched = next(
                (rule for rule in self.rules.get(federation.pk, []) if rule_failure(rule, facts) is None), None
            )
            if matched is None:
                continue
            unit = employer_units.get(federation.pk)
            if unit is None and not matched.requires_employer_branch:
                unit = residence_units.get(federation.pk)
            if unit is not None:
                answer.append((unit, federation.pk, f"规则：{matched.name}"))
        self.answers[key] = answer
        return answer


# Writing ------------------------------------------------------------------------------------


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}
_COPY_ESCAPED = re.compile(r"\\(.)")


def copy_text(value: str) -> str:
    """Free text (a name, a phone number) as a COPY field; the other fields cannot hold these characters."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_COPY_ESCAPES)
    return value


class _Lines(io.TextIOBase):
    """The lines a generator yields, read by COPY as they are made: the server inserts the first
    rows while Python still encrypts and formats the next ones."""

    def __init__(self, lines: Iterable[str]):
        self._lines = iter(lines)

    def read(self, size: int = -1) -> str:
        parts, length = [], 0
        for line in self._lines:
            parts.append(line)
            length += len(line)
            if 0 < size <= length:
                break
        return "".join(parts)


def _insert(model, columns: tuple[str, ...], lines: Iterable[str]) -> None:
    """Lines in COPY's text format into the model's table: COPY on PostgreSQL, INSERT elsewhere."""
    table = model._meta.db_table
    if connection.vendor != "postgresql":
        _insert_rows(table, columns, list(lines))
        return
    with connection.cursor() as cursor, connection.wrap_database_errors:  # psycopg2's errors as Django's
        cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", _Lines(lines), 1 << 16)


def _insert_rows(table: str, columns: tuple[str, ...], lines: list[str]) -> None:
    names, marks = ", ".join(columns), ", ".join(["%s"] * len(columns))
    # Table and columns are the model's own names; the values are parameters.
    query = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # nosec B608
    with connection.cursor() as cursor:
        cursor.executemany(query, [_copy_values(line) for line in lines])


def _copy_values(line: str) -> list[str | None]:
    def value(field: str) -> str | None:
        if field == "\\N":
            return None
        return _COPY_ESCAPED.sub(lambda match: _COPY_UNESCAPES[match.group(1)], field)

    return [value(field) for field in line.rstrip("\n").split("\t")]


def _reserve_ids(model, count: int) -> list[int]:
    """Ids from the table's own sequence, so the memberships can point at people not yet written."""
    if connection.vendor != "postgresql":
        # SQLite: the import holds the only write lock (transaction_mode=IMMEDIATE).
        start = (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        return list(range(start, start + count))
    with connection.cursor() as cursor:
        # The sequence named once: pg_get_serial_sequence() per row would cost more than the ids.
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT array_agg(nextval(%s::regclass)) FROM generate_series(1, %s)", [sequence, count])
        return cursor.fetchone()[0]


_PERSON_COLUMNS = (
    "id",
    "name",
    "id_number",
    "id_number_hash",
    "id_number_masked",
    "gender",
    "birth_date",
    "ethnicity",
    "phone",
    "phone_masked",
    "region_id",
    "employer_id",
    "disability_class",
    "created_at",
    "updated_at",
)
_MEMBERSHIP_COLUMNS = (
    "person_id",
    "organization_id",
    "federation_id",
    "status",
    "joined_on",
    "ended_on",
    "source",
    "note",
    "transferred_from_id",
    "created_at",
    "updated_at",
)
_LOG_COLUMNS = (
    "action_time",
    "user_id",
    "content_type_id",
    "object_id",
    "object_repr",
    "action_flag",
    "change_message",
)


class ChunkWriter:
    """Turns each chunk of checked people into COPY jobs: people, identities, memberships, log."""

    def __init__(self, actor, today: dt.date, result: BulkImportResult):
        self.today, self.result = today, result
        self.now = timezone.now().isoformat()
        self.fernet = _fernet()
        self.enrollment = Enrollment(today)
        # Everything after the person's id is the same for everyone who gets the same membership.
        self.membership_tails: dict[tuple[int, int, str], str] = {}
        self.log_head = self.log_tail = None
        if actor is not None and actor.pk is not None:
            # What the admin's row-by-row import logs: an addition per person, shown masked.
            self.log_head = f"{self.now}\t{actor.pk}\t{ContentType.objects.get_for_model(Person).pk}\t"
            self.log_tail = f"\t{ADDITION}\t{LOG_MESSAGE}\n"

    def write(self, people: list[_Row]) -> None:
        ids = _reserve_ids(Person, len(people))
        self.enrollment.load_units(people)
        now, fernet = self.now, self.fernet

        def person_lines():
            for pk, person in zip(ids, people, strict=True):
                cipher = fernet.encrypt(person.id_number.encode()).decode()
                # Only a given phone costs an encryption; an empty one stays empty, as the model stores it.
                phone = fernet.encrypt(person.phone.encode()).decode() if person.phone else ""
                employer = person.employer.pk if person.employer is not None else "\\N"
                yield (
                    f"{pk}\t{copy_text(person.name)}\t{cipher}\t{person.id_number_hash}\t{person.masked}\t"
                    f"{person.gender}\t{person.birth_date.isoformat()}\t{person.ethnicity}\t{phone}\t"
                    f"{copy_text(mask_phone(person.phone))}\t"
                    f"{person.region.pk}\t{employer}\t{person.disability_class}\t{now}\t{now}\n"
                )

        def membership_lines():
            for pk, person in zip(ids, people, strict=True):
                for membership in self.enrollment.memberships(person):
                    self.result.memberships += 1
                    yield f"{pk}{self._membership_tail(membership)}"

        _insert(Person, _PERSON_COLUMNS, person_lines())
        _insert(
            Person.identity_tags.through,
            ("person_id", "identitytag_id"),
            (f"{pk}\t{tag_id}\n" for pk, person in zip(ids, people, strict=True) for tag_id in person.tag_ids),
        )
        _insert(Membership, _MEMBERSHIP_COLUMNS, membership_lines())
        if self.log_head is not None:
            _insert(
                LogEntry,
                _LOG_COLUMNS,
                (
                    f"{self.log_head}{pk}\t{copy_text(person.name)}（{person.masked}）{self.log_tail}"
                    for pk, person in zip(ids, people, strict=True)
                ),
            )
        self.result.created += len(people)

    def _membership_tail(self, membership: tuple[int, int, str]) -> str:
        tail = self.membership_tails.get(membership)
        if tail is None:
            organization_id, federation_id, note = membership
            tail = self.membership_tails[membership] = (
                f"\t{organization_id}\t{federation_id}\t{MembershipStatus.ACTIVE.value}\t{self.today.isoformat()}"
                f"\t\\N\t{MembershipSource.IMPORT.value}\t{copy_text(note)}\t\\N\t{self.now}\t{self.now}\n"
            )
        return tail
