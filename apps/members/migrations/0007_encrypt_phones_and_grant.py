"""People's phone numbers, plaintext until now, sealed under FIELD_ENCRYPTION_KEYS with their
masked copy; the full-phone permission goes to the roles that already see full ID numbers,
erasure (匿名化) and the change log (django-auditlog) to the provincial admins only."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from apps.core.crypto import encrypt_plaintext_column
from apps.core.phones import mask_phone

GRANTS = {
    "省级管理员": ("view_full_phone", "erase_person"),
    "市州管理员": ("view_full_phone",),
}


def encrypt_phones(apps, schema_editor):
    table = apps.get_model("members", "Person")._meta.db_table
    encrypt_plaintext_column(schema_editor.connection, table, "phone", {"phone_masked": mask_phone})


def grant_permissions(apps, schema_editor):
    for app_label in ("members", "auditlog"):
        app_config = apps.get_app_config(app_label)
        stub = getattr(app_config, "models_module", None) is None  # migration state: a stub
        if stub:
            app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        if stub:
            app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, codenames in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="members", codename__in=codenames))
    # County staff see no change log at all: it spans every county's people and money.
    Group.objects.get(name="省级管理员").permissions.add(
        *Permission.objects.filter(content_type__app_label="auditlog", codename="view_logentry")
    )


class Migration(migrations.Migration):
    dependencies = [("members", "0006_phone_encrypted"), ("auditlog", "0017_add_actor_email")]

    # Irreversible on purpose: undoing it would write the plaintext back.
    operations = [migrations.RunPython(encrypt_phones), migrations.RunPython(grant_permissions)]
