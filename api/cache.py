"""The response cache: answers that depend only on the mirror, kept per mirror version, with ETags.

A route served through :class:`api.read.CachedRoute` (every resource list and item, the catalogue page)
answers from the mirror's rows alone, and a few also from the wall clock to the second (a licence's
``status``, ``/offers?active=true``). So its ``200`` answer is fixed by

- the request: path and query string, as sent;
- the **mirror version**: every checkpoint row (chain id, block number, block hash). The indexer writes
  a block's rows in the same transaction as its checkpoint, so new rows come with a new block number,
  and a reorg that ends at the same height comes with a new hash;
- for routes that read the clock, the current second (their answer is computed with ``int(time.time())``).

The version is read from the database at most every ``settings.response_cache_poll_ms``; between two
reads the last one is used. **Maximum staleness**: an answer can trail the mirror by that interval plus
one checkpoint read (one small query), never more. Each answer carries a strong ``ETag`` (a hash of its
bytes) and ``Cache-Control: no-cache`` (a client may keep it but asks again); a request whose
``If-None-Match`` names the current answer's ETag gets ``304 Not Modified`` without a body.

Only ``200`` answers with a body in memory are kept (problems, streams, 304s are not), at most
``settings.response_cache_bytes`` of bodies in all, least recently used dropped first; everything is
dropped when the version changes. No mirror version (nothing indexed yet, database down): nothing
is cached and every request runs the route as if there were no cache.

The metadata worker writes ``work_metadata`` without moving the checkpoint; its ``revision`` grows with
every write, so the highest revision is part of the version too. Anything else that writes rows a
cached route serves without moving the checkpoint must add its own marker to :data:`VERSION`, or the
cache would hide its writes.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from indexer import models as m

#: what every cached answer (and its 304) says about caching: keep it, but revalidate with the ETag
CACHE_CONTROL = (b"cache-control", b"no-cache")
#: bytes counted per entry on top of its body (key, headers, bookkeeping)
ENTRY_OVERHEAD = 512

_checkpoint = m.Checkpoint.__table__  # type: ignore[attr-defined]
_metadata = m.MetadataDocument.__table__  # type: ignore[attr-defined]

#: the mirror version, one statement: every checkpoint row (chain id, block number, block hash) with the
#: metadata worker's highest revision
VERSION = sa.select(
    _checkpoint.c.chain_id,
    _checkpoint.c.block_number,
    _checkpoint.c.block_hash,
    sa.select(sa.func.max(_metadata.c.revision)).scalar_subquery(),
).order_by(_checkpoint.c.chain_id)


class MirrorVersion:
    """The mirror's version (:meth:`read`), re-read at most once per ``interval`` seconds."""

    def __init__(self, engine: Engine, interval: float) -> None:
        self._engine = engine
        self._interval = interval
        self._value: Hashable | None = None
        self._read_at = float("-inf")
        self._reading = threading.Lock()  # one read at a time; the others use the last value meanwhile

    @property
    def value(self) -> Hashable | None:
        """The version last read (``None`` before the first read, or when it failed)."""
        return self._value

    def read(self) -> Hashable | None:
        """:data:`VERSION` as ``((chain_id, block_number, block_hash, metadata_revision), ...)``; ``None``
        when the mirror cannot say (no checkpoint table or row yet, database unavailable)."""
        try:
            with self._engine.connect() as conn:
                rows = conn.execute(VERSION).all()
        except sa.exc.SQLAlchemyError:
            return None
        return tuple(tuple(row) for row in rows) or None

    async def current(self) -> Hashable | None:
        if time.monotonic() - self._read_at < self._interval or not self._reading.acquire(blocking=False):
            return self._value
        try:
            started = time.monotonic()  # the value is as old as the start of its read
            self._value = await run_in_threadpool(self.read)
            self._read_at = started
        finally:
            self._reading.release()
        return self._value


@dataclass(frozen=True)
class Entry:
    body: bytes
    headers: tuple[tuple[bytes, bytes], ...]
    etag: bytes

    @property
    def size(self) -> int:
        return len(self.body) + ENTRY_OVERHEAD


def etag_of(body: bytes) -> bytes:
    return b'"' + hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b'"'


def matches(if_none_match: str | None, etag: bytes) -> bool:
    """Whether an ``If-None-Match`` header names ``etag`` (weak comparison, RFC 9110 §13.1.2)."""
    if not if_none_match:
        return False
    tag = etag.decode()
    return any(
        candidate == "*" or candidate.removeprefix("W/") == tag
        for candidate in (c.strip() for c in if_none_match.split(","))
    )


class ResponseCache:
    """Answers by (path, query, mirror version, second when the route reads the clock)."""

    def __init__(self, engine: Engine, *, poll_seconds: float, max_bytes: int) -> None:
        self.version = MirrorVersion(engine, poll_seconds)
        self.max_bytes = max_bytes
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Hashable, Entry] = OrderedDict()
        self._bytes = 0
        self._version: Hashable | None = None
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, version: Hashable, key: Hashable, entry: Entry) -> None:
        """Keep ``entry``; a new version drops every entry of the old ones first. An answer computed
        under a version that is no longer current is not kept (nobody will ask for it again)."""
        if entry.size > self.max_bytes:
            return
        with self._lock:
            if version != self._version:
                if self.version.value != version:
                    return
                self._entries.clear()
                self._bytes = 0
                self._version = version
            old = self._entries.pop(key, None)
            self._bytes += entry.size - (old.size if old else 0)
            self._entries[key] = entry
            while self._bytes > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= dropped.size

    def __len__(self) -> int:
        return len(self._entries)

    async def serve(
        self, request: Request, route: Callable[[Request], Awaitable[Response]], reads_clock: bool
    ) -> Response:
        """The route's answer to ``request``: from the cache when the mirror has not moved since it was
        computed, else computed now (and kept if it is a 200); a 304 when ``If-None-Match`` names it."""
        version = await self.version.current()
        if version is None:
            return await route(request)
        key = (
            request.url.path,
            request.scope.get("query_string", b""),
            version,
            int(time.time()) if reads_clock else None,
        )
        entry = self.get(key)
        if entry is None:
            self.misses += 1
            response = await route(request)
            body: Any = getattr(response, "body", None)
            if response.status_code != 200 or not isinstance(body, bytes):
                return response
            etag = etag_of(body)
            headers = (*response.raw_headers, (b"etag", etag), CACHE_CONTROL)
            entry = Entry(body, headers, etag)
            self.put(version, key, entry)
        else:
            self.hits += 1
        if matches(request.headers.get("if-none-match"), entry.etag):
            reply = Response(status_code=304)
            reply.raw_headers = [(b"etag", entry.etag), CACHE_CONTROL]
            return reply
        reply = Response(entry.body)
        reply.raw_headers = list(entry.headers)
        return reply
