"""Spreadsheet import and export (xlsx, csv) of organizations and host units.

Columns carry Chinese headers and name other rows the way people know them: a region by
its 区划代码, a federation by its 简称, a parent organization by its name (within the
federation), a host unit by its 统一社会信用代码 or its name. An exported file imports
back unchanged.

Exports go through the user's scope. Every imported row is written by the services with
the importing user as actor, so the scope and every rule apply exactly as in the admin
and the API; a row the services refuse is reported with its number and their Chinese
message, keyed by column. Run with `rollback_on_validation_errors=True` (the admin always
does), one bad row leaves the whole file unwritten.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ImproperlyConfigured, PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from import_export import fields, resources, widgets

from apps.core.exceptions import ConflictError
from apps.organizations import services
from apps.organizations.models import Federation, HostUnit, HostUnitKind, Organization, Region
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
_CANDIDATES = 20
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


def _key(value: Any) -> Any:
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
            if field in self.updatable and _key(value) != instance.serializable_value(field)
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

    def region_by_code(self, value: Any) -> Region:
        code = cell_text(value)
        if not code:
            raise CellError(COLUMN_REQUIRED.format(column=REGION_CODE))
        if code not in self._regions:
            # Regions do not change during an import of units, so each code is read once.
            codes = {code, code[:6]} if len(code) == 12 and code.endswith("000000") else {code}
            self._regions[code] = scoped(Region.objects.filter(code__in=codes), self.actor).first()
        region = self._regions[code]
        if region is None:
            raise CellError(REGION_NOT_FOUND.format(code=code))
        return region


class OrganizationResource(ServiceResource):
    id = fields.Field(attribute="id", column_name=ID, widget=widgets.IntegerWidget())
    name = fields.Field(attribute="name", column_name=NAME)
    federation = fields.Field(attribute="federation__name", column_name=FEDERATION)
    region = fields.Field(attribute="region__code", column_name=REGION_CODE)
    region_name = fields.Field(attribute="region__full_name", column_name=REGION_NAME, readonly=True)
    parent = fields.Field(attribute="parent__name", column_name=PARENT)
    host_unit = fields.Field(attribute="host_unit__name", column_name=HOST_UNIT)
    host_unit_credit_code = fields.Field(attribute="host_unit__credit_code", column_name=HOST_UNIT_CREDIT_CODE)
    level = fields.Field(attribute="get_level_display", column_name=LEVEL, readonly=True)

    service_columns = {
        "name": NAME,
        "federation": FEDERATION,
        "region": REGION_CODE,
        "parent": PARENT,
        "host_unit": HOST_UNIT,
        "organization": ID,
    }
    conflict_column = NAME
    updatable = ("name", "region", "parent", "host_unit")
    list_select_related = ("federation", "region", "parent", "host_unit")

    class Meta:
        model = Organization
        name = "群团组织"
        fields = (
            "id",
            "name",
            "federation",
            "region",
            "region_name",
            "parent",
            "host_unit",
            "host_unit_credit_code",
            "level",
        )
        export_order = fields
        use_transactions = True
        # No copy and diff of every row: the services write it, and errors are kept per row.
        skip_diff = True
        chunk_size = 2000

    def __init__(self, user=None, **kwargs):
        super().__init__(user, **kwargs)
        self._federations: dict[str, Federation] | None = None
        # (name, federation, region) → parent, kept while no line renames or moves a unit
        # (organization_create refreshes the parent's tree fields itself); misses are not
        # kept, as a later line may create that parent.
        self._parents: dict[tuple, Organization] = {}

    def read_row(self, instance, row, errors):
        creating = instance.pk is None
        values: dict[str, Any] = {}
        if NAME in row or creating:
            values["name"] = cell_text(row.get(NAME))  # the service names a blank one
        federation = None if creating else instance.federation
        if FEDERATION in row or creating:
            federation = values["federation"] = self.read(errors, FEDERATION, self._federation, row.get(FEDERATION))
            if federation is not None and not creating and federation.pk != instance.federation_id:
                errors[FEDERATION] = FEDERATION_FIXED
        # A reference the row leaves as it is keeps the current row, which may lie outside
        # the user's scope (a county union's parent is the prefecture's): so an exported
        # file imports back.
        region = None if creating else instance.region
        if REGION_CODE in row or creating:
            code = cell_text(row.get(REGION_CODE))
            if creating or code != region.code:
                region = values["region"] = self.read(errors, REGION_CODE, self.region_by_code, code)
        if PARENT in row:
            name = cell_text(row[PARENT])
            if creating or name != (instance.parent.name if instance.parent_id else ""):
                values["parent"] = self.read(errors, PARENT, self._parent, name, federation, region)
        if HOST_UNIT in row or HOST_UNIT_CREDIT_CODE in row:
            name, credit_code = cell_text(row.get(HOST_UNIT)), cell_text(row.get(HOST_UNIT_CREDIT_CODE))
            if creating or not self._same_host_unit(instance.host_unit, name, credit_code):
                column = HOST_UNIT_CREDIT_CODE if credit_code else HOST_UNIT
                values["host_unit"] = self.read(errors, column, self._host_unit, name, credit_code, region)
        return values

    def write(self, instance, is_create):
        if is_create:
            return services.organization_create(
                actor=self.actor,
                name=self._values["name"],
                federation=self._values["federation"],
                region=self._values["region"],
                parent=self._values.get("parent"),
                host_unit=self._values.get("host_unit"),
            )
        return services.organization_update(actor=self.actor, organization=instance, **self.changes(instance))

    def _federation(self, value: Any) -> Federation:
        name = cell_text(value)
        if not name:
            raise CellError(COLUMN_REQUIRED.format(column=FEDERATION))
        if self._federations is None:
            self._federations = {federation.name: federation for federation in Federation.objects.all()}
        if name not in self._federations:
            raise CellError(FEDERATION_NOT_FOUND.format(name=name))
        return self._federations[name]

    def after_write(self, saved, is_create):
        if is_create:
            self._parents = {key: parent for key, parent in self._parents.items() if key[0] != saved.name}
        else:
            self._parents = {}  # a rename or a move may change any lookup

    def _parent(self, name: str, federation: Federation | None, region: Region | None) -> Organization | None:
        if not name:
            return None
        key = (name, _key(federation), _key(region))
        if key not in self._parents:
            self._parents[key] = self._find_parent(name, federation, region)
        return self._parents[key]

    def _find_parent(self, name: str, federation: Federation | None, region: Region | None) -> Organization:
        found = scoped(Organization.objects.filter(name=name), self.actor).select_related("region", "federation")
        candidates = list(found[:_CANDIDATES])
        if federation is not None:
            # Within the federation first; a same-named unit of another federation is passed
            # on, so that the service can say what is wrong with it.
            candidates = [unit for unit in candidates if unit.federation_id == federation.pk] or candidates
        if len(candidates) > 1 and region is not None:
            candidates = [unit for unit in candidates if unit.region.contains(region)] or candidates
        if not candidates:
            raise CellError(PARENT_NOT_FOUND.format(name=name))
        if len(candidates) > 1:
            raise CellError(PARENT_AMBIGUOUS.format(name=name))
        return candidates[0]

    @staticmethod
    def _same_host_unit(current: HostUnit | None, name: str, credit_code: str) -> bool:
        if current is None:
            return not (name or credit_code)
        if credit_code:
            return services.credit_code_normalize(credit_code) == current.credit_code
        return name == current.name

    def _host_unit(self, name: str, credit_code: str, region: Region | None) -> HostUnit | None:
        host_units = scoped(HostUnit.objects.all(), self.actor).select_related("region")
        if credit_code:
            host_unit = host_units.filter(credit_code=services.credit_code_normalize(credit_code)).first()
            if host_unit is None:
                raise CellError(HOST_UNIT_NOT_FOUND.format(value=credit_code))
            return host_unit
        if not name:
            return None
        candidates = list(host_units.filter(name=name)[:_CANDIDATES])
        if len(candidates) > 1 and region is not None:
            candidates = [unit for unit in candidates if region.contains(unit.region)] or candidates
        if not candidates:
            raise CellError(HOST_UNIT_NOT_FOUND.format(value=name))
        if len(candidates) > 1:
            raise CellError(HOST_UNIT_AMBIGUOUS.format(name=name))
        return candidates[0]


def _credit_code(value: Any) -> str:
    return services.credit_code_normalize(cell_text(value))


class HostUnitResource(ServiceResource):
    id = fields.Field(attribute="id", column_name=ID, widget=widgets.IntegerWidget())
    name = fields.Field(attribute="name", column_name=NAME)
    kind = fields.Field(attribute="get_kind_display", column_name=KIND)
    region = fields.Field(attribute="region__code", column_name=REGION_CODE)
    region_name = fields.Field(attribute="region__full_name", column_name=REGION_NAME, readonly=True)
    credit_code = fields.Field(attribute="credit_code", column_name=CREDIT_CODE)
    head_count = fields.Field(attribute="head_count", column_name=HEAD_COUNT, widget=widgets.IntegerWidget())
    address = fields.Field(attribute="address", column_name=ADDRESS)

    service_columns = {
        "name": NAME,
        "kind": KIND,
        "region": REGION_CODE,
        "credit_code": CREDIT_CODE,
        "head_count": HEAD_COUNT,
        "address": ADDRESS,
    }
    conflict_column = CREDIT_CODE
    updatable = ("name", "kind", "region", "credit_code", "head_count", "address")
    list_select_related = ("region",)

    class Meta:
        model = HostUnit
        name = "所在单位"
        fields = ("id", "name", "kind", "region", "region_name", "credit_code", "head_count", "address")
        export_order = fields
        use_transactions = True
        skip_diff = True
        chunk_size = 2000

    def __init__(self, user=None, **kwargs):
        super().__init__(user, **kwargs)
        self._credit_codes: dict[str, int] = {}

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        self._credit_codes = self.keys_in_scope(dataset, CREDIT_CODE, "credit_code", _credit_code)

    def find_existing(self, row) -> HostUnit | None:
        """A line without ID updates the unit with its 统一社会信用代码, if the user can reach it."""
        return self.fetch(self._credit_codes.get(_credit_code(row.get(CREDIT_CODE))))

    def read_row(self, instance, row, errors):
        creating = instance.pk is None
        values: dict[str, Any] = {}
        if NAME in row or creating:
            values["name"] = cell_text(row.get(NAME))
        if KIND in row or creating:
            values["kind"] = self.read(errors, KIND, self._kind, row.get(KIND))
        if REGION_CODE in row or creating:
            values["region"] = self.read(errors, REGION_CODE, self.region_by_code, row.get(REGION_CODE))
        if CREDIT_CODE in row:
            values["credit_code"] = cell_text(row[CREDIT_CODE])  # the service checks it
        if HEAD_COUNT in row:
            values["head_count"] = self.read(errors, HEAD_COUNT, self._head_count, row[HEAD_COUNT])
        if ADDRESS in row:
            values["address"] = cell_text(row[ADDRESS])
        return values

    def write(self, instance, is_create):
        if is_create:
            return services.host_unit_create(actor=self.actor, **self._values)
        return services.host_unit_update(actor=self.actor, host_unit=instance, **self.changes(instance))

    @staticmethod
    def _kind(value: Any) -> str:
        text = cell_text(value)
        if not text:
            raise CellError(COLUMN_REQUIRED.format(column=KIND))
        for kind in HostUnitKind:
            if text in (kind.label, kind.value):
                return kind.value
        raise CellError(KIND_INVALID.format(choices="、".join(HostUnitKind.labels)))

    @staticmethod
    def _head_count(value: Any) -> int:
        text = cell_text(value)
        if not text:
            return 0
        try:
            count = int(text)
        except ValueError:
            raise CellError(HEAD_COUNT_INVALID) from None
        if count < 0:
            raise CellError(HEAD_COUNT_INVALID)
        return count
