"""How every app's admin writes: through its services, with their errors shown, never a 500.

The admin is one more door to the same service functions the API and the pages call
(ARCHITECTURE.md, "One door per write"). These bases carry that for every app:

- `ServiceForm` turns the service call into the form's validation, so a service's
  ValidationError lands on its field and a ConflictError at the top of the form;
- `ServiceAdmin` deletes through a service, turning a refusal into an error message;
- `ServiceImportExportMixin` sets up django-import-export for services-backed resources.
"""

from __future__ import annotations

import csv
import io

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Model, ProtectedError, RestrictedError
from django.forms import ModelForm
from django.http import HttpResponseRedirect
from django.urls import reverse
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from import_export.forms import ExportForm, ImportForm

from apps.core.exceptions import CONFLICT_PROTECTED, ConflictError
from apps.core.models import OutboxMessage, OutboxStatus
from apps.core.outbox import outbox_retry
from apps.core.spreadsheets import neutralize

NO_PERMISSION = "您没有执行此操作的权限。"
DELETE_REFUSED = "未能删除“{obj}”：{reason}"
IMPORT_TOO_LARGE = "文件过大（{size:.1f} MB），单次最多导入 {limit} MB；请拆分后分批导入。"
IMPORT_NOT_XLSX = "文件不是有效的 xlsx 表格（可能已损坏，或选错了格式）。"
IMPORT_NOT_TEXT = "无法读取 CSV 文件：请以 UTF-8 或 GBK 编码保存。"
IMPORT_NO_HEADERS = "文件第一行应为列名（{columns}），未找到任何一列。"
IMPORT_UNREADABLE = "无法读取文件，请检查文件内容与所选格式是否一致。"
IMPORT_ROLLED_BACK = (
    "导入未完成：确认导入时有 {count} 行未通过校验（数据可能在预览后发生了变化），已全部撤销，请重新上传。"
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows only the system writes (tombstones, logs): staff may look, never add, edit or delete."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    """Rows shown with their parent, to read: seen by whoever sees the parent, never changed here."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # Not the rows' own permission: a liaison reading a meeting holds none on its decisions.
        parent = self.parent_model._meta
        return request.user.has_perm(f"{parent.app_label}.view_{parent.model_name}") or request.user.has_perm(
            f"{parent.app_label}.change_{parent.model_name}"
        )


# Actions ------------------------------------------------------------------------------

REFUSED = "“{obj}”未处理：{reason}"


def refusal(exc: Exception) -> str:
    """What a service's refusal says, for an admin message."""
    if isinstance(exc, ConflictError):
        return exc.message
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return str(exc) or NO_PERMISSION


def run_action(modeladmin, request, queryset, service, done_message: str) -> list:
    """Row by row through the service, each in its savepoint; a refused row is reported by name,
    the others go ahead. Returns what the service returned for each row it accepted."""
    done = []
    for obj in queryset:
        try:
            with transaction.atomic():
                done.append(service(obj))
        except (PermissionDenied, ValidationError, ConflictError) as exc:
            modeladmin.message_user(request, REFUSED.format(obj=obj, reason=refusal(exc)), messages.ERROR)
    if done:
        modeladmin.message_user(request, done_message.format(count=len(done)), messages.SUCCESS)
    return done


# Writes -------------------------------------------------------------------------------


class ServiceForm(ModelForm):
    """A ModelForm whose validation *is* the service call.

    Only the service knows every rule (scope, tree, uniqueness, permissions), and only a
    form can put its errors on the right field. So once the fields are clean, `clean()`
    calls the service — inside a savepoint, so a refusal leaves nothing behind on any
    database — and keeps the row it returns; `save()` then has nothing left to write.

    Subclasses implement `write(data)`; the admin binds `actor` to the request's user.
    """

    actor = None
    #: The field a ConflictError belongs to (None: at the top of the form).
    conflict_field: str | None = None
    #: service argument → form field, where the form names a value differently
    service_fields: dict[str, str] = {}

    def write(self, data: dict) -> Model:
        raise NotImplementedError(f"{type(self).__name__} must implement write()")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data  # the service needs whole, well-formed values
        adding = self.instance._state.adding
        try:
            with transaction.atomic():
                self.instance = self.write(data)
        except ValidationError as exc:
            self._add_service_errors(exc)
        except ConflictError as exc:
            self.add_error(self.conflict_field if self.conflict_field in self.fields else None, exc.message)
        except PermissionDenied as exc:
            self.add_error(None, str(exc) or NO_PERMISSION)
        if self.errors and adding:
            # A service that saved the new row before refusing it was rolled back: forget the id.
            self.instance.pk, self.instance._state.adding = None, True
        elif self.errors and self.instance.pk is not None:
            # The service may have set the new values on the row before refusing them.
            self.instance.refresh_from_db()
        return data

    def _add_service_errors(self, exc: ValidationError) -> None:
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for field, errors in exc.error_dict.items():
            field = self.service_fields.get(field, field)
            self.add_error(field if field in self.fields else None, errors)

    def _post_clean(self):
        # Django's model validation would judge the row again, in other words and without
        # the scope; the service in clean() already did, so it is the only judge.
        pass

    def save(self, commit: bool = True) -> Model:
        return self.instance

    def save_m2m(self) -> None:
        """The services write every relation they allow; the admin calls this after save()."""


class DeleteRefused(Exception):
    """A delete service said no; the admin view shows why instead of answering 500."""

    def __init__(self, obj, reason: str):
        super().__init__(DELETE_REFUSED.format(obj=obj, reason=reason))
        self.message = str(self)


def _refusal_reason(exc: Exception) -> str:
    if isinstance(exc, ConflictError):
        return exc.message
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    objs = exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
    names = "、".join(str(obj) for obj in list(objs)[:5])
    return f"{CONFLICT_PROTECTED}（{names}）" if names else CONFLICT_PROTECTED


@admin.action(permissions=["delete"], description=django_delete_selected.short_description)
def delete_selected(modeladmin, request, queryset):
    """Django's bulk delete (its confirmation page included), all or nothing.

    Django logs the deletions before deleting and reports success after; a transaction
    around both lets a refused delete take its log entries back with it.
    """
    try:
        with transaction.atomic():
            return django_delete_selected(modeladmin, request, queryset)
    except DeleteRefused as refusal:
        modeladmin.message_user(request, refusal.message, messages.ERROR)
        return None


class ServiceAdmin(admin.ModelAdmin):
    """A ModelAdmin whose add, change and delete go through the app's services."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if issubclass(form, ServiceForm):
            form = type(form.__name__, (form,), {"actor": request.user})
        return form

    def save_model(self, request, obj, form, change) -> None:
        """Nothing to do: the form's clean() saved the row through the service (see ServiceForm)."""

    def delete_through_service(self, request, obj) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement delete_through_service()")

    def delete_model(self, request, obj) -> None:
        try:
            with transaction.atomic():
                self.delete_through_service(request, obj)
        except (ConflictError, ValidationError, ProtectedError, RestrictedError) as exc:
            raise DeleteRefused(obj, _refusal_reason(exc)) from exc

    def delete_queryset(self, request, queryset) -> None:
        # Row by row through the service; the caller's transaction makes it all or nothing.
        for obj in queryset:
            self.delete_model(request, obj)

    def delete_view(self, request, object_id, extra_context=None):
        # Django runs the delete (and its log entry) in a transaction, which the refusal
        # rolls back on its way out; here it becomes a message on the object's page.
        try:
            return super().delete_view(request, object_id, extra_context)
        except DeleteRefused as refusal:
            self.message_user(request, refusal.message, messages.ERROR)
            opts = self.opts
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[object_id])
            return HttpResponseRedirect(url)

    def get_actions(self, request):
        # Django's own delete_selected would log and report rows a service refused.
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            actions["delete_selected"] = (delete_selected, "delete_selected", delete_selected.short_description)
        return actions


