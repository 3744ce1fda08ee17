"""HTTP API (FastAPI): ``uvicorn --factory <package>.interface.api:create_app``."""

from .app import create_app
from .dependencies import get_db_session

__all__ = ["create_app", "get_db_session"]
