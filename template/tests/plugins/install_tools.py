"""How a project installs its dependencies, and what it already declares, locks and pins.

Plain functions over the project's files (standard library only: this runs
before the suite's dependencies are installed). A project is one of three
kinds, told apart by its own files:

- ``uv``: ``pyproject.toml`` with a ``[project]`` table (a ``uv.lock``, or no
  lock of another tool); test dependencies in ``[dependency-groups]``;
- ``poetry``: ``[tool.poetry]`` declaring dependencies, or a ``poetry.lock``,
  or ``[tool.poetry]`` without ``[project]``; ``[tool.poetry.group.<g>]``;
- ``pip``: no ``pyproject.toml`` that declares dependencies, requirement files
  (``pip install -r requirements-test.txt``).

The suite's dependencies go where the project keeps its test dependencies: the
group or file that already declares pytest, or the usual default.
"""

from __future__ import annotations

import codecs
import re
import tomllib
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .versions import Requirement, conflicts, normalize, too_old

REQUIREMENT_FILES = (
    "requirements-test.txt",
    "requirements-tests.txt",
    "requirements-dev.txt",
    "test-requirements.txt",
    "dev-requirements.txt",
    "requirements/test.txt",
    "requirements/tests.txt",
    "requirements/dev.txt",
    "requirements.txt",
)
"""Where pip projects keep requirements, the test ones first."""
INCLUDE = re.compile(r"^\s*(-r|--requirement|-c|--constraint)[\s=]+(\S+)")
FAILED_LINE = re.compile(r"^(FAILED|ERROR) (\S+)", re.MULTILINE)
EXAMPLE = re.compile(r"^tests/[^/]+/test_pyramid_")
ADDED_COMMENT = "# The test suite's dependencies (test-pyramid's add_test_dependencies.py)"
BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


class AdoptionError(Exception):
    """A stop whose message says what is wrong and what to do."""


@dataclass(frozen=True)
class StoredText:
    """A requirements file's text and how it is stored (pip reads a UTF-16 file by its BOM).

    Kept so that an edited file is written back in its own encoding.
    """

    text: str
    bom: bytes = b""
    encoding: str = "utf-8"

    @classmethod
    def read(cls, path: Path) -> StoredText:
        data = path.read_bytes()
        for bom, encoding in BYTE_ORDER_MARKS:
            if data.startswith(bom):
                return cls(data[len(bom) :].decode(encoding), bom, encoding)
        try:
            return cls(data.decode())
        except UnicodeDecodeError:
            raise AdoptionError(
                f"{path} is neither UTF-8 nor UTF-16 with a byte-order mark, so this cannot "
                "read its requirements. Save it as UTF-8, then run this again."
            ) from None

    def write(self, path: Path, text: str) -> None:
        path.write_bytes(self.bom + text.encode(self.encoding))


@dataclass(frozen=True)
class Declaration:
    """One requirement the project declares: ``name`` ``specifier`` in ``file``'s ``section``.

    ``section``: ``project``, ``extra:<name>``, ``group:<name>`` (PEP 735),
    ``poetry``, ``poetry-group:<name>``, ``poetry-dev`` (the legacy
    ``[tool.poetry.dev-dependencies]``), or ``""`` in a requirements file.
    """

    name: str
    specifier: str
    file: str
    section: str = ""

    @property
    def location(self) -> str:
        """Where it is, as the user would look for it."""
        kind, _, name = self.section.partition(":")
        tables = {
            "project": "[project] dependencies",
            "extra": f"[project.optional-dependencies] {name}",
            "group": f"[dependency-groups] {name}",
            "poetry": "[tool.poetry.dependencies]",
            "poetry-group": f"[tool.poetry.group.{name}.dependencies]",
            "poetry-dev": "[tool.poetry.dev-dependencies]",
        }
        return f"{self.file}'s {tables[kind]}" if kind else self.file


