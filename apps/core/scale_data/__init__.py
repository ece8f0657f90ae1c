"""Province-scale data: a deterministic Qinghai of N people for benchmarks (`manage.py generate_scale_data`).

Everything goes in through PostgreSQL COPY in one transaction, in dependency order:
the real divisions (through the service), the federations' units along them, host units
and their branches, people with their memberships (the costly step, in worker processes),
then venues and bookings, pooled resources, activities, service projects and training.
Each module keeps its ratios at its top, with where each comes from. Same seed and N,
same rows, byte for byte (timestamps included: the data describe `context.AS_OF`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction

from apps.core.scale_data import (
    activities,
    database,
    divisions,
    organizations,
    people,
    projects,
    resources,
    talent,
    venues,
)
from apps.core.scale_data.context import Context
from apps.core.scale_data.database import Refused

__all__ = ["Refused", "Summary", "generate"]


@dataclass
class Summary:
    seconds: list[tuple[str, float]] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # by table, in the order they were filled

    @property
    def total_seconds(self) -> float:
        return sum(seconds for _, seconds in self.seconds)


def _steps() -> list[tuple[str, Callable[[Context], None]]]:
    def load_divisions(ctx: Context) -> None:
        divisions.ensure_loaded()
        ctx.divisions = divisions.read()

    def load_organizations(ctx: Context) -> None:
        ctx.tree = organizations.build(ctx)
        organizations.write(ctx, ctx.tree)

    def load_people(ctx: Context) -> None:
        ctx.people = people.generate(ctx)

    return [
        ("区划", load_divisions),
        ("群团组织与所在单位", load_organizations),
        ("人员、身份与会员关系", load_people),
        ("场地、功能室与预约", venues.build),
        ("活动、报名与志愿时长", activities.build),
        ("服务中心、值班与经费", resources.build),
        ("服务项目与服务记录", projects.build),
        ("干部、轮岗、培训与专家", talent.build),
    ]


def generate(
    *, persons: int, seed: int = 2026, reset: bool = False, workers: int | None = None, report=print
) -> Summary:
    """Fill the database; `report` receives a line as each step ends. Raises Refused for a wrong database."""
    database.check_vendor()
    if persons < 1:
        raise Refused("--persons 至少为 1。")
    summary = Summary()
    with transaction.atomic(), connection.cursor() as cursor:
        started = time.perf_counter()
        database.prepare(cursor, reset=reset)
        database.restart_sequences(cursor)
        suspended = database.suspend_constraints(cursor)
        summary.seconds.append(("清空与检查", time.perf_counter() - started))
        ctx = Context(cursor=cursor, seed=seed, persons=persons, workers=workers or os.cpu_count() or 1)
        for label, step in _steps():
            started = time.perf_counter()
            step(ctx)
            summary.seconds.append((label, time.perf_counter() - started))
            report(f"{label}：{summary.seconds[-1][1]:.1f} 秒")
        started = time.perf_counter()
        database.restore_constraints(cursor, suspended)
        summary.seconds.append(("重建索引与约束", time.perf_counter() - started))
        started = time.perf_counter()
        database.advance_sequences(cursor)
        summary.seconds.append(("重置序列", time.perf_counter() - started))
    started = time.perf_counter()
    with connection.cursor() as cursor:
        database.analyze(cursor)
    summary.seconds.append(("ANALYZE", time.perf_counter() - started))
    summary.rows = dict(ctx.counts)
    return summary
