"""The sync loop: backfill in adaptive ``eth_getLogs`` ranges, then follow the head block by block,
detecting reorgs by parent hash and rolling back to the common ancestor.

Every batch (its rows, raw events, block hashes, undo entries and the checkpoint) is written in ONE
database transaction, so a crash at any moment leaves the mirror at a batch boundary and a restart
resumes from the checkpoint.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import json
import logging
import multiprocessing
import os
import pickle
import queue
import signal
import socket
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from client_sdk.manifest import Deployment, manifest_path, read_manifest

from . import models, store
from ._rpc import RangeTooLarge, Rpc, RpcCallError
from .backends import Plan, backend_for
from .db import drop_all, make_engine, migrate
from .decode import EventRegistry, Log, decode_logs
from .errors import DatabaseUnavailable, DeepReorgError, IndexerError, ManifestMismatch, WriterLockLost
from .projections import project
from .settings import IndexerSettings

log = logging.getLogger("indexer")
#: seconds between checks that the writer lock's database session is still alive
LOCK_CHECK_INTERVAL = 1.0
#: unfinalized blocks fetched and written together when catching up with the head
FOLLOW_BATCH = 64
#: the status row's state while RPC calls fail and are being retried
RPC_UNAVAILABLE = "rpc_unavailable"
#: seconds between two status writes that report the same RPC outage
OUTAGE_WRITE_INTERVAL = 1.0
#: the fetcher process's first-generation garbage collection threshold (allocations; Python's default 700)
FETCHER_GC_THRESHOLD = 100_000

_raw = models.RawEvent.__table__  # type: ignore[attr-defined]
_block = models.Block.__table__  # type: ignore[attr-defined]
_checkpoint = models.Checkpoint.__table__  # type: ignore[attr-defined]
_status = models.IndexerStatus.__table__  # type: ignore[attr-defined]


@dataclass
class Progress:
    """What the loop reports after each batch (the CLI draws it)."""

    state: str
    checkpoint: int
    head: int
    target: int
    start: int
    events: int
    events_total: int
    reorgs: int


@dataclass
class Cursor:
    number: int
    hash: str | None
    undo_floor: int
    start: int


@dataclass
class _Stats:
    started: float = field(default_factory=time.monotonic)
    events_total: int = 0
    window: list[tuple[float, int]] = field(default_factory=list)
    reorgs: int = 0
    last_reorg_depth: int | None = None
    last_reorg_block: int | None = None
    last_reorg_at: int | None = None

    def restore(self, row: Any) -> None:
        """Carry the totals of the status row a previous run left (so they survive a restart)."""
        if row is None:
            return
        self.events_total = int(row["events_total"] or 0)
        self.reorgs = int(row["reorgs_handled"] or 0)
        self.last_reorg_depth = row["last_reorg_depth"]
        self.last_reorg_block = row["last_reorg_block"]
        self.last_reorg_at = row["last_reorg_at"]

    def add(self, n: int) -> float:
        now = time.monotonic()
        self.events_total += n
        self.window.append((now, n))
        while self.window and now - self.window[0][0] > 10:
            self.window.pop(0)
        span = max(now - self.window[0][0], 1e-3) if len(self.window) > 1 else max(now - self.started, 1e-3)
        return sum(c for _, c in self.window) / span


class Indexer:
    """Mirrors one hub deployment into one database. Use :meth:`run` (it takes the writer lock)."""

    def __init__(
        self,
        settings: IndexerSettings | None = None,
        *,
        engine: Engine | None = None,
        deployment: Deployment | None = None,
        on_progress: Callable[[Progress], None] | None = None,
        on_standby: Callable[[], None] | None = None,
    ) -> None:
        self.settings = settings or IndexerSettings()
        self.engine = engine or make_engine(self.settings.database_url)
        self.stop_event = threading.Event()
        self.rpc = Rpc(
            self.settings.rpc_url,
            timeout=self.settings.rpc_timeout,
            backoff=self.settings.rpc_backoff,
            backoff_max=self.settings.rpc_backoff_max,
            max_retries=self.settings.rpc_max_retries,
            on_retry=self._note_error,
            abort=self.stop_event,
        )
        self._deployment = deployment
        self.on_progress = on_progress
        self.on_standby = on_standby
        self.block_range = self.settings.initial_block_range
        self.stats = _Stats()
        self.writer = f"{socket.gethostname()}:{os.getpid()}"
        self.chain_id = 0
        self.head = 0
        self._last_error: str | None = None
        self._last_error_at: int | None = None
        self._error_dirty = False
        self._outage_written = 0.0
        self._writer = _Writer(self._run_txn)
        self._lock_checked = 0.0

    # -- public ------------------------------------------------------------------------------------

    def run(self, *, once: bool = False, from_block: int | None = None, rebuild: bool = False) -> Cursor:
        """Index until stopped (``once``: until caught up with the head). Returns the final checkpoint.

        ``rebuild``: once the writer lock is held, drop every mirror table and index from scratch.
        """
        lock = self._lock = backend_for(self.engine).writer_lock(self.engine)
        try:
            lock.acquire(self.settings.standby_poll, on_wait=self.on_standby)
        except sa.exc.OperationalError as exc:
            raise DatabaseUnavailable(_safe_url(self.engine), _reason(exc)) from None
        try:
            cursor = self._run_locked(once=once, from_block=from_block, rebuild=rebuild)
            self._writer.drain()
            return cursor
        finally:
            self._writer.close()
            lock.release()
            self.rpc.close()

    def stop(self) -> None:
        self.stop_event.set()

    # -- setup ------------------------------------------------------------------------------------

    def _run_locked(self, *, once: bool, from_block: int | None, rebuild: bool = False) -> Cursor:
        try:
            if rebuild:
                log.warning("rebuild: dropping every mirror table of %s", _safe_url(self.engine))
                drop_all(self.engine)
            migrate(self.engine)
        except sa.exc.OperationalError as exc:
            raise DatabaseUnavailable(_safe_url(self.engine), _reason(exc)) from None
        self.chain_id = self.rpc.chain_id()
        deployment = self._deployment or read_manifest(
            manifest_path(self.chain_id, self.settings.deployments_dir), expected_chain_id=self.chain_id
        )
        contracts = {name: c.address.lower() for name, c in sorted(deployment.contracts.items())}
        self.addresses = sorted(contracts.values())
        self.registry = EventRegistry(contracts)
        cursor = self._db(lambda conn: self._load_cursor(conn, contracts, deployment, from_block))
        log.info("indexing chain %d from block %d (%d contracts)", self.chain_id, cursor.number + 1, len(contracts))
        try:
            return self._loop(cursor, once)
        except (DeepReorgError, IndexerError) as exc:
            self._note_error(str(exc))
            self._flush_error("stopped")
            raise

    def _load_cursor(
        self, conn: sa.Connection, contracts: dict[str, str], deployment: Deployment, from_block: int | None
    ) -> Cursor:
        status = conn.execute(sa.select(_status).where(_status.c.chain_id == self.chain_id)).mappings().first()
        self.stats.restore(status)
        row = conn.execute(sa.select(_checkpoint).where(_checkpoint.c.chain_id == self.chain_id)).mappings().first()
        start = deployment.deploy_block if from_block is None else from_block
        if row is None:
            conn.execute(
                sa.insert(_checkpoint),
                {
                    "chain_id": self.chain_id,
                    "block_number": start - 1,
                    "block_hash": None,
                    "undo_floor": start - 1,
                    "start_block": start,
                    "contracts": json.dumps(contracts, sort_keys=True),
                },
            )
            return Cursor(start - 1, None, start - 1, start)
        if json.loads(row["contracts"]) != contracts:
            raise ManifestMismatch(
                f"the mirror was built for contracts {row['contracts']} but the manifest now names {contracts}; "
                "rebuild the mirror with `copyright-hub index --rebuild` (or point COPYRIGHT_HUB_DATABASE_URL at a fresh database)"
            )
        if from_block is not None and from_block != row["start_block"]:
            log.warning(
                "--from-block %d ignored: this mirror already started at block %d", from_block, row["start_block"]
            )
        return Cursor(row["block_number"], row["block_hash"], row["undo_floor"], row["start_block"])

    # -- the loop ------------------------------------------------------------------------------------

    def _loop(self, cursor: Cursor, once: bool) -> Cursor:
        depth = self.settings.finality_depth
        last_head_poll = 0.0
        while not self.stop_event.is_set():
            self._check_lock()
            if cursor.number + 1 > self.head - depth or time.monotonic() - last_head_poll > 5:
                self.head = self.rpc.block_number()
                last_head_poll = time.monotonic()
            # the chain may have moved under the last block we hold (reorg, or a devnet that came back shorter)
            if cursor.hash is not None and cursor.number >= self.head:
                header = self.rpc.header(cursor.number)
                if header is None or header["hash"].lower() != cursor.hash:
                    cursor = self._handle_reorg(cursor)
                    continue
            safe = self.head - depth
            nxt = cursor.number + 1
            if nxt <= safe:
                cursor = self._backfill(cursor, nxt, safe)
            elif nxt <= self.head:
                cursor = self._follow(cursor, nxt, min(self.head, nxt + FOLLOW_BATCH - 1))
            else:
                self._write_status(cursor, "following")
                if once:
                    break
                self.stop_event.wait(self.settings.poll_interval)
        if self.stop_event.is_set():
            self._write_status(cursor, "stopped")
        return cursor

    def _check_lock(self) -> None:
        """At most once per LOCK_CHECK_INTERVAL: stop if the session holding the writer lock is gone."""
        now = time.monotonic()
        if now - self._lock_checked > LOCK_CHECK_INTERVAL:
            if not self._lock.still_held():
                raise WriterLockLost()
            self._lock_checked = now

    def _backfill(self, cursor: Cursor, first: int, safe: int) -> Cursor:
        """Finalized blocks ``first..safe`` (no undo needed, no reorg possible), range by range.

        Where ``fork`` is available (and ``fetch_process`` is on), a fetcher *process* requests, parses,
        decodes, projects and compiles range *k+1* on another core while this thread hands range *k* to
        the writer thread, which commits range *k-1*. Otherwise a fetcher thread does the fetching and
        decoding and this thread projects.
        """
        if self.settings.fetch_process and hasattr(os, "fork") and "fork" in multiprocessing.get_all_start_methods():
            return self._backfill_process(cursor, first, safe)
        return self._backfill_thread(cursor, first, safe)

    def _backfill_thread(self, cursor: Cursor, first: int, safe: int) -> Cursor:
        ranges: queue.Queue[tuple[int, list[Log], dict[str, Any] | None] | BaseException | None] = queue.Queue(2)
        cancel = threading.Event()
        fetcher = threading.Thread(
            target=self._fetch_ranges, args=(first, safe, cursor.hash, ranges, cancel), name="indexer-fetcher",
            daemon=True,
        )
        fetcher.start()
        gone: _AncestorGone | None = None
        try:
            while not self.stop_event.is_set():
                self._check_lock()
                try:
                    item = ranges.get(timeout=0.5)
                except queue.Empty:
                    continue
                if item is None:
                    break
                if isinstance(item, _AncestorGone):
                    gone = item
                    break
                if isinstance(item, BaseException):
                    raise item
                last, logs, header = item
                if header is None:  # the chain got shorter than `safe` under us: re-read the head
                    self.head = self.rpc.block_number()
                    break
                new = Cursor(last, header["hash"].lower(), last, cursor.start)
                self._commit(
                    cursor, new, logs, undo=False, blocks=[_block_row(self.chain_id, header)], state="backfill"
                )
                cursor = new
        finally:
            cancel.set()
            with contextlib.suppress(queue.Empty):
                ranges.get_nowait()  # unblock a fetcher waiting to put
            fetcher.join(timeout=30)  # a fetcher stuck retrying a dead RPC stops when stop() aborts it
        return cursor if gone is None else self._reorg_below(cursor, gone)

    def _backfill_process(self, cursor: Cursor, first: int, safe: int) -> Cursor:
        """The backfill with its fetcher in a forked process that sends ready-to-run statements.

        Messages (pickled, protocol 5, over a one-way pipe): ``("range", last, block_hash, events,
        statements, block_range)`` (``block_hash`` None: the chain got shorter than ``safe``),
        ``("note", message)`` for an RPC retry, ``("error", exception)`` and ``("done",)``.
        """
        self._writer.drain()  # no write in flight while forking (and the child inherits no half-done state)
        # os.fork rather than multiprocessing.Process: the indexer may itself run in a daemonic
        # multiprocessing process (the crash tests), which multiprocessing forbids to have children
        reader, writer = multiprocessing.Pipe(duplex=False)
        parent = os.getpid()
        with warnings.catch_warnings():  # Python 3.12+ warns about forking with threads; the child uses none
            warnings.simplefilter("ignore", DeprecationWarning)
            gc.freeze()  # the child's collections then skip the inherited heap (no copy-on-write of it)
            try:
                pid = os.fork()
            finally:
                gc.unfreeze()
        if pid == 0:  # the child: never returns
            code = 1
            try:
                _fetch_process(self, first, safe, cursor.hash, reader, writer, parent)
                code = 0
            finally:
                with contextlib.suppress(Exception):
                    sys.stderr.flush()
                os._exit(code)
        writer.close()
        gone: _AncestorGone | None = None
        try:
            while not self.stop_event.is_set():
                self._check_lock()
                if not reader.poll(0.5):
                    continue
                try:
                    msg = pickle.loads(reader.recv_bytes())
                except EOFError:
                    raise IndexerError(f"the fetcher process died ({_reap(pid, 1.0)})") from None
                kind = msg[0]
                if kind == "note":
                    self._note_error(msg[1])
                    continue
                if kind == "error":
                    error = _revive(msg[1])
                    if isinstance(error, _AncestorGone):
                        gone = error
                        break
                    raise error
                if kind == "done":
                    break
                _, last, block_hash, events, statements, self.block_range = msg
                if block_hash is None:  # the chain got shorter than `safe` under us: re-read the head
                    self.head = self.rpc.block_number()
                    break
                new = Cursor(last, block_hash, last, cursor.start)
                self._commit(cursor, new, [], undo=False, blocks=[], state="backfill", prepared=(events, statements))
                cursor = new
        finally:
            reader.close()  # a child blocked sending gets EPIPE
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            _reap(pid, 10.0)
        return cursor if gone is None else self._reorg_below(cursor, gone)

    def _ranges(
        self, rpc: Rpc, first: int, safe: int, held: str | None
    ) -> Iterator[tuple[int, list[Log], dict[str, Any] | None]]:
        """Adaptive ``eth_getLogs`` ranges over ``first..safe``, decoded, in order; ends after a ``None``
        header (the chain is shorter than ``safe``).

        Before each range it proves that block ``first - 1`` still has the hash the mirror holds (``held``:
        the checkpoint's, then each range's tip), and raises :class:`_AncestorGone` when it does not: a
        chain that came back shorter and regrew, or reorganised below the finality depth, is seen before
        anything of it is read. The range's tip is read before and after its logs; when it changed in
        between, the range is read again, so the logs are those of the chain that the tip ends.
        """
        while first <= safe:
            last = min(safe, first + self.block_range - 1)
            if held is None:
                (tip,) = rpc.headers([last])
            else:
                anchor, tip = rpc.headers([first - 1, last])
                if anchor is None or anchor["hash"].lower() != held:
                    raise _AncestorGone(first - 1, held)
            if tip is None:  # the chain is shorter than `safe` now
                yield last, [], None
                return
            try:
                raw = rpc.logs_range(self.addresses, first, last)
            except RangeTooLarge as exc:
                if self.block_range == 1:
                    raise IndexerError(f"the RPC refuses eth_getLogs even for one block ({exc})") from None
                self.block_range = max(1, self.block_range // 2)
                log.info("eth_getLogs %d..%d too large (%s); range now %d", first, last, exc, self.block_range)
                continue
            if len(raw) > self.settings.target_logs_per_batch:
                self.block_range = max(1, self.block_range // 2)
            elif len(raw) < self.settings.target_logs_per_batch // 2:
                self.block_range = min(self.settings.max_block_range, self.block_range * 2)
            logs = decode_logs(raw, self.registry)
            self._fill_times(logs, rpc)
            again = rpc.header(last)
            if again is None or again["hash"].lower() != tip["hash"].lower():
                log.info("the chain moved while blocks %d..%d were read; reading them again", first, last)
                continue
            yield last, logs, tip
            held = tip["hash"].lower()
            first = last + 1

    def _fetch_ranges(
        self, first: int, safe: int, held: str | None, out: queue.Queue[Any], cancel: threading.Event
    ) -> None:
        """Fetcher thread: :meth:`_ranges` into ``out`` until done or cancelled."""
        try:
            for item in self._ranges(self.rpc, first, safe, held):
                while not cancel.is_set():
                    try:
                        out.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if cancel.is_set():
                    return
            out.put(None)
        except BaseException as exc:
            with contextlib.suppress(queue.Full):
                out.put(exc, timeout=1)

    def _follow(self, cursor: Cursor, first: int, last: int) -> Cursor:
        """Unfinalized blocks ``first..last``: check each extends the one before (the first extends what we
        hold), fetch each block's logs by its hash, and write them, with undo, in one transaction."""
        headers = self.rpc.headers(list(range(first, last + 1)))
        chain: list[dict[str, Any]] = []
        parent = cursor.hash
        for header in headers:
            if header is None:  # the chain is shorter than the head we saw
                break
            if parent is not None and header["parentHash"].lower() != parent:
                if not chain:
                    return self._handle_reorg(cursor)
                break  # a reorg is under way past this point: take the consistent prefix
            chain.append(header)
            parent = header["hash"].lower()
        if not chain:
            self.head = self.rpc.block_number()
            return cursor
        try:
            replies = self.rpc.batch(
                [("eth_getLogs", [{"address": self.addresses, "blockHash": h["hash"]}]) for h in chain]
            )
        except RpcCallError as exc:  # a block vanished between the two calls: look again
            log.info("logs of blocks %d..%d unavailable (%s); re-checking the chain", first, last, exc)
            return cursor
        logs = decode_logs([lg for reply in replies for lg in reply], self.registry)
        times = {int(h["number"], 16): (h["hash"].lower(), int(h["timestamp"], 16)) for h in chain}
        for lg in logs:
            block_hash, lg.block_time = times[lg.block_number]
            if lg.block_hash != block_hash:
                return cursor  # not the block we asked for: look again
        tip = chain[-1]
        number = int(tip["number"], 16)
        floor = max(cursor.undo_floor, number - self.settings.finality_depth)
        new = Cursor(number, tip["hash"].lower(), floor, cursor.start)
        self._commit(cursor, new, logs, undo=True, blocks=[_block_row(self.chain_id, h) for h in chain],
                     state="following", prune_floor=floor if floor > cursor.undo_floor else None)  # fmt: skip
        return new

    def _fill_times(self, logs: list[Log], rpc: Rpc) -> None:
        missing = sorted({lg.block_number for lg in logs if lg.block_time is None})
        if not missing:
            return
        times: dict[int, int] = {}
        for i in range(0, len(missing), 100):
            chunk = missing[i : i + 100]
            for n, h in zip(chunk, rpc.headers(chunk), strict=True):
                if h is not None:
                    times[n] = int(h["timestamp"], 16)
        for lg in logs:
            if lg.block_time is None:
                lg.block_time = times.get(lg.block_number, 0)

    # -- reorgs -------------------------------------------------------------------------------------

    def _reorg_below(self, cursor: Cursor, gone: _AncestorGone) -> Cursor:
        """A backfill found block ``gone.number`` replaced: finish the writes in flight, then roll back."""
        log.warning(
            "block %d of the mirror (hash %s) is no longer on the chain; looking for the common ancestor",
            gone.number, gone.held,
        )  # fmt: skip
        return self._handle_reorg(cursor)

    def _handle_reorg(self, cursor: Cursor) -> Cursor:
        """Find the newest block we hold that the chain still has; roll everything above it back."""
        held = self._db(
            lambda conn: conn.execute(
                sa.select(_block.c.number, _block.c.hash)
                .where(_block.c.chain_id == self.chain_id, _block.c.number >= cursor.undo_floor)
                .order_by(_block.c.number.desc())
            ).all()
        )
        ancestor: int | None = None
        ancestor_hash: str | None = None
        numbers = [n for n, _ in held]
        headers = self.rpc.headers(numbers) if numbers else []
        for (number, block_hash), header in zip(held, headers, strict=True):
            if header is not None and header["hash"].lower() == block_hash:
                ancestor, ancestor_hash = number, block_hash
                break
        if ancestor is None:
            if cursor.undo_floor == cursor.start - 1:
                ancestor = cursor.start - 1  # nothing was mirrored without undo: roll back everything
            else:
                raise DeepReorgError(cursor.number, cursor.undo_floor, self.settings.finality_depth)
        depth = cursor.number - ancestor
        log.warning("reorg: blocks %d..%d replaced; rolling back to block %d", ancestor + 1, cursor.number, ancestor)
        new = Cursor(ancestor, ancestor_hash, min(cursor.undo_floor, ancestor), cursor.start)
        self.stats.reorgs += 1
        self.stats.last_reorg_depth = depth
        self.stats.last_reorg_block = ancestor
        self.stats.last_reorg_at = int(time.time())

        def txn(conn: sa.Connection) -> None:
            store.rollback_to(conn, self.chain_id, ancestor)
            self._save_checkpoint(conn, new)
            self._save_status(conn, new, "following")

        self._db(txn)
        return new

    # -- writing --------------------------------------------------------------------------------------

    def _commit(
        self,
        old: Cursor,
        new: Cursor,
        logs: list[Log],
        *,
        undo: bool,
        blocks: list[dict[str, Any]],
        state: str,
        prune_floor: int | None = None,
        prepared: tuple[int, list[tuple[str, Any]]] | None = None,
    ) -> None:
        """Write ``logs`` of the blocks up to ``new`` and move the checkpoint, in one transaction.

        Finalized ranges (``undo`` False) are prepared here (or, as ``prepared`` = (events, statements),
        by the fetcher process) and written by the writer thread; unfinalized blocks are applied block
        by block, each after its before-images went to the undo log.
        """
        events = len(logs) if prepared is None else prepared[0]
        rate = self.stats.add(events)
        background = not undo
        plan: Plan | None = None
        per_block: list[tuple[int, store.Changes]] = []
        raw_rows: list[dict[str, Any]] = []
        if prepared is not None:
            plan = backend_for(self.engine).plan(self.engine.dialect)
            plan.statements = prepared[1]
        elif background:  # convert and compile here, so the writer thread only executes
            plan = _prepare(self.engine.dialect, self.chain_id, logs, blocks)
        else:
            raw_rows = [_raw_row(self.chain_id, lg) for lg in logs]
            by_block: dict[int, list[Log]] = {}
            for lg in logs:
                by_block.setdefault(lg.block_number, []).append(lg)
            per_block = [(n, project(by_block[n])) for n in sorted(by_block)]

        def txn(conn: sa.Connection) -> None:
            if plan is not None:
                plan.run(conn)
            else:
                store.insert_ignore(conn, _raw, raw_rows)
                for number, changes in per_block:
                    store.apply_changes(conn, changes, number)
                store.upsert_rows(conn, _block, blocks)
            if prune_floor is not None:
                store.prune(conn, self.chain_id, prune_floor)
            self._save_checkpoint(conn, new)
            self._save_status(conn, new, state, rate)

        self._db(txn, background=background)
        if self.on_progress is not None:
            self.on_progress(
                Progress(
                    state,
                    new.number,
                    self.head,
                    self.head - self.settings.finality_depth,
                    new.start,
                    events,
                    self.stats.events_total,
                    self.stats.reorgs,
                )
            )

    def _save_checkpoint(self, conn: sa.Connection, c: Cursor) -> None:
        conn.execute(
            sa.update(_checkpoint)
            .where(_checkpoint.c.chain_id == self.chain_id)
            .values(block_number=c.number, block_hash=c.hash, undo_floor=c.undo_floor)
        )

    def _save_status(self, conn: sa.Connection, c: Cursor, state: str, rate: float | None = None) -> None:
        row: dict[str, Any] = {
            "chain_id": self.chain_id,
            "state": state,
            "writer": self.writer,
            "head_block": self.head,
            "checkpoint_block": c.number,
            "head_lag": max(0, self.head - c.number),
            "events_total": self.stats.events_total,
            "reorgs_handled": self.stats.reorgs,
            "last_reorg_depth": self.stats.last_reorg_depth,
            "last_reorg_block": self.stats.last_reorg_block,
            "last_reorg_at": self.stats.last_reorg_at,
            "updated_at": int(time.time()),
        }
        if rate is not None:
            row["events_per_s"] = round(rate, 1)
        if self._error_dirty:
            row["last_error"] = self._last_error
            row["last_error_at"] = self._last_error_at
            self._error_dirty = False
        store.upsert_rows(conn, _status, [row])

    def _write_status(self, cursor: Cursor, state: str) -> None:
        self._db(lambda conn: self._save_status(conn, cursor, state, 0.0 if state == "following" else None))

    def _note_error(self, message: str) -> None:
        """Record an error (with the time it happened). An RPC failure is also written to the status row
        at once (at most once per second), with the state ``rpc_unavailable``: the indexer makes no
        progress while it retries, so waiting for the next batch would show the outage only once it is
        over. The next batch written after the RPC answers again sets the state back."""
        now = time.time()
        self._last_error = message[:2000]
        self._last_error_at = int(now)
        self._error_dirty = True
        if message.startswith("RPC") and now - self._outage_written >= OUTAGE_WRITE_INTERVAL:
            self._outage_written = now
            self._flush_error(RPC_UNAVAILABLE, updated=True)

    def _flush_error(self, state: str, *, updated: bool = False) -> None:
        """Write ``state`` and the last error to the status row now, outside any batch (best effort: the
        database may be what failed). Before the chain id is known (the RPC was down from the start),
        the row of the one chain this mirror follows is meant."""
        values: dict[str, Any] = {"state": state, "last_error": self._last_error, "last_error_at": self._last_error_at}
        if updated:
            values["updated_at"] = int(time.time())
        statement = sa.update(_status).values(**values)
        if self.chain_id:
            statement = statement.where(_status.c.chain_id == self.chain_id)
        try:
            with self.engine.begin() as conn:
                conn.execute(statement)
        except sa.exc.SQLAlchemyError:
            pass

    def _db(self, fn: Callable[[sa.Connection], Any], *, background: bool = False) -> Any:
        """Run ``fn`` in one transaction; an unreachable database stops the indexer cleanly.

        ``background``: hand it to the writer thread (in order) and return at once, so the next range
        is fetched and decoded while this one is written. Anything else waits for those writes first.
        """
        if background:
            self._writer.submit(fn)
            return None
        self._writer.drain()
        return self._run_txn(fn)

    def _run_txn(self, fn: Callable[[sa.Connection], Any]) -> Any:
        try:
            with self.engine.begin() as conn:
                return fn(conn)
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            raise DatabaseUnavailable(_safe_url(self.engine), _reason(exc)) from None


