"""The backfill's fetch pipeline: finalized ranges read, decoded, projected and compiled ahead of the
loop, and written behind it.

- :class:`RangeReader` reads adaptive ``eth_getLogs`` ranges, each anchored to the chain the mirror
  holds (:meth:`RangeReader.ranges`, which raises :class:`AncestorGone` when it is not).
- A *fetcher* runs a reader ahead of the loop and hands out :class:`FetchedRange` items, ready to
  write. :func:`open_fetcher` gives one of two behind the same iterator: a forked **process** (a
  second core for fetching, decoding, projecting and compiling) or a **thread** (the loop's thread then
  projects and compiles).
- :class:`BatchWriter` is the thread that commits the ranges, in order, while the next is fetched.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import multiprocessing
import os
import pickle
import queue
import signal
import sys
import threading
import time
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any

import sqlalchemy as sa

from .. import models, store
from .._rpc import RangeTooLarge, Rpc
from ..backends import Backend, WriterLock
from ..decode import EventRegistry, Log, decode_logs
from ..errors import IndexerError
from ..projections import project
from ..settings import IndexerSettings

log = logging.getLogger("indexer")
#: the fetcher process's first-generation garbage collection threshold (allocations; Python's default 700)
FETCHER_GC_THRESHOLD = 100_000
#: seconds a fetcher waits for the next range before the loop checks its lock and stop flag again
POLL_INTERVAL = 0.5
#: prctl option: the signal the kernel sends this process when the thread that forked it exits
_PR_SET_PDEATHSIG = 1

_raw = models.RawEvent.__table__  # type: ignore[attr-defined]
_block = models.Block.__table__  # type: ignore[attr-defined]

#: one range as a reader gives it: (last block, decoded logs, the last block's header or None when the
#: chain is now shorter than the span)
Read = tuple[int, list[Log], dict[str, Any] | None]
#: statements ready for a :class:`~indexer.backends.Plan` (plain tuples: they pickle)
Statements = list[tuple[str, Any]]


class AncestorGone(Exception):
    """Raised by a reader: block ``number`` no longer has the hash ``held`` that the mirror holds for it
    (the sync loop then runs the reorg path instead of reading on)."""

    def __init__(self, number: int, held: str) -> None:
        self.number = number
        self.held = held
        super().__init__(number, held)


@dataclass(frozen=True)
class FetchedRange:
    """A finalized range ready to write: its last block and that block's hash (None: the chain is now
    shorter than the backfill's span, re-read the head), how many events, the compiled statements."""

    last: int
    block_hash: str | None
    events: int
    statements: Statements


@dataclass(frozen=True)
class Backfill:
    """What a fetcher reads: blocks ``first..safe``, anchored to ``held``, the hash the mirror holds for
    block ``first - 1`` (None: nothing mirrored yet)."""

    first: int
    safe: int
    held: str | None


# -- reading ----------------------------------------------------------------------------------------


