"""Stop a run whose installed packages the suite cannot work with, before the suite is imported.

The root ``conftest.py`` lists this plugin instead of the suite's plugins when
``versions.installed_problems`` finds something: the suite's own import is
what would crash (pytest-asyncio 0.21 has no ``loop_scope``, SQLAlchemy 2.1
without greenlet cannot run asyncio). The usage error is raised here, at
configure, once the command line is parsed: raised while the conftest is
imported, pytest 7 printed it twice (its old-style hook wrappers repeat it as a
``PluggyTeardownRaisedWarning``). The versions are the installed ones
(``importlib.metadata``), whatever the project's files declare.
"""

from __future__ import annotations

import pytest

from .suite_requirements import RUN_NEEDS
from .versions import installed_problems

FIX = (
    "Fix: run `python3 tests/plugins/add_test_dependencies.py` from the project's root: it "
    "names the pin of yours that holds a package back, updates it where your tool allows and "
    "installs the suite's versions. See docs/testing.md#adopting-the-suite-into-your-project"
)


PROBLEMS = installed_problems(RUN_NEEDS)


def usage_error(found: list[str]) -> pytest.UsageError:
    """The error that names each package, the version found and the one needed."""
    lines = "\n".join(f"  - {problem}" for problem in found)
    return pytest.UsageError(f"the test suite cannot run with these packages:\n{lines}\n{FIX}")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    if PROBLEMS:
        raise usage_error(PROBLEMS)
