"""What the scenario modules share: their command line and an in-process Django when they need one."""

from __future__ import annotations

import argparse
import os


def arguments(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="fewer runs: to try, not to record")
    return parser.parse_args()


def runs(args: argparse.Namespace, full: int, quick: int = 3) -> int:
    return quick if args.quick else full


def setup_django(database_url: str | None = None) -> None:
    """Django in this process, on the given database (default DATABASE_URL), without DEBUG."""
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.suite.settings")
    import django

    django.setup()
