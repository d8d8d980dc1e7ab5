"""A STAND-IN for a kubo daemon, for tests only: kubo itself cannot run on these machines.

It answers the handful of kubo RPC calls :class:`client_sdk.content.KuboStore` makes, the way kubo's
RPC documentation describes them (``POST /api/v0/...``, multipart uploads, JSON answers, errors as
HTTP 500 with ``{"Message", "Code", "Type"}``), holding blocks in memory. Its ``add`` chunks with our
own importer, so it proves the adapter's HTTP handling, not CID compatibility (test_cid does that).
"""

from __future__ import annotations

import json
import threading
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from client_sdk.content import CID
from client_sdk.content.cid import compute_cid


class FakeKubo:
    """Loopback HTTP server on a free port; ``url`` is its RPC base URL. Use as a context manager."""

    def __init__(self) -> None:
        self.blocks: dict[bytes, bytes] = {}
        self.pins: set[str] = set()
        self.calls: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                url = urlparse(self.path)
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                fake.calls.append(url.path)
                try:
                    status, payload = fake.handle(url.path, q, self.headers.get("Content-Type", ""), body)
                except KeyError as exc:
                    status, payload = 500, json.dumps({"Message": f"block {exc} not found", "Code": 0, "Type": "error"})
                data = payload if isinstance(payload, bytes) else payload.encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeKubo:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @staticmethod
    def _file(content_type: str, body: bytes) -> bytes:
        msg = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
        part = next(iter(msg.iter_parts()))
        return part.get_payload(decode=True)  # type: ignore[return-value]

    def handle(self, path: str, q: dict[str, str], content_type: str, body: bytes) -> tuple[int, bytes | str]:
        if path == "/api/v0/block/get":
            return 200, self.blocks[CID.parse(q["arg"]).multihash]
        if path == "/api/v0/block/stat":
            block = self.blocks[CID.parse(q["arg"]).multihash]
            return 200, json.dumps({"Key": q["arg"], "Size": len(block)})
        if path == "/api/v0/block/put":
            block = self._file(content_type, body)
            codec = {"raw": 0x55, "dag-pb": 0x70}[q.get("cid-codec", "raw")]
            cid = CID.for_block(block, version=1, codec=codec)
            self.blocks[cid.multihash] = block
            return 200, json.dumps({"Key": str(cid), "Size": len(block)})
        if path == "/api/v0/add":
            data = self._file(content_type, body)

            def sink(cid: CID, block: bytes) -> None:
                self.blocks[cid.multihash] = block

            cid = compute_cid(data, int(q.get("cid-version", "0")), on_block=sink)
            if q.get("pin") == "true":
                self.pins.add(str(cid))
            return 200, json.dumps({"Name": "file", "Hash": str(cid), "Size": str(len(data))}) + "\n"
        if path == "/api/v0/pin/add":
            self.blocks[CID.parse(q["arg"]).multihash]
            self.pins.add(q["arg"])
            return 200, json.dumps({"Pins": [q["arg"]]})
        return 404, "404 page not found"
