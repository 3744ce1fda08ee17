"""``DataTracker``: delete what a test committed outside ``db_session``.

Rows written by a CLI subprocess or by code that opens its own session are
committed for real; the tracker records their ids, deletes them with the rows
the test created that belong to them (association rows, and parents it created
that nothing else refers to: see ``clean_state``) in foreign-key-safe
order, checks they are gone, and checks no other row was left behind (rows it
finds are deleted too, so that the next test starts clean). Rows that were
there before the test are never deleted unless tracked.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pytest
from sqlalchemy import MetaData, Table, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from .clean_state import CleanState, Key, delete_rows, owned_rows

DOCS = "docs/testing.md#test-pollution"
POLLUTION_MESSAGE = (
    "Test pollution: rows were left behind that test_data_tracker does not know about.\n"
    "{tables}\nThey were deleted, so later tests start clean. Or use db_session, so "
    "nothing is committed. See " + DOCS
)
POLLUTED_TABLE_LINE = (
    "- table {table!r}: {count} row(s); tracked nothing for table {table!r}: {fix}"
)
UNDELETABLE_MESSAGE = (
    "test_data_tracker could not delete rows {ids} from table {table!r}: another row still "
    "references them. Track that row too. See " + DOCS
)
REFERENCED_MESSAGE = (
    "test_data_tracker could not delete the rows it tracks ({tracked}): a row that was there "
    "before the test refers to one of them, and such rows are never deleted. Undo that change "
    "in the test, or track the row. ({error}) See " + DOCS
)


class DataTracker:
    """Records ids of rows a test committed, for deletion at teardown."""

    def __init__(self, metadata: MetaData, shortcuts: Mapping[str, str] | None = None) -> None:
        self._metadata = metadata
        self._shortcuts = dict(shortcuts or {})  # table name -> its add_<row> shortcut
        self._ids: defaultdict[str, set[object]] = defaultdict(set)
        self._baseline: CleanState | None = None

    # -- recording (what tests call) ----------------------------------------

    def add(self, table: Any, row_id: object) -> None:
        """Track a row by primary key; ``table`` is a mapped class, a ``Table`` or its name."""
        __tracebackhide__ = True
        self.add_all(table, [row_id])

    def add_all(self, table: Any, row_ids: Iterable[object]) -> None:
        """Track several rows of one table: ``add_all(Item, [first.id, second.id])``."""
        __tracebackhide__ = True
        name = self._table_name(table)
        ids = list(row_ids)
        if any(row_id is None for row_id in ids):
            raise ValueError(
                f"test_data_tracker: got id None for {name!r}. Track the id of a row "
                "that was saved (flushed or committed), e.g. tracker.add(Model, saved.id)."
            )
        self._ids[name].update(ids)

    def __getattr__(self, name: str) -> Callable[[object], None]:
        """The backend's shortcuts (``seams.TRACKER_SHORTCUTS``), ``add_<row>(id)``."""
        shortcuts: Mapping[str, str] = self.__dict__.get("_shortcuts", {})
        tables = {method: table for table, method in shortcuts.items()}
        if name not in tables:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return functools.partial(self.add, tables[name])

    def _table_name(self, table: Any) -> str:
        """The name of a table given as a mapped class, a ``Table`` or a string."""
        __tracebackhide__ = True
        found = getattr(table, "__table__", table)
        name = found.name if isinstance(found, Table) else found
        if not isinstance(name, str) or name not in self._metadata.tables:
            known = ", ".join(sorted(self._metadata.tables))
            raise ValueError(
                f"test_data_tracker: {table!r} is not a table of your metadata; give a "
                f"mapped class, a Table or one of: {known}"
            )
        return name

    @property
    def tracked(self) -> dict[str, frozenset[object]]:
        """Tracked ids by table name."""
        return {name: frozenset(ids) for name, ids in self._ids.items() if ids}

    # -- lifecycle (what the fixture calls) ----------------------------------

    async def take_baseline(self, connection: AsyncConnection) -> None:
        """Note the rows of every table, to find (and delete) rows left behind at the end."""
        self._baseline = await CleanState.capture(connection, self._metadata)

    async def cleanup(self, connection: AsyncConnection) -> None:
        """Delete tracked rows and their dependents, then verify nothing is left.

        Fails the test (``pytest.fail``) naming the table and ids that survived,
        or the tables that gained rows nobody tracked.
        """
        if self._ids:
            if self._baseline is None:  # db_session: rolled back already, unless it was ended
                await self._delete_tracked(connection)
            else:
                await self._delete_owned(connection, self._baseline)
            await self._verify_deleted(connection)
        if self._baseline is not None:
            await self._verify_no_leftovers(connection, self._baseline)

    async def owned(self, connection: AsyncConnection) -> dict[str, set[Key]]:
        """The tracked rows and the rows the test created that belong to them."""
        assert self._baseline is not None, "take_baseline() first"
        async with connection.begin():
            return await owned_rows(connection, self._metadata, self._baseline, self._ids)

    # -- helpers -------------------------------------------------------------

    async def _delete_owned(self, connection: AsyncConnection, baseline: CleanState) -> None:
        try:
            async with connection.begin():
                owned = await owned_rows(connection, self._metadata, baseline, self._ids)
                await delete_rows(connection, self._metadata, owned)
        except IntegrityError as error:
            tracked = ", ".join(
                f"{name} {sorted(map(str, ids))}" for name, ids in self.tracked.items()
            )
            message = REFERENCED_MESSAGE.format(tracked=tracked, error=error.orig)
            pytest.fail(message, pytrace=False)

    async def _delete_tracked(self, connection: AsyncConnection) -> None:
        async with connection.begin():
            for table in reversed(self._metadata.sorted_tables):
                if ids := self._ids.get(table.name):
                    key = _primary_key(table)
                    await self._delete_where(connection, table, key.in_(list(ids)))

    async def _delete_where(
        self, connection: AsyncConnection, table: Table, condition: ColumnElement[bool]
    ) -> None:
        """Delete rows matching ``condition``, children first, following foreign keys."""
        doomed = select(_primary_key(table)).where(condition)
        for child in self._metadata.sorted_tables:
            for foreign_key in child.foreign_keys:
                if foreign_key.column.table is table and child is not table:
                    await self._delete_where(connection, child, foreign_key.parent.in_(doomed))
        await connection.execute(delete(table).where(condition))

    async def _verify_deleted(self, connection: AsyncConnection) -> None:
        for table_name, ids in self._ids.items():
            table = self._metadata.tables[table_name]
            key = _primary_key(table)
            async with connection.begin():
                found = await connection.scalars(select(key).where(key.in_(list(ids))))
                survivors = list(found)
            if survivors:
                shown = sorted(map(str, survivors))
                pytest.fail(UNDELETABLE_MESSAGE.format(ids=shown, table=table_name), pytrace=False)

    async def _verify_no_leftovers(self, connection: AsyncConnection, baseline: CleanState) -> None:
        if grown := await baseline.reset(connection):
            lines = [self._advice(name, extra) for name, extra in sorted(grown.items())]
            pytest.fail(POLLUTION_MESSAGE.format(tables="\n".join(lines)), pytrace=False)

    def _advice(self, table_name: str, extra: int) -> str:
        table = self._metadata.tables[table_name]
        parents = sorted({key.column.table.name for key in table.foreign_keys})
        if parents:
            fix = f"track the {' / '.join(parents)} rows they belong to"
        else:
            fix = f"add test_data_tracker.add({table_name!r}, id)"
            if table_name in self._shortcuts:
                fix = f"add test_data_tracker.{self._shortcuts[table_name]}(id)"
        return POLLUTED_TABLE_LINE.format(table=table_name, count=extra, fix=fix)


def _primary_key(table: Table) -> ColumnElement[object]:
    columns = list(table.primary_key.columns)
    if len(columns) != 1:
        raise TypeError(f"test_data_tracker needs a single-column primary key on {table.name!r}")
    return columns[0]
