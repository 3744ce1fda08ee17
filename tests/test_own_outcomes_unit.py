"""The adopting command names the project's tests that its version changes broke, in-process.

Before it adds or changes a version, ``adopting`` runs the project's tests as
they were (``own_outcomes.before_command``: the suite's root ``conftest.py``
and the examples left out, every conftest of the project kept); after, a test
that did not fail then and fails in the baseline run is listed as changed by
the new versions, not as failing on its own.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

from harness.plugin_modules import load_plugin, loaded_with

pytest_plugins = ["pytester"]


@pytest.fixture(scope="module")
def own() -> ModuleType:
    return load_plugin("own_outcomes")


def test_before_the_change_the_project_runs_without_the_suite_and_its_examples(
    own: ModuleType, pytester: pytest.Pytester
) -> None:
    pytester.makeconftest("raise ImportError('the suite, on versions not installed yet')")
    pytester.mkdir("docs")  # the copy writes docs/testing.md
    pytester.mkdir("tests")
    pytester.mkdir("tests/unit")
    (pytester.path / "tests/conftest.py").write_text(
        "import pytest\n\n@pytest.fixture\ndef answer():\n    return 42\n"
    )
    (pytester.path / "tests/test_own.py").write_text(
        "def test_uses_its_fixture(answer):\n    assert answer == 42\n\n"
        "def test_fails_on_its_own():\n    assert False\n"
    )
    (pytester.path / "tests/unit/test_pyramid_unit.py").write_text(
        "from tests.plugins.suite import db_session\n"
    )

    run = pytester.runpytest(*own.before_command([], pytester.path))

    assert own.outcomes("\n".join(run.outlines)) == {
        "tests/test_own.py::test_uses_its_fixture": "PASSED",
        "tests/test_own.py::test_fails_on_its_own": "FAILED",
    }


@pytest.mark.parametrize(
    ("before", "moved"),
    [
        (None, []),
        ({"t.py::a": "PASSED", "t.py::b": "FAILED"}, ["FAILED t.py::a"]),
        ({"t.py::a": "SKIPPED", "t.py::b": "ERROR"}, ["FAILED t.py::a"]),
        ({"t.py::b": "FAILED"}, []),  # a test unknown before is not said to have changed
    ],
)
def test_a_test_changed_when_it_did_not_fail_before(
    own: ModuleType, before: dict[str, str] | None, moved: list[str]
) -> None:
    assert own.changed(before, ["FAILED t.py::a", "ERROR t.py::b"]) == moved


FAKE_PYTEST = """\
import pathlib
pathlib.Path("tests/pyramid-baseline.txt").write_text("# baseline\\n")
print("FAILED tests/test_a.py::test_was_passing - AssertionError")
print("FAILED tests/test_a.py::test_was_failing - AssertionError")
raise SystemExit(1)
"""


@pytest.fixture
def adopting() -> Iterator[ModuleType]:
    """``adopting``, with the suite's requirements stood in for."""
    requirements = SimpleNamespace(REQUIREMENTS=[], GREENLET="greenlet>=3.1,<4")
    with loaded_with("adopting", suite_requirements=requirements) as module:
        yield module


class Installer:
    def __init__(self, pytest_command: list[str]) -> None:
        self.pytest = pytest_command


def test_the_baseline_report_names_what_the_versions_changed_apart(
    adopting: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "tests").mkdir()
    script = tmp_path / "fake_pytest.py"
    script.write_text(FAKE_PYTEST)
    before = {
        "tests/test_a.py::test_was_passing": "PASSED",
        "tests/test_a.py::test_was_failing": "FAILED",
    }

    code = adopting.write_baseline(Installer([sys.executable, str(script)]), tmp_path, before)

    said = capsys.readouterr().out
    assert code == 0
    changed_part, _, own_part = said.partition("failed on their own")
    assert "1 test(s) of yours did not fail before the changes above and fail now" in said
    assert "    FAILED tests/test_a.py::test_was_passing" in changed_part
    assert "    FAILED tests/test_a.py::test_was_failing" in own_part
    assert "test_was_passing" not in own_part
