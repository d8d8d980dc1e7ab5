"""The devnet's transaction journal: no block a client has seen is lost to a crash.

anvil's state is only snapshotted every few seconds (:mod:`copyright_hub.devnet_state`), so a SIGKILL
used to take the blocks mined since. With a journal, the state keeper runs anvil on an internal
loopback port and answers on the devnet's own address through :class:`FrontDoor`: every JSON-RPC
request (from the SDK, deploy, the indexer, the public gateway, tests) is forwarded to anvil, and
*before the answer goes back* every block up to anvil's head is appended to the journal and fsynced
(:meth:`Journal.sync`). Whatever a client can have seen (a receipt, a block, a log, a balance) was
read before that head, so it is on disk before the client sees it.

The journal is a file of JSON lines, one per block (``n`` number, ``h`` hash, ``t`` timestamp, ``b``
base fee, ``x`` the block's signed raw transactions in order), ``{"edit": method, "p": params,
"after": n}`` for an absolute state edit (:data:`EDIT_METHODS`) made through the front door, and
``{"rewind": n}`` when the chain went back (a revert or reorg by a cheat method). On start,
:func:`replay` re-mines what the restored snapshot lacks: the edits, then each block with its
original timestamp, base fee and transactions, in order, checking that anvil produces the very same
block hash (anvil's blocks are deterministic given parent, time and transactions), so numbers,
transaction indexes, hashes and every id a contract assigned are unchanged. The keeper rewrites the
journal from the oldest snapshot it keeps (:meth:`Journal.compact`).

A block that cannot be re-mined identically (an impersonated sender's transaction: its raw form has
no valid signature) stops the replay, and the message says which blocks were lost. Relative edits
(``anvil_addBalance``) and impersonation are not journaled. Standard library only: the keeper starts
fast.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

#: blocks fetched per JSON-RPC batch while catching the journal up (anvil_mine can add thousands)
SYNC_CHUNK = 200
#: seconds the front door waits for anvil to answer one forwarded request
FORWARD_TIMEOUT = 120.0
#: the largest request the (loopback-only) front door reads; anvil's own limit is lower
MAX_FRONT_DOOR_BODY = 64 << 20
#: how many superseded journal lines make a rewrite (compaction) worthwhile
COMPACT_AFTER = 512


#: state edits without a block that the front door journals (absolute setters: applying one again
#: after the snapshot that may already hold it gives the same state)
EDIT_METHODS = frozenset({
    "anvil_setBalance", "anvil_setCode", "anvil_setNonce", "anvil_setStorageAt", "anvil_setCoinbase",
    "anvil_setBlockGasLimit", "evm_setBlockGasLimit", "hardhat_setBalance", "hardhat_setCode",
    "hardhat_setNonce", "hardhat_setStorageAt", "hardhat_setCoinbase",
})  # fmt: skip


class JournalError(Exception):
    """The journal cannot be read, written or kept in step with anvil; the message says why."""


@dataclass(frozen=True)
class Block:
    """One journaled block: what is needed to mine it again identically."""

    number: int
    hash: str
    timestamp: int
    raw_txs: tuple[str, ...]
    base_fee: int | None = None  # set again on replay: anvil's first block after a load differs otherwise

    def line(self) -> bytes:
        record = {"n": self.number, "h": self.hash, "t": self.timestamp, "x": list(self.raw_txs), "b": self.base_fee}
        return json.dumps(record, separators=(",", ":")).encode() + b"\n"


@dataclass(frozen=True)
class Edit:
    """A state edit made through the front door after block ``after`` (replayed before the next)."""

    after: int
    method: str
    params: list[Any]

    def line(self) -> bytes:
        return (
            json.dumps({"edit": self.method, "p": self.params, "after": self.after}, separators=(",", ":")).encode()
            + b"\n"
        )


class Upstream:
    """JSON-RPC to anvil over one kept-alive HTTP connection per thread (http.client)."""

    def __init__(self, url: str, timeout: float = FORWARD_TIMEOUT) -> None:
        parts = urlsplit(url)
        self.host, self.port, self.timeout = parts.hostname or "127.0.0.1", parts.port or 80, timeout
        self._local = threading.local()

    def post(self, body: bytes) -> tuple[int, str, bytes]:
        """Send ``body``; (HTTP status, content type, reply bytes). Retries once on a stale connection."""
        for attempt in (0, 1):
            conn = getattr(self._local, "conn", None)
            if conn is None:
                conn = self._local.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                conn.request("POST", "/", body, {"content-type": "application/json"})
                resp = conn.getresponse()
                return resp.status, resp.getheader("content-type", "application/json"), resp.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                self._local.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def call(self, method: str, params: list[Any] | None = None) -> Any:
        reply = self._json({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []})
        if "error" in reply:
            raise JournalError(f"anvil refused {method}: {reply['error'].get('message', reply['error'])}")
        return reply["result"]

    def batch(self, calls: list[tuple[str, list[Any]]]) -> list[Any]:
        """Results of several calls in one request, in order (an error in any one raises)."""
        if not calls:
            return []
        body = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(calls)]
        replies = {r["id"]: r for r in self._json(body)}
        out = []
        for i, (method, _) in enumerate(calls):
            reply = replies.get(i) or {"error": {"message": "no answer"}}
            if "error" in reply:
                raise JournalError(f"anvil refused {method}: {reply['error'].get('message', reply['error'])}")
            out.append(reply["result"])
        return out

    def _json(self, payload: Any) -> Any:
        status, _, data = self.post(json.dumps(payload).encode())
        try:
            return json.loads(data)
        except ValueError:
            raise JournalError(f"anvil answered HTTP {status} with non-JSON: {data[:200]!r}") from None


class Journal:
    """The append-only block journal at ``path`` and its in-memory view (blocks above the oldest kept)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.blocks: dict[int, Block] = {}
        self.edits: list[Edit] = []
        self.superseded = 0  # lines on disk that no longer describe the chain (rewound or compacted away)
        self.lock = threading.Lock()
        self._load()
        self._file = open(path, "ab")  # noqa: SIM115 - kept open for appends, closed by close()

    # -- reading ---------------------------------------------------------------------------------

    def _load(self) -> None:
        if self.path.is_dir():
            raise JournalError(f"journal path {self.path} is a folder; give a file path")
        try:
            raw = self.path.read_bytes() if self.path.exists() else b""
        except OSError as exc:
            raise JournalError(f"cannot read journal {self.path}: {exc.strerror}; fix its permissions") from None
        lines = raw.split(b"\n")
        if raw and not raw.endswith(b"\n"):  # a write cut by a crash: never fsynced, never answered
            with open(self.path, "r+b") as f:
                f.truncate(len(raw) - len(lines[-1]))
                os.fsync(f.fileno())
        for index, line in enumerate(lines[:-1], 1):
            try:
                record = json.loads(line)
                if "rewind" in record:
                    self._rewind_to(int(record["rewind"]))
                elif "edit" in record:
                    self.edits.append(Edit(int(record["after"]), str(record["edit"]), list(record["p"])))
                else:
                    fee = record.get("b")
                    block = Block(int(record["n"]), str(record["h"]), int(record["t"]), tuple(record["x"]), fee)
                    self._add(block)
            except (ValueError, KeyError, TypeError):
                raise JournalError(
                    f"journal {self.path} line {index} is damaged; move the file aside to start without it "
                    "(blocks after the last state snapshot are then lost)"
                ) from None

    def _add(self, block: Block) -> None:
        if block.number in self.blocks or (self.blocks and block.number != self.head_number + 1):
            self._rewind_to(block.number - 1)
        self.blocks[block.number] = block

    def _rewind_to(self, number: int) -> None:
        for n in [n for n in self.blocks if n > number]:
            del self.blocks[n]
            self.superseded += 1
        kept = [e for e in self.edits if e.after <= number]
        self.superseded += len(self.edits) - len(kept)
        self.edits = kept

    @property
    def head_number(self) -> int:
        return max(self.blocks, default=-1)

    @property
    def base_number(self) -> int:
        return min(self.blocks, default=-1)

    @property
    def head(self) -> Block | None:
        return self.blocks.get(self.head_number)

    # -- writing ---------------------------------------------------------------------------------

    def _append(self, lines: list[bytes]) -> None:
        """Append and fsync; a failed write (a full disk) is cut off again, so no torn line is left
        in the middle of the journal for the next append to follow."""
        end = self._file.tell()
        try:
            self._file.write(b"".join(lines))
            self._file.flush()
            os.fsync(self._file.fileno())
        except OSError:
            with contextlib.suppress(OSError):
                self._file.truncate(end)
            raise

    def sync(self, upstream: Upstream, edits: list[tuple[str, list[Any]]] | None = None) -> int:
        """Journal every block up to anvil's head, then ``edits`` just made (fsynced); returns how many
        blocks were added. The in-memory view changes only once the lines are on disk."""
        with self.lock:
            latest = upstream.call("eth_getBlockByNumber", ["latest", False])
            number, block_hash = int(latest["number"], 16), latest["hash"]
            head = self.head
            made = [Edit(number, method, params) for method, params in edits or []]
            if head is not None and head.number == number and head.hash == block_hash:
                if made:
                    self._append([e.line() for e in made])
                    self.edits += made
                return 0
            lines: list[bytes] = []
            keep = self._common_height(upstream, number, block_hash)
            if keep < self.head_number:
                lines.append(json.dumps({"rewind": keep}).encode() + b"\n")
            fresh: list[Block] = []
            for start in range(keep + 1, number + 1, SYNC_CHUNK):
                fresh += fetch_blocks(upstream, range(start, min(start + SYNC_CHUNK, number + 1)))
            lines += [block.line() for block in fresh] + [e.line() for e in made]
            self._append(lines)
            self._rewind_to(keep)
            self.blocks.update((block.number, block) for block in fresh)
            self.edits += made
            return len(fresh)

    def _common_height(self, upstream: Upstream, number: int, block_hash: str) -> int:
        """The highest journaled block anvil still has (the journal's base when none can be checked)."""
        k = min(number, self.head_number)
        while k >= self.base_number >= 0:
            chain_hash = block_hash if k == number else upstream.call("eth_getBlockByNumber", [hex(k), False])["hash"]
            if chain_hash == self.blocks[k].hash:
                return k
            k -= 1
        return self.base_number - 1 if self.blocks else -1

    def compact(self, keep_from: int) -> bool:
        """Rewrite the journal without blocks below ``keep_from`` (the oldest snapshot's height; that
        block stays as the anchor a replay checks). Atomic: aside, fsync, rename. True if rewritten."""
        with self.lock:
            droppable = sum(1 for n in self.blocks if n < keep_from)
            if droppable + self.superseded < COMPACT_AFTER:
                return False
            for n in [n for n in self.blocks if n < keep_from]:
                del self.blocks[n]
            self.edits = [e for e in self.edits if e.after >= keep_from]
            after: dict[int, list[bytes]] = {}
            for edit in self.edits:
                after.setdefault(edit.after, []).append(edit.line())
            tmp = self.path.with_name(self.path.name + ".tmp")
            with open(tmp, "wb") as f:
                f.write(b"".join(self.blocks[n].line() + b"".join(after.get(n, [])) for n in sorted(self.blocks)))
                f.flush()
                os.fsync(f.fileno())
            self._file.close()
            os.replace(tmp, self.path)
            self._file = open(self.path, "ab")  # noqa: SIM115 - see __init__
            self.superseded = 0
            return True

    def reset(self, reason: str) -> Path:
        """Move the journal aside (it describes another chain) and start an empty one."""
        with self.lock:
            self._file.close()
            aside = self.path.with_name(f"{self.path.name}.stale-{time.strftime('%Y%m%dT%H%M%S')}")
            os.replace(self.path, aside)
            self.blocks.clear()
            self.edits.clear()
            self.superseded = 0
            self._file = open(self.path, "ab")  # noqa: SIM115 - see __init__
            print(f"journal: {reason}; moved to {aside.name}", flush=True)
            return aside

    def close(self) -> None:
        self._file.close()


