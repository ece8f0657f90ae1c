"""Re-encrypt every encrypted column under the first key of FIELD_ENCRYPTION_KEYS, while the app runs.

The procedure (README, "Rotating the field encryption key"):

1. generate a key (`Fernet.generate_key()`), put it FIRST in FIELD_ENCRYPTION_KEYS, keep the
   old one after it, restart the web and Celery processes: new writes use the new key,
   every process still reads the old one;
2. run `manage.py rotate_field_keys` (as often as needed: it is resumable);
3. `manage.py rotate_field_keys --check` reports 0 rows left under another key;
4. drop the old key from FIELD_ENCRYPTION_KEYS and restart.

No downtime: each batch of rows is its own short transaction, and each row is written by
`UPDATE … SET <column> = <new token> WHERE id = … AND <column> = <old token>`, only that
column: a row the application changed since the batch was read keeps the application's
value (it is counted as "changed meanwhile"; a rerun examines it again). A row already
sealed under the first key is skipped, so an interrupted run resumes where it stopped at
the cost of one check a row; `--start-after` skips even that.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connections, router, transaction

from apps.core import crypto

REPORT = (
    "{label}.{field}：检查 {examined} 行，重新加密 {rotated} 行，已是当前密钥 {current} 行，期间被修改 {changed} 行"
)
CHECK_FAILED = "仍有 {count} 行不是用当前密钥加密的，请先运行 rotate_field_keys，再移除旧密钥。"
CHECK_PASSED = "全部加密字段均已使用当前密钥，可以从 FIELD_ENCRYPTION_KEYS 中移除旧密钥。"
PROGRESS = "{label}.{field}：已处理至 id {last_id}"


class Command(BaseCommand):
    help = "用 FIELD_ENCRYPTION_KEYS 的第一个密钥重新加密全部加密字段（分批、可中断后重跑，运行期间无需停机）。"

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="每批（每个事务）的行数。")
        parser.add_argument(
            "--start-after",
            default="",
            help="从某表某 id 之后继续，例如 members.person:120000（只对该表生效）。",
        )
        parser.add_argument(
            "--check", action="store_true", help="只检查：报告仍未使用当前密钥的行数；有则以非零状态退出。"
        )

    def handle(self, *args, batch_size: int, start_after: str, check: bool, verbosity: int = 1, **options):
        self.verbosity = verbosity
        crypto.forget_keys()
        resume = _parse_start_after(start_after)
        left = 0
        for model, field in crypto.encrypted_fields():
            label = model._meta.label_lower
            counts = self._rotate(model, field, batch_size, resume.get(label, 0), dry_run=check)
            left += counts["examined"] - counts["current"]
            self.stdout.write(REPORT.format(label=label, field=field.name, **counts))
        if check:
            if left:
                raise CommandError(CHECK_FAILED.format(count=left))
            self.stdout.write(self.style.SUCCESS(CHECK_PASSED))

    def _rotate(self, model, field, batch_size: int, last_id: int, *, dry_run: bool) -> dict[str, int]:
        connection = connections[router.db_for_write(model)]
        quote = connection.ops.quote_name
        table, pk, column = quote(model._meta.db_table), quote(model._meta.pk.column), quote(field.column)
        # Raw SQL: the ORM would hand back plaintext, and the update must compare the stored token.
        # Identifiers from the model's metadata, quoted; the values are parameters.
        select = (
            f"SELECT {pk}, {column} FROM {table} "  # noqa: S608  # nosec B608
            f"WHERE {pk} > %s AND {column} IS NOT NULL AND {column} <> '' ORDER BY {pk} LIMIT %s"
        )
        update = f"UPDATE {table} SET {column} = %s WHERE {pk} = %s AND {column} = %s"  # noqa: S608  # nosec B608
        counts = dict.fromkeys(("examined", "rotated", "current", "changed"), 0)
        while True:
            with connection.cursor() as cursor:
                cursor.execute(select, [last_id, batch_size])
                rows = cursor.fetchall()
            if not rows:
                return counts
            last_id = rows[-1][0]
            counts["examined"] += len(rows)
            stale = [(row_id, token) for row_id, token in rows if not crypto.is_current(token)]
            counts["current"] += len(rows) - len(stale)
            if stale and not dry_run:
                # Sealed before the transaction opens: the locks it takes last only for the UPDATEs.
                sealed = [(crypto.rotate(token), row_id, token) for row_id, token in stale]
                with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
                    for new_token, row_id, old_token in sealed:
                        cursor.execute(update, [new_token, row_id, old_token])
                        if cursor.rowcount == 1:
                            counts["rotated"] += 1
                        else:
                            counts["changed"] += 1
            if self.verbosity >= 2:
                self.stdout.write(PROGRESS.format(label=model._meta.label_lower, field=field.name, last_id=last_id))


def _parse_start_after(value: str) -> dict[str, int]:
    if not value:
        return {}
    label, _, last_id = value.rpartition(":")
    if not label or not last_id.isdigit():
        raise CommandError("--start-after 的格式应为 应用.模型:id，例如 members.person:120000。")
    return {label.lower(): int(last_id)}