# Import and export --------------------------------------------------------------------


def _as_utf8(data: bytes) -> bytes:
    """CSV files saved by Excel on Chinese Windows are GB 18030 (GBK); the importer reads UTF-8."""
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030").encode("utf-8")
    return data


def _decoded(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def _first_row(data: bytes, is_xlsx: bool) -> list[str]:
    if is_xlsx:
        import openpyxl

        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            row = next(workbook.active.iter_rows(max_row=1, values_only=True), ())
        finally:
            workbook.close()
    else:
        row = next(csv.reader(io.StringIO(_decoded(data))), [])
    return [str(cell).strip() for cell in row if cell is not None]


class CheckedImportForm(ImportForm):
    """The import form, refusing before any row is read what cannot be imported, each with its reason:
    a file over IMPORT_MAX_UPLOAD_MB, an xlsx that is no workbook, a csv in neither UTF-8 nor GBK,
    a first row naming none of the resource's columns."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.import_formats = formats
        self.import_resources = resources

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        limit = settings.IMPORT_MAX_UPLOAD_MB
        if upload.size > limit * 2**20:
            raise ValidationError(IMPORT_TOO_LARGE.format(size=upload.size / 2**20, limit=limit))
        return upload

    def clean(self):
        data = super().clean()
        upload, chosen = data.get("import_file"), data.get("format")
        if upload is None or not chosen:
            return data
        is_xlsx = self.import_formats[int(chosen)] is base_formats.XLSX
        upload.seek(0)
        content = upload.read()
        upload.seek(0)
        try:
            headers = _first_row(content, is_xlsx)
        except UnicodeDecodeError:
            self.add_error("import_file", IMPORT_NOT_TEXT)
            return data
        except Exception:  # noqa: BLE001 - openpyxl fails on a bad file in many ways, each meaning "not xlsx"
            self.add_error("import_file", IMPORT_NOT_XLSX if is_xlsx else IMPORT_UNREADABLE)
            return data
        resource = self.import_resources[int(data.get("resource") or 0)]
        columns = [field.column_name for field in resource.fields.values()]
        if headers and not set(headers) & set(columns):
            self.add_error("import_file", IMPORT_NO_HEADERS.format(columns="、".join(columns)))
        return data


class _FormulaSafe:
    """An export format whose text cells cannot run as formulas in a spreadsheet (apps.core.spreadsheets)."""

    def export_data(self, dataset, **kwargs):
        for _ in range(len(dataset)):
            dataset.append([neutralize(cell) for cell in dataset.lpop()])
        return super().export_data(dataset, **kwargs)


class FormulaSafeXLSX(_FormulaSafe, base_formats.XLSX):
    pass


class FormulaSafeCSV(_FormulaSafe, base_formats.CSV):
    pass


class ServiceImportExportMixin(ImportExportMixin):
    """django-import-export for resources that write through services as the request's user.

    The resource receives `user` (it scopes its lookups and exports and is the services'
    actor); an import with any bad row writes nothing; xlsx and csv only.
    """

    formats = (base_formats.XLSX, base_formats.CSV)
    export_formats = (FormulaSafeXLSX, FormulaSafeCSV)
    import_form_class = CheckedImportForm
    # All columns, always: a partial export could not be imported back.
    export_form_class = ExportForm
    # Excel reads a UTF-8 CSV as such only when it starts with a byte-order mark.
    to_encoding = "utf-8-sig"

    def get_resource_kwargs(self, request, *args, **kwargs):
        return {**kwargs, "user": request.user}

    def has_import_permission(self, request) -> bool:
        return self.has_add_permission(request)

    def has_export_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def init_request_context_data(self, request, form):
        context = super().init_request_context_data(request, form)
        # The export page lists what the file will hold, export-only columns included.
        resource_kwargs = self.get_export_resource_kwargs(request)
        context["fields_list"] = [
            (resource.get_display_name(), resource(**resource_kwargs).get_export_headers())
            for resource in self.get_export_resource_classes(request)
        ]
        return context

    def get_export_data(self, file_format, request, queryset, **kwargs):
        if not self.has_export_permission(request):
            raise PermissionDenied
        # import-export keeps numbers as numbers only for the formats it lists by exact type:
        # the formula-safe xlsx, a subclass, would otherwise write every amount as text.
        dataset = self.get_data_for_export(request, queryset, force_native_type=file_format.is_binary(), **kwargs)
        data = file_format.export_data(dataset)
        encoding = kwargs.get("encoding")
        return data.encode(encoding) if encoding and not file_format.is_binary() else data

    def add_data_read_fail_error_to_form(self, form, e) -> None:
        # import-export's own text is English and names the exception.
        form.add_error("import_file", IMPORT_UNREADABLE)

    def get_import_data_kwargs(self, **kwargs):
        return {**super().get_import_data_kwargs(**kwargs), "rollback_on_validation_errors": True}

    def write_to_tmp_storage(self, import_file, input_format):
        if not input_format.is_binary():
            import_file = ContentFile(_as_utf8(b"".join(import_file.chunks())), name=import_file.name)
        return super().write_to_tmp_storage(import_file, input_format)

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            count = len(result.invalid_rows) + len(result.error_rows) or 1
            self.message_user(request, IMPORT_ROLLED_BACK.format(count=count), messages.ERROR)
            opts = self.opts
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_import"))
        return super().process_result(result, request)


# The outbox ---------------------------------------------------------------------------

OUTBOX_RETRIED = "已重新发送 {count} 条任务。"
OUTBOX_STILL_PENDING = "消息队列（Redis）暂不可用，{count} 条任务仍待发送，将由定时任务自动重试。"


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    """Tasks waiting for, or given to, Celery. Only superusers: the arguments are ids of any scope."""

    list_display = ("id", "task_name", "status", "attempts", "created_at", "sent_at", "done_at", "last_error")
    list_filter = ("status", "task_name")
    search_fields = ("task_id",)
    actions = ["retry"]

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_module_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def has_retry_permission(self, request) -> bool:
        return self.has_view_permission(request)

    @admin.action(permissions=["retry"], description="重新发送所选任务")
    def retry(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        count = outbox_retry(message_ids=ids)
        pending = OutboxMessage.objects.filter(pk__in=ids, status=OutboxStatus.PENDING).count()
        if pending:
            self.message_user(request, OUTBOX_STILL_PENDING.format(count=pending), messages.WARNING)
        else:
            self.message_user(request, OUTBOX_RETRIED.format(count=count), messages.SUCCESS)
