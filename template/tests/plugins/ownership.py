"""Which rows belong to the rows a test tracked: what goes when they go.

A test that tracks a track it saved with a new artist expects the artist and
the association row to go with it. So, starting from the tracked rows, the
rows the test created (those not in the baseline) are followed both ways along
the foreign keys: rows that refer to an owned row are owned; a parent is owned
when only owned rows refer to it. Rows that were there before the test are
never owned, whatever refers to them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import ColumnElement, MetaData, Table, delete, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from .clean_state import CleanState, Key

Row = Mapping[str, Any]


async def owned_rows(
    connection: AsyncConnection,
    metadata: MetaData,
    baseline: CleanState,
    tracked: Mapping[str, Iterable[object]],
) -> dict[str, set[Key]]:
    """The keys of the tracked rows and of the created rows that belong to them, by table."""
    created = {
        table.name: await _created(connection, table, baseline) for table in metadata.sorted_tables
    }
    owned: defaultdict[str, set[Key]] = defaultdict(set)
    for name, ids in tracked.items():
        owned[name].update((row_id,) for row_id in ids)
    rows = {name: {key_of(metadata.tables[name], row): row for row in found}
            for name, found in created.items()}  # fmt: skip
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
            await connection.execute(delete(table).where(key_in(table, keys[table.name])))


def key_of(table: Table, row: Row) -> Key:
    return tuple(row[column.name] for column in key_columns(table))


def key_columns(table: Table) -> list[Any]:
    """The primary key, or every column of a table that has none (as ``clean_state`` does)."""
    return list(table.primary_key.columns) or list(table.columns)


def key_in(table: Table, keys: Iterable[Key]) -> ColumnElement[bool]:
    columns = key_columns(table)
    if len(columns) == 1:
        column: ColumnElement[object] = columns[0]
        return column.in_([key[0] for key in keys])
    return tuple_(*columns).in_(list(keys))


async def _created(connection: AsyncConnection, table: Table, baseline: CleanState) -> list[Row]:
    """The rows of ``table`` that are not in the baseline."""
    statement = select(table)
    kept = baseline.keys.get(table.name)
    if kept:
        columns = key_columns(table)
        if len(columns) == 1:
            statement = statement.where(columns[0].not_in([key[0] for key in kept]))
        else:
            statement = statement.where(tuple_(*columns).not_in(list(kept)))
    result = await connection.execute(statement)
    return [dict(row._mapping) for row in result]


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
    columns = key_columns(table)
    return len(columns) == 1 and foreign_key.column is columns[0]
