"""Error responses: a missing entity is a 404, a clash a 409, a broken domain rule a 422.

All answer ``{"detail": "<what is wrong>"}``, like FastAPI's own errors.
Request bodies that do not match a schema are refused by FastAPI itself (422,
``detail`` listing each invalid field).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ...application.errors import ConflictError, NotFoundError
from ...domain import DomainError

ERROR_STATUS: dict[type[Exception], int] = {
    NotFoundError: 404,  # Not Found
    ConflictError: 409,  # Conflict
    DomainError: 422,  # Unprocessable Content
}
"""Exception class -> HTTP status, for the errors use cases and entities raise."""


async def error_response(_request: Request, error: Exception) -> JSONResponse:
    """The response for one of the ``ERROR_STATUS`` errors, its message as ``detail``."""
    status_code = next(code for kind, code in ERROR_STATUS.items() if isinstance(error, kind))
    return JSONResponse({"detail": str(error)}, status_code=status_code)


def register_error_handlers(app: FastAPI) -> None:
    for kind in ERROR_STATUS:
        app.add_exception_handler(kind, error_response)