def fetch_blocks(upstream: Upstream, numbers: range) -> Iterator[Block]:
    """The blocks ``numbers`` with their raw transactions, in two batched requests."""
    headers = upstream.batch([("eth_getBlockByNumber", [hex(n), False]) for n in numbers])
    hashes = [tx for header in headers for tx in header["transactions"]]
    raws = iter(upstream.batch([("eth_getRawTransactionByHash", [tx]) for tx in hashes]))
    for header in headers:
        txs = tuple(next(raws) for _ in header["transactions"])
        fee = header.get("baseFeePerGas")
        yield Block(
            int(header["number"], 16), header["hash"], int(header["timestamp"], 16), txs, int(fee, 16) if fee else None
        )


@dataclass(frozen=True)
class Replay:
    """What a start did with the journal: blocks re-mined, and the message when something was lost."""

    replayed: int = 0
    first: int | None = None
    last: int | None = None
    problem: str | None = None
    edits: int = 0

    def message(self) -> str | None:
        parts = []
        if self.replayed:
            parts.append(f"replayed blocks {self.first}..{self.last} from the transaction journal")
        if self.edits:
            parts.append(f"applied {self.edits} journaled state edits again")
        if self.problem:
            parts.append(self.problem)
        return "; ".join(parts) or None


def replay(journal: Journal, upstream: Upstream, *, block_time: float = 0) -> Replay:
    """Re-mine the journaled blocks the restored chain lacks, with their original timestamps.

    Each block must come out with its journaled hash; the first one that does not stops the replay
    (that block and later ones are lost, and the result says so). A journal that does not match the
    restored chain at all (a fresh chain, another state file) is moved aside, never replayed.
    """
    height = int(upstream.call("eth_blockNumber"), 16)
    if not journal.blocks:
        return Replay()
    check = min(height, journal.head_number)
    if check < journal.base_number:
        lost = f"{height + 1}..{journal.base_number - 1}"
        journal.reset(f"the restored chain ends at block {height}, before the journal starts")
        return Replay(
            problem=f"the restored state ends at block {height} and the journal starts later: blocks {lost} are lost"
        )
    chain_hash = upstream.call("eth_getBlockByNumber", [hex(check), False])["hash"]
    if chain_hash != journal.blocks[check].hash:
        journal.reset(f"block {check} differs from the restored chain")
        return Replay(problem=f"the journal describes another chain (block {check} differs); it was moved aside")
    todo = [journal.blocks[n] for n in range(height + 1, journal.head_number + 1)]
    edits: dict[int, list[Edit]] = {}
    for edit in journal.edits:
        if edit.after >= height:  # an edit the snapshot may lack (setting it again changes nothing)
            edits.setdefault(edit.after, []).append(edit)
    if not todo and not edits:
        return Replay()
    done, problem = 0, None
    if todo:
        upstream.call("evm_setAutomine", [False])
        if block_time:
            upstream.call("evm_setIntervalMining", [0])
    try:
        for block in todo:
            problem = _edit_again(upstream, edits.get(block.number - 1, [])) or _mine_again(upstream, block)
            if problem:
                break
            done += 1
        if not problem:
            problem = _edit_again(upstream, edits.get(max(height, journal.head_number), []))
    finally:
        if todo:
            _resume_mining(upstream, block_time, todo[done - 1].timestamp if done else None)
    if problem and done < len(todo):
        problem += f"; blocks {todo[done].number}..{todo[-1].number} of the journal are lost"
    count = sum(len(e) for e in edits.values())
    return Replay(done, todo[0].number if done else None, todo[done - 1].number if done else None, problem, count)


