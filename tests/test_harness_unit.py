"""The harness's own parsing and sharing: outcomes, environments, URLs, build-once folders.

The template's tests and the benchmarks read every generated run through these;
a wrong count here would make a failing render look green.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

import pytest
from sqlalchemy.engine import make_url

from harness.postgres import libpq_url
from harness.project import PytestRun, clean_environment
from harness.sharing import build_once, session_folder


@pytest.mark.parametrize(
    ("summary", "expected"),
    [
        ("==== 83 passed, 3 deselected in 2.1s ====", {"passed": 83, "deselected": 3}),
        ("== 1 failed, 2 passed, 1 error in 1s ==", {"failed": 1, "passed": 2, "error": 1}),
        ("== 5 passed, 2 errors, 1 xfailed ==", {"passed": 5, "error": 2, "xfailed": 1}),
        ("== 1 skipped, 1 xpassed in 1s ==", {"skipped": 1, "xpassed": 1}),
        ("no tests ran in 0.01s", {}),
    ],
)  # fmt: skip
def test_outcomes_are_read_from_the_last_line_only(summary: str, expected: dict[str, int]) -> None:
    run = PytestRun(0, f"test_x.py::test_1 passed\n10 passed earlier\n{summary}\n")

    assert run.outcomes == expected


def test_assert_outcomes_counts_a_missing_kind_as_zero_and_shows_the_output() -> None:
    run = PytestRun(1, "== 2 passed, 1 failed in 1s ==")

    run.assert_outcomes(passed=2, failed=1, error=0)
    with pytest.raises(AssertionError, match="2 passed, 1 failed"):
        run.assert_outcomes(passed=3)


def test_the_generated_runs_get_none_of_our_pytests_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///ours.db")
    monkeypatch.setenv("HOME_OF_THE_TEST", "kept")

    environment = clean_environment({"TEST_DATABASE_URL": "postgresql://x"})

    assert "PYTEST_XDIST_WORKER" not in environment
    assert "DATABASE_URL" not in environment
    assert "VIRTUAL_ENV" not in environment
    assert environment["HOME_OF_THE_TEST"] == "kept"
    assert environment["TEST_DATABASE_URL"] == "postgresql://x"


def test_a_server_url_is_handed_out_as_plain_postgresql_with_its_password() -> None:
    url = make_url("postgresql+asyncpg://postgres:secret@127.0.0.1:5439/postgres")

    assert libpq_url(url) == "postgresql://postgres:secret@127.0.0.1:5439/postgres"


def test_node_ids_are_read_whole_from_the_short_summary_even_with_spaces() -> None:
    run = PytestRun(
        1,
        "=== short test summary info ===\n"
        "PASSED tests/unit/test_a.py::test_x[a b - c]\n"
        "FAILED tests/unit/test_a.py::test_y[1] - AssertionError: no\n"
        "ERROR tests/unit/test_b.py::test_z - Failed: left rows\n"
        "=== 1 failed, 1 passed, 1 error in 1s ===\n",
    )

    assert run.nodeids() == {"tests/unit/test_a.py::test_x[a b - c]"}
    assert run.nodeids("FAILED") == {"tests/unit/test_a.py::test_y[1]"}
    assert run.nodeids("ERROR") == {"tests/unit/test_b.py::test_z"}


class OneFolder:
    """A stand-in for ``tmp_path_factory`` whose base folder is ``base``."""

    def __init__(self, base: Path) -> None:
        self.base = base

    def getbasetemp(self) -> Path:
        return self.base


def test_build_once_builds_once_and_a_failed_build_is_tried_again(tmp_path: Path) -> None:
    (tmp_path / "worker").mkdir()
    factory = cast(pytest.TempPathFactory, OneFolder(tmp_path / "worker"))
    folder = session_folder(factory) / "render"  # the workers' parent under xdist
    builds: list[Path] = []

    def failing(folder: Path) -> None:
        (folder / "half").touch()
        raise RuntimeError("no network")

    with pytest.raises(RuntimeError, match=r"^no network$"):
        build_once(factory, "render", failing)
    first = build_once(factory, "render", builds.append)
    again = build_once(factory, "render", builds.append)

    assert first == again == folder
    assert builds == [folder]
    assert not (first / "half").exists()  # what the failed build left was removed