@dataclass
class Plan:
    """What the project needs changed for the suite to run."""

    add: list[str] = field(default_factory=list)
    """Suite requirements the project does not declare at all."""
    update: list[tuple[Declaration, str]] = field(default_factory=list)
    """The project's pins no suite version satisfies, with the suite's requirement."""
    upgrade: list[tuple[str, str, str]] = field(default_factory=list)
    """(name, version locked or installed, requirement): declared fine, resolved too old."""

    @property
    def empty(self) -> bool:
        return not (self.add or self.update or self.upgrade)


def present_files(root: Path) -> set[str]:
    """The files ``choose_tool`` looks at that exist under ``root``."""
    names = ("pyproject.toml", "uv.lock", "poetry.lock", *REQUIREMENT_FILES)
    return {name for name in names if (root / name).is_file()}


def choose_tool(files: Collection[str], pyproject: dict[str, Any] | None) -> str | None:
    """``uv``, ``poetry`` or ``pip`` from the project's files; None if nothing says."""
    requirement_files = [name for name in REQUIREMENT_FILES if name in files]
    tool = (pyproject or {}).get("tool", {})
    poetry = tool.get("poetry", {})
    if pyproject is None:
        return "pip" if requirement_files else None
    if "uv.lock" in files:
        return "uv"
    if "poetry.lock" in files or any(key in poetry for key in ("dependencies", "group")):
        return "poetry"
    if poetry and "project" not in pyproject:
        return "poetry"
    if "project" in pyproject or "dependency-groups" in pyproject or "uv" in tool:
        return "uv"
    return "pip" if requirement_files else None


def _poetry_specifier(value: object) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("version", "")
    return value if isinstance(value, str) else ""


def pyproject_declarations(pyproject: dict[str, Any]) -> list[Declaration]:
    """Every requirement of ``pyproject.toml``: PEP 621, PEP 735 and Poetry's tables."""
    found: list[Declaration] = []
    project = pyproject.get("project", {})
    lists = [("project", project.get("dependencies", []))]
    lists += [
        (f"extra:{name}", entries)
        for name, entries in project.get("optional-dependencies", {}).items()
    ]
    lists += [
        (f"group:{name}", entries)
        for name, entries in pyproject.get("dependency-groups", {}).items()
    ]
    for section, entries in lists:
        for entry in entries:
            if isinstance(entry, str):
                requirement = Requirement.parse(entry)
                found.append(
                    Declaration(requirement.name, requirement.specifier, "pyproject.toml", section)
                )
    poetry = pyproject.get("tool", {}).get("poetry", {})
    tables = [
        ("poetry", poetry.get("dependencies", {})),
        ("poetry-dev", poetry.get("dev-dependencies", {})),
    ]
    tables += [
        (f"poetry-group:{name}", group.get("dependencies", {}))
        for name, group in poetry.get("group", {}).items()
    ]
    for section, table in tables:
        for name, value in table.items():
            if name.lower() != "python":
                found.append(
                    Declaration(
                        normalize(name), _poetry_specifier(value), "pyproject.toml", section
                    )
                )
    return found


def requirement_file_declarations(
    root: Path, name: str, seen: set[str] | None = None
) -> list[Declaration]:
    """The requirements of one file and of the files it includes (``-r``, ``-c``)."""
    seen = set() if seen is None else seen
    path = root / name
    if name in seen or not path.is_file():
        return []
    seen.add(name)
    found: list[Declaration] = []
    for raw in StoredText.read(path).text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        include = INCLUDE.match(line)
        if include:
            included = (path.parent / include.group(2)).resolve().relative_to(root.resolve())
            found += requirement_file_declarations(root, included.as_posix(), seen)
        elif line and not line.startswith(("#", "-")):
            requirement = Requirement.parse(line)
            if requirement.name:
                found.append(Declaration(requirement.name, requirement.specifier, name))
    return found


