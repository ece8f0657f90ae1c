"""The tables the generator fills, and how it empties, checks and finishes them (PostgreSQL only).

During the load the generator's tables keep only their primary keys, CHECK and exclusion
constraints: every other index, unique constraint and foreign key is dropped after its
definition is read from the catalog, and created again from that definition before the
transaction commits. PostgreSQL builds an index from sorted rows several times faster than
it maintains it row by row (1M people: ten indexes, two of them on random 64-character
hashes), and checks a foreign key added to a filled table with one join instead of a
deferred trigger per row at commit. Creating them again checks every rule as before: a
duplicate ID number, a second active membership of a federation, a dangling reference
would each fail the whole load. The two exclusion constraints (overlapping bookings and
rotations) stay in place: re-created, PostgreSQL would print their `IN (...)` condition
differently from the migrations', and the schema is to stay exactly as migrated.
Everything happens in the one transaction, so an interrupted run leaves the schema as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection, models

from apps.activities.models import Activity, ActivityParticipant, Registration, VolunteerRecord
from apps.members.models import CadrePost, Membership, Person
from apps.organizations.models import HostUnit, JointBranch, Organization
from apps.projects.models import ProjectExpense, ProjectParticipant, ServiceProject, ServiceRecord
from apps.resources.models import DutyShift, Fund, LedgerEntry, Secondment, ServiceCenter
from apps.talent.models import Attendance, Enrollment, Expert, Rotation, TrainingCourse, TrainingSession
from apps.venues.models import Booking, OpeningHours, Room, Venue, VenueClosure

NOT_POSTGRESQL = (
    "省级规模数据只能写入 PostgreSQL（当前为 {vendor}）："
    "请设置 DATABASE_URL，例如 postgres://postgres@127.0.0.1:5432/qunzhi_scale。"
)
HAS_PEOPLE = (
    "数据库中已有 {count} 名人员。生成规模数据须在空库上进行；如确需清空本命令生成的各表后重新生成，请加 --reset。"
)
HAS_DATA = "数据库中已有以下表的数据：{tables}。生成规模数据须在空库上进行；如确需清空后重新生成，请加 --reset。"
REFERENCED = (
    "无法 --reset：以下表中的记录引用了待清空的数据：{tables}（例如演示账号的角色授权）。"
    "--reset 只清空本命令生成的表；请新建数据库（createdb、migrate）后再生成。"
)

# Parents before children: the order of loading; emptied in the reverse order.
FILLED: list[type[models.Model]] = [
    HostUnit,
    Organization,
    JointBranch,
    JointBranch.branches.through,
    Person,
    Person.identity_tags.through,
    Membership,
    CadrePost,
    Venue,
    Venue.federations.through,
    OpeningHours,
    VenueClosure,
    Room,
    Booking,
    ServiceCenter,
    Secondment,
    DutyShift,
    Fund,
    LedgerEntry,
    Activity,
    ActivityParticipant,
    Registration,
    VolunteerRecord,
    ServiceProject,
    ServiceProject.service_types.through,
    ServiceProject.target_tags.through,
    ProjectParticipant,
    ServiceRecord,
    ProjectExpense,
    TrainingCourse,
    TrainingCourse.co_organizers.through,
    TrainingSession,
    Enrollment,
    Attendance,
    Rotation,
    Expert,
    Expert.fields.through,
]


class Refused(Exception):
    """The database is not one the generator may write into; the message says why, in Chinese."""


def tables() -> list[str]:
    return [model._meta.db_table for model in FILLED]


def labels() -> dict[str, str]:
    """Chinese names of the tables, for the summary: 人员, 人员·身份 (a many-to-many link) …"""
    return {model._meta.db_table: _label(model) for model in FILLED}


def _label(model: type[models.Model]) -> str:
    meta = model._meta
    if not meta.auto_created:
        return str(meta.verbose_name)
    owner = meta.auto_created._meta  # the link table of a ManyToManyField
    field = next(f for f in owner.many_to_many if f.remote_field.through is model)
    return f"{owner.verbose_name}·{field.verbose_name}"


def check_vendor() -> None:
    if connection.vendor != "postgresql":
        raise Refused(NOT_POSTGRESQL.format(vendor=connection.vendor))


def _holding(cursor, names) -> list[str]:
    return [name for name in names if _has_rows(cursor, name)]


def _has_rows(cursor, table: str) -> bool:
    # A model's table name, quoted.
    cursor.execute(f'SELECT EXISTS (SELECT 1 FROM "{table}")')  # nosec B608
    return cursor.fetchone()[0]


def _referencing(cursor, names: list[str]) -> list[str]:
    """Tables outside `names` whose foreign keys reach them, directly or through one another."""
    closure, frontier = set(names), list(names)
    while frontier:
        cursor.execute(
            """SELECT DISTINCT src.relname FROM pg_constraint c
               JOIN pg_class src ON src.oid = c.conrelid JOIN pg_class dst ON dst.oid = c.confrelid
               WHERE c.contype = 'f' AND dst.relname = ANY(%s)""",
            [frontier],
        )
        frontier = [name for (name,) in cursor.fetchall() if name not in closure]
        closure.update(frontier)
    return sorted(closure - set(names))


def prepare(cursor, *, reset: bool) -> list[str]:
    """Refuse a database holding data, or empty the generator's tables (--reset); returns what was emptied."""
    names = tables()
    people = Person.objects.count() if _has_rows(cursor, Person._meta.db_table) else 0
    if not reset:
        if people:
            raise Refused(HAS_PEOPLE.format(count=people))
        holding = _holding(cursor, names)
        if holding:
            raise Refused(HAS_DATA.format(tables="、".join(holding)))
        return []
    others = _referencing(cursor, names)
    blocking = _holding(cursor, others)
    if blocking:
        raise Refused(REFERENCED.format(tables="、".join(blocking)))
    # PostgreSQL truncates a referenced table only with every table referencing it: those
    # are empty (checked above), so naming them changes nothing but lets TRUNCATE run.
    emptied = list(reversed(names))
    cursor.execute("TRUNCATE " + ", ".join(f'"{name}"' for name in emptied + others))
    return emptied


