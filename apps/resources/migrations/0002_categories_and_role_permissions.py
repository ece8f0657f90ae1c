"""Reference data: expense categories (which count as grassroots spending is data) and the
role groups' permissions on pooled resources."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CATEGORIES = [
    ("grassroots_service", "基层服务活动", True, 10),
    ("venue_building", "阵地建设", True, 20),
    ("hardship_aid", "困难帮扶", True, 30),
    ("training", "教育培训", True, 40),
    ("administration", "行政运行", False, 50),
    ("other", "其他", False, 60),
]

ALL = ("add", "change", "delete", "view")
MODELS = (
    "servicecenter",
    "secondment",
    "staffleave",
    "dutyshift",
    "shiftswap",
    "fund",
    "ledgerentry",
    "expensecategory",
)
ROLE_PERMISSIONS = {
    "省级管理员": dict.fromkeys(MODELS, ALL),
    "市州管理员": {**dict.fromkeys(MODELS, ("add", "change", "view")), "expensecategory": ("view",)},
    "县级群团服务中心工作人员": {**dict.fromkeys(MODELS, ("add", "change", "view")), "expensecategory": ("view",)},
    "群团服务站工作人员": {
        "servicecenter": ("view",),
        "secondment": ("view",),
        "staffleave": ("add", "view"),
        "dutyshift": ("view",),
        "shiftswap": ("add", "view"),
    },
    "群团组织联络员": {
        "servicecenter": ("view",),
        "secondment": ("add", "view"),
        "staffleave": ("add", "view"),
        "dutyshift": ("view",),
        "fund": ("view",),
        "ledgerentry": ("view",),
    },
}


def create_categories(apps, schema_editor):
    ExpenseCategory = apps.get_model("resources", "ExpenseCategory")
    for code, name, grassroots, order in CATEGORIES:
        ExpenseCategory.objects.get_or_create(
            code=code, defaults={"name": name, "is_grassroots": grassroots, "sort_order": order}
        )


def grant_role_permissions(apps, schema_editor):
    app_config = apps.get_app_config("resources")
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
        codenames = [f"{action}_{model}" for model, actions in grants.items() for action in actions]
        group.permissions.add(*Permission.objects.filter(content_type__app_label="resources", codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [
        ("resources", "0001_initial"),
        ("organizations", "0002_federations_and_role_groups"),
    ]

    operations = [
        migrations.RunPython(create_categories, migrations.RunPython.noop),
        migrations.RunPython(grant_role_permissions, migrations.RunPython.noop),
    ]
