"""Bookings' contact phones, plaintext until now, sealed under FIELD_ENCRYPTION_KEYS with their
masked copy (as people's phones in members 0007)."""

from django.db import migrations, models

import apps.core.crypto
from apps.core.crypto import encrypt_plaintext_column
from apps.core.phones import mask_phone


def encrypt_contact_phones(apps, schema_editor):
    table = apps.get_model("venues", "Booking")._meta.db_table
    encrypt_plaintext_column(schema_editor.connection, table, "contact_phone", {"contact_phone_masked": mask_phone})


class Migration(migrations.Migration):
    dependencies = [("venues", "0004_booking_start_index")]

    # Irreversible on purpose: undoing it would write the plaintext back.
    operations = [
        migrations.AddField(
            model_name="booking",
            name="contact_phone_masked",
            field=models.CharField(blank=True, editable=False, max_length=20, verbose_name="联系电话"),
        ),
        migrations.AlterField(
            model_name="booking",
            name="contact_phone",
            field=apps.core.crypto.EncryptedTextField(blank=True, max_length=20, verbose_name="联系电话（密文）"),
        ),
        migrations.RunPython(encrypt_contact_phones),
    ]