def requirements_target(root: Path, files: Collection[str]) -> str:
    """The requirements file the tests install from: with its includes it has pytest, and no
    other such file includes it (``requirements-dev.txt`` over the app's ``requirements.txt``
    that it includes with ``-r``); else the first of ``REQUIREMENT_FILES``."""
    present = [name for name in REQUIREMENT_FILES if name in files]
    included: dict[str, set[str]] = {}
    with_pytest = []
    for name in present:
        seen: set[str] = set()
        declarations = requirement_file_declarations(root, name, seen)
        included[name] = seen - {name}
        if any(entry.name == "pytest" for entry in declarations):
            with_pytest.append(name)
    candidates = with_pytest or present
    top = [name for name in candidates if not any(name in included[other] for other in present)]
    return (top or candidates)[0]


def test_section(tool: str, declarations: Iterable[Declaration]) -> str:
    """Where pytest is declared (the project's test group), else the tool's usual dev group."""
    for declaration in declarations:
        if declaration.name == "pytest" and declaration.section.startswith(
            ("group:", "extra:", "poetry-group:", "poetry-dev")
        ):
            return declaration.section
    return "poetry-group:dev" if tool == "poetry" else "group:dev"


def locked_versions(lock_text: str) -> dict[str, str]:
    """Name -> lowest locked version, from a ``uv.lock`` or a ``poetry.lock``."""
    versions: dict[str, str] = {}
    for package in tomllib.loads(lock_text).get("package", []):
        name, version = normalize(package.get("name", "")), package.get("version")
        if name and isinstance(version, str):
            known = versions.get(name)
            versions[name] = version if known is None or too_old(version, f">={known}") else known
    return versions


def make_plan(
    needs: Iterable[str],
    declarations: list[Declaration],
    versions: dict[str, str] | None,
    greenlet: str,
) -> Plan:
    """What to add, which pins to update, what to upgrade, judged by declared and resolved versions.

    ``versions``: what the lock (or the environment) resolved, None if unknown.
    ``greenlet`` is needed only when SQLAlchemy is resolved without it.
    """
    plan = Plan()
    wanted = list(needs)
    if versions is not None and "sqlalchemy" in versions and "greenlet" not in versions:
        wanted.append(greenlet)
    for need in wanted:
        requirement = Requirement.parse(need)
        declared = [entry for entry in declarations if entry.name == requirement.name]
        pinned = [entry for entry in declared if conflicts(entry.specifier, requirement.specifier)]
        found = (versions or {}).get(requirement.name)
        if pinned:
            plan.update += [(entry, need) for entry in pinned]
        elif not declared:
            plan.add.append(need)
        elif found is not None and too_old(found, requirement.specifier):
            plan.upgrade.append((requirement.name, found, need))
    return plan


def edit_requirements(text: str, updates: dict[str, str], additions: list[str]) -> str:
    """``text`` of a requirements file with pins replaced (by name) and requirements appended.

    Its line endings are kept, and so is a last line without one.
    """
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = []
    for raw in text.splitlines():
        requirement, _, comment = raw.partition(" #")
        name = (
            Requirement.parse(requirement).name if requirement.strip()[:1] not in ("#", "-") else ""
        )
        lines.append(
            updates[name] + (f"  #{comment}" if comment else "") if name in updates else raw
        )
    if additions:
        if ADDED_COMMENT not in lines:
            lines.append(ADDED_COMMENT)
        lines += additions
    ending = newline if lines and (not text or text.endswith(("\n", "\r"))) else ""
    return newline.join(lines) + ending


def failures(output: str) -> tuple[list[str], list[str]]:
    """The ``-rfE`` summary's failed and erroring tests: (the project's own, the examples')."""
    failing = sorted({f"{kind} {nodeid}" for kind, nodeid in FAILED_LINE.findall(output)})
    examples = [line for line in failing if EXAMPLE.match(line.split(" ", 1)[1])]
    return [line for line in failing if line not in examples], examples
