"""Run the suite: each scenario in its own process (its own Django, its own peak memory), then a
summary of every ratio against its target from bench/results/suite.json."""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import subprocess
import sys
import time

from bench.suite import databases, scenarios, server
from bench.suite.harness import RESULTS, ROOT


def available() -> dict[int, str]:
    """Scenario number → module: `bench/suite/scenarios/s01_http_floor.py` is scenario 1."""
    found = {}
    for module in pkgutil.iter_modules(scenarios.__path__):
        if module.name.startswith("s") and module.name[1:3].isdigit():
            found[int(module.name[1:3])] = f"bench.suite.scenarios.{module.name}"
    return dict(sorted(found.items()))


def main() -> int:
    parser = argparse.ArgumentParser(description="群智 benchmark suite (issue 10)")
    parser.add_argument("--only", help="scenario numbers, e.g. 1,2,8 (default: all)")
    parser.add_argument("--quick", action="store_true", help="fewer runs: to try the suite, not to record")
    args = parser.parse_args()
    chosen = available()
    if args.only:
        wanted = {int(number) for number in args.only.split(",")}
        chosen = {number: module for number, module in chosen.items() if number in wanted}
    for url in (databases.LARGE, databases.SMALL):
        server.prepare(url)
    failed, started = [], time.monotonic()
    for number, module in chosen.items():
        began = time.monotonic()
        command = [sys.executable, "-m", module] + (["--quick"] if args.quick else [])
        if subprocess.run(command, cwd=ROOT, env=server.environment(databases.LARGE)).returncode:
            failed.append(number)
        print(f"  ({time.monotonic() - began:.0f} s)\n", flush=True)
    summary(chosen)
    print(f"共用时 {(time.monotonic() - started) / 60:.1f} 分钟" + (f"；出错的场景：{failed}" if failed else ""))
    return 1 if failed else 0


def summary(chosen: dict[int, str]) -> None:
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    print("汇总 (bench/results/suite.json)")
    for number in chosen:
        entry = results.get(str(number))
        if entry is None:
            print(f"[{number}] 未完成")
            continue
        title = importlib.import_module(chosen[number]).TITLE
        print(f"[{number}] {title}: {'全部达到目标' if entry['all_met'] else '有未达到的目标'}")
        for item in entry["results"]:
            if "ratio" in item:
                verdict = "" if item["target"] is None else f"目标 {item['target']} {'✔' if item['met'] else '✘'}"
                print(f"    {item['name']}: {item['ratio']:.2f} {verdict}")
            else:
                print(f"    {item['name']}: {'✔' if item['passed'] else '✘'} {item['detail']}")


if __name__ == "__main__":
    sys.exit(main())
