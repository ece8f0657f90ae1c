"""No two pending-or-approved bookings of one room overlap: an exclusion constraint.

PostgreSQL only (btree_gist lets `room_id WITH =` sit beside the range); SQLite has no such
constraint, and there the service's check under IMMEDIATE transactions holds the rule.
Half-open ranges ('[)') let 10:00–11:00 and 11:00–12:00 both stand.
"""

from django.db import migrations

CONSTRAINT = "venues_booking_no_overlap"

CREATE = f"""
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE venues_booking ADD CONSTRAINT {CONSTRAINT}
    EXCLUDE USING gist (room_id WITH =, tstzrange(start, "end", '[)') WITH &&)
    WHERE (status IN ('pending', 'approved'));
"""
DROP = f"ALTER TABLE venues_booking DROP CONSTRAINT IF EXISTS {CONSTRAINT};"


def on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("venues", "0001_initial")]

    operations = [migrations.RunPython(on_postgresql(CREATE), on_postgresql(DROP))]