class _Writer:
    """One background thread that runs write transactions in the order they were submitted.

    At most two batches wait, so memory stays bounded. After a failure nothing later is written (the
    checkpoint in the database stays at the last good batch) and the error is raised to the caller.
    """

    def __init__(self, run: Callable[[Callable[[sa.Connection], Any]], Any]) -> None:
        self._run = run
        self._queue: queue.Queue[Callable[[sa.Connection], Any] | None] = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def submit(self, fn: Callable[[sa.Connection], Any]) -> None:
        self._raise()
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="indexer-writer", daemon=True)
            self._thread.start()
        self._queue.put(fn)

    def drain(self) -> None:
        if self._thread is not None:
            self._queue.join()
        self._raise()

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _work(self) -> None:
        while True:
            fn = self._queue.get()
            try:
                if fn is None:
                    return
                if self._error is None:
                    self._run(fn)
            except BaseException as exc:
                self._error = exc
            finally:
                self._queue.task_done()


def _prepare(dialect: sa.Dialect, chain_id: int, logs: list[Log], blocks: list[dict[str, Any]]) -> Plan:
    """A finalized range's writes (raw events, projection, block hashes), compiled and converted."""
    plan = backend_for(dialect).plan(dialect)
    store.insert_ignore(plan, _raw, [_raw_row(chain_id, lg) for lg in logs])
    store.apply_changes(plan, project(logs), None)
    store.upsert_rows(plan, _block, blocks)
    return plan


