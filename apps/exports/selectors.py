"""What an export reads (the requester's scope, narrowed by the filters) and who sees which jobs."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from apps.exports.models import ExportJob, ExportKind
from apps.members.models import Gender, Membership, MembershipStatus, Person
from apps.organizations.scoping import scoped

# Rows are read from a server-side cursor this many at a time.
CHUNK_SIZE = 2000

# (lookup, header, display map or None). ID numbers only ever masked: the plaintext never
# leaves the database in an export, whoever asks.
COLUMNS = {
    ExportKind.MEMBERSHIPS: (
        ("pk", "编号", None),
        ("person__name", "姓名", None),
        ("person__id_number_masked", "身份证号（脱敏）", None),
        ("person__gender", "性别", dict(Gender.choices)),
        ("federation__name", "群团", None),
        ("organization__name", "所在组织", None),
        ("organization__region__name", "所在区划", None),
        ("status", "状态", dict(MembershipStatus.choices)),
        ("joined_on", "加入日期", None),
        ("ended_on", "结束日期", None),
    ),
    ExportKind.PEOPLE: (
        ("pk", "编号", None),
        ("name", "姓名", None),
        ("id_number_masked", "身份证号（脱敏）", None),
        ("gender", "性别", dict(Gender.choices)),
        ("birth_date", "出生日期", None),
        ("ethnicity", "民族", None),
        ("region__name", "居住地", None),
    ),
}


def export_queryset(*, user, kind: str, filters: dict) -> QuerySet:
    """The rows the user may see, narrowed by the job's filters (region code, federation id)."""
    region, federation = filters.get("region"), filters.get("federation")
    if kind == ExportKind.MEMBERSHIPS:
        rows = scoped(Membership.objects.all(), user)
        if region:
            rows = rows.filter(organization__region__path__startswith=_region_path(region))
        if federation:
            rows = rows.filter(federation_id=federation)
    else:
        rows = scoped(Person.objects.all(), user)
        if region:
            rows = rows.filter(region__path__startswith=_region_path(region))
        if federation:
            rows = rows.filter(memberships__federation_id=federation, memberships__status=MembershipStatus.ACTIVE)
    return rows.order_by("pk")


def _region_path(code: str) -> str:
    from apps.organizations.models import Region

    return Region.objects.values_list("path", flat=True).get(code=code)


def export_header(kind: str) -> list[str]:
    return [header for _, header, _ in COLUMNS[kind]]


def export_rows(queryset: QuerySet, kind: str) -> Iterator[tuple]:
    """Tuples straight from the cursor, codes shown as their Chinese labels."""
    columns = COLUMNS[kind]
    displays = [(index, labels) for index, (_, _, labels) in enumerate(columns) if labels]
    for row in queryset.values_list(*(lookup for lookup, _, _ in columns)).iterator(chunk_size=CHUNK_SIZE):
        if displays:
            row = list(row)
            for index, labels in displays:
                row[index] = labels.get(row[index], row[index])
        yield row


def export_job_list(*, user) -> QuerySet:
    """A user's own export jobs: a file holds rows of the requester's scope, not of the viewer's."""
    return ExportJob.objects.filter(requested_by=user) if user and user.is_authenticated else ExportJob.objects.none()


def get_export_job_for_user(user, pk) -> ExportJob:
    return get_object_or_404(export_job_list(user=user), pk=pk)
