"""`field__any_of=[…]`: a set of ids worked out beforehand, as one array.

On PostgreSQL `field = ANY(%s)` with a single array parameter: a statement of the same size whatever
the number of ids, and a plan that knows how many there are — the btree index reads them in its
own order, so `ORDER BY id DESC LIMIT 50` probes only the page's rows. Joined as a subquery instead,
the planner must guess how many rows a scope keeps, and a wrong guess walks a big table in index
order for a few rows. Elsewhere (SQLite) it is an ordinary `IN (…)`.
"""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db.models import IntegerField, Lookup


@IntegerField.register_lookup
class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self):
        return [self.lhs.output_field.get_prep_value(value) for value in self.rhs]

    def as_sql(self, compiler, connection):
        if not self.rhs:
            raise EmptyResultSet
        lhs, params = self.process_lhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*params, list(self.rhs)]
        return f"{lhs} IN ({', '.join(['%s'] * len(self.rhs))})", [*params, *self.rhs]
