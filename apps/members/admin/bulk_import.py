"""批量导入人员: the admin page for big files, over services.people_bulk_import.

Upload → every bad row in a table (numbers masked), nothing written; or the summary of what
was registered. django-import-export's page stays for small files with its preview.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from apps.core.exceptions import ConflictError
from apps.members import services
from apps.members.services import bulk_import

IMPORTED = "已批量导入 {created} 人，同步吸收入会 {memberships} 条；跳过已登记的 {skipped} 人。"
NOTHING_WRITTEN = "文件中有 {count} 行有误，未导入任何人员；请按下表逐行修改后重新导入。"


class BulkImportForm(forms.Form):
    import_file = forms.FileField(
        label="文件",
        help_text=f"xlsx 或 csv（UTF-8），第一行为列名；最大 {bulk_import.MAX_FILE_BYTES // 2**20} MB、"
        f"{bulk_import.MAX_ROWS:,} 行。任何一行有误则整个文件都不导入。",
    )


class PersonBulkImportMixin:
    """Adds /admin/members/person/bulk-import/ to the people's admin."""

    import_export_change_list_template = "admin/members/person/change_list.html"

    def get_urls(self):
        view = self.admin_site.admin_view(self.bulk_import_view)
        return [path("bulk-import/", view, name="members_person_bulk_import"), *super().get_urls()]

    def bulk_import_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = BulkImportForm(request.POST or None, request.FILES or None)
        result = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["import_file"]
            try:
                result = services.people_bulk_import(
                    actor=request.user,
                    file=upload.file,
                    file_format=bulk_import.file_format_of(upload.name),
                    size=upload.size,
                )
            except ValidationError as exc:
                form.add_error("import_file", exc.messages)
            except ConflictError as exc:
                form.add_error("import_file", exc.message)
            else:
                if result.ok:
                    self.message_user(
                        request,
                        IMPORTED.format(created=result.created, memberships=result.memberships, skipped=result.skipped),
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(reverse("admin:members_person_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "批量导入人员",
            "form": form,
            "result": result,
            "nothing_written": NOTHING_WRITTEN.format(count=len(result.bad_rows)) if result else "",
        }
        return TemplateResponse(request, "admin/members/person/bulk_import.html", context)
