"""`manage.py generate_scale_data --persons N`: a deterministic province-scale data set (PostgreSQL)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from apps.core.scale_data import Refused, generate
from apps.core.scale_data.database import labels


class Command(BaseCommand):
    help = "生成省级规模的测试数据（仅 PostgreSQL）：同一随机种子和人数，生成的数据逐字节相同。"

    def add_arguments(self, parser):
        parser.add_argument("--persons", type=int, required=True, help="人员数量，例如 10000 或 1000000")
        parser.add_argument("--seed", type=int, default=2026, help="随机种子（默认 2026）")
        parser.add_argument("--reset", action="store_true", help="先清空本命令生成的各表")
        parser.add_argument("--workers", type=int, default=None, help="生成人员的进程数（默认 CPU 核数）")

    def handle(self, *args, persons: int, seed: int, reset: bool, workers: int | None, **options):
        try:
            summary = generate(persons=persons, seed=seed, reset=reset, workers=workers, report=self.stdout.write)
        except Refused as refusal:
            raise CommandError(str(refusal)) from None
        self.stdout.write("")
        self.stdout.write(f"省级规模数据已生成（人员 {persons:,} 名，随机种子 {seed}）。")
        self.stdout.write("各步骤用时：")
        for label, seconds in summary.seconds:
            self.stdout.write(f"  {seconds:8.1f} 秒  {label}")
        self.stdout.write(f"  {summary.total_seconds:8.1f} 秒  合计")
        self.stdout.write("各表行数：")
        names = labels()
        for table, rows in summary.rows.items():
            self.stdout.write(f"  {rows:>12,}  {names.get(table, table)}（{table}）")
