"""The role groups' permissions on venues, rooms and bookings."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ALL = ("add", "change", "delete", "view")
PLACES = ("venue", "room", "openinghours", "venueclosure")
ROLE_PERMISSIONS = {
    "省级管理员": {**dict.fromkeys(PLACES, ALL), "booking": ALL, "extra": ("manage_venue",)},
    "市州管理员": {**dict.fromkeys(PLACES, ("add", "change", "view")), "booking": ("add", "change", "view")},
    "县级群团服务中心工作人员": {
        **dict.fromkeys(PLACES, ("add", "change", "view")),
        "booking": ("add", "change", "view"),
    },
    "群团服务站工作人员": {**dict.fromkeys(PLACES, ("view",)), "booking": ("add", "view")},
    "群团组织联络员": {**dict.fromkeys(PLACES, ("view",)), "booking": ("add", "view")},
}


def grant_role_permissions(apps, schema_editor):
    app_config = apps.get_app_config("venues")
    stub = getattr(app_config, "models_module", None) is None  # migration state: a stub
    if stub:
        app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    if stub:
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, grants in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        codenames = list(grants.get("extra", ()))
        for model, actions in grants.items():
            if model != "extra":
                codenames += [f"{action}_{model}" for action in actions]
        group.permissions.add(*Permission.objects.filter(content_type__app_label="venues", codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [
        ("venues", "0002_booking_no_overlap_on_postgresql"),
        ("organizations", "0002_federations_and_role_groups"),
    ]

    operations = [migrations.RunPython(grant_role_permissions, migrations.RunPython.noop)]
