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

from apps.organizations.resources.host_units import HostUnitResource
from apps.organizations.resources.organizations import OrganizationResource

__all__ = ["HostUnitResource", "OrganizationResource"]
