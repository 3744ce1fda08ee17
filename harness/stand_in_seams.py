"""A backend of one table, standing in for ``tests/plugins/seams.py`` in this process.

The real seams name an application (``.partials/seams/<backend>.py.jinja``);
the plain plugin modules need only what ``template/tests/plugins/seams.pyi``
declares, which this module defines without one.
"""

from __future__ import annotations

from sqlalchemy import Column, Engine, Integer, MetaData, Table
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

DEFAULT_DATABASE_URL: str | None = None
GUARD_EVERY_TEST = True
SESSION_HAND_OVER = "(the stand-in backend takes db_session)"
TRACKER_SHORTCUTS: dict[str, str] = {"items": "add_item"}
UNIT_TEST_FIX = "mock what opens the session"
URL_FIX = "hand db_session to the code"
URL_SOURCE = "the stand-in backend's URL"
metadata = MetaData()
Table("items", metadata, Column("id", Integer, primary_key=True))


def check() -> None:
    """Nothing to check: the stand-in fits the suite by construction."""


def create_database_engine(url: str | URL) -> AsyncEngine:
    return create_async_engine(url)


async def dispose_engine() -> None:
    """No application engine to close."""


async def application_engine() -> Engine | None:
    return None
