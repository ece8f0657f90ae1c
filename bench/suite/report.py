"""bench/results/suite.json as Markdown tables, for bench/RESULTS.md: `python -m bench.suite.report`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench.suite.harness import RESULTS

MANY = 20


def _number(value: float, unit: str) -> str:
    return f"{value:,.0f} {unit}" if value >= 100 else f"{value:,.1f} {unit}"


def render(results: dict) -> str:
    lines = []
    for number, entry in results.items():
        lines += [f"### {number}. {entry['title']}", "", f"{entry['measured_at']} · {entry['machine']}", ""]
        comparisons = [item for item in entry["results"] if "ratio" in item]
        checks = [item for item in entry["results"] if "passed" in item]
        shown = comparisons
        if len(comparisons) > MANY:  # scenario 10's every endpoint: the misses only
            shown = [item for item in comparisons if item["met"] is False]
            met = sum(item["met"] is True for item in comparisons)
            targeted = sum(item["target"] is not None for item in comparisons)
            lines += [
                f"{met} of {targeted} comparisons with a target meet it ({len(comparisons) - targeted} more measured"
                " with no target: fewer rows at the smaller size); the others:",
                "",
            ]
        if shown:
            lines += ["| | anchor | candidate | ratio | target |", "|---|---:|---:|---:|---|"]
            for item in shown:
                target = "—" if item["target"] is None else f"{item['target']} {'✔' if item['met'] else '✘'}"
                lines.append(
                    f"| {item['name']} | {item['anchor']}: {_number(item['anchor_value'], item['unit'])}"
                    f" | {item['candidate']}: {_number(item['candidate_value'], item['unit'])}"
                    f" | {item['ratio']:.2f} | {target} |"
                )
            lines.append("")
        failed = [item for item in checks if not item["passed"]]
        if checks:
            lines.append(f"Checks: {len(checks) - len(failed)} of {len(checks)} passed.")
            lines += [f"- ✘ {item['name']} {item['detail']}" for item in failed]
            lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else RESULTS
    print(render(json.loads(path.read_text())))
