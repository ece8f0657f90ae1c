"""Reference data: identity tags, the federations' default eligibility rules (after their
charters; provincial admins edit them in the admin) and the role groups' permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

TAGS = [
    ("worker", "职工", 10),
    ("farmer_herder", "农牧民", 20),
    ("student", "学生", 30),
    ("migrant_worker", "农民工", 40),
    ("gig_worker", "新就业形态劳动者", 50),
    ("retired", "退休", 60),
    ("disabled", "残疾人", 70),
    ("volunteer", "志愿者", 80),
    ("veteran", "退役军人", 90),
]

# federation code, rule name, tags (any), min_age, max_age, gender, employer branch, retain with post
RULES = [
    ("union", "有工会组织的单位职工", ["worker", "migrant_worker", "gig_worker"], 16, None, "", True, False),
    ("youth_league", "14 至 28 周岁青年", [], 14, 28, "", False, True),
    ("women", "18 周岁以上妇女", [], 18, None, "female", False, False),
    ("disabled", "持证残疾人", ["disabled"], None, None, "", False, False),
]

ALL = ("add", "change", "delete", "view")
ROLE_PERMISSIONS = {
    "省级管理员": {
        "person": ALL,
        "membership": ALL,
        "cadrepost": ALL,
        "eligibilityrule": ALL,
        "identitytag": ALL,
        "extra": ("view_full_id_number",),
    },
    "市州管理员": {
        "person": ("add", "change", "view"),
        "membership": ("add", "change", "view"),
        "cadrepost": ALL,
        "eligibilityrule": ("view",),
        "identitytag": ("view",),
        "extra": ("view_full_id_number",),
    },
    "县级群团服务中心工作人员": {
        "person": ("add", "change", "view"),
        "membership": ("add", "change", "view"),
        "cadrepost": ("add", "change", "view"),
        "eligibilityrule": ("view",),
        "identitytag": ("view",),
    },
    "群团服务站工作人员": {
        "person": ("add", "change", "view"),
        "membership": ("view",),
        "cadrepost": ("view",),
        "identitytag": ("view",),
    },
    "群团组织联络员": {
        "person": ("view",),
        "membership": ("add", "change", "view"),
        "cadrepost": ("add", "change", "view"),
        "identitytag": ("view",),
    },
}


def create_tags_and_rules(apps, schema_editor):
    IdentityTag = apps.get_model("members", "IdentityTag")
    EligibilityRule = apps.get_model("members", "EligibilityRule")
    Federation = apps.get_model("organizations", "Federation")
    tags = {}
    for code, name, order in TAGS:
        tags[code], _ = IdentityTag.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})
    for federation_code, name, tag_codes, min_age, max_age, gender, branch, retain in RULES:
        federation = Federation.objects.filter(code=federation_code).first()
        if federation is None or EligibilityRule.objects.filter(federation=federation, name=name).exists():
            continue
        rule = EligibilityRule.objects.create(
            federation=federation,
            name=name,
            min_age=min_age,
            max_age=max_age,
            gender=gender,
            requires_employer_branch=branch,
            retain_with_post=retain,
        )
        rule.identity_tags.set([tags[code] for code in tag_codes])


def grant_role_permissions(apps, schema_editor):
    for app_label in ("core", "members"):
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
        codenames = list(grants.get("extra", ()))
        for model, actions in grants.items():
            if model != "extra":
                codenames += [f"{action}_{model}" for action in actions]
        group.permissions.add(*Permission.objects.filter(content_type__app_label="members", codename__in=codenames))
    # The audit trail of full ID views and exports is the province's to read.
    Group.objects.get(name="省级管理员").permissions.add(
        *Permission.objects.filter(content_type__app_label="core", codename="view_auditevent")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0001_initial"),
        ("organizations", "0002_federations_and_role_groups"),
        ("core", "0002_auditevent"),
    ]

    operations = [
        migrations.RunPython(create_tags_and_rules, migrations.RunPython.noop),
        migrations.RunPython(grant_role_permissions, migrations.RunPython.noop),
    ]
