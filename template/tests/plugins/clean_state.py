"""The test database's clean state: checked in one statement, restored on demand.

The clean state is what a worker's database holds when a test first needs it,
right after the schema build: empty tables, or the rows your migrations insert
(seed data, reference rows), which are the starting point, never a leak; while
a module's shared rows exist (``module_data_tracker``), they are part of it.
Checking it costs one statement (every table's row count in one ``UNION ALL``);
restoring it deletes, children first, every row that was not there, whoever
committed it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    MetaData,
    Table,
    delete,
    func,
    literal,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncConnection

Key = tuple[object, ...]


@dataclass
class CleanState:
    """The primary keys of the rows each table held when the state was captured."""

    metadata: MetaData
    keys: dict[str, frozenset[Key]]

    @classmethod
    async def capture(cls, connection: AsyncConnection, metadata: MetaData) -> CleanState:
        """Read the rows' keys: one count statement when the tables are empty."""
        counts = await count_rows(connection, metadata)
        keys: dict[str, frozenset[Key]] = dict.fromkeys(counts, frozenset())
        seeded = [table for table in metadata.sorted_tables if counts[table.name]]
        if seeded:
            async with connection.begin():
                for table in seeded:
                    rows = await connection.execute(select(*_key_columns(table)))
                    keys[table.name] = frozenset(tuple(row) for row in rows)
        return cls(metadata, keys)

    def row_counts(self) -> dict[str, int]:
        """Every table's row count in the clean state (0 where nothing was seeded)."""
        return {
            table.name: len(self.keys.get(table.name, ())) for table in self.metadata.sorted_tables
        }

    def share(self, rows: Mapping[str, set[Key]]) -> None:
        """Count these rows as clean until ``unshare``: a module's shared data."""
        for name, keys in rows.items():
            self.keys[name] = self.keys.get(name, frozenset()) | keys

    def unshare(self, rows: Mapping[str, set[Key]]) -> None:
        for name, keys in rows.items():
            self.keys[name] = self.keys.get(name, frozenset()) - keys

    async def extra_rows(self, connection: AsyncConnection) -> dict[str, int]:
        """Tables holding more rows than the clean state, with how many more."""
        counts = await count_rows(connection, self.metadata)
        extra = {name: counts[name] - len(self.keys.get(name, ())) for name in counts}
        return {name: count for name, count in extra.items() if count > 0}

    async def restore(self, connection: AsyncConnection) -> None:
        """Delete every row that is not in the clean state, children before parents."""
        async with connection.begin():
            for table in reversed(self.metadata.sorted_tables):
                statement = delete(table)
                kept = self.keys.get(table.name)
                if kept:
                    statement = statement.where(_not_in(table, kept))
                await connection.execute(statement)


async def count_rows(connection: AsyncConnection, metadata: MetaData) -> dict[str, int]:
    """Every table's row count, in one statement."""
    counts = union_all(
        *(
            select(literal(table.name).label("name"), func.count().label("rows")).select_from(table)
            for table in metadata.sorted_tables
        )
    )
    async with connection.begin():  # and end it: an idle connection holds no lock
        result = await connection.execute(counts)
        return {str(name): int(rows) for name, rows in result.all()}


def _key_columns(table: Table) -> list[ColumnElement[object]]:
    """The primary key, or every column of a table that has none."""
    return list(table.primary_key.columns) or list(table.columns)


def _not_in(table: Table, kept: frozenset[Key]) -> ColumnElement[bool]:
    columns = _key_columns(table)
    if len(columns) == 1:
        return columns[0].not_in([key[0] for key in kept])
    return tuple_(*columns).not_in(list(kept))
