"""The template suite reports its own pyramid (harness.tier_shape), tested in-process."""

from __future__ import annotations

import pytest

TESTS = """
import subprocess
import sys

import pytest


def test_pure():
    assert sum([1, 2]) == 3


def test_starts_a_process():
    subprocess.run([sys.executable, "-c", "pass"], check=True)


@pytest.mark.field
def test_scenario():
    pass


def test_pure_after_a_process():
    assert True
"""


@pytest.fixture
def shaped(pytester: pytest.Pytester) -> pytest.RunResult:
    pytester.makeini("[pytest]\nmarkers =\n    field: a field scenario\n")
    pytester.makepyfile(test_shape=TESTS)
    return pytester.runpytest("-p", "harness.tier_shape", "-p", "no:randomly", "-p", "no:xdist")


def test_each_test_is_counted_in_the_tier_of_what_it_did(shaped: pytest.RunResult) -> None:
    shaped.assert_outcomes(passed=4)
    shaped.stdout.fnmatch_lines(
        ["*= template suite shape: in-process 2 (50%), project 1 (25%), field 1 (25%) =*"]
    )


def test_a_run_with_no_test_prints_no_shape(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_nothing="")
    result = pytester.runpytest("-p", "harness.tier_shape", "-p", "no:xdist")
    assert "template suite shape" not in result.stdout.str()
