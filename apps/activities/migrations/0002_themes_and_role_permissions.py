"""Reference data: activity themes and sub-themes, and the role groups' permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# code, name, parent code, volunteer
THEMES = [
    ("lecture", "宣讲", None, False),
    ("lecture_grassroots", "宣讲基层行", "lecture", False),
    ("forum", "论坛", None, False),
    ("craftsman_forum", "工匠论坛", "forum", False),
    ("ethics_hall", "讲堂", None, False),
    ("workers_ethics", "职工道德讲堂", "ethics_hall", False),
    ("culture_sports", "文体", None, False),
    ("volunteer", "志愿服务", None, True),
    ("environment", "环境保护", "volunteer", True),
    ("elderly_care", "关爱独居老人", "volunteer", True),
    ("insurance_anti_fraud", "医保反欺诈", "volunteer", True),
    ("disaster_prevention", "防灾减灾", "volunteer", True),
    ("home_teaching", "送教上门", "volunteer", True),
]

ALL = ("add", "change", "delete", "view")
MODELS = (
    "activity",
    "activityparticipant",
    "registration",
    "volunteerrecord",
    "activityphoto",
    "lecturer",
    "lecturegroup",
)
ROLE_PERMISSIONS = {
    "省级管理员": {**dict.fromkeys(MODELS, ALL), "theme": ALL, "volunteercorrection": ("view",)},
    "市州管理员": {**dict.fromkeys(MODELS, ("add", "change", "view")), "theme": ("view",)},
    "县级群团服务中心工作人员": {**dict.fromkeys(MODELS, ("add", "change", "view")), "theme": ("view",)},
    "群团服务站工作人员": {
        "activity": ("view",),
        "registration": ("add", "change", "view"),
        "volunteerrecord": ("view",),
        "theme": ("view",),
    },
    "群团组织联络员": {**dict.fromkeys(MODELS, ("add", "change", "view")), "theme": ("view",)},
}


def create_themes(apps, schema_editor):
    Theme = apps.get_model("activities", "Theme")
    for order, (code, name, parent, volunteer) in enumerate(THEMES, start=1):
        Theme.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "parent": Theme.objects.get(code=parent) if parent else None,
                "is_volunteer": volunteer,
                "sort_order": order * 10,
            },
        )


def grant_role_permissions(apps, schema_editor):
    app_config = apps.get_app_config("activities")
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
        group.permissions.add(*Permission.objects.filter(content_type__app_label="activities", codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0001_initial"),
        ("organizations", "0002_federations_and_role_groups"),
    ]

    operations = [
        migrations.RunPython(create_themes, migrations.RunPython.noop),
        migrations.RunPython(grant_role_permissions, migrations.RunPython.noop),
    ]
