"""Provider limits and flaky responses that anvil does not produce on its own, injected by a small
proxy in front of the real anvil (a fake only for those limits): eth_getLogs ranges wider than a few
blocks are refused as "too many results", and one call in four fails with HTTP 503. The mirror still
equals a fresh index made straight against anvil, and the ranges adapted."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from indexer import Indexer

from .conftest import Chain, MirrorFactory, dump, index_once

MAX_SPAN = 3


class _LimitedProvider(BaseHTTPRequestHandler):
    upstream = ""
    calls = 0
    refused = 0
    lock = threading.Lock()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        with self.lock:
            type(self).calls += 1
            flaky = type(self).calls % 4 == 0
        if flaky:
            self._send(503, b"upstream overloaded")
            return
        request = json.loads(body)
        if isinstance(request, dict) and request.get("method") == "eth_getLogs":
            params = request["params"][0]
            if "fromBlock" in params and int(params["toBlock"], 16) - int(params["fromBlock"], 16) + 1 > MAX_SPAN:
                with self.lock:
                    type(self).refused += 1
                error = {"code": -32005, "message": "query returned more than 10000 results"}
                self._send(200, json.dumps({"jsonrpc": "2.0", "id": request["id"], "error": error}).encode())
                return
        upstream = urllib.request.Request(self.upstream, data=body, headers={"content-type": "application/json"})
        with urllib.request.urlopen(upstream, timeout=30) as reply:
            self._send(200, reply.read())

    def _send(self, status: int, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def limited_rpc(chain: Chain) -> Iterator[tuple[str, type[_LimitedProvider]]]:
    handler = type("Handler", (_LimitedProvider,), {"upstream": chain.node.url, "calls": 0, "refused": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()


def test_ranges_shrink_on_too_many_results_and_503s_are_retried(
    chain: Chain, new_mirror: MirrorFactory, limited_rpc: tuple[str, type[_LimitedProvider]]
) -> None:
    url, handler = limited_rpc
    chain.register(20, per_block=2, account=4)
    mirror = new_mirror()
    settings = mirror.settings(chain, rpc_url=url, initial_block_range=16, rpc_backoff=0.01, rpc_backoff_max=0.05)
    Indexer(settings).run(once=True)
    assert handler.refused >= 1  # the first ranges were refused, then fitted
    assert handler.calls >= 8  # so at least two calls got a 503 and were retried
    fresh = new_mirror()
    index_once(fresh, chain)
    assert dump(mirror.url) == dump(fresh.url)
