"""The application factory: routers, error responses, and the engine's shutdown."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from ...infrastructure.persistence import dispose_engine
from .errors import register_error_handlers
from .routes import playlists, tracks


@asynccontextmanager
async def _lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """Close the engine's pooled connections when the server stops."""
    yield
    await dispose_engine()


def create_app() -> FastAPI:
    """A new application; nothing connects until a request opens a session."""
    app = FastAPI(title="Music library", lifespan=_lifespan)
    app.include_router(tracks.router)
    app.include_router(playlists.router)
    register_error_handlers(app)
    return app
