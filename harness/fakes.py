"""Stand-ins for pytest objects that in-process tests of the plugins hand to their functions."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class FakeItem:
    """A test item as far as ``write_sources`` reads one: its node id."""

    nodeid: str
