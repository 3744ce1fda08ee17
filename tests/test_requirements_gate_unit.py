"""The requirements gate stops a run once, with a usage error, before the suite is imported.

``requirements_gate`` (template/tests/plugins) is loaded first by an adopted
project's root ``conftest.py``, which lists the suite's plugins through
``suite_plugins``: with a package too old, none of them is imported (their
import would crash) and configure raises the usage error, after the command
line is parsed (raised at import, pytest 7 printed it a second time as a
``PluggyTeardownRaisedWarning``; the ``notes`` sample of test_adoption.py runs
pytest 7.4). The needs are stood in for, so the check runs here in-process.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from types import ModuleType

import pytest

from harness.plugin_modules import load_plugin

pytest_plugins = ["pytester"]

GATE = "template_plugins.requirements_gate"
NEEDS = "template_plugins.suite_requirements"
ROOT_CONFTEST = f"""\
from {GATE} import suite_plugins

pytest_plugins = ["{GATE}", *suite_plugins(["crashes_when_imported"])]
"""


def gate_with(run_needs: list[str]) -> Iterator[ModuleType]:
    load_plugin("versions")
    needs = ModuleType(NEEDS)
    needs.RUN_NEEDS = run_needs  # type: ignore[attr-defined]
    saved = {name: sys.modules.pop(name, None) for name in (NEEDS, GATE)}
    sys.modules[NEEDS] = needs
    try:
        yield load_plugin("requirements_gate")
    finally:
        for name, module in saved.items():
            sys.modules.pop(name, None)
            if module is not None:
                sys.modules[name] = module


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(ROOT_CONFTEST)
    pytester.makepyfile(crashes_when_imported="raise ImportError('the suite, on old packages')")
    pytester.makepyfile(test_own="def test_own():\n    pass\n")
    return pytester


def test_too_old_a_package_stops_the_run_once_without_importing_the_suite(
    project: pytest.Pytester,
) -> None:
    for _gate in gate_with(["pytest>=99", "not-installed-anywhere>=1"]):
        run = project.runpytest()

    assert run.ret == pytest.ExitCode.USAGE_ERROR
    error = "\n".join(run.errlines)
    assert error.count("the test suite cannot run with these packages:") == 1
    assert "  - pytest " in error
    assert "is installed, the suite needs pytest>=99" in error
    assert "not-installed-anywhere" in error
    assert "Fix: run `python3 tests/plugins/add_test_dependencies.py`" in error
    assert "the suite, on old packages" not in error + "\n".join(run.outlines)
    assert "Traceback" not in error


def test_with_every_package_new_enough_the_suite_is_loaded(project: pytest.Pytester) -> None:
    for gate in gate_with(["pytest>=7"]):
        assert gate.suite_plugins(["a", "b"]) == ["a", "b"]
        run = project.runpytest()

    output = "\n".join(run.outlines + run.errlines)
    assert "the suite, on old packages" in output  # the stand-in suite was imported
    assert "cannot run with these packages" not in output
