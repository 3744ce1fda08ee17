"""Generated code is lint-clean, formatted, and type-clean under mypy --strict."""

from __future__ import annotations

import pytest

from harness.project import GeneratedProject


def test_ruff_check_passes(default_project: GeneratedProject) -> None:
    result = default_project.run(default_project.bin("ruff"), "check", ".")

    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_check_passes(default_project: GeneratedProject) -> None:
    result = default_project.run(default_project.bin("ruff"), "format", "--check", ".")

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.render  # about 20 s of mypy: the full run and CI check it
def test_mypy_strict_passes_on_src_and_tests(default_project: GeneratedProject) -> None:
    result = default_project.run(default_project.bin("mypy"))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout
