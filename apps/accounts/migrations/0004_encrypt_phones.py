"""Accounts' phone numbers, plaintext until now, sealed under FIELD_ENCRYPTION_KEYS with their masked copy."""

from django.db import migrations

from apps.core.crypto import encrypt_plaintext_column
from apps.core.phones import mask_phone


def encrypt_phones(apps, schema_editor):
    table = apps.get_model("accounts", "User")._meta.db_table
    encrypt_plaintext_column(schema_editor.connection, table, "phone", {"phone_masked": mask_phone})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_phone_encrypted")]

    # Irreversible on purpose: undoing it would write the plaintext back.
    operations = [migrations.RunPython(encrypt_phones)]
