"""The requirements gate stops a run once, with a usage error, before the suite is imported.

An adopted project's root ``conftest.py`` lists the suite's plugins, or, with a
package too old, ``requirements_gate`` (template/tests/plugins) instead: none of
the suite's modules is imported (their import would crash) and configure raises
the usage error, after the command
line is parsed (raised at import, pytest 7 printed it a second time as a
``PluggyTeardownRaisedWarning``; the ``notes`` sample of test_adoption.py runs
pytest 7.4). The template's root conftest runs here in-process, its plugins
imported from the template and the needs stood in for; warnings are errors,
as in a project whose configuration says so (a plugin module imported before
pytest marks it for assertion rewriting would warn).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

import pytest

from harness.plugin_modules import load_plugin
from harness.project import TEMPLATE_ROOT

pytest_plugins = ["pytester"]

PLUGINS = "template_plugins"
NEEDS = f"{PLUGINS}.suite_requirements"
LOADED_BY_THE_ROOT_CONFTEST = ("requirements_gate", "asyncio_mode", "suite", "binding")


@contextmanager
def installed_needs(run_needs: list[str]) -> Iterator[None]:
    """``suite_requirements`` stood in for; the root conftest's plugins not imported yet."""
    load_plugin("versions")
    needs = ModuleType(NEEDS)
    needs.RUN_NEEDS = run_needs  # type: ignore[attr-defined]
    names = [NEEDS, *(f"{PLUGINS}.{name}" for name in LOADED_BY_THE_ROOT_CONFTEST)]
    saved = {name: sys.modules.pop(name, None) for name in names}
    sys.modules[NEEDS] = needs
    try:
        yield
    finally:
        for name, module in saved.items():
            sys.modules.pop(name, None)
            if module is not None:
                sys.modules[name] = module


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    """The adopted root ``conftest.py``, its plugins from the template; warnings are errors."""
    conftest = (TEMPLATE_ROOT / "template/conftest.py").read_text()
    pytester.makeconftest(conftest.replace("tests.plugins.", f"{PLUGINS}."))
    pytester.makeini("[pytest]\nfilterwarnings = error\n")
    pytester.makepyfile(test_own="def test_own():\n    pass\n")
    return pytester


def test_too_old_a_package_stops_the_run_once_without_importing_the_suite(
    project: pytest.Pytester,
) -> None:
    with installed_needs(["pytest>=99", "not-installed-anywhere>=1"]):
        run = project.runpytest()

    assert run.ret == pytest.ExitCode.USAGE_ERROR
    error = "\n".join(run.errlines)
    assert error.count("the test suite cannot run with these packages:") == 1
    assert "is installed, the suite needs pytest>=99" in error
    assert "not-installed-anywhere is not installed" in error
    assert "Fix: run `python3 tests/plugins/add_test_dependencies.py`" in error
    assert "template_plugins.suite" not in error + "\n".join(run.outlines)
    assert "Traceback" not in error


def test_with_every_package_new_enough_the_suite_is_imported(project: pytest.Pytester) -> None:
    with installed_needs(["pytest>=7"]):
        run = project.runpytest()

    output = "\n".join(run.outlines + run.errlines)
    # suite.py was imported: its own plugin list (tests.plugins.*, not importable in this
    # small project) is what stops the run here.
    assert 'Error importing plugin "tests.plugins.settings"' in output
    assert "cannot run with these packages" not in output
