"""The project's own tests before the adopting command changes versions, to name what changed.

Updating a pin or upgrading a package the project already had (pytest,
pytest-asyncio) can change how its own tests run. So, before it changes
anything, ``adopting`` runs the project's tests as they were: without the
suite's root ``conftest.py`` (``--confcutdir`` at ``docs/``, a folder the copy
made, whose only parents are the root and above, so every conftest of the
project still loads) and without the examples. A test that did not fail then
and fails in the baseline run is named as changed by the new versions, apart
from the tests that failed on their own. Standard library only.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

OUTCOME_LINE = re.compile(r"^(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS) (\S+)", re.MULTILINE)
FAILING = ("FAILED", "ERROR")


def before_command(pytest: list[str], root: Path) -> list[str]:
    """``pytest`` as the project ran it before the copy: no suite, no examples, every outcome."""
    return [
        *pytest,
        f"--confcutdir={root / 'docs'}",
        "--ignore-glob=*/test_pyramid_*.py",
        "-p",
        "no:randomly",
        "-p",
        "no:cacheprovider",
        "-rA",
    ]


def outcomes(output: str) -> dict[str, str]:
    """Test id -> outcome, from ``-rA``'s short summary."""
    return {nodeid: outcome for outcome, nodeid in OUTCOME_LINE.findall(output)}


def run_before(pytest: list[str], root: Path) -> dict[str, str] | None:
    """The outcomes of the project's own tests now, or None when they could not run."""
    command = before_command(pytest, root)
    print(f"test-pyramid: your tests before any version changes: $ {shlex.join(command)}")
    try:
        done = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        return None
    if done.returncode not in (0, 1, 5):
        return None
    return outcomes(done.stdout)


def changed(before: dict[str, str] | None, failing: list[str]) -> list[str]:
    """The ``FAILED id`` / ``ERROR id`` lines of tests that did not fail before (known ones)."""
    if before is None:
        return []
    return [line for line in failing if before.get(line.split(" ", 1)[1], "FAILED") not in FAILING]
