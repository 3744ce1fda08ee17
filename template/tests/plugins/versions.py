"""Which versions the suite can run with, judged from what is installed or locked.

Plain standard library, because it runs before the suite's dependencies are
(``add_test_dependencies.py``) and before the suite is imported
(``requirements_gate``). A requirement is read as a range of versions: the
specifiers of pip (``>=8.4,<10``, ``~=7.4``, ``==0.21.*``) and of Poetry
(``^8.4.2``, ``~7.4``, a bare ``7.4.0``). Two ranges conflict when no version is
in both: a project pinning ``pytest~=7.4`` cannot have the suite's
``pytest>=8.4,<10``. Pre-release and local parts of a version are ignored:
``2.1.0b1`` counts as ``2.1.0``, good enough to tell 0.23 from 0.24.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import metadata

Version = tuple[int, ...]

NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$")
CLAUSE = re.compile(r"^(~=|===|==|!=|<=|>=|<|>|\^|~|=)?\s*v?(\d+(?:\.\d+)*)(\.\*)?")
RELEASE = re.compile(r"\d+(?:\.\d+)*")


def normalize(name: str) -> str:
    """A package's canonical name: ``Pytest_Asyncio`` -> ``pytest-asyncio``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_version(text: str) -> Version:
    """The release part of a version: ``8.4.2`` -> (8, 4, 2); ``2.1.0b1`` -> (2, 1, 0)."""
    match = RELEASE.search(text)
    return tuple(int(part) for part in match.group(0).split(".")) if match else ()


def _compare(left: Version, right: Version) -> int:
    width = max(len(left), len(right))
    padded_left = left + (0,) * (width - len(left))
    padded_right = right + (0,) * (width - len(right))
    return (padded_left > padded_right) - (padded_left < padded_right)


@dataclass(frozen=True)
class Bound:
    version: Version
    inclusive: bool


@dataclass(frozen=True)
class Range:
    """The versions a requirement allows: from ``low`` to ``high`` (None: unbounded)."""

    low: Bound | None = None
    high: Bound | None = None

    def intersect(self, other: Range) -> Range:
        lows = [bound for bound in (self.low, other.low) if bound is not None]
        highs = [bound for bound in (self.high, other.high) if bound is not None]
        low = max(lows, key=_low_key) if lows else None
        high = min(highs, key=_high_key) if highs else None
        return Range(low, high)

    @property
    def empty(self) -> bool:
        if self.low is None or self.high is None:
            return False
        order = _compare(self.low.version, self.high.version)
        return order > 0 or (order == 0 and not (self.low.inclusive and self.high.inclusive))

    def allows(self, version: Version) -> bool:
        return not self.intersect(Range(Bound(version, True), Bound(version, True))).empty

    def describe(self) -> str:
        parts = []
        if self.low is not None:
            parts.append((">=" if self.low.inclusive else ">") + _dotted(self.low.version))
        if self.high is not None:
            parts.append(("<=" if self.high.inclusive else "<") + _dotted(self.high.version))
        return ",".join(parts) or "any version"


class _Key:
    def __init__(self, version: Version, rank: int) -> None:
        self.version, self.rank = version, rank

    def __lt__(self, other: _Key) -> bool:
        order = _compare(self.version, other.version)
        return order < 0 or (order == 0 and self.rank < other.rank)


def _low_key(bound: Bound) -> _Key:
    return _Key(bound.version, 0 if bound.inclusive else 1)


def _high_key(bound: Bound) -> _Key:
    return _Key(bound.version, 1 if bound.inclusive else 0)


def _dotted(version: Version) -> str:
    return ".".join(str(part) for part in version)


def _bump(version: Version, index: int) -> Version:
    """``(7, 4, 2)`` bumped at 1 -> ``(7, 5)``: the first version past a prefix."""
    return (*version[:index], version[index] + 1)


def clause_range(clause: str) -> Range:
    """One specifier as a range; ``!=`` and what cannot be read allow every version."""
    match = CLAUSE.match(clause.strip())
    if match is None:
        return Range()
    operator, version, wildcard = (
        match.group(1) or "",
        parse_version(match.group(2)),
        match.group(3),
    )
    at, after = Bound(version, True), Bound(version, False)
    if operator == "!=":
        return Range()
    if operator in ("", "=", "==", "===") and wildcard:
        return Range(at, Bound(_bump(version, len(version) - 1), False))
    if operator in ("", "=", "==", "==="):
        return Range(at, at)
    simple = {
        ">=": Range(low=at),
        ">": Range(low=after),
        "<=": Range(high=at),
        "<": Range(high=after),
    }
    if operator in simple:
        return simple[operator]
    if operator == "~=":
        return Range(at, Bound(_bump(version, max(len(version) - 2, 0)), False))
    if operator == "~":  # Poetry: ~1.2.3 and ~1.2 mean <1.3; ~1 means <2
        return Range(at, Bound(_bump(version, min(1, len(version) - 1)), False))
    nonzero = next((index for index, part in enumerate(version) if part), len(version) - 1)
    return Range(at, Bound(_bump(version, nonzero), False))  # Poetry's caret


def specifier_range(specifier: str) -> Range:
    """A whole specifier (``>=8.4,<10``; Poetry's ``>=7 <8``); ``*`` or nothing: any version."""
    text = re.sub(r"(~=|===|==|!=|<=|>=|<|>|\^|~|=)\s+", r"\1", specifier.split(";")[0].strip())
    if "||" in text:  # Poetry's "either": too rare to reason about, never called a conflict
        return Range()
    result = Range()
    for clause in re.split(r"[,\s]+(?=[<>=!~^\d])", text):
        if clause.strip() and clause.strip() != "*":
            result = result.intersect(clause_range(clause))
    return result


@dataclass(frozen=True)
class Requirement:
    name: str
    specifier: str

    @classmethod
    def parse(cls, text: str) -> Requirement:
        """``Pytest_Asyncio[extra] >=1.1,<2 ; python_version>'3'`` -> pytest-asyncio, >=1.1,<2."""
        match = NAME.match(text)
        if match is None:
            return cls("", "")
        return cls(normalize(match.group(1)), match.group(3).split(";")[0].strip())

    @property
    def range(self) -> Range:
        return specifier_range(self.specifier)


def conflicts(pinned: str, needed: str) -> bool:
    """True if no version satisfies both specifiers (the project's pin and the suite's)."""
    return specifier_range(pinned).intersect(specifier_range(needed)).empty


def too_old(found: str, needed: str) -> bool:
    """True if version ``found`` is below what ``needed`` allows (newer is left to the range)."""
    low = specifier_range(needed).low
    return low is not None and not Range(low=low).allows(parse_version(found))


def unusable(needs: list[str], installed: dict[str, str | None]) -> list[str]:
    """One line per requirement the installed versions do not meet: name, found, needed."""
    problems = []
    for text in needs:
        requirement = Requirement.parse(text)
        found = installed.get(requirement.name)
        if found is None:
            problems.append(f"{requirement.name} is not installed (the suite needs {text})")
        elif too_old(found, requirement.specifier):
            problems.append(f"{requirement.name} {found} is installed, the suite needs {text}")
    return problems


def installed_versions(needs: list[str]) -> dict[str, str | None]:
    """The installed version of each package ``needs`` names (None: not installed)."""
    versions: dict[str, str | None] = {}
    for need in needs:
        name = Requirement.parse(need).name
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def installed_problems(needs: list[str]) -> list[str]:
    """``unusable`` for what is installed in this environment."""
    return unusable(needs, installed_versions(needs))
