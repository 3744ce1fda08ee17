"""Stand-ins for pytest objects that in-process tests of the plugins hand to their functions."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class FakeItem:
    """A test item as far as ``write_sources`` reads one: its node id and location."""

    nodeid: str

    @property
    def location(self) -> tuple[str, int | None, str]:
        return (self.nodeid, 1, self.nodeid)
