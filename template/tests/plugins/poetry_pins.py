"""Update a Poetry pin where it is written, changing its version and nothing else.

``poetry add`` cannot do that: it writes to ``[tool.poetry.group.<g>.dependencies]``
even when the pin is in the legacy ``[tool.poetry.dev-dependencies]`` (the old pin
stays, and the next resolve finds two constraints), and it replaces an inline
table (``{version = "^0.28", extras = ["sa"]}``) with a bare version, losing the
extras. So ``pyproject.toml`` is edited as text: in the pin's own table, the
version string of its line (or of its ``version =`` line in a
``[tool.poetry.dependencies.<name>]`` table) is replaced; every other key,
comment and line stays as it was. Standard library only, like ``install_tools``.
"""

from __future__ import annotations

import re

from .install_tools import AdoptionError
from .versions import normalize

HEADER = re.compile(r"^\s*\[{1,2}\s*([^\[\]]+?)\s*\]{1,2}\s*(#.*)?$")
KEY = re.compile(r"""^\s*(?P<quote>["']?)(?P<key>[A-Za-z0-9_.\-]+)(?P=quote)\s*=\s*""")
STRING = re.compile(r"""(?P<quote>["'])(?P<text>[^"']*)(?P=quote)""")
VERSION = re.compile(r"""(\bversion\s*=\s*)(?P<quote>["'])[^"']*(?P=quote)""")


def section_of(header: str) -> tuple[str, str]:
    """(section as ``pyproject_declarations`` names it, package of a per-package table)."""
    parts = [part.strip().strip("\"'") for part in header.split(".")]
    if parts[:2] != ["tool", "poetry"]:
        return "", ""
    rest = parts[2:]
    if rest[:1] == ["dependencies"]:
        return "poetry", ".".join(rest[1:])
    if rest[:1] == ["dev-dependencies"]:
        return "poetry-dev", ".".join(rest[1:])
    if len(rest) >= 3 and rest[0] == "group" and rest[2] == "dependencies":
        return f"poetry-group:{rest[1]}", ".".join(rest[3:])
    return "", ""


def _replace_version(text: str, need: str) -> str:
    return VERSION.sub(lambda match: f'{match.group(1)}"{need}"', text, count=1)


def _new_value(value: str, need: str, where: str) -> str:
    """``value`` (the text after ``name =``) with its version replaced by ``need``."""
    stripped = value.lstrip()
    if stripped.startswith(("'", '"')):
        return STRING.sub(f'"{need}"', value, count=1)
    if stripped.startswith("{") and VERSION.search(value):
        return _replace_version(value, need)
    raise AdoptionError(
        f"{where} is not a version string or an inline table with `version`, so it cannot be "
        f"updated here: change it by hand to allow {need}, then run this again."
    )


def update_pins(text: str, updates: dict[tuple[str, str], str]) -> str:
    """``pyproject.toml``'s text with each ``(section, name)`` pin's version set to its need.

    Raises ``AdoptionError`` naming the pin when one is not found or not editable.
    """
    lines = text.splitlines(keepends=True)
    section, package = "", ""
    done: set[tuple[str, str]] = set()
    for index, line in enumerate(lines):
        header = HEADER.match(line)
        if header:
            section, package = section_of(header.group(1))
            continue
        key = KEY.match(line)
        if not section or not key:
            continue
        if package:
            wanted = (section, normalize(package))
            if wanted not in updates or key.group("key") != "version":
                continue
            lines[index] = _replace_version(line, updates[wanted])
        else:
            wanted = (section, normalize(key.group("key")))
            if wanted not in updates:
                continue
            where = f"pyproject.toml's `{line.strip()}`"
            lines[index] = line[: key.end()] + _new_value(line[key.end() :], updates[wanted], where)
        done.add(wanted)
    missing = [name for pin_section, name in updates if (pin_section, name) not in done]
    if missing:
        raise AdoptionError(
            f"could not find the pin of {', '.join(missing)} in pyproject.toml to update: "
            "change it by hand to what the lines above say the suite needs, then run this again."
        )
    return "".join(lines)