class _AncestorGone(Exception):
    """Raised by a fetcher: block ``number`` no longer has the hash ``held`` that the mirror holds for it
    (the sync loop then runs the reorg path instead of reading on)."""

    def __init__(self, number: int, held: str) -> None:
        self.number = number
        self.held = held
        super().__init__(number, held)


#: prctl option: the signal the kernel sends this process when the thread that forked it exits
_PR_SET_PDEATHSIG = 1


def _fetch_process(
    ix: Indexer, first: int, safe: int, held: str | None, reader: Connection, writer: Connection, parent: int
) -> None:
    """Body of the fetcher process (forked from the indexer): fetch, decode, project and compile the
    ranges of ``first..safe`` and send each, ready to execute, to the parent over ``writer``."""
    with contextlib.suppress(OSError, AttributeError):  # Linux: die with the parent, even on SIGKILL
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent decides
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # With Python's default thresholds (700, 10, 10) the cyclic collector took over a third of this
    # process's CPU (0.27 s of 0.7 s for 20,000 events): a range's decoded logs, rows and parameters,
    # hundreds of thousands of dicts and tuples, stay alive until the range is sent, so they survive
    # the young collections and every older-generation collection walks them again (a full one walks
    # the ~175,000 objects inherited at the fork too). They are freed by reference counting; the rare
    # cycle (an exception's traceback on an RPC retry) is still collected, only later.
    gc.set_threshold(FETCHER_GC_THRESHOLD, 50, 100)
    reader.close()
    _drop_writer_lock(ix)

    def send(msg: tuple[Any, ...]) -> None:
        if os.getppid() != parent:
            os._exit(1)
        writer.send_bytes(pickle.dumps(msg, protocol=5))

    settings = ix.settings
    rpc = Rpc(settings.rpc_url, timeout=settings.rpc_timeout, backoff=settings.rpc_backoff,
              backoff_max=settings.rpc_backoff_max, max_retries=settings.rpc_max_retries,
              on_retry=lambda message: send(("note", message)))  # fmt: skip
    dialect = ix.engine.dialect
    try:
        # as in the thread path, a fetcher thread requests range k+1 (the node works meanwhile) while
        # this thread projects, compiles and sends range k
        ix.rpc = rpc
        ranges: queue.Queue[Any] = queue.Queue(2)
        threading.Thread(target=ix._fetch_ranges, args=(first, safe, held, ranges, threading.Event()), daemon=True).start()
        while (item := ranges.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            last, logs, header = item
            if header is None:
                send(("range", last, None, 0, [], ix.block_range))
                break
            plan = _prepare(dialect, ix.chain_id, logs, [_block_row(ix.chain_id, header)])
            send(("range", last, header["hash"].lower(), len(logs), plan.statements, ix.block_range))
        else:
            send(("done",))
    except BrokenPipeError:  # the parent stopped reading
        os._exit(0)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            send(("error", _exc_state(exc)))
    finally:
        writer.close()


def _reap(pid: int, timeout: float) -> str:
    """Wait (up to ``timeout``) for the fetcher process to end, so that no zombie remains; how it ended."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return "already reaped"
        if done:
            if os.WIFSIGNALED(status):
                return f"killed by signal {os.WTERMSIG(status)}"
            return f"exit code {os.waitstatus_to_exitcode(status)}"
        if time.monotonic() > deadline:
            return "still running"
        time.sleep(0.005)


def _drop_writer_lock(ix: Indexer) -> None:
    """Close the child's copies of the writer lock's file descriptor or socket, so that the lock is freed
    as soon as the parent dies, whatever this process is doing then."""
    lock = getattr(ix, "_lock", None)
    for fd in [] if lock is None else lock.inherited_handles():
        with contextlib.suppress(OSError):
            os.close(fd)


def _exc_state(exc: BaseException) -> Any:
    """An exception in a form that pickles (custom ``__init__`` signatures do not unpickle as is)."""
    try:
        pickle.loads(pickle.dumps((type(exc), exc.args, exc.__dict__), protocol=5))
        return (type(exc), exc.args, exc.__dict__)
    except Exception:
        return (IndexerError, (f"{type(exc).__name__}: {exc}",), {})


def _revive(state: Any) -> BaseException:
    cls, args, attrs = state
    exc: BaseException = cls.__new__(cls, *args)
    exc.args = args
    exc.__dict__.update(attrs)
    return exc


def _block_row(chain_id: int, header: dict[str, Any]) -> dict[str, Any]:
    return {
        "chain_id": chain_id,
        "number": int(header["number"], 16),
        "hash": header["hash"].lower(),
        "parent_hash": header["parentHash"].lower(),
        "time": int(header["timestamp"], 16),
    }


def _raw_row(chain_id: int, lg: Log) -> dict[str, Any]:
    t = lg.topics
    n = len(t)
    return {
        "chain_id": chain_id,
        "block_hash": lg.block_hash,
        "log_index": lg.log_index,
        "block_number": lg.block_number,
        "tx_hash": lg.tx_hash,
        "tx_index": lg.tx_index,
        "address": lg.address,
        "contract": lg.contract,
        "event": lg.event,
        "topic0": t[0] if n > 0 else None,
        "topic1": t[1] if n > 1 else None,
        "topic2": t[2] if n > 2 else None,
        "topic3": t[3] if n > 3 else None,
        "data": bytes.fromhex(lg.data[2:]),
    }


def _safe_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _reason(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.strip().splitlines()[0][:200] if text.strip() else type(exc).__name__
