from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "apps.organizations"
    label = "organizations"
    verbose_name = "组织共建"

    def ready(self):
        from apps.organizations import coverage_cache

        coverage_cache.connect()
