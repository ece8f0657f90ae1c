"""One person's planned and running rotations never overlap: an exclusion constraint.

PostgreSQL only (btree_gist lets `person_id WITH =` sit beside the range); on SQLite the
service's check under IMMEDIATE transactions holds the rule. Both ends are inclusive days.
"""

from django.db import migrations

CONSTRAINT = "talent_rotation_no_overlap"

CREATE = f"""
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE talent_rotation ADD CONSTRAINT {CONSTRAINT}
    EXCLUDE USING gist (person_id WITH =, daterange(start_date, end_date, '[]') WITH &&)
    WHERE (status IN ('planned', 'active'));
"""
DROP = f"ALTER TABLE talent_rotation DROP CONSTRAINT IF EXISTS {CONSTRAINT};"


def on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("talent", "0002_reference_data_and_role_permissions")]

    operations = [migrations.RunPython(on_postgresql(CREATE), on_postgresql(DROP))]
