"""What the tree's import/export resources share: columns, messages, the service-backed base."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ImproperlyConfigured, PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from import_export import resources

from apps.core.exceptions import ConflictError
from apps.organizations import services
from apps.organizations.models import Region
from apps.organizations.scoping import scoped

# Column headers.
ID = "ID"
NAME = "名称"
FEDERATION = "群团类别"
REGION_CODE = "区划代码"
REGION_NAME = "所在区划"
PARENT = "上级组织"
HOST_UNIT = "所在单位"
HOST_UNIT_CREDIT_CODE = "所在单位统一社会信用代码"
LEVEL = "层级"
KIND = "类型"
CREDIT_CODE = "统一社会信用代码"
HEAD_COUNT = "从业人数"
ADDRESS = "地址"

# Messages for cells that name nothing the user can reach.
COLUMN_REQUIRED = "请填写“{column}”。"
ID_INVALID = "ID 应为整数。"
ID_NOT_FOUND = "找不到 ID 为 {pk} 的{model}，或它不在您的管辖范围内。"
REGION_NOT_FOUND = "找不到区划代码“{code}”，或该区划不在您的管辖范围内。"
FEDERATION_NOT_FOUND = "没有简称为“{name}”的群团类别。"
FEDERATION_FIXED = "已有组织的群团类别不能修改。"
PARENT_NOT_FOUND = "找不到名为“{name}”的上级组织，或它不在您的管辖范围内。"
PARENT_AMBIGUOUS = "名为“{name}”的上级组织不止一个，无法确定是哪一个。"
HOST_UNIT_NOT_FOUND = "找不到所在单位“{value}”，或它不在您的管辖范围内。"
HOST_UNIT_AMBIGUOUS = "名为“{name}”的所在单位不止一个，请填写“所在单位统一社会信用代码”。"
KIND_INVALID = "类型应为以下之一：{choices}。"
HEAD_COUNT_INVALID = "从业人数应为不小于 0 的整数。"

# Same-named candidates read for a name lookup; more than one is ambiguous anyway.
NAME_CANDIDATES = 20
# Keys looked up per query when a whole file's ids or codes are checked against the scope.
_BATCH = 500


class CellError(ValueError):
    """A cell that names nothing usable; the row goes on, so all its bad cells are reported."""


def cell_text(value: Any) -> str:
    """A cell as text: spreadsheets hand codes back as numbers (630102.0) and blanks as None."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _as_id(value: Any) -> int | None:
    try:
        return int(cell_text(value))
    except ValueError:
        return None


def comparable(value: Any) -> Any:
    """A cell value or a row, as the value a model field holds (rows by primary key)."""
    return value.pk if isinstance(value, Model) else value


