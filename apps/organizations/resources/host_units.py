"""Host units in spreadsheets, matched by 统一社会信用代码 where given."""

from __future__ import annotations

from typing import Any

from import_export import fields, widgets

from apps.organizations import services
from apps.organizations.models import HostUnit, HostUnitKind
from apps.organizations.resources.base import (
    ADDRESS,
    COLUMN_REQUIRED,
    CREDIT_CODE,
    HEAD_COUNT,
    HEAD_COUNT_INVALID,
    ID,
    KIND,
    KIND_INVALID,
    NAME,
    REGION_CODE,
    REGION_NAME,
    CellError,
    ServiceResource,
    cell_text,
)


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
