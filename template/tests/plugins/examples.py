"""The suite's examples among a project's own fixtures: a failure names the fixture.

pytest sets up every autouse fixture of the ``conftest.py`` files above a test,
so a project's own (one in ``tests/unit/conftest.py`` that opens its database
or needs a service) also runs before the examples dropped next to its tests
(``tests/*/test_pyramid_*.py``), which use none of them. When such a fixture
fails an example's setup, the error starts by naming it and where it is
defined, so that it does not read as the example's failure; the examples carry
the ``pyramid_example`` marker, which the fixture can check to stay out of them.
"""

from __future__ import annotations

import inspect
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

EXAMPLE_PREFIX = "test_pyramid_"
MARKER = "pyramid_example"
SUITE_FOLDERS = ("tests/plugins", "tests/fixtures")
"""Where the suite's fixtures live; other fixtures under the project root are the project's."""
PROJECT_FIXTURE_MESSAGE = (
    "{nodeid} is one of the suite's examples and uses none of your fixtures, but pytest set "
    "up your fixture '{name}' ({where}) for it, autouse, and that fixture failed: {error}\n"
    "Fix: let '{name}' stay out of the suite's examples (they carry the {marker} marker: "
    'return early when request.node.get_closest_marker("{marker}") is set), or request it '
    "from the tests that need it instead of autouse. "
    "See docs/testing.md#your-own-fixtures-and-the-examples"
)


def is_example(item: pytest.Item) -> bool:
    return item.path.name.startswith(EXAMPLE_PREFIX)


def project_fixture_location(func: Any, rootpath: Path) -> str | None:
    """``path:line`` of a fixture function the project defines, None for anyone else's."""
    try:
        path = Path(inspect.getsourcefile(func) or "").resolve()
        line = inspect.getsourcelines(func)[1]
    except (OSError, TypeError):
        return None
    root = rootpath.resolve()
    if not path.is_relative_to(root) or ".venv" in path.relative_to(root).parts:
        return None
    relative = path.relative_to(root)
    if any(relative.is_relative_to(folder) for folder in SUITE_FOLDERS):
        return None
    return f"{relative.as_posix()}:{line}"


failed_fixtures_key = pytest.StashKey[dict[int, tuple[BaseException, str, str]]]()


# -- hooks -------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{MARKER}: one of test-pyramid's examples (set on tests/*/test_pyramid_*.py)"
    )
    config.stash[failed_fixtures_key] = {}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if is_example(item):
            item.add_marker(MARKER)


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef[Any], request: pytest.FixtureRequest) -> Any:
    """Remember which project fixture raised (a cached failure raises the same error again)."""
    try:
        return (yield)
    except BaseException as error:
        where = project_fixture_location(fixturedef.func, request.config.rootpath)
        if where is not None:
            failed = request.config.stash[failed_fixtures_key]
            failed[id(error)] = (error, fixturedef.argname, where)
        raise


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if call.when != "setup" or call.excinfo is None or not report.failed or not is_example(item):
        return report
    error = call.excinfo.value
    culprit = item.config.stash[failed_fixtures_key].get(id(error))
    if culprit is not None and culprit[0] is error:
        _, name, where = culprit
        message = PROJECT_FIXTURE_MESSAGE.format(
            nodeid=item.nodeid,
            name=name,
            where=where,
            error=f"{type(error).__name__}: {error}".splitlines()[0],
            marker=MARKER,
        )
        report.longrepr = f"{message}\n\n{report.longrepr}"
    return report
