"""The template suite reports its own pyramid (harness.tier_shape), tested in-process."""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace

import pytest

from harness import tier_shape

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


DESELECTED = """
import pytest


def test_pure():
    pass


@pytest.mark.render
def test_edits_a_render():
    pass


@pytest.mark.field
def test_adopts_a_sample():
    pass
"""


def test_a_default_run_says_how_many_tests_each_marker_left_out(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini(
        "[pytest]\naddopts = -m 'not field and not render'\n"
        "markers =\n    field: a field scenario\n    render: a render scenario\n"
    )
    pytester.makepyfile(test_shape=DESELECTED)

    result = pytester.runpytest("-p", "harness.tier_shape", "-p", "no:xdist")

    result.assert_outcomes(passed=1, deselected=2)
    result.stdout.fnmatch_lines(
        [
            "*= template suite shape: in-process 1 (100%), project 0 (0%), field 0 (0%) =*",
            'deselected: render 1, field 1 (uv run pytest -m "" runs every test)',
        ]
    )


def test_a_full_run_prints_no_deselected_line(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nmarkers =\n    field: a field scenario\n    render: a render\n")
    pytester.makepyfile(test_shape=DESELECTED)

    result = pytester.runpytest("-p", "harness.tier_shape", "-p", "no:xdist")

    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(
        ["*= template suite shape: in-process 1 (33%), project 1 (33%), field 1 (33%) =*"]
    )
    assert "deselected:" not in result.stdout.str()


def test_workers_hand_their_deselected_counts_to_the_controller() -> None:
    """What xdist carries between processes, without starting them: ``workeroutput``."""
    worker = SimpleNamespace(stash=pytest.Stash(), workeroutput={})
    worker.stash[tier_shape.deselected_key] = Counter()
    items = [FakeItem("render", worker), FakeItem("render", worker), FakeItem("field", worker)]
    tier_shape.pytest_deselected(items)  # type: ignore[arg-type]
    tier_shape.pytest_sessionfinish(SimpleNamespace(config=worker))  # type: ignore[arg-type]
    controller = SimpleNamespace(stash=pytest.Stash())

    node = SimpleNamespace(config=controller, workeroutput=worker.workeroutput)
    tier_shape.pytest_testnodedown(node, None)

    assert controller.stash[tier_shape.deselected_key] == Counter({"render": 2, "field": 1})


class FakeItem:
    """A collected test carrying one marker, as ``pytest_deselected`` receives it."""

    def __init__(self, marker: str, config: object) -> None:
        self.marker = marker
        self.config = config

    def get_closest_marker(self, name: str) -> object:
        return object() if name == self.marker else None
