"""Reference data: fields of expertise and the time a cadre stays in a post; the role groups' permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EXPERTISE_FIELDS = [
    ("agriculture", "农牧业"),
    ("handicraft", "手工艺"),
    ("heritage", "非遗"),
    ("skills", "技能"),
    ("medical", "医疗"),
    ("legal", "法律"),
    ("education", "教育"),
    ("ecommerce", "电商"),
    ("culture", "文化艺术"),
    ("tourism", "乡村旅游"),
]
# post type, shortest and longest stay in months before a cadre is due to rotate
TENURE_RULES = [
    ("full_time", 24, 60),
    ("seconded", 6, 24),
    ("part_time", 12, 60),
    ("rotation", 6, 24),
    ("public_welfare", 6, 36),
]

ALL = ("add", "change", "delete", "view")
WORK = ("trainingcourse", "trainingsession", "enrollment", "attendance", "rotation", "expert", "expertengagement")
REFERENCE = ("expertisefield", "tenurerule", "trainingrequirement")
STAFF = {
    **dict.fromkeys(WORK, ("add", "change", "view")),
    "trainingsession": ALL,
    "certificate": ("add", "view"),
    **dict.fromkeys(REFERENCE, ("view",)),
}
ROLE_PERMISSIONS = {
    "省级管理员": dict.fromkeys((*WORK, *REFERENCE, "certificate"), ALL),
    "市州管理员": STAFF,
    "县级群团服务中心工作人员": STAFF,
    "群团服务站工作人员": {
        "trainingcourse": ("view",),
        "trainingsession": ("view",),
        "enrollment": ("view",),
        "attendance": ("add", "change", "view"),
        "expert": ("view",),
        "certificate": ("view",),
        **dict.fromkeys(REFERENCE, ("view",)),
    },
    "群团组织联络员": STAFF,
}


def create_reference_data(apps, schema_editor):
    ExpertiseField = apps.get_model("talent", "ExpertiseField")
    TenureRule = apps.get_model("talent", "TenureRule")
    for order, (code, name) in enumerate(EXPERTISE_FIELDS, start=1):
        ExpertiseField.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order * 10})
    for post_type, low, high in TENURE_RULES:
        TenureRule.objects.get_or_create(post_type=post_type, defaults={"min_months": low, "max_months": high})


def grant_role_permissions(apps, schema_editor):
    app_config = apps.get_app_config("talent")
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
        group.permissions.add(*Permission.objects.filter(content_type__app_label="talent", codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [
        ("talent", "0001_initial"),
        ("organizations", "0002_federations_and_role_groups"),
    ]

    operations = [
        migrations.RunPython(create_reference_data, migrations.RunPython.noop),
        migrations.RunPython(grant_role_permissions, migrations.RunPython.noop),
    ]
