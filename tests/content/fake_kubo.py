"""A STAND-IN for a kubo daemon, for tests only: kubo itself cannot run on these machines.

It answers the handful of kubo RPC calls :class:`client_sdk.content.KuboStore` makes, the way kubo's
RPC documentation describes them (``POST /api/v0/...``, multipart uploads, JSON answers, errors as
HTTP 500 with ``{"Message", "Code", "Type"}``), holding blocks in memory. Its ``add`` chunks with our
own importer, so by default it proves the adapter's HTTP handling, not CID compatibility (test_cid
does that against ``ipfs add``'s reference implementation).

Two modes make it disagree with us, as a misconfigured or dishonest node would, so the adapter's own
checks get exercised:

* ``add_mode="other-dag"``: ``add`` answers with the CID of another DAG over the same bytes (what a
  node with other import settings builds: raw leaves and CIDv1 for a v0 request, and the reverse);
* ``put_hash="blake2b-256"``: ``block/put`` ignores ``mhtype`` and stores the block under a
  blake2b-256 multihash, so the key it answers differs from the one asked for.

Like kubo run with ``offline``, it never "searches the network": a ``block/get`` or ``block/stat``
for a block it lacks answers kubo's offline "not found" error only when the request says
``offline=true``; without it the fake answers an error that names the missing flag (a real node
would search the network until the timeout).

Its MFS holds only what the publication record uses, as kubo's RPC docs describe those commands:
``files/cp`` (``arg`` twice: an ``/ipfs/<cid>`` source and an MFS destination; ``parents=true`` makes
missing folders; an existing destination is an error, as is a missing parent without ``parents``),
``files/stat`` (``{"Hash", "Size", "CumulativeSize", "Blocks", "Type"}``) and ``files/rm``; a missing
path is kubo's ``file does not exist`` error.
"""

from __future__ import annotations

import hashlib
import json
import threading
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from client_sdk.content import CID
from client_sdk.content._multiformats import varint
from client_sdk.content.cid import compute_cid

BLAKE2B_256 = 0xB220


class _Missing(Exception):
    """A block the fake does not hold (kubo's offline lookup error)."""


class FakeKubo:
    """Loopback HTTP server on a free port; ``url`` is its RPC base URL. Use as a context manager."""

    def __init__(self, *, add_mode: str = "honest", put_hash: str = "sha2-256") -> None:
        if add_mode not in ("honest", "other-dag") or put_hash not in ("sha2-256", "blake2b-256"):
            raise ValueError(f"unknown fake kubo mode {add_mode!r}, {put_hash!r}")
        self.add_mode = add_mode
        self.put_hash = put_hash
        self.blocks: dict[bytes, bytes] = {}
        self.pins: set[str] = set()
        self.calls: list[str] = []
        self.mfs: dict[str, str] = {}  # MFS file path -> the CID it references
        self.mfs_dirs: set[str] = {"/"}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                url = urlparse(self.path)
                query = parse_qs(url.query)
                q = {k: v[0] for k, v in query.items()}
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                fake.calls.append(url.path)
                try:
                    if url.path.startswith("/api/v0/files/"):
                        status, payload = fake.handle_mfs(url.path, q, query.get("arg", []))
                    else:
                        status, payload = fake.handle(url.path, q, self.headers.get("Content-Type", ""), body)
                except _Missing as exc:
                    status, payload = 500, json.dumps({"Message": str(exc), "Code": 0, "Type": "error"})
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

    def _local(self, q: dict[str, str]) -> bytes:
        """The block named by ``arg``; a missing one is an error only an offline request may get."""
        cid = CID.parse(q["arg"])
        if cid.multihash in self.blocks:
            return self.blocks[cid.multihash]
        if q.get("offline") != "true":
            raise _Missing(
                f"fake kubo: {cid} is not held here and the request lacks offline=true, so a real node "
                "would now search the network until the timeout"
            )
        raise _Missing(f"block was not found locally (offline): ipld: could not find {cid}")

    def handle(self, path: str, q: dict[str, str], content_type: str, body: bytes) -> tuple[int, bytes | str]:
        if path == "/api/v0/block/get":
            return 200, self._local(q)
        if path == "/api/v0/block/stat":
            block = self._local(q)
            return 200, json.dumps({"Key": q["arg"], "Size": len(block)})
        if path == "/api/v0/block/put":
            block = self._file(content_type, body)
            codec = {"raw": 0x55, "dag-pb": 0x70}[q.get("cid-codec", "raw")]
            cid = CID.for_block(block, version=1, codec=codec)
            if self.put_hash == "blake2b-256":
                digest = hashlib.blake2b(block, digest_size=32).digest()
                cid = CID(1, codec, varint(BLAKE2B_256) + varint(len(digest)) + digest)
            self.blocks[cid.multihash] = block
            return 200, json.dumps({"Key": str(cid), "Size": len(block)})
        if path == "/api/v0/add":
            data = self._file(content_type, body)

            def sink(cid: CID, block: bytes) -> None:
                self.blocks[cid.multihash] = block

            version = int(q.get("cid-version", "0"))
            if self.add_mode == "other-dag":
                version = 1 - version
            cid = compute_cid(data, version, on_block=sink)
            if q.get("pin") == "true":
                self.pins.add(str(cid))
            return 200, json.dumps({"Name": "file", "Hash": str(cid), "Size": str(len(data))}) + "\n"
        if path == "/api/v0/pin/add":
            self._local({**q, "offline": "true"})
            self.pins.add(q["arg"])
            return 200, json.dumps({"Pins": [q["arg"]]})
        return 404, "404 page not found"

    def handle_mfs(self, path: str, q: dict[str, str], args: list[str]) -> tuple[int, bytes | str]:
        """The MFS commands the publication record uses (see the module docstring)."""
        if path == "/api/v0/files/cp":
            source, dest = args
            if not source.startswith("/ipfs/"):
                raise _Missing(f"fake kubo: only /ipfs/<cid> sources are modelled, got {source}")
            cid = CID.parse(source.removeprefix("/ipfs/"))
            self._local({"arg": str(cid), "offline": "true"})  # kubo resolves the root node first
            parent = dest.rsplit("/", 1)[0] or "/"
            if dest in self.mfs or dest in self.mfs_dirs:
                raise _Missing("cp: cannot put node in path " + dest + ": directory already has entry by that name")
            if parent not in self.mfs_dirs:
                if q.get("parents") != "true":
                    raise _Missing(f"cp: cannot put node in path {dest}: file does not exist")
                parts = parent.strip("/").split("/")
                self.mfs_dirs.update("/" + "/".join(parts[: i + 1]) for i in range(len(parts)))
            self.mfs[dest] = str(cid)
            return 200, ""
        if path == "/api/v0/files/stat":
            (target,) = args
            if target in self.mfs_dirs:
                return 200, json.dumps({"Hash": "", "Size": 0, "CumulativeSize": 0, "Blocks": 0, "Type": "directory"})
            if target not in self.mfs:
                raise _Missing("file does not exist")
            size = len(self.blocks.get(CID.parse(self.mfs[target]).multihash, b""))
            doc = {"Hash": self.mfs[target], "Size": size, "CumulativeSize": size, "Blocks": 0, "Type": "file"}
            return 200, json.dumps(doc)
        if path == "/api/v0/files/rm":
            (target,) = args
            if target not in self.mfs:
                raise _Missing("file does not exist")
            del self.mfs[target]
            return 200, ""
        return 404, "404 page not found"
