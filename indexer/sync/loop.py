"""The sync loop and its reorg policy: backfill final blocks range by range (through the fetch
pipeline), then follow the head block by block with undo, detecting reorgs by parent hash and rolling
back to the common ancestor.

Every batch (its rows, raw events, block hashes, undo entries, the checkpoint and the status row) is
written in ONE database transaction, so a crash at any moment leaves the mirror at a batch boundary
and a restart resumes from the checkpoint.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from client_sdk.manifest import Deployment, manifest_path, read_manifest

from .. import models, store
from .._rpc import Rpc, RpcCallError
from ..backends import WriterLock, backend_for
from ..db import drop_all, make_engine, migrate
from ..decode import EventRegistry, Log, decode_logs
from ..errors import DatabaseUnavailable, DeepReorgError, IndexerError, ManifestMismatch, WriterLockLost
from ..projections import project
from ..settings import IndexerSettings
from .pipeline import AncestorGone, Backfill, BatchWriter, Preparer, RangeReader, block_row, open_fetcher, raw_row
from .status import Progress, Stats, Status

log = logging.getLogger("indexer")
#: seconds between checks that the writer lock's database session is still alive
LOCK_CHECK_INTERVAL = 1.0
#: unfinalized blocks fetched and written together when catching up with the head
FOLLOW_BATCH = 64
#: seconds after which the head is polled again even while backfilling
HEAD_POLL_INTERVAL = 5

_raw = models.RawEvent.__table__  # type: ignore[attr-defined]
_block = models.Block.__table__  # type: ignore[attr-defined]
_checkpoint = models.Checkpoint.__table__  # type: ignore[attr-defined]


@dataclass
class Position:
    """Where the mirror stands: the last block written and its hash (None before the first), the
    highest block written without undo, and the mirror's first block."""

    number: int
    hash: str | None
    undo_floor: int
    start: int


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
        on_lock: Callable[[], None] | None = None,
    ) -> None:
        self.settings = settings or IndexerSettings()
        self.engine = engine or make_engine(self.settings.database_url)
        self.backend = backend_for(self.engine)
        self.stop_event = threading.Event()
        self.status = Status(self.engine, f"{socket.gethostname()}:{os.getpid()}")
        self.rpc = Rpc(
            self.settings.rpc_url,
            timeout=self.settings.rpc_timeout,
            backoff=self.settings.rpc_backoff,
            backoff_max=self.settings.rpc_backoff_max,
            max_retries=self.settings.rpc_max_retries,
            on_retry=self.status.note_error,
            abort=self.stop_event,
        )
        self._deployment = deployment
        self.on_progress = on_progress
        self.on_standby = on_standby
        #: called once the writer lock is held (``index`` starts the metadata worker there)
        self.on_lock = on_lock
        self.head = 0
        self.reader: RangeReader | None = None
        self._writes = BatchWriter(self._run_txn)
        self._lock: WriterLock | None = None
        self._lock_checked = 0.0

    @property
    def chain_id(self) -> int:
        """The chain's id (0 until the RPC told it)."""
        return self.status.chain_id

    @property
    def stats(self) -> Stats:
        return self.status.stats

    # -- public ------------------------------------------------------------------------------------

    def run(self, *, once: bool = False, from_block: int | None = None, rebuild: bool = False) -> Position:
        """Index until stopped (``once``: until caught up with the head). Returns the final position.

        ``rebuild``: once the writer lock is held, drop every mirror table and index from scratch.
        """
        lock = self._lock = self.backend.writer_lock(self.engine)
        try:
            lock.acquire(self.settings.standby_poll, on_wait=self.on_standby)
        except sa.exc.OperationalError as exc:
            raise DatabaseUnavailable(_safe_url(self.engine), _reason(exc)) from None
        try:
            if self.on_lock is not None:
                self.on_lock()
            position = self._run_locked(once=once, from_block=from_block, rebuild=rebuild)
            self._writes.drain()
            return position
        finally:
            self._writes.close()
            lock.release()
            self.rpc.close()

    def stop(self) -> None:
        self.stop_event.set()

    # -- setup ------------------------------------------------------------------------------------

    def _run_locked(self, *, once: bool, from_block: int | None, rebuild: bool = False) -> Position:
        try:
            if rebuild:
                log.warning("rebuild: dropping every mirror table of %s", _safe_url(self.engine))
                drop_all(self.engine)
            migrate(self.engine)
        except sa.exc.OperationalError as exc:
            raise DatabaseUnavailable(_safe_url(self.engine), _reason(exc)) from None
        self.status.chain_id = self.rpc.chain_id()
        deployment = self._deployment or read_manifest(
            manifest_path(self.chain_id, self.settings.deployments_dir), expected_chain_id=self.chain_id
        )
        contracts = {name: c.address.lower() for name, c in sorted(deployment.contracts.items())}
        self.reader = RangeReader(
            self.rpc, sorted(contracts.values()), EventRegistry(contracts), self.settings,
            self.settings.initial_block_range if self.reader is None else self.reader.block_range,
        )  # fmt: skip
        position = self._db(lambda conn: self._load_position(conn, contracts, deployment, from_block))
        log.info("indexing chain %d from block %d (%d contracts)", self.chain_id, position.number + 1, len(contracts))
        try:
            return self._loop(position, once)
        except (DeepReorgError, IndexerError) as exc:
            self.status.note_error(str(exc))
            self.status.flush_error("stopped")
            raise

    def _load_position(
        self, conn: sa.Connection, contracts: dict[str, str], deployment: Deployment, from_block: int | None
    ) -> Position:
        """The checkpoint of this chain's mirror (a new one at ``from_block`` or the deploy block), and the
        status totals of the previous run."""
        self.status.restore(conn)
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
            return Position(start - 1, None, start - 1, start)
        if json.loads(row["contracts"]) != contracts:
            raise ManifestMismatch(
                f"the mirror was built for contracts {row['contracts']} but the manifest now names {contracts}; "
                "rebuild the mirror with `copyright-hub index --rebuild` (or point COPYRIGHT_HUB_DATABASE_URL at a fresh database)"
            )
        if from_block is not None and from_block != row["start_block"]:
            log.warning(
                "--from-block %d ignored: this mirror already started at block %d", from_block, row["start_block"]
            )
        return Position(row["block_number"], row["block_hash"], row["undo_floor"], row["start_block"])

    # -- the loop ------------------------------------------------------------------------------------

    def _loop(self, position: Position, once: bool) -> Position:
        depth = self.settings.finality_depth
        last_head_poll = 0.0
        while not self.stop_event.is_set():
            self._check_lock()
            if position.number + 1 > self.head - depth or time.monotonic() - last_head_poll > HEAD_POLL_INTERVAL:
                self.head = self.rpc.block_number()
                last_head_poll = time.monotonic()
            # the chain may have moved under the last block we hold (reorg, or a devnet that came back shorter)
            if position.hash is not None and position.number >= self.head:
                header = self.rpc.header(position.number)
                if header is None or header["hash"].lower() != position.hash:
                    position = self._handle_reorg(position)
                    continue
            safe = self.head - depth
            nxt = position.number + 1
            if nxt <= safe:
                position = self._backfill(position, nxt, safe)
            elif nxt <= self.head:
                position = self._follow(position, nxt, min(self.head, nxt + FOLLOW_BATCH - 1))
            else:
                self._write_status(position, "following")
                if once:
                    break
                self.stop_event.wait(self.settings.poll_interval)
        if self.stop_event.is_set():
            self._write_status(position, "stopped")
        return position

    def _check_lock(self) -> None:
        """At most once per LOCK_CHECK_INTERVAL: stop if the session holding the writer lock is gone."""
        now = time.monotonic()
        if now - self._lock_checked > LOCK_CHECK_INTERVAL:
            if self._lock is None or not self._lock.still_held():
                raise WriterLockLost()
            self._lock_checked = now

    def _backfill(self, position: Position, first: int, safe: int) -> Position:
        """Finalized blocks ``first..safe`` (no undo needed, no reorg possible), range by range.

        A fetcher (:mod:`.pipeline`; a forked process where ``fork`` exists and ``fetch_process`` is on,
        else a thread) reads and prepares range *k+1* while this thread hands range *k* to the writer
        thread, which commits range *k-1*. A range whose anchor is gone runs the reorg path.
        """
        assert self.reader is not None
        process = self.settings.fetch_process
        if process:
            self._writes.drain()  # no write in flight while forking (and the child inherits no half-done state)
        fetcher = open_fetcher(
            self.reader, Backfill(first, safe, position.hash), Preparer(self.backend, self.engine.dialect, self.chain_id),
            stop=self.stop_event, idle=self._check_lock, note=self.status.note_error, lock=self._lock, process=process,
        )  # fmt: skip
        try:
            with fetcher:
                for fetched in fetcher:
                    if fetched.block_hash is None:  # the chain got shorter than `safe` under us: re-read the head
                        self.head = self.rpc.block_number()
                        break
                    new = Position(fetched.last, fetched.block_hash, fetched.last, position.start)
                    plan = self.backend.plan(self.engine.dialect)
                    plan.statements = fetched.statements
                    self._write_batch(new, fetched.events, "backfill", plan.run, background=True)
                    position = new
        except AncestorGone as gone:
            return self._reorg_below(position, gone)
        return position

    def _follow(self, position: Position, first: int, last: int) -> Position:
        """Unfinalized blocks ``first..last``: check each extends the one before (the first extends what we
        hold), fetch each block's logs by its hash, and write them, with undo, in one transaction."""
        reader = self.reader
        assert reader is not None
        chain = self._linked_headers(position, first, last)
        if chain is None:
            return self._handle_reorg(position)
        if not chain:
            self.head = self.rpc.block_number()
            return position
        try:
            replies = self.rpc.batch(
                [("eth_getLogs", [{"address": reader.addresses, "blockHash": h["hash"]}]) for h in chain]
            )
        except RpcCallError as exc:  # a block vanished between the two calls: look again
            log.info("logs of blocks %d..%d unavailable (%s); re-checking the chain", first, last, exc)
            return position
        logs = decode_logs([lg for reply in replies for lg in reply], reader.registry)
        times = {int(h["number"], 16): (h["hash"].lower(), int(h["timestamp"], 16)) for h in chain}
        for lg in logs:
            block_hash, lg.block_time = times[lg.block_number]
            if lg.block_hash != block_hash:
                return position  # not the block we asked for: look again
        tip = chain[-1]
        number = int(tip["number"], 16)
        floor = max(position.undo_floor, number - self.settings.finality_depth)
        new = Position(number, tip["hash"].lower(), floor, position.start)
        write = self._undoable_writes(logs, [block_row(self.chain_id, h) for h in chain])
        self._write_batch(new, len(logs), "following", write, background=False,
                          prune_floor=floor if floor > position.undo_floor else None)  # fmt: skip
        return new

    def _linked_headers(self, position: Position, first: int, last: int) -> list[dict[str, Any]] | None:
        """Headers of ``first..last`` as far as each extends the one before; None when the first does not
        extend the block the mirror holds (a reorg)."""
        chain: list[dict[str, Any]] = []
        parent = position.hash
        for header in self.rpc.headers(list(range(first, last + 1))):
            if header is None:  # the chain is shorter than the head we saw
                break
            if parent is not None and header["parentHash"].lower() != parent:
                if not chain:
                    return None
                break  # a reorg is under way past this point: take the consistent prefix
            chain.append(header)
            parent = header["hash"].lower()
        return chain

    # -- reorgs -------------------------------------------------------------------------------------

    def _reorg_below(self, position: Position, gone: AncestorGone) -> Position:
        """A backfill found block ``gone.number`` replaced: finish the writes in flight, then roll back."""
        log.warning(
            "block %d of the mirror (hash %s) is no longer on the chain; looking for the common ancestor",
            gone.number, gone.held,
        )  # fmt: skip
        return self._handle_reorg(position)

    def _handle_reorg(self, position: Position) -> Position:
        """Find the newest block we hold that the chain still has; roll everything above it back."""
        ancestor, ancestor_hash = self._common_ancestor(position)
        depth = position.number - ancestor
        log.warning("reorg: blocks %d..%d replaced; rolling back to block %d", ancestor + 1, position.number, ancestor)
        new = Position(ancestor, ancestor_hash, min(position.undo_floor, ancestor), position.start)
        self.stats.reorg(depth, ancestor)

        def txn(conn: sa.Connection) -> None:
            store.rollback_to(conn, self.chain_id, ancestor)
            self._save_checkpoint(conn, new)
            self.status.save(conn, new.number, self.head, "following")

        self._db(txn)
        return new

    def _common_ancestor(self, position: Position) -> tuple[int, str | None]:
        """The newest block the mirror holds (at or above the undo floor) that the chain still has, by one
        batch call. None found: everything, if nothing was mirrored without undo; else a reorg deeper
        than the finality depth (:class:`DeepReorgError`, nothing changed)."""
        held = self._db(
            lambda conn: conn.execute(
                sa.select(_block.c.number, _block.c.hash)
                .where(_block.c.chain_id == self.chain_id, _block.c.number >= position.undo_floor)
                .order_by(_block.c.number.desc())
            ).all()
        )
        numbers = [n for n, _ in held]
        headers = self.rpc.headers(numbers) if numbers else []
        for (number, block_hash), header in zip(held, headers, strict=True):
            if header is not None and header["hash"].lower() == block_hash:
                return number, block_hash
        if position.undo_floor == position.start - 1:
            return position.start - 1, None  # nothing was mirrored without undo: roll back everything
        raise DeepReorgError(position.number, position.undo_floor, self.settings.finality_depth)

    # -- writing --------------------------------------------------------------------------------------

    def _undoable_writes(self, logs: list[Log], blocks: list[dict[str, Any]]) -> Callable[[sa.Connection], None]:
        """The writes of unfinalized blocks: block by block, each after its before-images went to the undo
        log (projected now, written in the batch's transaction)."""
        raw_rows = [raw_row(self.chain_id, lg) for lg in logs]
        by_block: dict[int, list[Log]] = {}
        for lg in logs:
            by_block.setdefault(lg.block_number, []).append(lg)
        per_block = [(n, project(by_block[n])) for n in sorted(by_block)]

        def write(conn: sa.Connection) -> None:
            store.insert_ignore(conn, _raw, raw_rows)
            for number, changes in per_block:
                store.apply_changes(conn, changes, number)
            store.upsert_rows(conn, _block, blocks)

        return write

    def _write_batch(
        self,
        new: Position,
        events: int,
        state: str,
        write: Callable[[sa.Connection], None],
        *,
        background: bool,
        prune_floor: int | None = None,
    ) -> None:
        """``write`` a batch of ``events`` and move the checkpoint to ``new``, in one transaction (in the
        writer thread when ``background``), with the status row; then report the progress."""
        rate = self.stats.add(events)

        def txn(conn: sa.Connection) -> None:
            write(conn)
            if prune_floor is not None:
                store.prune(conn, self.chain_id, prune_floor)
            self._save_checkpoint(conn, new)
            self.status.save(conn, new.number, self.head, state, rate)

        self._db(txn, background=background)
        if self.on_progress is not None:
            self.on_progress(
                Progress(
                    state, new.number, self.head, self.head - self.settings.finality_depth, new.start, events,
                    self.stats.events_total, self.stats.reorgs,
                )
            )  # fmt: skip

    def _save_checkpoint(self, conn: sa.Connection, position: Position) -> None:
        conn.execute(
            sa.update(_checkpoint)
            .where(_checkpoint.c.chain_id == self.chain_id)
            .values(block_number=position.number, block_hash=position.hash, undo_floor=position.undo_floor)
        )

    def _write_status(self, position: Position, state: str) -> None:
        rate = 0.0 if state == "following" else None
        self._db(lambda conn: self.status.save(conn, position.number, self.head, state, rate))

    def _db(self, fn: Callable[[sa.Connection], Any], *, background: bool = False) -> Any:
        """Run ``fn`` in one transaction; an unreachable database stops the indexer cleanly.

        ``background``: hand it to the writer thread (in order) and return at once, so the next range
        is fetched and decoded while this one is written. Anything else waits for those writes first.
        """
        if background:
            self._writes.submit(fn)
            return None
        self._writes.drain()
        return self._run_txn(fn)

    def _run_txn(self, fn: Callable[[sa.Connection], Any]) -> Any:
        try:
            with self.engine.begin() as conn:
                return fn(conn)
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            raise DatabaseUnavailable(_safe_url(self.engine), _reason(exc)) from None


def _safe_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _reason(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.strip().splitlines()[0][:200] if text.strip() else type(exc).__name__
