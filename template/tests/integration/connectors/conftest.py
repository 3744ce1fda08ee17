"""A real HTTP metadata service on 127.0.0.1, started once for this folder."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

KNOWN_RECORDINGS = {
    ("Sinnerman", "Nina Simone"): {"duration_ms": 620_000, "isrc": "USRC17607839"},
}


class MetadataHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        url = urlparse(self.path)
        params = {key: values[0] for key, values in parse_qs(url.query).items()}
        if url.path.startswith("/broken/"):
            self._send(500, {"error": "boom"})
            return
        found = KNOWN_RECORDINGS.get((params.get("title", ""), params.get("artist", "")))
        if url.path != "/recordings" or found is None:
            self._send(404, {"error": "not found"})
            return
        self._send(200, found)

    def _send(self, status: int, body: object) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output quiet."""


@pytest.fixture(scope="module")
def metadata_service_url() -> Iterator[str]:
    """Base URL of a metadata service that knows the KNOWN_RECORDINGS."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), MetadataHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host!s}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
