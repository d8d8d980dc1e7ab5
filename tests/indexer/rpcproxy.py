"""A loopback JSON-RPC proxy in front of the real anvil, for the provider behaviour anvil lacks.

A STAND-IN, only for what cannot be had here: provider limits, HTTP 503s and outages. Subclasses
decide per request in :meth:`RpcProxy.intercept` (answer themselves, or return None to forward);
:func:`serve` runs one on a free loopback port and stops it afterwards.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

P = TypeVar("P", bound="RpcProxy")


class RpcProxy(BaseHTTPRequestHandler):
    upstream = ""
    lock = threading.Lock()

    def intercept(self, request: Any) -> tuple[int, bytes] | None:
        """(status, body) to answer ``request`` (a JSON-RPC call or batch) without the upstream."""
        return None

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        answer = self.intercept(json.loads(body))
        if answer is None:
            try:
                req = urllib.request.Request(self.upstream, data=body, headers={"content-type": "application/json"})
                with urllib.request.urlopen(req, timeout=30) as reply:
                    answer = (200, reply.read())
            except (urllib.error.URLError, OSError):
                answer = (503, b"upstream down")
        status, payload = answer
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *_args: object) -> None:
        pass


@contextmanager
def serve(proxy: type[P], upstream: str, **state: Any) -> Iterator[tuple[str, type[P]]]:
    """Run a fresh subclass of ``proxy`` (class attributes ``state``) in front of ``upstream``."""
    handler: type[P] = type(proxy.__name__, (proxy,), {"upstream": upstream, "lock": threading.Lock(), **state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
