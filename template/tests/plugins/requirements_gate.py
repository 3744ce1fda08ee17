"""Stop a run whose installed packages the suite cannot work with, before the suite is imported.

The root ``conftest.py`` lists this plugin before the suite, and it checks at
import: the suite's own import is what would crash (pytest-asyncio 0.21 has no
``loop_scope``, SQLAlchemy 2.1 without greenlet cannot run asyncio), so a check
in ``pytest_configure`` would come too late. The versions are the installed
ones (``importlib.metadata``), whatever the project's files declare.
"""

from __future__ import annotations

from importlib import metadata

import pytest

from .suite_requirements import RUN_NEEDS
from .versions import Requirement, unusable

FIX = (
    "Fix: run `python3 tests/plugins/add_test_dependencies.py` from the project's root: it "
    "names the pin of yours that holds a package back, updates it where your tool allows and "
    "installs the suite's versions. See docs/testing.md#adopting-the-suite-into-your-project"
)


def installed_versions(needs: list[str]) -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for need in needs:
        name = Requirement.parse(need).name
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def check(needs: list[str]) -> None:
    """Raise the usage error that names each package, the version found and the one needed."""
    problems = unusable(needs, installed_versions(needs))
    if problems:
        lines = "\n".join(f"  - {problem}" for problem in problems)
        raise pytest.UsageError(f"the test suite cannot run with these packages:\n{lines}\n{FIX}")


check(RUN_NEEDS)
