"""The project's settings with the bench-only views mounted (never used outside bench/)."""

from qunzhi.settings import *  # noqa: F403

ROOT_URLCONF = "bench.suite.urls"
