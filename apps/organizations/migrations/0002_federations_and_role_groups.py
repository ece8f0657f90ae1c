"""Reference data every deployment needs: the six federations and one group per role."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

FEDERATIONS = [
    ("union", "工会", "总工会", "{region}总工会", 10),
    ("youth_league", "共青团", "共产主义青年团", "共青团{region}委员会", 20),
    ("women", "妇联", "妇女联合会", "{region}妇女联合会", 30),
    ("disabled", "残联", "残疾人联合会", "{region}残疾人联合会", 40),
    ("science", "科协", "科学技术协会", "{region}科学技术协会", 50),
    ("red_cross", "红十字会", "红十字会", "{region}红十字会", 60),
]

ALL = ("add", "change", "delete", "view")
# Group name (the role's label) -> {(app_label, model): actions}
ROLE_PERMISSIONS = {
    "省级管理员": {
        ("organizations", "region"): ALL,
        ("organizations", "federation"): ALL,
        ("organizations", "organization"): ALL,
        ("organizations", "hostunit"): ALL,
        ("organizations", "roleassignment"): ALL,
        ("accounts", "user"): ("add", "change", "view"),
        ("core", "deletion"): ("view",),
    },
    "市州管理员": {
        ("organizations", "region"): ("add", "change", "view"),
        ("organizations", "federation"): ("view",),
        ("organizations", "organization"): ALL,
        ("organizations", "hostunit"): ALL,
        ("organizations", "roleassignment"): ("add", "delete", "view"),
        ("accounts", "user"): ("add", "view"),
    },
    "县级群团服务中心工作人员": {
        ("organizations", "region"): ("add", "change", "view"),
        ("organizations", "federation"): ("view",),
        ("organizations", "organization"): ("add", "change", "view"),
        ("organizations", "hostunit"): ALL,
        ("organizations", "roleassignment"): ("view",),
    },
    "群团服务站工作人员": {
        ("organizations", "region"): ("view",),
        ("organizations", "federation"): ("view",),
        ("organizations", "organization"): ("view",),
        ("organizations", "hostunit"): ("add", "change", "view"),
    },
    "群团组织联络员": {
        ("organizations", "region"): ("view",),
        ("organizations", "federation"): ("view",),
        ("organizations", "organization"): ("add", "change", "view"),
        ("organizations", "hostunit"): ("view",),
    },
}


def create_federations(apps, schema_editor):
    Federation = apps.get_model("organizations", "Federation")
    for code, name, full_name, template, order in FEDERATIONS:
        Federation.objects.update_or_create(
            code=code,
            defaults={"name": name, "full_name": full_name, "unit_name_template": template, "sort_order": order},
        )


def create_role_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; these groups need them now.
    for app_label in ("accounts", "core", "organizations"):
        app_config = apps.get_app_config(app_label)
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
        for (app_label, model), actions in grants.items():
            codenames = [f"{action}_{model}" for action in actions]
            group.permissions.add(*Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [
        ("organizations", "0001_initial"),
        ("accounts", "0001_initial"),
        ("core", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_federations, migrations.RunPython.noop),
        migrations.RunPython(create_role_groups, migrations.RunPython.noop),
    ]
