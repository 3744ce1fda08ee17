"""Stop a run whose installed packages the suite cannot work with, before the suite is imported.

The root ``conftest.py`` loads this plugin first and the suite's plugins only
through ``suite_plugins``, which lists none of them when a package is too old
or missing: the suite's own import is what would crash (pytest-asyncio 0.21
has no ``loop_scope``, SQLAlchemy 2.1 without greenlet cannot run asyncio).
The usage error itself is raised at configure, once the command line is
parsed: raised while the conftest is imported, pytest 7 would print it twice
(its old-style hook wrappers repeat it as a ``PluggyTeardownRaisedWarning``).
The versions are the installed ones (``importlib.metadata``), whatever the
project's files declare.
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


def problems(needs: list[str]) -> list[str]:
    """What is wrong with the installed packages, one line each (none when all is well)."""
    return unusable(needs, installed_versions(needs))


PROBLEMS = problems(RUN_NEEDS)


def suite_plugins(plugins: list[str]) -> list[str]:
    """``plugins`` if the installed packages can import them; else none, and configure stops."""
    return [] if PROBLEMS else plugins


def usage_error(found: list[str]) -> pytest.UsageError:
    """The error that names each package, the version found and the one needed."""
    lines = "\n".join(f"  - {problem}" for problem in found)
    return pytest.UsageError(f"the test suite cannot run with these packages:\n{lines}\n{FIX}")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    if PROBLEMS:
        raise usage_error(PROBLEMS)
