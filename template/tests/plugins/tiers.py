"""Tiers by folder: ``tests/unit``, ``tests/integration`` and ``tests/e2e``.

Each collected test gets its tier's marker, so ``pytest -m unit`` selects by
folder without anyone remembering to write ``@pytest.mark.unit``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

TIERS = ("unit", "integration", "e2e")

tier_key = pytest.StashKey[str]()


def tier_of(item: pytest.Item) -> str | None:
    """The tier of a collected test, or None for a test outside the tier folders."""
    return item.stash.get(tier_key, None)


def tier_from_path(path: Path, tests_root: Path) -> str | None:
    try:
        relative = path.relative_to(tests_root)
    except ValueError:
        return None
    top = relative.parts[0] if len(relative.parts) > 1 else None
    return top if top in TIERS else None


# -- hooks -------------------------------------------------------------------


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tests_root = config.rootpath / "tests"
    for item in items:
        tier = tier_from_path(item.path, tests_root)
        if tier is not None:
            item.stash[tier_key] = tier
            item.add_marker(tier)