class ServiceResource(resources.ModelResource):
    """Export through the scope; import row by row through the services.

    django-import-export drives the import (a savepoint per row, the file in one
    transaction, row numbers, the admin's preview and confirmation). The two steps that
    would touch the model directly are replaced: `import_instance` only reads the cells
    into service arguments, and `save_instance` calls the service.
    """

    #: service field name → column, so a service's ValidationError lands on its column
    service_columns: dict[str, str] = {}
    #: the column a service's ConflictError belongs to
    conflict_column: str = NON_FIELD_ERRORS
    #: fields whose value may change on an existing row
    updatable: tuple[str, ...] = ()
    list_select_related: tuple[str, ...] = ()

    def __init__(self, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self._values: dict[str, Any] = {}
        self._regions: dict[str, Region | None] = {}
        self._ids: dict[int, int] = {}

    @property
    def actor(self):
        if self.user is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs user= for its scope and as the services' actor.")
        return self.user

    # Export ---------------------------------------------------------------------------

    def get_queryset(self) -> QuerySet:
        return scoped(super().get_queryset(), self.actor).select_related(*self.list_select_related)

    def filter_export(self, queryset: QuerySet, **kwargs) -> QuerySet:
        # The admin hands over its (scoped) changelist; scoping here as well keeps any
        # other caller from exporting beyond the user's reach.
        return scoped(queryset, self.actor).select_related(*self.list_select_related)

    # Import ---------------------------------------------------------------------------

    def get_import_fields(self):
        # Export-only columns (a region's full name, the derived level) are not read back.
        return [field for field in super().get_import_fields() if not field.readonly]

    def before_import(self, dataset, **kwargs) -> None:
        if self.user is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs user= to import.")
        self._ids = self.keys_in_scope(dataset, ID, "pk", _as_id)

    def keys_in_scope(self, dataset, column: str, lookup: str, clean: Callable) -> dict[Any, int]:
        """The file's values in `column` that name a row in the user's scope, mapped to its id.

        A few queries for the whole file instead of a scoped one per line.
        """
        if column not in (dataset.headers or ()):
            return {}
        values = list({clean(value) for value in dataset[column]} - {None, ""})
        found: dict[Any, int] = {}
        for start in range(0, len(values), _BATCH):
            rows = self._meta.model.objects.filter(**{f"{lookup}__in": values[start : start + _BATCH]})
            found.update(scoped(rows, self.actor).values_list(lookup, "pk"))
        return found

    def fetch(self, pk: int | None) -> Model | None:
        # Read fresh for every line: an earlier line may have changed or moved the row.
        if pk is None:
            return None
        return self._meta.model.objects.select_related(*self.list_select_related).filter(pk=pk).first()

    def get_instance(self, instance_loader, row):
        """The existing row this line updates: by ID, else by the resource's natural key."""
        raw = cell_text(row.get(ID))
        if not raw:
            return self.find_existing(row)
        pk = _as_id(raw)
        if pk is None:
            raise ValidationError({ID: ID_INVALID})
        instance = self.fetch(self._ids.get(pk))
        if instance is None:
            raise ValidationError({ID: ID_NOT_FOUND.format(pk=pk, model=self._meta.model._meta.verbose_name)})
        return instance

    def find_existing(self, row) -> Model | None:
        return None

    def import_instance(self, instance, row, **kwargs) -> None:
        errors: dict[str, str] = {}
        self._values = self.read_row(instance, row, errors)
        if errors:
            raise ValidationError(errors)

    def read_row(self, instance, row, errors: dict[str, str]) -> dict[str, Any]:
        """Service arguments from the row's cells; unreadable cells go into `errors` by column."""
        raise NotImplementedError(f"{type(self).__name__} must implement read_row()")

    @staticmethod
    def read(errors: dict[str, str], column: str, reader: Callable, *args) -> Any:
        try:
            return reader(*args)
        except CellError as exc:
            errors[column] = str(exc)
            return None

    def changes(self, instance) -> dict[str, Any]:
        """The values this row changes on an existing row."""
        return {
            field: value
            for field, value in self._values.items()
            if field in self.updatable and comparable(value) != instance.serializable_value(field)
        }

    def skip_row(self, instance, original, row, import_validation_errors=None) -> bool:
        # An existing row the file leaves as it is shows as skipped and is not written.
        return not import_validation_errors and instance.pk is not None and not self.changes(instance)

    def write(self, instance, is_create: bool) -> Model:
        raise NotImplementedError(f"{type(self).__name__} must implement write()")

    def save_instance(self, instance, is_create, row, **kwargs) -> None:
        try:
            saved = self.write(instance, is_create)
        except ValidationError as exc:
            raise ValidationError(self._by_column(exc)) from exc
        except ConflictError as exc:
            raise ValidationError({self.conflict_column: exc.message}) from exc
        except PermissionDenied as exc:
            raise ValidationError(str(exc) or services.NO_PERMISSION) from exc
        self.after_write(saved, is_create)
        if is_create:
            # import-export reports (and the admin logs) the instance it started the row
            # with; make that the row the service created.
            instance.__dict__.update(saved.__dict__)

    def after_write(self, saved: Model, is_create: bool) -> None:
        """Forget what a written row may have changed in the resource's lookups."""

    def _by_column(self, exc: ValidationError) -> dict[str, list[str]]:
        if not hasattr(exc, "error_dict"):
            return {NON_FIELD_ERRORS: exc.messages}
        by_column: dict[str, list[str]] = {}
        for field, messages in exc.message_dict.items():
            by_column.setdefault(self.service_columns.get(field, NON_FIELD_ERRORS), []).extend(messages)
        return by_column

    def after_import(self, dataset, result, **kwargs) -> None:
        """Leave the id sequences alone, unlike ModelResource.

        The services insert without explicit ids, so the sequences are right; resetting one
        to max(id) while another writer holds newer ids would hand those ids out again.
        """

    # Lookups shared by the resources ---------------------------------------------------

    def region_by_code(self, value: Any, column: str = REGION_CODE) -> Region:
        code = cell_text(value)
        if not code:
            raise CellError(COLUMN_REQUIRED.format(column=column))
        if code not in self._regions:
            # Regions do not change during an import of units, so each code is read once.
            codes = {code, code[:6]} if len(code) == 12 and code.endswith("000000") else {code}
            self._regions[code] = scoped(Region.objects.filter(code__in=codes), self.actor).first()
        region = self._regions[code]
        if region is None:
            raise CellError(REGION_NOT_FOUND.format(code=code))
        return region
