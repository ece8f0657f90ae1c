"""Exports: asked for by a user (scope checked), written by a Celery task, streamed row by row."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from apps.core.audit import audit_record
from apps.core.models import AuditEvent
from apps.core.outbox import outbox_enqueue
from apps.exports import selectors, writers
from apps.exports.models import ExportFormat, ExportJob, ExportKind, ExportStatus
from apps.organizations.models import Federation, Region
from apps.organizations.services.checks import require_perm, require_region_in_scope

logger = logging.getLogger(__name__)

KIND_UNKNOWN = "不支持导出该内容。"
FORMAT_UNKNOWN = "导出格式只能是 csv 或 xlsx。"
REGION_UNKNOWN = "没有代码为 {code} 的区划。"
FEDERATION_UNKNOWN = "没有该群团。"
FILTER_UNKNOWN = "不支持的筛选条件：{names}。"
EXPORT_FAILED = "导出失败：{error}"
EXPORT_AUDIT = "导出任务 #{job}：{kind} {count} 条（{format}，身份证号已脱敏）"

# Who may export what: the same permission that lets one view the rows in the admin.
PERMS = {ExportKind.MEMBERSHIPS: "members.view_membership", ExportKind.PEOPLE: "members.view_person"}
FILTERS = ("region", "federation")


def _clean_filters(actor, filters: dict) -> dict:
    unknown = sorted(set(filters) - set(FILTERS))
    if unknown:
        raise ValidationError({"filters": FILTER_UNKNOWN.format(names="、".join(unknown))})
    cleaned = {}
    if filters.get("region"):
        code = str(filters["region"]).strip()
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise ValidationError({"region": REGION_UNKNOWN.format(code=code)})
        require_region_in_scope(actor, region)
        cleaned["region"] = code
    if filters.get("federation"):
        try:
            federation = int(filters["federation"])
        except (TypeError, ValueError):
            raise ValidationError({"federation": FEDERATION_UNKNOWN}) from None
        if not Federation.objects.filter(pk=federation).exists():
            raise ValidationError({"federation": FEDERATION_UNKNOWN})
        cleaned["federation"] = federation
    return cleaned


@transaction.atomic
def export_request(*, actor, kind: str, format: str = ExportFormat.CSV, filters: dict | None = None) -> ExportJob:
    """Queue an export of the actor's own scope (narrowed by `filters`); the task writes it after commit."""
    if kind not in ExportKind.values:
        raise ValidationError({"kind": KIND_UNKNOWN})
    if format not in ExportFormat.values:
        raise ValidationError({"format": FORMAT_UNKNOWN})
    require_perm(actor, PERMS[kind])
    job = ExportJob.objects.create(
        requested_by=actor, kind=kind, format=format, filters=_clean_filters(actor, filters or {})
    )
    from apps.exports.tasks import export_run_task

    outbox_enqueue(export_run_task, job.pk)
    return job


def export_write(*, user, kind: str, format: str, filters: dict, path: Path) -> int:
    """Write the rows the user may see to `path`; the number of rows. What the task runs, and
    what the benchmark measures (bench/suite/scenarios/s11_export.py)."""
    queryset = selectors.export_queryset(user=user, kind=kind, filters=filters)
    # In a transaction the server-side cursor streams; in autocommit Django declares it WITH HOLD,
    # and PostgreSQL would first copy the whole result aside.
    with transaction.atomic():
        return writers.WRITERS[format](path, selectors.export_header(kind), selectors.export_rows(queryset, kind))


def export_run(*, job_id: int) -> ExportJob | None:
    """Claim a pending job and write its file; a job already claimed (a task run twice) is left alone."""
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportStatus.PENDING).update(status=ExportStatus.RUNNING)
    if not claimed:
        return None
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    try:
        with tempfile.TemporaryDirectory(prefix="qunzhi-export-") as folder:
            path = Path(folder) / job.filename
            count = export_write(
                user=job.requested_by, kind=job.kind, format=job.format, filters=job.filters, path=path
            )
            with open(path, "rb") as handle:
                job.file.save(job.filename, File(handle), save=False)
    except Exception as exc:
        logger.exception("export %s failed", job_id)
        job.status, job.error = ExportStatus.FAILED, EXPORT_FAILED.format(error=exc)
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        return job
    job.status, job.row_count, job.finished_at = ExportStatus.DONE, count, timezone.now()
    with transaction.atomic():
        job.save(update_fields=["status", "row_count", "file", "finished_at"])
        # The file now exists: the export is in the trail, under the requester's name.
        audit_record(
            actor=job.requested_by,
            action=AuditEvent.Action.EXPORT,
            model=job._meta.label_lower,
            object_id=job.pk,
            detail=EXPORT_AUDIT.format(
                job=job.pk, kind=job.get_kind_display(), count=count, format=job.get_format_display()
            ),
        )
    return job
