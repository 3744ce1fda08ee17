"""Render projects from this template and run their tools as a user would."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import copier
import pytest

TEMPLATE_ROOT = Path(__file__).resolve().parents[1]
QUALITY_CHECKS = [
    pytest.param(("ruff", "check", "."), id="ruff-check"),
    pytest.param(("ruff", "format", "--check", "."), id="ruff-format"),
    pytest.param(("mypy",), id="mypy"),
]
"""The generated project's own lint, format and type checks, for parametrize."""
SUMMARY_COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped|deselected|xfailed|xpassed)")
SHORT_SUMMARY_LINE = re.compile(r"^(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS) (.+)$", re.MULTILINE)


def render(destination: Path, **answers: Any) -> Path:
    """Render the working tree of this template (uncommitted changes included)."""
    copier.run_copy(
        str(TEMPLATE_ROOT),
        destination,
        data=answers,
        defaults=True,
        vcs_ref="HEAD",
        quiet=True,
        unsafe=False,
    )
    return destination


def clean_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without what our own pytest run put in it."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "COV_")) and key not in {"DATABASE_URL", "VIRTUAL_ENV"}
    }
    environment.update(extra or {})
    return environment


@dataclass(frozen=True)
class PytestRun:
    """What a generated project's pytest printed, with its outcome counts."""

    returncode: int
    output: str

    @property
    def outcomes(self) -> dict[str, int]:
        """Counts from the final summary line, e.g. {"passed": 83, "deselected": 3}."""
        summary = self.output.strip().splitlines()[-1] if self.output.strip() else ""
        counts: dict[str, int] = {}
        for number, kind in SUMMARY_COUNT.findall(summary):
            counts["error" if kind.startswith("error") else kind] = int(number)
        return counts

    def nodeids(self, outcome: str = "PASSED") -> set[str]:
        """The tests the short summary lists with ``outcome`` (every test, with ``-rA``).

        Only a PASSED line is the node id alone; the others add `` - <message>``.
        """
        return {
            rest if kind == "PASSED" else rest.split(" - ", 1)[0]
            for kind, rest in SHORT_SUMMARY_LINE.findall(self.output)
            if kind == outcome
        }

    def assert_outcomes(self, **expected: int) -> None:
        __tracebackhide__ = True
        actual = {kind: self.outcomes.get(kind, 0) for kind in expected}
        assert actual == expected, self.output


@dataclass(frozen=True)
class GeneratedProject:
    """A rendered project and the virtual environment its tools run in."""

    root: Path
    venv: Path

    @classmethod
    def create(cls, destination: Path, **answers: Any) -> GeneratedProject:
        """Render, then install the project and its dev group with uv."""
        render(destination, **answers)
        project = cls(root=destination, venv=destination / ".venv")
        project.run("uv", "sync", "--quiet", "--compile-bytecode", check=True)
        return project

    def clone(self, destination: Path) -> GeneratedProject:
        """A copy of the sources that shares this project's virtual environment."""
        shutil.copytree(self.root, destination, ignore=shutil.ignore_patterns(".venv", "uv.lock"))
        return GeneratedProject(root=destination, venv=self.venv)

    def bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)

    def run(
        self, *command: str, check: bool = False, env: Mapping[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        # A temp root of its own (per process: xdist workers share the default project):
        # pytest runs sharing /tmp/pytest-of-<user> race when they clean up each
        # other's old directories.
        temp_root = self.root.parent / f".{self.root.name}-pytest-tmp-{os.getpid()}"
        temp_root.mkdir(exist_ok=True)
        result = subprocess.run(
            command,
            cwd=self.root,
            env=clean_environment({"PYTEST_DEBUG_TEMPROOT": str(temp_root), **(env or {})}),
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"{' '.join(command)} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
            )
        return result

    def tool(self, command: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
        """One of the project's dev tools (ruff, mypy...) from its virtual environment."""
        return self.run(self.bin(command[0]), *command[1:])

    def pytest(self, *args: str, env: Mapping[str, str] | None = None) -> PytestRun:
        result = self.run(
            self.bin("python"), "-m", "pytest", "-p", "no:cacheprovider", *args, env=env
        )
        return PytestRun(result.returncode, result.stdout + result.stderr)

    def write(self, relative_path: str, text: str) -> Path:
        path = self.root / relative_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    def read(self, relative_path: str) -> str:
        return (self.root / relative_path).read_text()
