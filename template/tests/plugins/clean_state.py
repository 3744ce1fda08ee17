"""The test database's clean state, and which rows a test added go with the rows it tracked.

The clean state is what a worker's database holds when a test first needs it,
right after the schema build: empty tables, or the rows your migrations insert
(seed data, reference rows), which are the starting point, never a leak; while
a module's shared rows exist (``module_data_tracker``), they are part of it.
Checking it costs one statement (every table's row count in one ``UNION ALL``);
restoring it deletes, children first, every row that was not there, whoever
committed it.

A test that tracks a row it saved together with a new parent (an order with a
new customer, say) expects the parent and the association rows to go with it
(``owned_rows``). So, starting from the tracked rows, the rows the test added
(those not in the state captured before it) are followed both ways along the
foreign keys: rows that refer to an owned row are owned; a parent is owned when
only owned rows refer to it. Rows that were there before the test are never
owned, whatever refers to them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    MetaData,
    Table,
    delete,
    func,
    literal,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncConnection

Key = tuple[object, ...]
Row = Mapping[str, Any]


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

    async def reset(self, connection: AsyncConnection) -> dict[str, int]:
        """``extra_rows``, after deleting them when there are any (one statement when clean)."""
        extra = await self.extra_rows(connection)
        if extra:
            await self.restore(connection)
        return extra

    async def restore(self, connection: AsyncConnection) -> None:
        """Delete every row that is not in the clean state, children before parents."""
        async with connection.begin():
            for table in reversed(self.metadata.sorted_tables):
                await connection.execute(delete(table).where(self._added(table)))

    async def added_rows(self, connection: AsyncConnection, table: Table) -> list[Row]:
        """The rows of ``table`` that are not in the clean state."""
        result = await connection.execute(select(table).where(self._added(table)))
        return [dict(row._mapping) for row in result]

    def _added(self, table: Table) -> ColumnElement[bool]:
        kept = self.keys.get(table.name)
        return ~_key_in(table, kept) if kept else true()


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


async def owned_rows(
    connection: AsyncConnection,
    metadata: MetaData,
    baseline: CleanState,
    tracked: Mapping[str, Iterable[object]],
) -> dict[str, set[Key]]:
    """The keys of the tracked rows and of the created rows that belong to them, by table."""
    rows: dict[str, dict[Key, Row]] = {}
    for table in metadata.sorted_tables:
        added = await baseline.added_rows(connection, table)
        rows[table.name] = {_key_of(table, row): row for row in added}
    owned: defaultdict[str, set[Key]] = defaultdict(set)
    for name, ids in tracked.items():
        owned[name].update((row_id,) for row_id in ids)
    changed = True
    while changed:
        changed = _add_children(metadata, rows, owned)
        changed = await _add_parents(connection, metadata, rows, owned) or changed
    return {name: keys for name, keys in owned.items() if keys}


async def delete_rows(
    connection: AsyncConnection, metadata: MetaData, keys: Mapping[str, set[Key]]
) -> None:
    """Delete the given rows, children before parents."""
    for table in reversed(metadata.sorted_tables):
        if keys.get(table.name):
            await connection.execute(delete(table).where(_key_in(table, keys[table.name])))


def _add_children(
    metadata: MetaData, rows: Mapping[str, Mapping[Key, Row]], owned: defaultdict[str, set[Key]]
) -> bool:
    """Created rows that refer to an owned row become owned."""
    changed = False
    for child in metadata.sorted_tables:
        for foreign_key in child.foreign_keys:
            parent = foreign_key.column.table
            if _is_key(parent, foreign_key):
                values = {key[0] for key in owned[parent.name]}
            else:
                values = {rows[parent.name][key][foreign_key.column.name]
                          for key in owned[parent.name] if key in rows[parent.name]}  # fmt: skip
            for key, row in rows[child.name].items():
                if key not in owned[child.name] and row[foreign_key.parent.name] in values:
                    owned[child.name].add(key)
                    changed = True
    return changed


async def _add_parents(
    connection: AsyncConnection,
    metadata: MetaData,
    rows: Mapping[str, Mapping[Key, Row]],
    owned: defaultdict[str, set[Key]],
) -> bool:
    """A created parent that owned rows refer to, and nothing else does, becomes owned."""
    changed = False
    for parent in metadata.sorted_tables:
        for key, row in rows[parent.name].items():
            if key in owned[parent.name]:
                continue
            by_owned = _owned_references(metadata, rows, owned, parent, row)
            if by_owned and by_owned == await _references(connection, metadata, parent, row):
                owned[parent.name].add(key)
                changed = True
    return changed


def _referrers(metadata: MetaData, parent: Table) -> list[Any]:
    return [key for table in metadata.sorted_tables for key in table.foreign_keys
            if key.column.table is parent]  # fmt: skip


def _owned_references(
    metadata: MetaData,
    rows: Mapping[str, Mapping[Key, Row]],
    owned: Mapping[str, set[Key]],
    parent: Table,
    row: Row,
) -> int:
    count = 0
    for foreign_key in _referrers(metadata, parent):
        child = foreign_key.parent.table
        for key in owned.get(child.name, ()):
            found = rows[child.name].get(key)
            if found is not None and found[foreign_key.parent.name] == row[foreign_key.column.name]:
                count += 1
    return count


async def _references(
    connection: AsyncConnection, metadata: MetaData, parent: Table, row: Row
) -> int:
    """How many rows of any table refer to ``row`` (whoever created them)."""
    total = 0
    for foreign_key in _referrers(metadata, parent):
        condition = foreign_key.parent == row[foreign_key.column.name]
        count = select(func.count()).select_from(foreign_key.parent.table).where(condition)
        total += int(await connection.scalar(count) or 0)
    return total


def _is_key(table: Table, foreign_key: Any) -> bool:
    """Whether the foreign key points at the table's single-column primary key."""
    columns = _key_columns(table)
    return len(columns) == 1 and foreign_key.column is columns[0]


def _key_of(table: Table, row: Row) -> Key:
    return tuple(row[column.name] for column in _key_columns(table))


def _key_columns(table: Table) -> list[ColumnElement[Any]]:
    """The primary key, or every column of a table that has none."""
    return list(table.primary_key.columns) or list(table.columns)


def _key_in(table: Table, keys: Iterable[Key]) -> ColumnElement[bool]:
    """Whether a row's key is one of ``keys`` (negated with ``~``: it is not)."""
    columns = _key_columns(table)
    if len(columns) == 1:
        return columns[0].in_([key[0] for key in keys])
    return tuple_(*columns).in_(list(keys))
