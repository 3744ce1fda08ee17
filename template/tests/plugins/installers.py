"""uv, Poetry and pip: each adds the suite's dependencies to its own files and environment.

Used by ``adopting`` (``add_test_dependencies.py``). Every command is printed
before it runs, quoted so that it can be pasted (``'pytest-randomly>=3.15,<6'``).
A lock is only ever changed by the tool's own ``add``, ``update`` or
``lock --upgrade-package``, which keep every other locked version; a missing
lock is made by the tool itself, as its own install command would.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

from .install_tools import (
    AdoptionError,
    Declaration,
    Plan,
    StoredText,
    edit_requirements,
    locked_versions,
    pyproject_declarations,
    requirement_file_declarations,
    test_section,
)
from .poetry_pins import update_pins
from .versions import Requirement, normalize

POETRY_FALLBACK = "uvx --from 'poetry>=2,<3' poetry"
INSTALLED = (
    "import importlib.metadata as m, json; "
    "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))"
)


def run(command: list[str], root: Path) -> None:
    print(f"test-pyramid: $ {shlex.join(command)}", flush=True)
    try:
        code = subprocess.call(command, cwd=root)
    except FileNotFoundError:
        raise AdoptionError(
            f"{command[0]} is not on PATH: install it, then run this again."
        ) from None
    if code:
        raise AdoptionError(f"`{shlex.join(command)}` exited {code}: see its output above.")


def poetry_executable(command: str | None) -> list[str]:
    """Poetry as the user runs it: ``--poetry-command``, else ``poetry`` on PATH."""
    if command:
        return shlex.split(command)
    found = shutil.which("poetry")
    if found is None:
        raise AdoptionError(
            "this is a Poetry project (pyproject.toml's [tool.poetry] or poetry.lock), so the "
            "suite's dependencies go into its Poetry group, with Poetry, which is not on PATH. "
            "Install Poetry (for example `pipx install poetry`) and run this again, or say how "
            "to run it: python3 tests/plugins/add_test_dependencies.py --poetry-command "
            f'"{POETRY_FALLBACK}"'
        )
    return ["poetry"]


class Installer:
    """One tool's way of declaring, resolving and installing the suite's dependencies."""

    name = ""
    resolved_in = ""
    pytest: list[str]

    def __init__(self, root: Path) -> None:
        self.root = root
        self.pytest = []

    @property
    def declarations(self) -> list[Declaration]:
        raise NotImplementedError

    @property
    def destination(self) -> str:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def prepare(self) -> None:
        """Make sure what ``versions`` reads exists (a lock, an environment)."""

    def versions(self) -> dict[str, str] | None:
        raise NotImplementedError

    def apply(self, plan: Plan) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """Install what the project declares, where the tool's ``add`` did not already."""

    def sections(self, plan: Plan, target: str) -> dict[str, list[str]]:
        """Requirements to write by section: pins updated in place, additions in ``target``."""
        by_section: dict[str, list[str]] = defaultdict(list)
        for declaration, need in plan.update:
            by_section[declaration.section].append(need)
        by_section[target] += plan.add
        return {section: needs for section, needs in by_section.items() if needs}


def _pyproject(root: Path) -> dict[str, object]:
    return tomllib.loads((root / "pyproject.toml").read_text())


def _lock(root: Path, name: str) -> dict[str, str] | None:
    path = root / name
    return locked_versions(path.read_text()) if path.is_file() else None


class Uv(Installer):
    name = "uv"
    resolved_in = "locked in uv.lock"

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.target = test_section("uv", self.declarations)
        self.pytest = ["uv", "run", *self.flags(self.target, run=True), "pytest"]

    @property
    def declarations(self) -> list[Declaration]:
        return pyproject_declarations(_pyproject(self.root))

    @property
    def destination(self) -> str:
        kind, _, group = self.target.partition(":")
        table = "[dependency-groups]" if kind == "group" else "[project.optional-dependencies]"
        return f"pyproject.toml's {table} {group}"

    @staticmethod
    def flags(section: str, *, run: bool = False) -> list[str]:
        kind, _, name = section.partition(":")
        if kind == "extra":
            return ["--extra" if run else "--optional", name]
        if kind == "group" and not (run and name == "dev"):
            return ["--group", name]
        return []

    def describe(self) -> str:
        return f"uv project: the suite's dependencies go into {self.destination}"

    def prepare(self) -> None:
        if not (self.root / "uv.lock").is_file():
            run(["uv", "lock"], self.root)

    def versions(self) -> dict[str, str] | None:
        return _lock(self.root, "uv.lock")

    def apply(self, plan: Plan) -> None:
        for section, needs in self.sections(plan, self.target).items():
            run(["uv", "add", *self.flags(section), *needs], self.root)
        if plan.upgrade:
            upgrades = [
                argument for name, _, _ in plan.upgrade for argument in ("--upgrade-package", name)
            ]
            run(["uv", "lock", *upgrades], self.root)
            run(["uv", "sync", "--inexact", *self.flags(self.target, run=True)], self.root)


