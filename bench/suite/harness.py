"""Measuring and recording: interleaved runs, medians, p95, ratios against targets, the JSON file."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = Path(os.environ.get("BENCH_RESULTS", ROOT / "bench" / "results" / "suite.json"))


def timed(call: Callable[[], object]) -> float:
    """Seconds one call takes."""
    began = time.perf_counter()
    call()
    return time.perf_counter() - began


def interleave(anchor: Callable[[], float], candidate: Callable[[], float], runs: int, warmup: int = 1):
    """Each callable returns one measurement (seconds, or requests per second); they are run
    A B A B … so that the machine's load drifts over both alike. Warm-up runs are not kept."""
    for _ in range(warmup):
        anchor()
        candidate()
    anchors, candidates = [], []
    for _ in range(runs):
        anchors.append(anchor())
        candidates.append(candidate())
    return anchors, candidates


def median(values) -> float:
    return statistics.median(values)


def p95(values) -> float:
    """The nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


@dataclass(frozen=True)
class Target:
    """`≥ 0.7` (more is better: throughput ratios) or `≤ 1.25` (less is better: time ratios)."""

    op: str
    value: float

    def met(self, ratio: float) -> bool:
        return ratio >= self.value if self.op == ">=" else ratio <= self.value

    def __str__(self) -> str:
        return f"{'≥' if self.op == '>=' else '≤'} {self.value:g}"


def at_least(value: float) -> Target:
    return Target(">=", value)


def at_most(value: float) -> Target:
    return Target("<=", value)


@dataclass
class Comparison:
    """One ratio: the candidate's figure over the anchor's, both medians of the same run."""

    name: str
    anchor: str
    candidate: str
    anchor_value: float
    candidate_value: float
    unit: str
    target: Target | None = None
    extra: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.candidate_value / self.anchor_value if self.anchor_value else math.inf

    @property
    def met(self) -> bool | None:
        return None if self.target is None else self.target.met(self.ratio)

    def line(self) -> str:
        verdict = "" if self.target is None else f"  目标 {self.target} {'✔ 达到' if self.met else '✘ 未达到'}"
        return (
            f"  {self.name}: {self.candidate} {self.candidate_value:,.1f} {self.unit}"
            f" / {self.anchor} {self.anchor_value:,.1f} {self.unit} = {self.ratio:.2f}{verdict}"
        )

    def as_dict(self) -> dict:
        figures = asdict(self)
        figures["target"] = str(self.target) if self.target else None
        figures.update(ratio=round(self.ratio, 3), met=self.met)
        for key in ("anchor_value", "candidate_value"):
            figures[key] = round(figures[key], 3)
        return figures


@dataclass
class Check:
    """A yes-or-no result that is not a ratio: equal query counts, no double bookings, flat memory."""

    name: str
    passed: bool
    detail: str = ""

    def line(self) -> str:
        return f"  {self.name}: {'✔' if self.passed else '✘'} {self.detail}"

    def as_dict(self) -> dict:
        return asdict(self)


def _succeeded(item: Comparison | Check) -> bool:
    return item.passed if isinstance(item, Check) else item.met is not False


class Scenario:
    """Collects one scenario's comparisons and checks, prints them as they come and records them
    under the scenario's number in the results file (a later run replaces its own entry only)."""

    def __init__(self, number: int, title: str, path: Path = RESULTS):
        self.number, self.title, self.path = number, title, path
        self.items: list[Comparison | Check] = []
        self.facts: dict = {}
        print(f"[{number}] {title}", flush=True)

    def compare(self, comparison: Comparison) -> Comparison:
        self.items.append(comparison)
        print(comparison.line(), flush=True)
        return comparison

    def check(self, name: str, passed: bool, detail: str = "") -> Check:
        check = Check(name, passed, detail)
        self.items.append(check)
        print(check.line(), flush=True)
        return check

    def note(self, **facts) -> None:
        """Figures worth keeping that are neither ratios nor checks (row counts, p95s, sizes)."""
        self.facts.update(facts)
        for key, value in facts.items():
            print(f"  {key}: {value}", flush=True)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        results = json.loads(self.path.read_text()) if self.path.exists() else {}
        results[str(self.number)] = {
            "title": self.title,
            "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPU, load {os.getloadavg()[0]:.1f}",
            "results": [item.as_dict() for item in self.items],
            "facts": self.facts,
            "all_met": all(
                getattr(item, "met", None) is not False and getattr(item, "passed", True) for item in self.items
            ),
        }
        self.path.write_text(
            json.dumps(dict(sorted(results.items(), key=lambda kv: int(kv[0]))), ensure_ascii=False, indent=2) + "\n"
        )

    def __enter__(self) -> Scenario:
        return self

    def __exit__(self, *exc) -> None:
        if exc[0] is None:
            self.save()
