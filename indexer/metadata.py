"""The metadata worker: reads each work's current metadata document from the content store (local or
kubo) and mirrors its fields into ``work_metadata`` (:mod:`indexer.tables.metadata`), beside the sync
loop and never in its way.

Why it cannot block chain sync:

- it runs in its own thread (:meth:`MetadataWorker.start`; ``copyright-hub index`` starts it once it
  holds the writer lock) and shares nothing with the loop but the engine's connection pool;
- every read from the store happens outside any transaction, in a daemon thread of its own that the
  worker waits for at most ``metadata_fetch_timeout`` seconds; a read that does not come back is
  abandoned and counted as ``missing`` ("did not answer"), and while :data:`MAX_ABANDONED` abandoned
  reads are still hanging no new read starts, so a dead store costs a few idle threads, not the worker;
- results are upserted in short transactions of at most :data:`FLUSH_ROWS` rows, never around a store
  round trip, so the chain's batch commits wait for no store (SQLite serialises writers: a commit may
  wait for one such upsert, milliseconds; PostgreSQL does not make it wait at all: other tables);
- while the indexer backfills (its status row says ``backfill``) the worker does not read at all: it
  leaves the database and the CPU (one GIL with the sync's writer thread) to the sync, and reads what
  the backfill mirrored once the indexer follows the head.

What it does per pass (:meth:`MetadataWorker.run_once`): works whose current ``metadata_cid`` has no
row yet (*pending*, newest first), then rows not ``ok`` whose ``next_attempt_at`` has come. For each it
reads at most ``metadata_max_bytes``, re-computes the CID of the bytes, parses and validates them
(:func:`client_sdk.metadata.fetch_metadata_bytes` / :func:`~client_sdk.metadata.parse`), and writes the
row: ``ok`` with the fields, or ``missing`` / ``invalid`` / ``too_large`` with the error and the next
attempt after an exponential back-off with jitter (``metadata_retry_base`` doubling up to
``metadata_retry_max``). A ``MetadataUpdated`` event changes ``work.metadata_cid``, so the new CID is
pending at the next pass; the old CID's row stays, keyed by its CID.
"""

from __future__ import annotations

import functools
import json
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from client_sdk.content import (
    BlockNotFound,
    ContentStore,
    CorruptBlock,
    InvalidCID,
    MalformedDAG,
    StoreUnavailable,
    UnsupportedHash,
)
from client_sdk.metadata import InvalidMetadata, MetadataTooLarge, fetch_metadata_bytes, parse

from . import models as m
from . import search, similar
from .backends import backend_for
from .settings import IndexerSettings

log = logging.getLogger("indexer.metadata")

#: works read per pass (a pass ends early when nothing is due)
BATCH = 50
#: reads abandoned after the timeout that may still hang before the worker stops starting new ones
MAX_ABANDONED = 4
#: longest error text kept in a row
MAX_ERROR_CHARS = 500
#: results written in one transaction at most, and the longest a result waits for its transaction (s)
FLUSH_ROWS, FLUSH_SECONDS = 50, 1.0
#: a status row saying "backfill" counts only when written this recently (s); older: a stopped indexer
BACKFILL_FRESH_SECONDS = 30
#: seconds between looks at every work for pending documents (in between: only works changed since)
FULL_SCAN_SECONDS = 300.0

_work = m.Work.__table__  # type: ignore[attr-defined]
_doc = m.MetadataDocument.__table__  # type: ignore[attr-defined]
_status = m.IndexerStatus.__table__  # type: ignore[attr-defined]
_checkpoint = m.Checkpoint.__table__  # type: ignore[attr-defined]
_versions = m.MetadataVersion.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Outcome:
    """What one read of a metadata CID found."""

    status: str  # ok | missing | invalid | too_large
    error: str | None = None
    document: dict[str, Any] | None = None
    size: int | None = None


