"""Reference data: which host units should have which federations' branches; the role groups' permissions
for joint branches, meetings and their follow-ups."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# host unit kind, from how many employees, federations whose branch it should have, basis
COVERAGE_RULES = [
    ("enterprise", 25, ["union", "youth_league", "women"], "《工会法》：二十五人以上的单位应当建立基层工会委员会"),
    ("enterprise", 0, ["union"], "企业职工依法组建或加入工会"),
    ("industrial_park", 0, ["union", "youth_league", "women", "science"], "园区群团组织联建全覆盖"),
    ("business_district", 0, ["union", "youth_league", "women"], "商务楼宇（商圈）联建"),
    ("professional_market", 0, ["union", "women"], "专业市场联建"),
    ("internet_firm", 0, ["union", "youth_league", "women"], "互联网企业联建"),
    ("new_economic_org", 25, ["union", "youth_league"], "新经济组织应建尽建"),
    ("new_social_org", 25, ["union", "youth_league"], "新社会组织应建尽建"),
]

ALL = ("add", "change", "delete", "view")
WORK = ("jointbranch", "meeting", "decision", "followup")
ROLE_PERMISSIONS = {
    "省级管理员": {**dict.fromkeys(WORK, ALL), "coveragerule": ALL},
    "市州管理员": {**dict.fromkeys(WORK, ALL), "coveragerule": ("view",)},
    "县级群团服务中心工作人员": {**dict.fromkeys(WORK, ("add", "change", "view")), "coveragerule": ("view",)},
    "群团服务站工作人员": {"jointbranch": ("view",), "meeting": ("view",), "followup": ("view",)},
    "群团组织联络员": {"jointbranch": ("view",), "meeting": ("view",), "followup": ("change", "view")},
}


def create_coverage_rules(apps, schema_editor):
    CoverageRule = apps.get_model("organizations", "CoverageRule")
    Federation = apps.get_model("organizations", "Federation")
    for kind, head_count, federations, note in COVERAGE_RULES:
        rule, created = CoverageRule.objects.get_or_create(
            host_unit_kind=kind, min_head_count=head_count, defaults={"note": note}
        )
        if created:
            rule.federations.set(Federation.objects.filter(code__in=federations))


def grant_role_permissions(apps, schema_editor):
    app_config = apps.get_app_config("organizations")
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
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="organizations", codename__in=codenames)
        )


class Migration(migrations.Migration):
    dependencies = [("organizations", "0004_cobuilding")]

    operations = [
        migrations.RunPython(create_coverage_rules, migrations.RunPython.noop),
        migrations.RunPython(grant_role_permissions, migrations.RunPython.noop),
    ]
