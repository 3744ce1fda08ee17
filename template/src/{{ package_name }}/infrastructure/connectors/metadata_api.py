"""Async HTTP client for a music-metadata web service.

The service answers ``GET /recordings?title=...&artist=...`` with
``{"duration_ms": 215000, "isrc": "USRC17607839"}``, or 404 when it does not
know the recording.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from ...application.ports import TrackMetadata

DEFAULT_TIMEOUT_SECONDS = 5.0


class MetadataServiceError(RuntimeError):
    """The metadata service could not be reached or gave an unusable answer."""


class HttpMetadataConnector:
    """Implements ``MetadataConnector`` over an ``httpx.AsyncClient`` (with ``base_url`` set)."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def lookup(self, title: str, artist: str) -> TrackMetadata | None:
        try:
            response = await self._client.get(
                "/recordings", params={"title": title, "artist": artist}
            )
        except httpx.TransportError as error:
            raise MetadataServiceError(
                f"metadata service unreachable at {self._client.base_url}: {error}"
            ) from error
        if response.status_code == httpx.codes.NOT_FOUND:
            return None
        if response.is_error:
            raise MetadataServiceError(
                f"metadata service answered {response.status_code} for {title!r} by {artist!r}"
            )
        return _parse_metadata(response)


def _parse_metadata(response: httpx.Response) -> TrackMetadata:
    try:
        payload: Any = response.json()
    except ValueError as error:
        raise MetadataServiceError("metadata service answered with invalid JSON") from error
    if not isinstance(payload, dict):
        raise MetadataServiceError(f"expected a JSON object, got {type(payload).__name__}")
    duration_ms = payload.get("duration_ms")
    isrc = payload.get("isrc")
    if duration_ms is not None and (not isinstance(duration_ms, int) or duration_ms < 0):
        raise MetadataServiceError(f"invalid duration_ms in answer: {duration_ms!r}")
    if isrc is not None and not isinstance(isrc, str):
        raise MetadataServiceError(f"invalid isrc in answer: {isrc!r}")
    return TrackMetadata(duration_ms=duration_ms, isrc=isrc)


@asynccontextmanager
async def open_metadata_connector(
    base_url: str, *, timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
) -> AsyncIterator[HttpMetadataConnector]:
    """A connector with its own HTTP client, closed on exit."""
    async with httpx.AsyncClient(base_url=base_url, timeout=timeout_seconds) as client:
        yield HttpMetadataConnector(client)
