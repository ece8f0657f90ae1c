from __future__ import annotations

import csv
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.organizations.services import regions_load_divisions

DEFAULT_CSV = Path(settings.BASE_DIR) / "fixtures" / "qinghai-divisions.csv"


def read_divisions(path: Path = DEFAULT_CSV) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


class Command(BaseCommand):
    help = "导入（或更新）统计用区划代码：省、市州、县区、乡镇街道。可重复运行。"

    def add_arguments(self, parser):
        parser.add_argument("csv", nargs="?", type=Path, default=DEFAULT_CSV, help="code,name,level,parent_code")

    def handle(self, *args, csv: Path, **options):
        created, renamed = regions_load_divisions(read_divisions(csv))
        self.stdout.write(f"区划：新增 {created} 个，更名 {renamed} 个。")
