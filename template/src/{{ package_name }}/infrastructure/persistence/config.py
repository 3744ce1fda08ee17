"""Where the database is: ``DATABASE_URL``, checked before any engine is built."""

from __future__ import annotations

import os
from collections.abc import Mapping

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./library.db"
"""Used when ``DATABASE_URL`` is unset: a SQLite file in the working directory."""

ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite"}
"""The async driver this project installs for each supported database."""


class DatabaseConfigError(ValueError):
    """``DATABASE_URL`` cannot work; the message says what to write instead."""


def database_url_from_env(environ: Mapping[str, str] = os.environ) -> URL:
    """The validated database URL from ``DATABASE_URL``, or the SQLite default.

    Raises:
        DatabaseConfigError: the URL is malformed, names an unsupported database,
            or uses a synchronous driver that would block the event loop.
    """
    raw = environ.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
    try:
        url = make_url(raw)
    except ArgumentError:
        raise DatabaseConfigError(
            f"DATABASE_URL={raw!r} is not a database URL. "
            f"Set it like {DEFAULT_DATABASE_URL!r}, or unset it to use that default."
        ) from None
    backend = url.get_backend_name()
    expected = ASYNC_DRIVERS.get(backend)
    shown = url.render_as_string(hide_password=True)
    if expected is None:
        supported = ", ".join(sorted(ASYNC_DRIVERS))
        raise DatabaseConfigError(
            f"DATABASE_URL={shown!r} names the database {backend!r}, which this project "
            f"does not support (supported: {supported})."
        )
    if url.drivername != expected:
        fixed = url.set(drivername=expected).render_as_string(hide_password=True)
        raise DatabaseConfigError(
            f"DATABASE_URL={shown!r} uses the driver {url.drivername!r}, which is not "
            f"async and would block the event loop. Use {fixed!r} instead."
        )
    return url
