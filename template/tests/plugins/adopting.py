"""Finish adopting the suite: its dependencies in, with the project's own tool, then the baseline.

Run as ``python3 tests/plugins/add_test_dependencies.py`` from the project's
root. Standard library only, so any Python 3.11+ runs it before anything is
installed. Each tool keeps its own files: uv edits ``[dependency-groups]`` and
``uv.lock``, Poetry its ``[tool.poetry.group.<g>]`` and ``poetry.lock``, pip
the requirements file the tests install from; nothing of another tool is
written. Then the project's tests and the examples run once in the project's
environment with every guard reporting (``--pyramid-write-baseline``).
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import tomllib
from pathlib import Path

from .asyncio_mode import RECORD, auto_mode_is_inert, write_record
from .install_tools import (
    AdoptionError,
    Plan,
    choose_tool,
    failures,
    make_plan,
    present_files,
    requirements_target,
)
from .installers import Installer, Pip, Poetry, Uv, poetry_executable
from .own_outcomes import changed, run_before
from .suite_requirements import GREENLET, REQUIREMENTS

BASELINE_FILE = "tests/pyramid-baseline.txt"


def say(message: str) -> None:
    print(f"test-pyramid: {message}", flush=True)


def installer_for(root: Path, tool: str | None, poetry_command: str | None) -> Installer:
    files = present_files(root)
    path = root / "pyproject.toml"
    pyproject = tomllib.loads(path.read_text()) if path.is_file() else None
    tool = tool or choose_tool(files, pyproject)
    if tool is None:
        raise AdoptionError(
            "cannot tell how this project installs its dependencies: no pyproject.toml "
            "declaring them and no requirements file here. Run this from the project's root, "
            "or install these with your own tool: " + " ".join(shlex.quote(r) for r in REQUIREMENTS)
        )
    if tool == "pip":
        if not files - {"pyproject.toml", "uv.lock", "poetry.lock"}:
            raise AdoptionError("no requirements file here (requirements-test.txt, ...).")
        return Pip(root, requirements_target(root, files))
    if tool == "poetry":
        return Poetry(root, poetry_executable(poetry_command))
    return Uv(root)


def report(plan: Plan, installer: Installer) -> None:
    for declaration, need in plan.update:
        pin = f"{declaration.name} {declaration.specifier or '(any version)'}"
        say(
            f"{declaration.location} pins {pin}, which the suite cannot run with; "
            f"it needs {need}: updating that pin"
        )
    for name, found, need in plan.upgrade:
        say(f"{name} {found} is {installer.resolved_in}; the suite needs {need}: upgrading it")
    others = [need for need in plan.add if need != GREENLET]
    if others:
        say(f"adding to {installer.destination}: {' '.join(shlex.quote(r) for r in others)}")
    if GREENLET in plan.add:
        say(
            f"SQLAlchemy is {installer.resolved_in} without greenlet, which its asyncio needs: "
            f"adding {shlex.quote(GREENLET)} to {installer.destination}"
        )


def bring_dependencies(installer: Installer, *, compare: bool = True) -> dict[str, str] | None:
    """Plan, apply, and plan again on what was resolved (greenlet, locked versions).

    Returns the outcomes of the project's own tests before anything changed
    (None when nothing changed, ``compare`` is off, or they could not run).
    """
    installer.prepare()
    declared = {declaration.name for declaration in installer.declarations}
    inert = auto_mode_is_inert(installer.root, declared, installer.versions())
    before = None
    applied = False
    for _ in range(2):
        plan = make_plan(REQUIREMENTS, installer.declarations, installer.versions(), GREENLET)
        if plan.empty:
            break
        if compare and not applied:
            before = run_before(installer.pytest, installer.root)
        report(plan, installer)
        installer.apply(plan)
        applied = True
    if not applied:
        say(f"{installer.name}: your project already has every test dependency; nothing to add.")
    installer.finish()
    if inert and write_record(installer.root):
        say(
            'your pytest configuration sets asyncio_mode = "auto", which did nothing until now '
            "(pytest-asyncio was not installed): so that your async tests keep running as they "
            f"did, pytest-asyncio runs in strict mode, as {RECORD} now says. Commit it."
        )
    return before


def write_baseline(
    installer: Installer, root: Path, outcomes_before: dict[str, str] | None = None
) -> int:
    """Run the project's tests and the examples once, guards reporting; 0 if the file is written."""
    baseline = root / BASELINE_FILE
    before = baseline.stat().st_mtime_ns if baseline.is_file() else None
    command = [*installer.pytest, "--pyramid-write-baseline", "-p", "no:randomly", "-rfE"]
    say("$ " + shlex.join(command))
    lines = []
    try:
        with subprocess.Popen(
            command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        ) as process:
            assert process.stdout is not None
            for line in process.stdout:
                print(line, end="", flush=True)
                lines.append(line)
            code = process.wait()
    except FileNotFoundError:
        say(f"{command[0]} is not on PATH: install it, then run this again.")
        return 2
    written = baseline.is_file() and baseline.stat().st_mtime_ns != before
    if not written or code not in (0, 1, 5):
        say(f"pytest exited {code} and {BASELINE_FILE} was not written: see its output above.")
        return code or 1
    own, examples = failures("".join(lines))
    moved = changed(outcomes_before, own)
    own = [line for line in own if line not in moved]
    entries = [line for line in baseline.read_text().splitlines() if line and line[0] != "#"]
    say(f"wrote {BASELINE_FILE}: {len(entries)} guard finding(s) of your tests. Commit it.")
    if moved:
        say(
            f"{len(moved)} test(s) of yours did not fail before the changes above and fail "
            "now: a version added, updated or upgraded changed them (pin an older one where "
            "the suite's range allows, as said above) or fix the test:"
        )
        for line in moved:
            print(f"    {line}")
    if own:
        say(
            f"{len(own)} test(s) of yours failed on their own (the guards only reported in "
            "this run, so the suite did not fail them):"
        )
        for line in own:
            print(f"    {line}")
    if examples:
        say("the suite's examples failed here; docs/testing.md's troubleshooting says why:")
        for line in examples:
            print(f"    {line}")
    say(f"from now on, run your tests as before: {shlex.join(installer.pytest)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 tests/plugins/add_test_dependencies.py",
        description="Add the test suite's dependencies with your install tool, then write "
        "the day-one baseline.",
    )
    parser.add_argument("--tool", choices=["uv", "poetry", "pip"], help="skip detecting it")
    parser.add_argument("--poetry-command", help="how to run Poetry when it is not on PATH")
    parser.add_argument("--no-baseline", action="store_true", help="only add the dependencies")
    arguments = parser.parse_args(argv)
    root = Path.cwd()
    try:
        installer = installer_for(root, arguments.tool, arguments.poetry_command)
        say(installer.describe())
        before = bring_dependencies(installer, compare=not arguments.no_baseline)
    except AdoptionError as error:
        say(str(error))
        return 2
    if arguments.no_baseline:
        return 0
    return write_baseline(installer, root, before)