class Poetry(Installer):
    name = "Poetry"
    resolved_in = "locked in poetry.lock"

    def __init__(self, root: Path, poetry: list[str]) -> None:
        super().__init__(root)
        self.poetry = poetry
        self.target = test_section("poetry", self.declarations)
        self.pytest = [*poetry, "run", "pytest"]

    @property
    def declarations(self) -> list[Declaration]:
        return pyproject_declarations(_pyproject(self.root))

    @property
    def destination(self) -> str:
        if self.target == "poetry-dev":  # Poetry's dev group: `poetry add` writes the new table
            return (
                "pyproject.toml's [tool.poetry.group.dev.dependencies] (Poetry's dev group, with "
                "your [tool.poetry.dev-dependencies])"
            )
        group = self.target.partition(":")[2]
        return f"pyproject.toml's [tool.poetry.group.{group}.dependencies]"

    @staticmethod
    def flags(section: str) -> list[str]:
        kind, _, name = section.partition(":")
        if kind == "poetry-dev":
            return ["--group", "dev"]
        return ["--group", name] if kind == "poetry-group" else []

    def describe(self) -> str:
        return f"Poetry project: the suite's dependencies go into {self.destination}, with Poetry"

    def prepare(self) -> None:
        if not (self.root / "poetry.lock").is_file():
            run([*self.poetry, "lock"], self.root)

    def versions(self) -> dict[str, str] | None:
        return _lock(self.root, "poetry.lock")

    def apply(self, plan: Plan) -> None:
        """Pins are edited where they are written (see ``poetry_pins``), then resolved."""
        if plan.update:
            path = self.root / "pyproject.toml"
            pins = {
                (entry.section, entry.name): Requirement.parse(need).specifier
                for entry, need in plan.update
            }
            path.write_bytes(update_pins(path.read_bytes().decode(), pins).encode())
            print("test-pyramid: updated those pins in place in pyproject.toml", flush=True)
        names = [entry.name for entry, _ in plan.update] + [name for name, _, _ in plan.upgrade]
        if names:
            run([*self.poetry, "update", *dict.fromkeys(names)], self.root)
        if plan.add:
            run([*self.poetry, "add", *self.flags(self.target), *plan.add], self.root)


def find_environment(root: Path) -> Path | None:
    """The project's virtual environment: the active one, else ``.venv``, ``venv`` or ``env``."""
    active = os.environ.get("VIRTUAL_ENV")
    candidates = [Path(active)] if active else []
    candidates += [root / name for name in (".venv", "venv", "env")]
    for folder in candidates:
        for python in (folder / "bin" / "python", folder / "Scripts" / "python.exe"):
            if python.is_file():
                return python
    return None


class Pip(Installer):
    name = "pip"
    resolved_in = "installed"

    def __init__(self, root: Path, target: str) -> None:
        super().__init__(root)
        self.target = target
        self.python = find_environment(root)
        self.pytest = [self.shown_python, "-m", "pytest"]

    @property
    def shown_python(self) -> str:
        python = self.python or self.root / ".venv" / "bin" / "python"
        return str(python.relative_to(self.root) if python.is_relative_to(self.root) else python)

    @property
    def declarations(self) -> list[Declaration]:
        """What the target file and the files it includes (``-r``, ``-c``) require."""
        return requirement_file_declarations(self.root, self.target, set())

    @property
    def destination(self) -> str:
        return self.target

    def describe(self) -> str:
        return (
            f"pip project (requirement files): the suite's dependencies go into {self.target}, "
            f"installed with {self.shown_python} -m pip"
        )

    def prepare(self) -> None:
        if self.python is None:
            run([sys.executable, "-m", "venv", ".venv"], self.root)
            self.python = find_environment(self.root)
        self.install("-r", self.target)

    def install(self, *arguments: str) -> None:
        run([self.shown_python, "-m", "pip", "install", "--quiet", *arguments], self.root)

    def versions(self) -> dict[str, str] | None:
        output = subprocess.run(
            [self.shown_python, "-c", INSTALLED],
            cwd=self.root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return {normalize(name): version for name, version in json.loads(output).items()}

    def apply(self, plan: Plan) -> None:
        files: dict[str, dict[str, str]] = defaultdict(dict)
        for declaration, need in plan.update:
            files[declaration.file][declaration.name] = need
        files.setdefault(self.target, {})
        for name, updates in files.items():
            path = self.root / name
            stored = StoredText.read(path)
            additions = plan.add if name == self.target else []
            edited = edit_requirements(stored.text, updates, additions)
            if edited != stored.text:
                stored.write(path, edited)
        self.install("-r", self.target)
        if plan.upgrade:
            self.install("--upgrade", *(need for _, _, need in plan.upgrade))
