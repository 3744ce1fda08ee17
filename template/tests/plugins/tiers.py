"""Tiers by folder: ``tests/unit``, ``tests/integration`` and ``tests/e2e``.

Each collected test gets its tier's marker, so ``pytest -m unit`` selects by
folder without anyone remembering to write ``@pytest.mark.unit``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

TIERS = ("unit", "integration", "e2e")
MARKERS = (
    "unit: fast, isolated tests of pure logic (<100ms); applied to tests/unit automatically",
    "integration: tests against the real database or HTTP (<1s); "
    "applied to tests/integration automatically",
    "e2e: complete user workflows; applied to tests/e2e automatically",
    'slow: takes more than 1s; deselected by default, run with -m ""',
    "performance: takes more than 5s or measures speed; deselected by default",
    "diagnostic: investigation or profiling aid, not a check; deselected by default",
)
"""Registered here so they hold in any project (an adopted one too); the reference
render's ``[tool.pytest.ini_options] markers`` lists the same, where pytest users look."""

tier_key = pytest.StashKey[str]()


def tier_of(item: pytest.Item) -> str | None:
    """The tier of a collected test, or None for a test outside the tier folders."""
    return item.stash.get(tier_key, None)


def marker_name(line: str) -> str:
    """``"slow: takes..."`` and ``"slow(reason): ..."`` both register ``slow``."""
    return line.split(":", 1)[0].split("(", 1)[0].strip()


def tier_from_path(path: Path, tests_root: Path) -> str | None:
    try:
        relative = path.relative_to(tests_root)
    except ValueError:
        return None
    top = relative.parts[0] if len(relative.parts) > 1 else None
    return top if top in TIERS else None


# -- hooks -------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    configured = {marker_name(line) for line in config.getini("markers")}
    for marker in MARKERS:
        if marker_name(marker) not in configured:  # `pytest --markers` lists each once
            config.addinivalue_line("markers", marker)


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tests_root = config.rootpath / "tests"
    for item in items:
        tier = tier_from_path(item.path, tests_root)
        if tier is not None:
            item.stash[tier_key] = tier
            item.add_marker(tier)
