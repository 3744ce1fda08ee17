"""Per-test cost, side by side: the template's isolation strategies and its peers.

One round runs the template's interleaved strategy module with the fast SQLite
path (the default), then on aiosqlite's thread, then the same work under
pytest-django and under pytest-sqla; rounds repeat, so a change in machine load
during the run affects every side alike. Medians pool the rounds.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from harness.project import GeneratedProject

from . import peer_django, peer_sqla
from .durations import MeasuredTest, group_by, median_ms
from .experiments import StrategyCost
from .generated_tests import BENCHMARK_FOLDER, STRATEGIES, strategy_of, write_isolation_tests
from .peers import PEER_TESTS, django_peer, sqla_peer
from .runner import clone, pytest_help, timed_pytest
from .settings import Sizes

INLINE_SWITCH = "pyramid_sqlite_inline"
THREAD_PREFIX = "thread_"
"""Prefix of the template's strategies measured with ``pyramid_sqlite_inline=false``."""
KEEP_ORDER = "--randomly-dont-reorganize"


def measure_isolation(project: GeneratedProject, workdir: Path, sizes: Sizes) -> list[StrategyCost]:
    """Per-test median of every strategy, ours and the peers', over interleaved rounds."""
    per_round = max(1, sizes.tests_per_strategy // sizes.isolation_rounds)
    copy = clone(project, workdir, "isolation")
    write_isolation_tests(copy, per_round)
    inline_available = INLINE_SWITCH in pytest_help(copy)
    django = django_peer(workdir, project.bin("python"), per_round)
    sqla = sqla_peer(workdir, project, per_round)

    pooled: dict[str, list[MeasuredTest]] = defaultdict(list)
    for _ in range(sizes.isolation_rounds):
        ours = timed_pytest(copy, "-n", "0", KEEP_ORDER, BENCHMARK_FOLDER)
        _pool(pooled, ours.durations)
        if inline_available:
            off = ("-o", f"{INLINE_SWITCH}=false")
            thread = timed_pytest(copy, "-n", "0", KEEP_ORDER, *off, BENCHMARK_FOLDER)
            _pool(pooled, thread.durations, prefix=THREAD_PREFIX)
        _pool(pooled, timed_pytest(django, PEER_TESTS).durations)
        _pool(pooled, timed_pytest(sqla, PEER_TESTS).durations)
    keys = [*STRATEGIES, *peer_django.STRATEGIES, *peer_sqla.STRATEGIES]
    if inline_available:
        keys += [THREAD_PREFIX + key for key in STRATEGIES]
    return [
        StrategyCost(
            key, len(pooled[key]), median_ms(pooled[key]), median_ms(pooled[key], cpu=True)
        )
        for key in keys
    ]


def _pool(
    pooled: dict[str, list[MeasuredTest]], durations: list[MeasuredTest], prefix: str = ""
) -> None:
    for key, tests in group_by(durations, lambda duration: strategy_of(duration.name)).items():
        pooled[prefix + key] += tests
