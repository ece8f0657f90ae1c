"""The staff page 导出: the user's exports with their status and download links, and a form to ask for one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.core.access import signed_in
from apps.exports import selectors, services
from apps.exports.models import ExportFormat, ExportKind, ExportStatus

REQUESTED = "已提交导出申请，完成后可在下方下载。"


@signed_in
def export_list(request: HttpRequest) -> HttpResponse:
    jobs = selectors.export_job_list(user=request.user)[:50]
    return render(
        request,
        "exports/export_list.html",
        {"jobs": jobs, "kinds": ExportKind.choices, "formats": ExportFormat.choices, "done": ExportStatus.DONE},
    )


@signed_in
@require_POST
def export_create(request: HttpRequest) -> HttpResponse:
    filters = {name: request.POST[name] for name in ("region", "federation") if request.POST.get(name)}
    try:
        services.export_request(
            actor=request.user,
            kind=request.POST.get("kind", ""),
            format=request.POST.get("format", ExportFormat.CSV),
            filters=filters,
        )
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            for error in errors:
                messages.error(request, error)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, REQUESTED)
    return redirect("web-export-list")


@signed_in
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.get_export_job_for_user(request.user, pk)
    if job.status != ExportStatus.DONE or not job.file:
        raise Http404
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.filename)
