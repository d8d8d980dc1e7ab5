"""A :class:`~client_sdk.content.store.ContentStore` over a kubo (go-ipfs) node's RPC API.

Why the RPC directly and not ``ipfshttpclient``: that library (named by the original design) checks
the daemon version and refuses any kubo newer than 0.7, and it is unmaintained. kubo's RPC is plain
HTTP: every command is ``POST /api/v0/<command>?arg=...`` with multipart bodies for uploads, stable
across kubo releases. httpx is already a dependency, so the adapter is a few calls:

=================  ==========================================================
``add``            ``/api/v0/add?cid-version=N&pin=true`` (kubo's own chunker; the CID it returns
                   is checked against ours, so both stores agree byte for byte)
``get_block``      ``/api/v0/block/get?arg=CID&offline=true`` (local blocks only: without
                   ``offline`` a node asked for a block it lacks searches the network, for up
                   to the timeout; then re-hashed here: the node is not trusted)
``put_block``      ``/api/v0/block/put?cid-codec=...&mhtype=sha2-256``
``has``            ``/api/v0/block/stat?arg=CID&offline=true`` (never fetches from the network)
``pin``            ``/api/v0/pin/add?arg=CID``
``publish``        ``/api/v0/files/cp?arg=/ipfs/CID&arg=/copyright-hub/public/CIDv1&parents=true``
                   after every block was read back (offline) and verified: no holes published
``is_published``   ``/api/v0/files/stat?arg=/copyright-hub/public/CIDv1``
``unpublish``      ``/api/v0/files/rm?arg=/copyright-hub/public/CIDv1`` (a missing entry is no error)
=================  ==========================================================

The publication record lives in the node's MFS (its mutable file system), not beside one API host, so
every API host using that node serves the same roots; an operator sees it with
``ipfs files ls /copyright-hub/public``. An entry is named by the CIDv1 (base32) of the root, so a
CIDv0 and a CIDv1 of the same root are one publication. MFS keeps what it references, so a published
root also stays on the node when its pin is removed.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Iterator
from typing import Any

import httpx

from .cid import CID, Progress, compute_cid, open_regular_file
from .errors import BlockNotFound, ContentError, StoreUnavailable
from .store import DagReader, Source, _verified

DEFAULT_KUBO_URL = "http://127.0.0.1:5001"
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
PUBLIC_DIR = "/copyright-hub/public"
"""The MFS folder that records which roots were published (one entry per root)."""


class KuboStore(DagReader):
    """Talks to kubo's RPC at ``url`` (default ``http://127.0.0.1:5001``). Use as a context manager."""

    def __init__(self, url: str = DEFAULT_KUBO_URL, *, timeout: httpx.Timeout = DEFAULT_TIMEOUT) -> None:
        self.url = url.rstrip("/")
        self._http = httpx.Client(base_url=self.url + "/api/v0", timeout=timeout)

    def __enter__(self) -> KuboStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _post(self, command: str, params: dict[str, Any], **kw: Any) -> httpx.Response:
        try:
            resp = self._http.post("/" + command, params=params, **kw)
        except httpx.HTTPError as exc:
            raise StoreUnavailable(
                f"kubo RPC at {self.url} did not answer {command}: {exc}; is the daemon running?"
            ) from None
        if resp.status_code != 200:
            message = resp.text
            with contextlib.suppress(ValueError):
                message = resp.json().get("Message", message)
            if "not found" in message.lower() or "could not find" in message.lower():
                raise BlockNotFound(params.get("arg"), f"the kubo node at {self.url}")
            raise StoreUnavailable(f"kubo RPC {command} failed with HTTP {resp.status_code}: {message}")
        return resp

    def has(self, cid: CID | str) -> bool:
        try:
            self._post("block/stat", {"arg": str(CID.parse(cid)), "offline": "true"})
        except BlockNotFound:
            return False
        return True

    def get_block(self, cid: CID | str) -> bytes:
        c = CID.parse(cid)
        block = self._post("block/get", {"arg": str(c), "offline": "true"}).content
        return _verified(c, block, f"the kubo node at {self.url}")

    def put_block(self, cid: CID | str, block: bytes) -> None:
        c = CID.parse(cid)
        _verified(c, block, "the block being stored")
        resp = self._post(
            "block/put",
            {"cid-codec": c.codec_name, "mhtype": "sha2-256"},
            files={"file": ("block", block, "application/octet-stream")},
        )
        key = CID.parse(resp.json()["Key"])
        if key.multihash != c.multihash:
            raise ContentError(f"kubo stored the block under {key}, expected {c}")

    def add(self, source: Source, cid_version: int = 0, *, on_progress: Progress | None = None) -> CID:
        # Our own CID first (a second read of a path), so a kubo with other chunker defaults is caught.
        if isinstance(source, bytes | bytearray | memoryview):
            data: Any = io.BytesIO(bytes(source))
        elif isinstance(source, str | os.PathLike):
            data = open_regular_file(source)
        else:
            raise ContentError("KuboStore.add takes a path or bytes (it reads the input twice)")
        with data:
            expected = compute_cid(data, cid_version, on_progress=on_progress)
            data.seek(0)
            resp = self._post(
                "add",
                {"cid-version": str(cid_version), "pin": "true", "quieter": "true"},
                files={"file": ("file", data, "application/octet-stream")},
            )
        lines = [json.loads(line) for line in resp.text.splitlines() if line.strip()]
        got = CID.parse(lines[-1]["Hash"])
        if got != expected:
            raise ContentError(
                f"kubo computed {got} but ipfs-add defaults give {expected}; check the node's chunker settings"
            )
        return got

    def pin(self, cid: CID | str) -> None:
        self._post("pin/add", {"arg": str(CID.parse(cid))})

    def blocks(self, cid: CID | str) -> Iterator[tuple[CID, bytes]]:
        return super().blocks(cid)

    # -- publication (what a gateway may serve), kept in the node's MFS -----------------------------

    @staticmethod
    def _public_path(cid: CID | str) -> str:
        c = CID.parse(cid)
        return f"{PUBLIC_DIR}/{CID(1, c.codec, c.multihash)}"

    def _mfs_stat(self, path: str) -> bool:
        """True when the MFS entry exists; kubo answers a missing one with ``file does not exist``."""
        try:
            self._post("files/stat", {"arg": path})
        except StoreUnavailable as exc:
            if "does not exist" in str(exc):
                return False
            raise
        return True

    def publish(self, cid: CID | str) -> None:
        from .car import unique_blocks

        c = CID.parse(cid)
        for _ in unique_blocks(self, c):  # every distinct block present (offline) and intact, or raise
            pass
        path = self._public_path(c)
        if self._mfs_stat(path):
            return  # already published: files/cp refuses to overwrite an entry
        try:
            self._post("files/cp", {"arg": [f"/ipfs/{c}", path], "parents": "true"})
        except StoreUnavailable:
            if not self._mfs_stat(path):  # another host publishing it at the same moment is no error
                raise

    def unpublish(self, cid: CID | str) -> None:
        try:
            self._post("files/rm", {"arg": self._public_path(cid)})
        except StoreUnavailable as exc:
            if "does not exist" not in str(exc):
                raise

    def is_published(self, cid: CID | str) -> bool:
        return self._mfs_stat(self._public_path(cid))
