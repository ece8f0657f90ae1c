"""Organizations in spreadsheets: one row a unit, its parent named within its federation."""

from __future__ import annotations

from typing import Any

from import_export import fields, widgets

from apps.organizations import services
from apps.organizations.models import Federation, HostUnit, Organization, Region
from apps.organizations.resources.base import (
    COLUMN_REQUIRED,
    FEDERATION,
    FEDERATION_FIXED,
    FEDERATION_NOT_FOUND,
    HOST_UNIT,
    HOST_UNIT_AMBIGUOUS,
    HOST_UNIT_CREDIT_CODE,
    HOST_UNIT_NOT_FOUND,
    ID,
    LEVEL,
    NAME,
    NAME_CANDIDATES,
    PARENT,
    PARENT_AMBIGUOUS,
    PARENT_NOT_FOUND,
    REGION_CODE,
    REGION_NAME,
    CellError,
    ServiceResource,
    cell_text,
    comparable,
)
from apps.organizations.scoping import scoped


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
        key = (name, comparable(federation), comparable(region))
        if key not in self._parents:
            self._parents[key] = self._find_parent(name, federation, region)
        return self._parents[key]

    def _find_parent(self, name: str, federation: Federation | None, region: Region | None) -> Organization:
        found = scoped(Organization.objects.filter(name=name), self.actor).select_related("region", "federation")
        candidates = list(found[:NAME_CANDIDATES])
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
        candidates = list(host_units.filter(name=name)[:NAME_CANDIDATES])
        if len(candidates) > 1 and region is not None:
            candidates = [unit for unit in candidates if region.contains(unit.region)] or candidates
        if not candidates:
            raise CellError(HOST_UNIT_NOT_FOUND.format(value=name))
        if len(candidates) > 1:
            raise CellError(HOST_UNIT_AMBIGUOUS.format(name=name))
        return candidates[0]