def _edit_again(upstream: Upstream, edits: list[Edit]) -> str | None:
    for edit in edits:
        try:
            upstream.call(edit.method, edit.params)
        except JournalError as exc:
            return f"the state edit {edit.method} after block {edit.after} could not be replayed ({exc})"
    return None


def _mine_again(upstream: Upstream, block: Block) -> str | None:
    """Mine ``block`` again; None when anvil produced the very same block, else what differs."""
    upstream.call("evm_setTime", [block.timestamp])
    upstream.call("evm_setNextBlockTimestamp", [block.timestamp])
    if block.base_fee is not None:
        upstream.call("anvil_setNextBlockBaseFeePerGas", [hex(block.base_fee)])
    for raw in block.raw_txs:
        try:
            upstream.call("eth_sendRawTransaction", [raw])
        except JournalError as exc:
            upstream.call("anvil_dropAllTransactions")
            return f"block {block.number} could not be replayed ({exc})"
    upstream.call("evm_mine")
    mined = upstream.call("eth_getBlockByNumber", [hex(block.number), False])
    if mined is None or mined["hash"] != block.hash:
        got = mined["hash"] if mined else "nothing"
        return f"block {block.number} came out different when replayed ({got}, journaled {block.hash})"
    return None


def _resume_mining(upstream: Upstream, block_time: float, last_timestamp: int | None) -> None:
    if last_timestamp is not None:  # the clock runs on from now again, never behind the last block
        upstream.call("evm_setTime", [max(int(time.time()), last_timestamp)])
    if block_time:
        upstream.call("evm_setIntervalMining", [int(block_time)])
    else:
        upstream.call("evm_setAutomine", [True])


