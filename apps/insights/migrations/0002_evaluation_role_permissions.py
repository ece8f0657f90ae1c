"""The role groups' permissions for joint evaluation: each level drafts, publishes and scores the
schemes of its own area; everyone sees the evaluations of their scope."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ALL = ("add", "change", "delete", "view")
SEE = {"evaluationscheme": ("view",), "indicator": ("view",), "evaluation": ("view",), "score": ("view",)}
RUN = {"evaluationscheme": ALL, "indicator": ALL, "evaluation": ("view",), "score": ("change", "view")}
ROLE_PERMISSIONS = {
    "省级管理员": RUN,
    "市州管理员": RUN,
    "县级群团服务中心工作人员": RUN,
    "群团服务站工作人员": SEE,
    "群团组织联络员": SEE,
}


def grant_role_permissions(apps, schema_editor):
    app_config = apps.get_app_config("insights")
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
        group.permissions.add(*Permission.objects.filter(content_type__app_label="insights", codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [("insights", "0001_joint_evaluation"), ("organizations", "0002_federations_and_role_groups")]

    operations = [migrations.RunPython(grant_role_permissions, migrations.RunPython.noop)]
