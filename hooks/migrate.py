#!/usr/bin/env python3
"""Rewrite a generated project's code when a template update renames what it uses.

Copier runs this from ``_migrations`` in ``copier.yml``, inside the project,
after updating it from ``--from`` to ``--to``. It applies every rename of
``hooks/renames.toml`` whose version lies in that range, oldest first, to the
project's Python files under ``tests/`` and ``src/``, and prints each change.
Only the standard library is used: it runs with Copier's own interpreter.

    python hooks/migrate.py --from 0.2.0 --to 0.3.0 [--project DIR] [--renames FILE]
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
KINDS = ("identifier", "marker", "module")
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
SEARCHED_FOLDERS = ("tests", "src")


class MigrationError(Exception):
    """renames.toml or the command line is wrong; the message says how."""


@dataclass(frozen=True)
class Rename:
    version: tuple[int, ...]
    kind: str
    old: str
    new: str
    imported_from: str | None = None
    """Only in files that name this module: a common name of the user's own stays."""

    def pattern(self) -> re.Pattern[str]:
        """Whole names only: ``db_session`` never matches ``my_db_session``."""
        if self.kind == "marker":
            return re.compile(rf"(?<=\bmark\.){re.escape(self.old)}\b")
        return re.compile(rf"(?<![\w.]){re.escape(self.old)}(?![\w])")

    def apply(self, text: str) -> tuple[str, int]:
        if self.imported_from and not re.search(rf"\b{re.escape(self.imported_from)}\b", text):
            return text, 0
        return self.pattern().subn(self.new, text)


def parse_version(raw: str) -> tuple[int, ...]:
    """``v0.3.0`` or ``0.3.0`` (release tags); anything else is refused."""
    match = re.fullmatch(r"v?(\d+(?:\.\d+)*)", raw.strip())
    if match is None:
        raise MigrationError(f"{raw!r} is not a release version like 0.3.0")
    return tuple(int(part) for part in match.group(1).split("."))


def load_renames(path: Path) -> list[Rename]:
    try:
        entries = tomllib.loads(path.read_text()).get("rename", [])
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise MigrationError(f"cannot read {path}: {error}") from error
    renames = []
    for number, entry in enumerate(entries, start=1):
        where = f"{path.name}, rename #{number}"
        kind = entry.get("kind")
        if kind not in KINDS:
            raise MigrationError(f"{where}: kind must be one of {', '.join(KINDS)}, got {kind!r}")
        shape = DOTTED if kind == "module" else IDENTIFIER
        for key in ("old", "new"):
            if not shape.match(str(entry.get(key, ""))):
                raise MigrationError(
                    f"{where}: {key} = {entry.get(key)!r} is not a valid {kind} name"
                )
        imported_from = entry.get("imported_from")
        if imported_from is not None and not DOTTED.match(str(imported_from)):
            raise MigrationError(f"{where}: imported_from = {imported_from!r} is not a module name")
        version = parse_version(str(entry.get("version", "")))
        renames.append(Rename(version, kind, entry["old"], entry["new"], imported_from))
    return sorted(renames, key=lambda rename: rename.version)


def due(renames: Iterable[Rename], start: tuple[int, ...], end: tuple[int, ...]) -> list[Rename]:
    """Renames released after ``start`` and up to ``end``: those this update crosses."""
    return [rename for rename in renames if start < rename.version <= end]


def migrate(project: Path, renames: list[Rename]) -> list[str]:
    """Apply the renames to the project's Python files; return one line per change."""
    changes = []
    for folder in SEARCHED_FOLDERS:
        for path in sorted((project / folder).rglob("*.py")):
            text = original = path.read_text()
            for rename in renames:
                text, count = rename.apply(text)
                if count:
                    where = path.relative_to(project)
                    changes.append(
                        f"{where}: {rename.kind} {rename.old} -> {rename.new} ({count}x)"
                    )
            if text != original:
                path.write_text(text)
    return changes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from", dest="start", required=True, help="version updated from")
    parser.add_argument("--to", dest="end", required=True, help="version updated to")
    parser.add_argument("--project", type=Path, default=Path.cwd(), help="the generated project")
    parser.add_argument("--renames", type=Path, default=HERE / "renames.toml")
    args = parser.parse_args(argv)
    try:
        renames = due(
            load_renames(args.renames), parse_version(args.start), parse_version(args.end)
        )
    except MigrationError as error:
        print(f"migrate.py: {error}", file=sys.stderr)
        return 2
    for line in migrate(args.project, renames):
        print(f"migrated {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