@dataclass
class Suspended:
    """What `suspend_constraints` dropped: statements to create each again, in a safe order."""

    indexes: list[str] = field(default_factory=list)
    constraints: list[str] = field(default_factory=list)  # unique
    foreign_keys: list[str] = field(default_factory=list)

    def statements(self) -> list[str]:
        return self.indexes + self.constraints + self.foreign_keys


def schema(cursor) -> list[tuple[str, str]]:
    """The definitions of every index and constraint of the generator's tables (for comparison)."""
    cursor.execute(
        """SELECT conrelid::regclass::text || '.' || conname, pg_get_constraintdef(oid) FROM pg_constraint
           WHERE conrelid = ANY(%(tables)s::regclass[])
           UNION ALL
           SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index
           WHERE indrelid = ANY(%(tables)s::regclass[])
           ORDER BY 1""",
        {"tables": [f'"{name}"' for name in tables()]},
    )
    return cursor.fetchall()


def suspend_constraints(cursor) -> Suspended:
    names = [f'"{name}"' for name in tables()]
    suspended = Suspended()
    cursor.execute(
        """SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid), contype
           FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('u', 'f')
           ORDER BY contype = 'f' DESC, conrelid::regclass::text, conname""",
        [names],
    )
    for table, name, definition, kind in cursor.fetchall():
        cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        target = suspended.foreign_keys if kind == "f" else suspended.constraints
        target.append(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
    # What is left besides the primary keys and the exclusion constraints' indexes: plain and
    # partial unique indexes.
    cursor.execute(
        """SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i
           WHERE indrelid = ANY(%s::regclass[]) AND NOT indisprimary
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype = 'x')
           ORDER BY 1""",
        [names],
    )
    for index, definition in cursor.fetchall():
        cursor.execute(f"DROP INDEX {index}")
        suspended.indexes.append(definition)
    return suspended


def restore_constraints(cursor, suspended: Suspended) -> None:
    # Index builds sort in memory when they can; the setting ends with the transaction.
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    for statement in suspended.statements():
        cursor.execute(statement)


def restart_sequences(cursor) -> None:
    """Ids start at 1 in every table the generator fills, so the same seed gives the same ids.

    Only there: all their rows are gone (or never were). The tables a --reset names only so
    that TRUNCATE may run keep their sequences.
    """
    for name in tables():
        cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), 1, false)", [f'"{name}"'])


def advance_sequences(cursor) -> None:
    """After rows with explicit ids, the next id the application takes follows the largest."""
    for name in tables():
        # A model's table name, quoted; no outside input reaches it.
        largest = f'COALESCE((SELECT MAX(id) FROM "{name}"), 0)'  # nosec B608
        cursor.execute(f"SELECT setval(pg_get_serial_sequence(%s, 'id'), {largest} + 1, false)", [f'"{name}"'])


def analyze(cursor) -> None:
    for name in tables():
        cursor.execute(f'ANALYZE "{name}"')
