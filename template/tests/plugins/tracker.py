"""``TestDataTracker``: delete what a test committed outside ``db_session``.

Rows written by a CLI subprocess or by code that opens its own session are
committed for real; the tracker records their ids, deletes them (and the rows
that depend on them) in foreign-key-safe order, checks they are gone, and
checks no other row was left behind.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import pytest
from sqlalchemy import MetaData, Table, delete, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

DOCS = "docs/testing.md#test-pollution"
POLLUTION_MESSAGE = (
    "Test pollution: rows were left behind that test_data_tracker does not know about.\n"
    "{tables}\nOr use db_session, so nothing is committed. See " + DOCS
)
POLLUTED_TABLE_LINE = (
    "- table {table!r}: {count} row(s); tracked nothing for table {table!r}: {fix}"
)
UNDELETABLE_MESSAGE = (
    "test_data_tracker could not delete rows {ids} from table {table!r}: another row still "
    "references them. Track that row too. See " + DOCS
)
SHORTCUTS = {"tracks": "add_track", "playlists": "add_playlist", "artists": "add_artist"}


class TestDataTracker:
    """Records ids of rows a test committed, for deletion at teardown."""

    __test__ = False  # not a test class, despite the name

    def __init__(self, metadata: MetaData) -> None:
        self._metadata = metadata
        self._ids: defaultdict[str, set[object]] = defaultdict(set)
        self._baseline: dict[str, int] | None = None

    # -- recording (what tests call) ----------------------------------------

    def add(self, table_name: str, row_id: object) -> None:
        """Track a row of ``table_name`` by primary key."""
        __tracebackhide__ = True
        table = self._metadata.tables.get(table_name)
        if table is None:
            known = ", ".join(sorted(self._metadata.tables))
            raise ValueError(f"test_data_tracker: no table {table_name!r}; tables are: {known}")
        if row_id is None:
            raise ValueError(
                f"test_data_tracker: got id None for {table_name!r}. Track the saved "
                "entity's id (saved = await repo.save_...(x); tracker.add_...(saved.id))."
            )
        self._ids[table.name].add(row_id)

    def add_track(self, track_id: int | None) -> None:
        __tracebackhide__ = True
        self.add("tracks", track_id)

    def add_playlist(self, playlist_id: int | None) -> None:
        __tracebackhide__ = True
        self.add("playlists", playlist_id)

    def add_artist(self, artist_id: int | None) -> None:
        __tracebackhide__ = True
        self.add("artists", artist_id)

    @property
    def tracked(self) -> dict[str, frozenset[object]]:
        """Tracked ids by table name."""
        return {name: frozenset(ids) for name, ids in self._ids.items() if ids}

    # -- lifecycle (what the fixture calls) ----------------------------------

    async def take_baseline(self, connection: AsyncConnection) -> None:
        """Count rows per table, to detect rows left behind at the end."""
        self._baseline = await self._count_rows(connection)

    async def cleanup(self, connection: AsyncConnection) -> None:
        """Delete tracked rows and their dependents, then verify nothing is left.

        Fails the test (``pytest.fail``) naming the table and ids that survived,
        or the tables that gained rows nobody tracked.
        """
        if self._ids:
            async with connection.begin():
                for table in reversed(self._metadata.sorted_tables):
                    ids = self._ids.get(table.name)
                    if ids:
                        await self._delete_with_dependents(connection, table, ids)
            await self._verify_deleted(connection)
        if self._baseline is not None:
            await self._verify_no_leftovers(connection, self._baseline)

    # -- helpers -------------------------------------------------------------

    async def _delete_with_dependents(
        self, connection: AsyncConnection, table: Table, ids: Iterable[object]
    ) -> None:
        await self._delete_where(connection, table, _primary_key(table).in_(list(ids)))

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

    async def _verify_no_leftovers(
        self, connection: AsyncConnection, baseline: dict[str, int]
    ) -> None:
        counts = await self._count_rows(connection)
        grown = {
            name: counts[name] - baseline[name] for name in counts if counts[name] > baseline[name]
        }
        if grown:
            lines = [self._advice(name, extra) for name, extra in sorted(grown.items())]
            pytest.fail(POLLUTION_MESSAGE.format(tables="\n".join(lines)), pytrace=False)

    def _advice(self, table_name: str, extra: int) -> str:
        table = self._metadata.tables[table_name]
        parents = sorted({key.column.table.name for key in table.foreign_keys})
        if parents:
            fix = f"track the {' / '.join(parents)} rows they belong to"
        else:
            fix = f"add test_data_tracker.{SHORTCUTS.get(table_name, 'add')}(id)"
            if table_name not in SHORTCUTS:
                fix = f"add test_data_tracker.add({table_name!r}, id)"
        return POLLUTED_TABLE_LINE.format(table=table_name, count=extra, fix=fix)

    async def _count_rows(self, connection: AsyncConnection) -> dict[str, int]:
        counts = union_all(
            *(
                select(literal(table.name).label("name"), func.count().label("rows")).select_from(
                    table
                )
                for table in self._metadata.sorted_tables
            )
        )
        async with connection.begin():  # and end it: an idle connection holds no lock
            result = await connection.execute(counts)
            return dict(result.all())


def _primary_key(table: Table) -> ColumnElement[object]:
    columns = list(table.primary_key.columns)
    if len(columns) != 1:
        raise TypeError(f"test_data_tracker needs a single-column primary key on {table.name!r}")
    return columns[0]