class FrontDoor(ThreadingHTTPServer):
    """The devnet's loopback address: forwards each request to anvil, journals, then answers."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], upstream: Upstream, journal: Journal) -> None:
        self.upstream, self.journal = upstream, journal
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, _FrontDoorHandler)

    def answer(self, body: bytes) -> tuple[int, str, bytes]:
        try:
            status, ctype, reply = self.upstream.post(body)
        except OSError as exc:
            return 502, "application/json", _rpc_error(-32603, f"anvil is not answering ({exc})")
        try:
            self.journal.sync(self.upstream, _edits_made(body, reply) if b"_set" in body else None)
        except (OSError, JournalError, ValueError, KeyError, TypeError) as exc:
            # never hand out a block that is not on disk: the client retries later
            return 503, "application/json", _rpc_error(-32603, f"the devnet could not journal its chain: {exc}")
        return status, ctype, reply


def _edits_made(body: bytes, reply: bytes) -> list[tuple[str, list[Any]]]:
    """The state edits (:data:`EDIT_METHODS`) in a request that anvil carried out, in request order."""
    try:
        calls, answers = json.loads(body), json.loads(reply)
    except (ValueError, RecursionError):  # anvil refused it too: nothing was edited
        return []
    calls = calls if isinstance(calls, list) else [calls]
    answers = answers if isinstance(answers, list) else [answers]
    done = {json.dumps(a.get("id")) for a in answers if isinstance(a, dict) and "error" not in a}
    return [
        (c["method"], list(c.get("params") or []))
        for c in calls
        if isinstance(c, dict) and c.get("method") in EDIT_METHODS and json.dumps(c.get("id")) in done
    ]


def _rpc_error(code: int, message: str) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "id": None, "error": {"code": code, "message": message}}).encode()


class _FrontDoorHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FrontDoor
    # headers and body leave in one segment, at once: with separate small writes, Nagle's algorithm
    # and the client's delayed ACK stall every answer by ~40 ms (measured: 6x fewer registrations/s)
    disable_nagle_algorithm = True
    wbufsize = 1 << 16

    def do_POST(self) -> None:
        try:
            length = int(self.headers.get("content-length") or 0)
        except ValueError:
            length = -1
        if length < 0 or (length == 0 and "content-length" not in self.headers):
            self._send(411, "application/json", _rpc_error(-32600, "send one JSON-RPC body with a Content-Length"))
            self.close_connection = True
            return
        if length > MAX_FRONT_DOOR_BODY:
            message = f"the request is over {MAX_FRONT_DOOR_BODY} bytes; split the batch"
            self._send(413, "application/json", _rpc_error(-32600, message))
            self.close_connection = True
            return
        self._send(*self.server.answer(self.rfile.read(length)))

    def _send(self, status: int, ctype: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


def serve_front_door(address: tuple[str, int], upstream: Upstream, journal: Journal) -> Callable[[], None]:
    """Start the front door on a thread; returns the function that stops it."""
    server = FrontDoor(address, upstream, journal)
    thread = threading.Thread(target=server.serve_forever, name="front-door", daemon=True)
    thread.start()

    def stop() -> None:
        with contextlib.suppress(OSError):
            server.shutdown()
            server.server_close()

    return stop