def read_document(store: ContentStore, cid: str, max_bytes: int) -> Outcome:
    """Read, check and parse the document ``cid`` names; every failure becomes an :class:`Outcome`."""
    try:
        data = fetch_metadata_bytes(store, cid, max_bytes=max_bytes)
        return Outcome("ok", document=parse(data, max_bytes=max_bytes), size=len(data))
    except MetadataTooLarge as exc:
        return Outcome("too_large", str(exc))
    except (InvalidMetadata, InvalidCID, UnsupportedHash, CorruptBlock, MalformedDAG) as exc:
        return Outcome("invalid", str(exc))
    except BlockNotFound:
        return Outcome("missing", "the content store does not hold this CID (yet); it is read again later")
    except (StoreUnavailable, OSError) as exc:
        return Outcome("missing", f"the content store did not answer: {exc}")
    except Exception as exc:  # a store is outside code: whatever it raises, the worker goes on
        log.warning("reading metadata %s failed unexpectedly: %r", cid, exc)
        return Outcome("missing", f"reading the content store failed: {type(exc).__name__}: {exc}")


class _TimedReads:
    """Runs each read in a daemon thread and waits at most ``timeout`` seconds for it."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.abandoned: list[threading.Thread] = []

    def saturated(self) -> bool:
        self.abandoned = [t for t in self.abandoned if t.is_alive()]
        return len(self.abandoned) >= MAX_ABANDONED

    def __call__(self, read: Callable[[], Outcome]) -> Outcome:
        box: list[Outcome] = []
        thread = threading.Thread(target=lambda: box.append(read()), name="metadata-read", daemon=True)
        thread.start()
        thread.join(self.timeout)
        if thread.is_alive() or not box:
            self.abandoned.append(thread)
            return Outcome("missing", f"the content store did not answer within {self.timeout:g} s")
        return box[0]


def _row_fields(document: dict[str, Any]) -> dict[str, Any]:
    """The mirrored columns of a valid document."""
    title, description = document.get("title", {}), document.get("description", {})
    languages = document.get("languages")
    episodes = document.get("episodes")
    return {
        "schema_version": document.get("schemaVersion"),
        "title_zh": title.get("zh"),
        "title_en": title.get("en"),
        "description_zh": description.get("zh"),
        "description_en": description.get("en"),
        "work_type": document.get("workType"),
        "languages": json.dumps(languages) if languages else None,
        "country": document.get("countryOfOrigin"),
        "duration_seconds": document.get("durationSeconds"),
        "episode_count": len(episodes) if episodes else None,
        "first_published": document.get("firstPublished"),
        "created": document.get("created"),
        "poster_cid": document.get("posterCid"),
        "preview_cid": document.get("previewCid"),
        "document": json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
    }


_EMPTY = dict.fromkeys(_row_fields({}))


class MetadataWorker:
    """Keeps ``work_metadata`` in step with the works' current metadata CIDs (see the module docstring)."""

    def __init__(
        self, engine: Engine, store: ContentStore, settings: IndexerSettings | None = None, *, batch: int = BATCH
    ) -> None:
        self.engine = engine
        self.store = store
        self.settings = settings or IndexerSettings()
        self.batch = batch
        self.backend = backend_for(engine)
        self.stop_event = threading.Event()
        self._reads = _TimedReads(self.settings.metadata_fetch_timeout)
        self._revision: int | None = None
        self._thread: threading.Thread | None = None
        #: the checkpoint block up to which every pending work was found, and when to look at all again
        self._scanned: int | None = None
        self._full_after = 0.0
        self._scan_done: tuple[int, bool] | None = None

    # -- running ------------------------------------------------------------------------------------

    def start(self) -> None:
        """Run :meth:`run` in a daemon thread (until :meth:`stop`)."""
        self._thread = threading.Thread(target=self.run, name="metadata-worker", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Ask the worker to stop and wait for its current read (at most ``metadata_fetch_timeout``) and
        write, so nothing else (``index --once`` draining) runs a pass beside it."""
        self.stop_event.set()
        if self._thread is not None:
            self._thread.join(self.settings.metadata_fetch_timeout + 10)

    def run(self) -> None:
        """Pass after pass until stopped; a pass that found nothing to do waits ``metadata_poll_interval``,
        and so does the worker while the indexer backfills (it yields the database and the CPU to the
        sync, and reads what the backfill mirrored once it follows the head). Database errors are logged
        and retried (the sync loop reports the database's health), and so is anything unexpected."""
        while not self.stop_event.is_set():
            try:
                done = 0 if self._backfilling() else self.run_once()
            except sa.exc.DBAPIError as exc:
                if not self.backend.is_missing_schema(exc):  # not migrated yet: the loop is about to
                    log.warning("metadata worker: database error, retrying: %s", str(exc).splitlines()[0])
                self._revision = self._scanned = None
                done = 0
            except Exception:  # a bug must not end the worker silently, nor take the sync with it
                log.exception(
                    "metadata worker: unexpected error, retrying after %s s", self.settings.metadata_retry_base
                )
                self._revision = self._scanned = None
                self.stop_event.wait(self.settings.metadata_retry_base)
                continue
            if done == 0:
                self.stop_event.wait(self.settings.metadata_poll_interval)

    def drain(self, max_passes: int = 1_000) -> int:
        """Passes until one writes nothing (``index --once``); returns the rows written."""
        total = 0
        for _ in range(max_passes):
            done = self.run_once()
            total += done
            if done == 0:
                break
        return total

    def run_once(self, now: float | None = None) -> int:
        """One pass: read what is due at ``now`` (default: the time now); returns the rows written.
        Results are written :data:`FLUSH_ROWS` at a time, none waiting more than :data:`FLUSH_SECONDS`."""
        now = time.time() if now is None else now
        rows: list[dict[str, Any]] = []
        written, since = 0, time.monotonic()
        self._scan_done = None
        for work_id, cid, attempts in self._due(int(now)):
            if self.stop_event.is_set() or self._reads.saturated():
                self._scan_done = None  # some pending works were not read: look for them again
                break
            outcome = self._reads(functools.partial(read_document, self.store, cid, self.settings.metadata_max_bytes))
            rows.append(self._row(work_id, cid, attempts + 1, outcome, now))
            if len(rows) >= FLUSH_ROWS or time.monotonic() - since > FLUSH_SECONDS:
                written += self._write(rows)
                rows, since = [], time.monotonic()
        written += self._write(rows)
        if self._scan_done is not None:
            self._scanned, full = self._scan_done
            if full:
                self._full_after = time.monotonic() + FULL_SCAN_SECONDS
        return written

    # -- the database -------------------------------------------------------------------------------

    def _due(self, now: int) -> list[tuple[int, str, int]]:
        """``(work_id, metadata_cid, attempts)`` to read now: pending works first, newest first, then
        retries whose time has come, oldest appointment first.

        Looking at every work costs a scan of ``work``, so it is done when the worker starts, every
        :data:`FULL_SCAN_SECONDS`, and when the checkpoint went back (a reorg may have restored an older
        CID); otherwise only when the checkpoint moved since the last complete look, and only over the
        works registered or updated since (:meth:`_pending`; the indexer writes those rows in the same
        transaction as the checkpoint). Retries come from the index on
        ``next_attempt_at``."""
        with self.engine.connect() as conn:
            checkpoint = conn.execute(sa.select(sa.func.max(_checkpoint.c.block_number))).scalar()
            rows: list[tuple[int, str, int]] = []
            if checkpoint is not None and checkpoint != self._scanned:
                full = self._scanned is None or checkpoint < self._scanned or time.monotonic() > self._full_after
                rows = [tuple(r) for r in conn.execute(self._pending(None if full else self._scanned))]
                if len(rows) < self.batch:  # every pending work is in hand: once read, look on from here
                    self._scan_done = (checkpoint, full)
            if len(rows) < self.batch:
                retries = (
                    sa.select(_doc.c.work_id, _doc.c.metadata_cid, _doc.c.attempts)
                    .join(
                        _work, sa.and_(_work.c.work_id == _doc.c.work_id, _work.c.metadata_cid == _doc.c.metadata_cid)
                    )
                    .where(_doc.c.next_attempt_at <= now, _doc.c.status != "ok")
                    .order_by(_doc.c.next_attempt_at)
                    .limit(self.batch - len(rows))
                )
                rows += [tuple(r) for r in conn.execute(retries)]
            if self._revision is None:
                self._revision = conn.execute(sa.select(sa.func.max(_doc.c.revision))).scalar() or 0
        return rows

    def _pending(self, changed_after: int | None) -> sa.Select[Any]:
        """Works whose current metadata CID has no row yet, newest first; given a block, only those
        registered or updated after it, found from their ``metadata_version`` rows (one per registration
        and update, keyed by block), so such a look costs a few index lookups, not a pass over ``work``."""
        has_row = sa.exists().where(_doc.c.work_id == _work.c.work_id, _doc.c.metadata_cid == _work.c.metadata_cid)
        readable = sa.func.length(_work.c.metadata_cid) <= m.MAX_CID_CHARS
        if changed_after is None:
            stmt = sa.select(_work.c.work_id, _work.c.metadata_cid, sa.literal(0)).where(readable, ~has_row)
            return stmt.order_by(_work.c.work_id.desc()).limit(self.batch)
        return (
            sa.select(_work.c.work_id, _work.c.metadata_cid, sa.literal(0))
            .select_from(_versions.join(_work, _work.c.work_id == _versions.c.work_id))
            .where(_versions.c.block_number > changed_after, readable, ~has_row)
            .distinct()
            .limit(self.batch)
        )

    def _retry_delay(self, attempts: int) -> float:
        """Exponential back-off with jitter: ``base x 2^(attempts-1)`` up to ``max``, times 1 to 1.25."""
        s = self.settings
        return min(s.metadata_retry_base * 2 ** min(attempts - 1, 40), s.metadata_retry_max) * (1 + random.random() / 4)

    def _row(self, work_id: int, cid: str, attempts: int, outcome: Outcome, now: float) -> dict[str, Any]:
        assert self._revision is not None
        self._revision += 1
        ok = outcome.status == "ok"
        if not ok:
            log.info("metadata of work %d (%s): %s: %s", work_id, cid, outcome.status, outcome.error)
        return {
            "work_id": work_id,
            "metadata_cid": cid,
            "status": outcome.status,
            "error": None if ok else (outcome.error or "")[:MAX_ERROR_CHARS],
            "attempts": attempts,
            "next_attempt_at": None if ok else int(now + self._retry_delay(attempts)) + 1,
            "checked_at": int(now),
            "revision": self._revision,
            "size": outcome.size,
            **(_row_fields(outcome.document) if ok and outcome.document else _EMPTY),
        }

    def _write(self, rows: list[dict[str, Any]]) -> int:
        """One short transaction: upsert ``rows`` (one per (work, CID)) with their search tokens
        (:mod:`indexer.search`); returns how many."""
        if rows:
            with self.engine.begin() as conn:
                self.backend.upsert(conn, _doc, rows, distinct_keys=True)
                search.write_tokens(conn, rows)
                similar.write_codes(conn, rows)  # the document's ISCC codes (near-duplicate search)
        return len(rows)

    def _backfilling(self) -> bool:
        """Whether the indexer is writing backfill batches now (its status row, fresh)."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(_status.c.state, _status.c.updated_at)).all()
        return any(r.state == "backfill" and time.time() - r.updated_at < BACKFILL_FRESH_SECONDS for r in rows)


def revision(conn: sa.Connection) -> int:
    """The newest ``work_metadata`` revision (0: none): it changes whenever the worker writes a row, so a
    cache of answers that show metadata can key on it beside the checkpoint."""
    return int(conn.execute(sa.select(sa.func.max(_doc.c.revision))).scalar() or 0)


__all__ = ["BATCH", "MAX_ABANDONED", "MetadataWorker", "Outcome", "read_document", "revision"]
