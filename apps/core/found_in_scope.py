"""A row's note that it was just read through the user's scope, so a service need not read it so again.

An API field that accepts only rows in the user's scope (apps.core.api.ScopedPrimaryKeyRelatedField)
marks the row it found; a service that must refuse rows outside the actor's scope may then skip its
own scoped read when the row was found for that very actor in the same request (bench scenario 9:
each scoped read is a query whose filter Django compiles anew). Rows from anywhere else carry no mark
and are checked as always.
"""

from __future__ import annotations

from django.db.models import Model

_ATTR = "_qunzhi_found_in_scope_of"


def mark_found_in_scope(row: Model, user) -> Model:
    setattr(row, _ATTR, getattr(user, "pk", None))
    return row


def found_in_scope(row: Model, user) -> bool:
    pk = getattr(user, "pk", None)
    return pk is not None and getattr(row, _ATTR, None) == pk
