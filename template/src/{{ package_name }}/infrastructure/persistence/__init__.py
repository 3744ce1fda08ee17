"""Persistence adapter: SQLAlchemy async models, repositories and unit of work."""

from .config import DEFAULT_DATABASE_URL, DatabaseConfigError, database_url_from_env
from .engine import create_database_engine, dispose_engine, get_engine, get_session
from .models import Base
from .playlist_repository import SqlAlchemyPlaylistRepository
from .track_repository import SqlAlchemyTrackRepository
from .unit_of_work import SqlAlchemyUnitOfWork, get_unit_of_work

__all__ = [
    "DEFAULT_DATABASE_URL",
    "Base",
    "DatabaseConfigError",
    "SqlAlchemyPlaylistRepository",
    "SqlAlchemyTrackRepository",
    "SqlAlchemyUnitOfWork",
    "create_database_engine",
    "database_url_from_env",
    "dispose_engine",
    "get_engine",
    "get_session",
    "get_unit_of_work",
]
