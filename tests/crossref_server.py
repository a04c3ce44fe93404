"""A local stand-in for the Crossref REST API, for tests of `cedb paper add DOI`.

A real ``http.server.ThreadingHTTPServer`` on 127.0.0.1 (port 0) in a thread. It
answers ``GET /works/{doi}`` with the recorded-style documents of
``tests/fixtures/crossref/*.json`` (looked up by their DOI), 404 for unknown
DOIs, and a few DOIs that misbehave on purpose (see ``SLOW`` ... ``NOT_HTTP``).
Every request is recorded with its headers so tests can check the User-Agent.

    with CrossrefServer() as server:
        env = {"CEDB_CROSSREF_URL": server.url, "CEDB_HTTP_TIMEOUT": "1"}
"""

import json
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "crossref"

SLOW = "10.5555/test.slow"  # answers after SLOW_SECONDS (longer than CEDB_HTTP_TIMEOUT=1)
GARBAGE = "10.5555/test.garbage"  # HTTP 200 with a body that is not JSON
WRONG_SHAPE = "10.5555/test.wrong-shape"  # HTTP 200, JSON, but not a Crossref work
UNAVAILABLE = "10.5555/test.unavailable"  # HTTP 503
NOT_HTTP = "10.5555/test.not-http"  # bytes that are not an HTTP response at all
SLOW_SECONDS = 3.0
TRICKLE = "10.5555/test.trickle"  # headers at once, then one byte of body every TRICKLE_SECONDS
TRICKLE_SECONDS = 0.5
TRICKLE_BYTES = 40  # 20 s in all: far past CEDB_HTTP_TIMEOUT=1, though no single read waits 1 s


@dataclass
class Request:
    path: str
    doi: str
    headers: dict[str, str]


def load_works() -> dict[str, dict]:
    """The fixture documents by lower-case DOI."""
    works = {}
    for path in sorted(FIXTURES.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        works[document["message"]["DOI"].lower()] = document
    return works


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def log_message(self, format, *args):  # keep test output quiet
        pass

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802 (http.server's naming)
        path = urllib.parse.urlsplit(self.path).path
        doi = urllib.parse.unquote(path[len("/works/") :]).lower() if path.startswith("/works/") else ""
        self.server.requests.append(Request(self.path, doi, {k: v for k, v in self.headers.items()}))
        if doi == SLOW:
            time.sleep(SLOW_SECONDS)
            self._send(200, json.dumps(next(iter(self.server.works.values()))).encode())
        elif doi == TRICKLE:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(TRICKLE_BYTES))
            self.end_headers()
            try:
                for _ in range(TRICKLE_BYTES):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(TRICKLE_SECONDS)
            except OSError:  # the client gave up, as it should
                pass
        elif doi == GARBAGE:
            self._send(200, b"<html><body>Bad gateway \xff\xfe</body>", "text/html")
        elif doi == WRONG_SHAPE:
            self._send(200, json.dumps({"status": "ok", "message": ["not", "a", "work"]}).encode())
        elif doi == UNAVAILABLE:
            self._send(503, b"Service Unavailable", "text/plain")
        elif doi == NOT_HTTP:
            self.wfile.write(b"\x00\x01 this is not HTTP\r\n\r\n")
            self.close_connection = True
        elif doi in self.server.works:
            self._send(200, json.dumps(self.server.works[doi]).encode())
        else:
            self._send(404, b"Resource not found.", "text/plain")


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a sleeping SLOW request must not hold up shutdown

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[Request] = []
        self.works = load_works()

    def handle_error(self, request, client_address):
        # cedb gave up on a slow or broken answer and closed the connection: expected here, and
        # not to be printed into the stderr of a `cedb` run in the same process.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class CrossrefServer:
    """Start with ``start()`` or ``with``; ``url`` is what CEDB_CROSSREF_URL should be."""

    def __init__(self):
        self._server = _Server()
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def requests(self) -> list[Request]:
        return self._server.requests

    def start(self) -> "CrossrefServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "CrossrefServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
