"""Reference data: work natures, content categories and service types; the role groups' permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

WORK_NATURES = [
    ("achievement", "建功立业"),
    ("rights", "维权服务"),
    ("brand", "品牌创新"),
    ("quality", "素质提升"),
    ("care", "关爱帮扶"),
]
CONTENT_CATEGORIES = [
    ("cadre_training", "干部培训"),
    ("skills_contest", "职业技能竞赛"),
    ("family_education", "家庭教育"),
    ("barrier_free", "无障碍改造"),
    ("warm_heart", "暖心工程"),
    ("employment", "就业创业"),
    ("legal_aid", "法律维权"),
    ("hardship_relief", "困难帮扶"),
    ("health", "健康服务"),
]
# code, name, unit, one-off, content category
SERVICE_TYPES = [
    ("cadre_course", "干部培训", "人次", False, "cadre_training"),
    ("skills_contest_entry", "技能竞赛参赛", "人次", False, "skills_contest"),
    ("skills_training", "职业技能培训", "人次", False, "employment"),
    ("job_referral", "就业推荐", "次", False, "employment"),
    ("family_guidance", "家庭教育指导", "人次", False, "family_education"),
    ("barrier_free_home", "家庭无障碍改造", "户", True, "barrier_free"),
    ("kang_retrofit", "电热炕改造", "户", True, "warm_heart"),
    ("legal_consultation", "法律咨询援助", "次", False, "legal_aid"),
    ("hardship_grant", "困难帮扶救助金", "元", False, "hardship_relief"),
    ("health_check", "健康体检", "人次", False, "health"),
]

ALL = ("add", "change", "delete", "view")
WORK = ("serviceproject", "projectparticipant", "bundle", "goal", "projectexpense")
REFERENCE = ("policystandard", "worknature", "contentcategory", "servicetype")
STAFF = {
    **dict.fromkeys(WORK, ("add", "change", "view")),
    # Unbundling deletes only the bundle: its projects carry on with all their records.
    "bundle": ALL,
    "goal": ALL,
    "servicerecord": ("add", "change", "view"),
    **dict.fromkeys(REFERENCE, ("view",)),
}
ROLE_PERMISSIONS = {
    "省级管理员": dict.fromkeys((*WORK, *REFERENCE, "servicerecord"), ALL),
    "市州管理员": {**STAFF, "servicerecord": ALL},
    "县级群团服务中心工作人员": STAFF,
    "群团服务站工作人员": {
        "serviceproject": ("view",),
        "bundle": ("view",),
        "servicerecord": ("add", "view"),
        **dict.fromkeys(REFERENCE, ("view",)),
    },
    "群团组织联络员": STAFF,
}


def create_reference_data(apps, schema_editor):
    WorkNature = apps.get_model("projects", "WorkNature")
    ContentCategory = apps.get_model("projects", "ContentCategory")
    ServiceType = apps.get_model("projects", "ServiceType")
    for order, (code, name) in enumerate(WORK_NATURES, start=1):
        WorkNature.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order * 10})
    for order, (code, name) in enumerate(CONTENT_CATEGORIES, start=1):
        ContentCategory.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order * 10})
    for order, (code, name, unit, one_off, category) in enumerate(SERVICE_TYPES, start=1):
        ServiceType.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "unit": unit,
                "one_off": one_off,
                "category": ContentCategory.objects.get(code=category),
                "sort_order": order * 10,
            },
        )


def grant_role_permissions(apps, schema_editor):
    app_config = apps.get_app_config("projects")
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
        group.permissions.add(*Permission.objects.filter(content_type__app_label="projects", codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0001_initial"),
        ("organizations", "0002_federations_and_role_groups"),
    ]

    operations = [
        migrations.RunPython(create_reference_data, migrations.RunPython.noop),
        migrations.RunPython(grant_role_permissions, migrations.RunPython.noop),
    ]
