from __future__ import annotations

from celery import shared_task

from apps.exports import services


@shared_task(name="exports.run")
def export_run_task(job_id: int) -> int | None:
    """Write one export's file; safe to run twice (the job is claimed pending → running)."""
    job = services.export_run(job_id=job_id)
    return job.row_count if job else None