@dataclass
class RangeReader:
    """Adaptive, anchored ``eth_getLogs`` ranges of the hub's contracts, decoded. ``block_range`` adapts
    as it reads and is kept from one backfill to the next."""

    rpc: Rpc
    addresses: list[str]
    registry: EventRegistry
    settings: IndexerSettings
    block_range: int

    def with_rpc(self, rpc: Rpc) -> RangeReader:
        """The same reader on another RPC client (a forked process shares no HTTP client)."""
        return replace(self, rpc=rpc)

    def ranges(self, first: int, safe: int, held: str | None) -> Iterator[Read]:
        """Ranges over ``first..safe``, in order; ends after a ``None`` header (the chain is shorter than
        ``safe``).

        Before each range it proves that block ``first - 1`` still has the hash the mirror holds (``held``:
        the checkpoint's, then each range's tip), and raises :class:`AncestorGone` when it does not: a
        chain that came back shorter and regrew, or reorganised below the finality depth, is seen before
        anything of it is read. The range's tip is read before and after its logs; when it changed in
        between, the range is read again, so the logs are those of the chain that the tip ends.
        """
        rpc = self.rpc
        while first <= safe:
            last = min(safe, first + self.block_range - 1)
            if held is None:
                (tip,) = rpc.headers([last])
            else:
                anchor, tip = rpc.headers([first - 1, last])
                if anchor is None or anchor["hash"].lower() != held:
                    raise AncestorGone(first - 1, held)
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
            self._adapt(len(raw))
            logs = decode_logs(raw, self.registry)
            self.fill_times(logs)
            again = rpc.header(last)
            if again is None or again["hash"].lower() != tip["hash"].lower():
                log.info("the chain moved while blocks %d..%d were read; reading them again", first, last)
                continue
            yield last, logs, tip
            held = tip["hash"].lower()
            first = last + 1

    def _adapt(self, count: int) -> None:
        """Halve the range after more than the target number of logs, double it after fewer than half."""
        target = self.settings.target_logs_per_batch
        if count > target:
            self.block_range = max(1, self.block_range // 2)
        elif count < target // 2:
            self.block_range = min(self.settings.max_block_range, self.block_range * 2)

    def fill_times(self, logs: list[Log]) -> None:
        """Block times for logs the node returned without ``blockTimestamp`` (headers, in batches)."""
        missing = sorted({lg.block_number for lg in logs if lg.block_time is None})
        if not missing:
            return
        times: dict[int, int] = {}
        for i in range(0, len(missing), 100):
            chunk = missing[i : i + 100]
            for n, h in zip(chunk, self.rpc.headers(chunk), strict=True):
                if h is not None:
                    times[n] = int(h["timestamp"], 16)
        for lg in logs:
            if lg.block_time is None:
                lg.block_time = times.get(lg.block_number, 0)


def _pump(reads: Iterator[Read], out: queue.Queue[Any], cancel: threading.Event) -> None:
    """Body of a fetcher thread: ``reads`` into ``out`` until done (then ``None``), cancelled, or an
    error (put in ``out`` as the exception)."""
    try:
        for item in reads:
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


# -- preparing --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preparer:
    """Turns a read range into the statements that write it: raw events, projection, block hash,
    compiled and converted for ``dialect``, so the writer only executes them."""

    backend: Backend
    dialect: sa.Dialect
    chain_id: int

    def __call__(self, logs: list[Log], header: dict[str, Any]) -> Statements:
        plan = self.backend.plan(self.dialect)
        store.insert_ignore(plan, _raw, [raw_row(self.chain_id, lg) for lg in logs])
        store.apply_changes(plan, project(logs), None)
        store.upsert_rows(plan, _block, [block_row(self.chain_id, header)])
        return plan.statements


def block_row(chain_id: int, header: dict[str, Any]) -> dict[str, Any]:
    """The ``block`` row of a block header."""
    return {
        "chain_id": chain_id,
        "number": int(header["number"], 16),
        "hash": header["hash"].lower(),
        "parent_hash": header["parentHash"].lower(),
        "time": int(header["timestamp"], 16),
    }


def raw_row(chain_id: int, lg: Log) -> dict[str, Any]:
    """The ``raw_event`` row of a log."""
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


# -- fetchers -----------------------------------------------------------------------------------------

#: what a fetcher's poll returns when its ranges are all handed out
_END: Any = object()


class Fetcher(ABC):
    """One backfill's ranges, read ahead in the background; iterate it inside ``with``.

    Iteration yields :class:`FetchedRange` items in order and ends when the span is read or ``stop`` is
    set; it raises what the reader raised (:class:`AncestorGone`, an RPC error). While it waits it calls
    ``idle`` every :data:`POLL_INTERVAL` seconds (the loop checks its writer lock there).
    """

    def __init__(
        self, reader: RangeReader, job: Backfill, prepare: Preparer, *, stop: threading.Event, idle: Callable[[], None]
    ) -> None:
        self.reader = reader
        self.job = job
        self.prepare = prepare
        self.stop = stop
        self.idle = idle

    def __iter__(self) -> Iterator[FetchedRange]:
        while not self.stop.is_set():
            self.idle()
            item = self.poll(POLL_INTERVAL)
            if item is _END:
                return
            if item is not None:
                yield item

    @abstractmethod
    def start(self) -> None: ...

    @abstractmethod
    def poll(self, timeout: float) -> FetchedRange | None:
        """The next range; None if none came within ``timeout``; :data:`_END` when done."""

    @abstractmethod
    def close(self) -> None:
        """Stop fetching and release what the fetcher holds (threads joined, the process reaped)."""

    def __enter__(self) -> Fetcher:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def open_fetcher(
    reader: RangeReader,
    job: Backfill,
    prepare: Preparer,
    *,
    stop: threading.Event,
    idle: Callable[[], None],
    note: Callable[[str], None],
    lock: WriterLock | None,
    process: bool,
) -> Fetcher:
    """A fetcher process (``process``, where ``fork`` exists) or else a fetcher thread for ``job``.
    ``note`` receives the process's RPC retry messages; ``lock`` is the writer lock it must not keep."""
    if process and hasattr(os, "fork") and "fork" in multiprocessing.get_all_start_methods():
        return ProcessFetcher(reader, job, prepare, stop=stop, idle=idle, note=note, lock=lock)
    return ThreadFetcher(reader, job, prepare, stop=stop, idle=idle)


class ThreadFetcher(Fetcher):
    """A thread requests and decodes range *k+1* while the caller's thread projects and compiles range
    *k* (in :meth:`poll`)."""

    def start(self) -> None:
        self.queue: queue.Queue[Read | BaseException | None] = queue.Queue(2)
        self.cancel = threading.Event()
        job = self.job
        reads = self.reader.ranges(job.first, job.safe, job.held)
        self.thread = threading.Thread(
            target=_pump, args=(reads, self.queue, self.cancel), name="indexer-fetcher", daemon=True
        )
        self.thread.start()

    def poll(self, timeout: float) -> FetchedRange | None:
        try:
            item = self.queue.get(timeout=timeout)
        except queue.Empty:
            return None
        if item is None:
            return _END
        if isinstance(item, BaseException):
            raise item
        last, logs, header = item
        if header is None:
            return FetchedRange(last, None, 0, [])
        return FetchedRange(last, header["hash"].lower(), len(logs), self.prepare(logs, header))

    def close(self) -> None:
        self.cancel.set()
        with contextlib.suppress(queue.Empty):
            self.queue.get_nowait()  # unblock a fetcher waiting to put
        self.thread.join(timeout=30)  # a fetcher stuck retrying a dead RPC stops when stop() aborts it


class ProcessFetcher(Fetcher):
    """A forked process requests, parses, decodes, projects and compiles the ranges and sends each, ready
    to execute, over a one-way pipe.

    Messages (pickled, protocol 5): ``("range", last, block_hash, events, statements, block_range)``
    (``block_hash`` None: the chain got shorter than ``safe``), ``("note", message)`` for an RPC retry,
    ``("error", exception)`` and ``("done",)``. ``os.fork`` rather than ``multiprocessing.Process``:
    the indexer may itself run in a daemonic ``multiprocessing`` process (the crash tests), which
    ``multiprocessing`` forbids to have children. The caller writes nothing while it forks.
    """

    def __init__(
        self,
        reader: RangeReader,
        job: Backfill,
        prepare: Preparer,
        *,
        stop: threading.Event,
        idle: Callable[[], None],
        note: Callable[[str], None],
        lock: WriterLock | None,
    ) -> None:
        super().__init__(reader, job, prepare, stop=stop, idle=idle)
        self.note = note
        self.lock = lock

    def start(self) -> None:
        self.inbox, outbox = multiprocessing.Pipe(duplex=False)
        self.parent = os.getpid()
        with warnings.catch_warnings():  # Python 3.12+ warns about forking with threads; the child uses none
            warnings.simplefilter("ignore", DeprecationWarning)
            gc.freeze()  # the child's collections then skip the inherited heap (no copy-on-write of it)
            try:
                self.pid = os.fork()
            finally:
                gc.unfreeze()
        if self.pid == 0:  # the child: never returns
            code = 1
            try:
                self._child(outbox)
                code = 0
            finally:
                with contextlib.suppress(Exception):
                    sys.stderr.flush()
                os._exit(code)
        outbox.close()

    def poll(self, timeout: float) -> FetchedRange | None:
        if not self.inbox.poll(timeout):
            return None
        try:
            msg = pickle.loads(self.inbox.recv_bytes())
        except EOFError:
            raise IndexerError(f"the fetcher process died ({_reap(self.pid, 1.0)})") from None
        kind = msg[0]
        if kind == "note":
            self.note(msg[1])
            return None
        if kind == "error":
            raise _revive(msg[1])
        if kind == "done":
            return _END
        _, last, block_hash, events, statements, self.reader.block_range = msg
        return FetchedRange(last, block_hash, events, statements)

    def close(self) -> None:
        self.inbox.close()  # a child blocked sending gets EPIPE
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        _reap(self.pid, 10.0)

    # -- in the child -------------------------------------------------------------------------------

    def _child(self, outbox: Connection) -> None:
        """Body of the fetcher process: read, decode, project and compile the ranges and send each."""
        self._detach()

        def send(msg: tuple[Any, ...]) -> None:
            if os.getppid() != self.parent:
                os._exit(1)
            outbox.send_bytes(pickle.dumps(msg, protocol=5))

        s = self.reader.settings
        rpc = Rpc(s.rpc_url, timeout=s.rpc_timeout, backoff=s.rpc_backoff, backoff_max=s.rpc_backoff_max,
                  max_retries=s.rpc_max_retries, on_retry=lambda message: send(("note", message)))  # fmt: skip
        reader = self.reader.with_rpc(rpc)
        try:
            # as in the thread fetcher, a thread requests range k+1 (the node works meanwhile) while this
            # thread projects, compiles and sends range k
            reads: queue.Queue[Any] = queue.Queue(2)
            job = self.job
            threading.Thread(
                target=_pump, args=(reader.ranges(job.first, job.safe, job.held), reads, threading.Event()), daemon=True
            ).start()
            while (item := reads.get()) is not None:
                if isinstance(item, BaseException):
                    raise item
                last, logs, header = item
                if header is None:
                    send(("range", last, None, 0, [], reader.block_range))
                    break
                send(("range", last, header["hash"].lower(), len(logs), self.prepare(logs, header), reader.block_range))
            else:
                send(("done",))
        except BrokenPipeError:  # the parent stopped reading
            os._exit(0)
        except BaseException as exc:
            with contextlib.suppress(OSError):
                send(("error", _exc_state(exc)))
        finally:
            outbox.close()

    def _detach(self) -> None:
        """Die with the parent, leave signals to it, collect garbage rarely, and let go of the writer lock
        and the parent's end of the pipe."""
        with contextlib.suppress(OSError, AttributeError):  # Linux: die with the parent, even on SIGKILL
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != self.parent:  # the parent died before prctl took effect
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
        self.inbox.close()
        # close this process's copies of the writer lock's file or socket, so that the lock is freed as
        # soon as the parent dies, whatever this process is doing then
        for fd in [] if self.lock is None else self.lock.inherited_handles():
            with contextlib.suppress(OSError):
                os.close(fd)


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


# -- writing ------------------------------------------------------------------------------------------


class BatchWriter:
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
        """Wait until every submitted write is done; raise the first that failed."""
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
