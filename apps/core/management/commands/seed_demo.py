"""`manage.py seed_demo`: the Qinghai demo data and users, safe to run again and again.

Each app that has demo data keeps it in its own `demo.py` with a `seed() -> list[str]`
function (lines to print, such as credentials). They run in INSTALLED_APPS order, which is
the dependency order, so an app's demo may build on the demos of the apps it depends on.
"""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = "写入青海演示数据和演示账号（可重复运行，不会重复创建）。"

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="在生产环境中也写入演示数据")

    def handle(self, *args, force: bool = False, **options):
        if settings.PRODUCTION and not force:
            raise CommandError("生产环境不写入演示数据；确需写入请加 --force。")
        lines: list[str] = []
        with transaction.atomic():
            for config in apps.get_app_configs():
                module_name = f"{config.name}.demo"
                if not config.name.startswith("apps.") or find_spec(module_name) is None:
                    continue
                lines += import_module(module_name).seed()
        for line in lines:
            self.stdout.write(line)
