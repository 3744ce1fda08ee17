"""Query counting behind ``assert_max_queries``: the N+1 guard.

Counts the SQL statements actually sent on the test's connection while the
block runs. Transaction control (BEGIN, SAVEPOINT, RELEASE, ROLLBACK, COMMIT) is
not a query and is not counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection

from .connection_state import sync_connection

TRANSACTION_CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT")
TOO_MANY_QUERIES_MESSAGE = (
    "Expected at most {limit} queries, {count} were executed:\n{statements}\n"
    "Repeated statements that differ only in their ids are N+1 queries: load the "
    "relationship with selectinload(). See docs/testing.md#an-integration-test-is-slow"
)
MISUSE_MESSAGE = (
    "assert_max_queries() takes a whole number of queries >= 0, got {limit!r}: "
    "use it as `with assert_max_queries(5): await ...`"
)


@dataclass
class QueryLog:
    """The statements executed inside an ``assert_max_queries`` block."""

    statements: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.statements)

    def numbered(self) -> str:
        return "\n".join(
            f"  {number}. {' '.join(statement.split())}"
            for number, statement in enumerate(self.statements, start=1)
        )


@contextmanager
def max_queries(connection: AsyncConnection, limit: int) -> Iterator[QueryLog]:
    """Fail with the list of statements if the block runs more than ``limit`` queries."""
    __tracebackhide__ = True
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise TypeError(MISUSE_MESSAGE.format(limit=limit))
    log = QueryLog()

    def record(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            log.statements.append(statement)

    watched = sync_connection(connection)
    event.listen(watched, "before_cursor_execute", record)
    try:
        yield log
    finally:
        event.remove(watched, "before_cursor_execute", record)
    if len(log) > limit:
        raise AssertionError(
            TOO_MANY_QUERIES_MESSAGE.format(limit=limit, count=len(log), statements=log.numbered())
        )
