"""The devnet's chain state on disk: written atomically by a keeper process, recovered on start.

anvil's own ``--state`` writes its file in place, so a SIGKILL during a periodic write leaves it empty
or cut short, and the whole chain is gone. Instead, anvil here only *loads* state; this module's
keeper (``python -m copyright_hub.devnet_state``) is anvil's parent. Every ``interval`` seconds, and
once more on SIGTERM, it asks anvil for its state (``anvil_dumpState``, the same JSON that ``--state``
writes, gzipped; only a dump the chain's head did not move during, see :func:`consistent_dump`) and writes it aside, fsyncs, and renames it over the state file, keeping the state
it replaces as ``<state>.prev``. A kill at any moment leaves a complete file behind; anvil dies with
its keeper (Linux ``PR_SET_PDEATHSIG``).

:func:`recover_state` runs before every start: a state file that does not parse (written by an older
anvil in place, or damaged on disk) is moved aside and the newest good snapshot (``.prev``, or a
fully written ``.tmp``) takes its place, with a message saying which block the chain restarts from.
With ``--journal`` the keeper also answers the devnet's address itself and journals every block
before a client can see it, replaying the journal on start (:mod:`copyright_hub.tx_journal`), so a
kill loses nothing a client saw confirmed. Only the standard library is used, so the keeper starts fast.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gzip
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: prctl option: the signal the kernel sends this process when its parent dies
_PR_SET_PDEATHSIG = 1
#: seconds to wait for anvil's state dump before giving up on this round
DUMP_TIMEOUT = 30.0
#: seconds between the keeper's checks that anvil still runs
WATCH_INTERVAL = 0.2
#: dumps tried per snapshot before a busy chain makes the keeper skip a round
SNAPSHOT_ATTEMPTS = 10


class StateFileError(Exception):
    """The state file cannot be used and no good snapshot is left to recover from."""


@dataclass(frozen=True)
class Snapshot:
    """A state file that parses as anvil state, and the chain height it holds."""

    path: Path
    block: int
    saved_at: float


def suffixed(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def read_snapshot(path: Path) -> Snapshot:
    """Parse ``path`` as anvil state; :class:`StateFileError` saying why it cannot be used."""
    if path.is_dir():
        raise StateFileError(f"state path {path} is a folder; give a file path with --state")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise StateFileError(
            f"cannot read state file {path}: {exc.strerror}; fix its permissions or pass another --state"
        ) from None
    try:
        data = json.loads(raw)
    except ValueError as exc:
        reason = "it is empty" if not raw else f"it is corrupt ({exc})"
        raise StateFileError(f"state file {path} cannot be loaded: {reason}") from None
    if not isinstance(data, dict) or not {"block", "accounts"} <= data.keys():
        raise StateFileError(f"{path} is not an anvil state file (no 'block'/'accounts')")
    number = data.get("best_block_number") or data["block"].get("number") or 0
    block = int(number, 16) if isinstance(number, str) else int(number)
    return Snapshot(path, block, path.stat().st_mtime)


def recover_state(path: Path) -> str | None:
    """Make ``path`` a loadable state file (or leave it absent for a fresh chain).

    Returns None when nothing had to be done, else a message saying what was recovered and lost.
    Raises :class:`StateFileError` (leaving every file untouched) when the file is unusable and no
    good snapshot exists.
    """
    if not path.exists():
        if path.is_symlink():
            raise StateFileError(f"state file {path} is a dangling link; remove it or pass another --state")
        spare = _best_spare(path)
        if spare is None:
            return None
        os.replace(spare.path, path)
        return (
            f"state file {path} was missing; restored the snapshot of block {spare.block} "
            f"({_when(spare.saved_at)}) from {spare.path.name}"
        )
    try:
        read_snapshot(path)
        return None
    except StateFileError as exc:
        if path.is_dir() or not os.access(path, os.R_OK):
            raise
        broken = exc
    spare = _best_spare(path)
    if spare is None:
        raise StateFileError(
            f"{broken}; no earlier snapshot ({suffixed(path, '.prev').name}) exists, so it was left untouched. "
            "Move it away to start a fresh chain, or pass another --state"
        )
    aside = suffixed(path, f".corrupt-{time.strftime('%Y%m%dT%H%M%S')}")
    os.replace(path, aside)
    os.replace(spare.path, path)
    _fsync_dir(path.parent)
    return (
        f"{broken}. It was moved to {aside.name}; the devnet restarts from the last good snapshot, "
        f"block {spare.block} saved {_when(spare.saved_at)}: transactions after that block are lost unless the devnet's journal replays them"
    )


def _best_spare(path: Path) -> Snapshot | None:
    good = []
    for candidate in (suffixed(path, ".tmp"), suffixed(path, ".prev")):
        if candidate.is_file():
            with contextlib.suppress(StateFileError, OSError):
                good.append(read_snapshot(candidate))
    return max(good, key=lambda s: (s.block, s.saved_at), default=None)


def _when(saved_at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(saved_at))


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` beside ``path``, fsync, keep the current file as ``.prev``, rename into place."""
    tmp = suffixed(path, ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    if path.exists():
        link = suffixed(path, ".prev.tmp")
        with contextlib.suppress(FileNotFoundError):
            link.unlink()
        os.link(path, link)  # the current snapshot stays reachable as .prev (no copy)
        os.replace(link, suffixed(path, ".prev"))
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class RpcReplyError(OSError):
    """The node answered a JSON-RPC call with an error object."""

    def __init__(self, method: str, error: Any) -> None:
        self.method = method
        self.message = error.get("message") if isinstance(error, dict) else str(error)
        super().__init__(f"{method} failed: {self.message}")


def call(url: str, method: str, params: list[Any] | None = None, timeout: float = DUMP_TIMEOUT) -> Any:
    """One JSON-RPC call with the standard library (the devnet is managed without web3)."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}).encode()
    req = urllib.request.Request(url, data=body, headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        reply = json.loads(resp.read())
    if "error" in reply:
        raise RpcReplyError(method, reply["error"])
    return reply["result"]


def dump_state(url: str, timeout: float = DUMP_TIMEOUT) -> bytes:
    """anvil's state as the JSON its ``--state`` file holds (``anvil_dumpState`` answers gzipped hex)."""
    raw = bytes.fromhex(call(url, "anvil_dumpState", timeout=timeout).removeprefix("0x"))
    return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw


def consistent_dump(url: str, attempts: int = SNAPSHOT_ATTEMPTS) -> bytes | None:
    """A dump that is one state of the chain, or None if the chain never held still long enough.

    ``anvil_dumpState`` is not atomic with mining: a dump taken while a block is being mined can hold
    the accounts after that block's transactions but not the block itself (seen here: about one dump
    in 40 under steady traffic), and a chain loaded from it has contract state without the events that
    made it. So the head block is read before and after the dump, and the dump is kept only when the
    head did not move meanwhile and is the dump's own newest block: a block whose mining overlapped
    the dump would have been appended (mining one block takes far less than one dump) and moved the
    head. Unlike requiring two equal dumps in a row, this needs only one quiet dump, so steady traffic
    does not starve the snapshots.
    """
    for attempt in range(attempts):
        before = _head(url)
        data = dump_state(url)
        after = _head(url)
        if before == after and _best_block(data) == before[0]:
            return data
        time.sleep(0.01 * (attempt + 1))
    return None


def _head(url: str) -> tuple[int, str]:
    block = call(url, "eth_getBlockByNumber", ["latest", False])
    return int(block["number"], 16), str(block["hash"])


def _best_block(data: bytes) -> int:
    state = json.loads(data)
    number = state.get("best_block_number") or state["block"]["number"]
    return int(number, 16) if isinstance(number, str) else int(number)


def _die_with_parent() -> None:
    """In anvil's child process: ask Linux to SIGKILL it when the keeper dies (no-op elsewhere)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


class Keeper:
    """Runs anvil as a child and writes its state atomically every ``interval`` seconds.

    With a ``journal`` (:mod:`copyright_hub.tx_journal`), anvil listens on an internal port (``url``)
    and the keeper answers on ``listen`` instead: it replays what the snapshot lacks before it opens
    that door, and journals every block before a client can see it.
    """

    def __init__(
        self,
        argv: list[str],
        state: Path,
        url: str,
        interval: float,
        journal: Path | None = None,
        listen: tuple[str, int] | None = None,
        block_time: float = 0,
    ) -> None:
        self.argv = argv
        self.state = state
        self.url = url
        self.interval = interval
        self.journal_path = journal
        self.listen = listen
        self.block_time = block_time
        self.stopping = threading.Event()
        self._last: bytes | None = None
        self._heights: list[int] = []  # heights of the snapshots on disk (state, .prev), oldest first
        self._journal: Any = None

    def run(self) -> int:
        argv = list(self.argv)
        if self.state.exists():
            argv += ["--load-state", str(self.state)]
            self._last = self.state.read_bytes()
        anvil = subprocess.Popen(argv, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, lambda *_: self.stopping.set())
        close_door = None
        try:
            if self.journal_path is not None:
                close_door = self._open_front_door(anvil)
                if close_door is None:
                    return 1
            next_save = time.monotonic() + self.interval
            while not self.stopping.wait(min(self.interval, WATCH_INTERVAL)):
                if anvil.poll() is not None:  # noticed soon, so the devnet's port frees for a restart
                    print(f"state keeper: anvil exited with code {anvil.returncode}", file=sys.stderr, flush=True)
                    return anvil.returncode or 1
                if time.monotonic() >= next_save:
                    self.save()
                    next_save = time.monotonic() + self.interval
            if close_door is not None:
                close_door()  # no request is answered after the last snapshot
            if anvil.poll() is None:
                self.save()  # the final snapshot of a graceful stop
            return 0
        finally:
            if anvil.poll() is None:
                anvil.terminate()
                try:
                    anvil.wait(30)
                except subprocess.TimeoutExpired:
                    anvil.kill()
                    anvil.wait()

    def _open_front_door(self, anvil: subprocess.Popen[bytes]) -> Any:
        """Wait for anvil, replay the journal into it, then answer on ``listen``; None on failure."""
        from . import tx_journal

        assert self.journal_path is not None and self.listen is not None
        upstream = tx_journal.Upstream(self.url)
        deadline = time.monotonic() + DUMP_TIMEOUT
        while True:
            try:
                height = int(upstream.call("eth_blockNumber"), 16)
                break
            except OSError:
                if anvil.poll() is not None or time.monotonic() > deadline:
                    print("state keeper: anvil did not answer; journal not replayed", file=sys.stderr, flush=True)
                    return None
                time.sleep(0.05)
        report_file = suffixed(self.journal_path, ".replay")
        try:
            self._journal = journal = tx_journal.Journal(self.journal_path)
            result = tx_journal.replay(journal, upstream, block_time=self.block_time)
            journal.sync(upstream)
        except (tx_journal.JournalError, OSError) as exc:
            print(f"state keeper: {exc}", file=sys.stderr, flush=True)
            report_file.write_text(json.dumps({"error": str(exc)}))
            return None
        message = result.message()
        report_file.write_text(json.dumps({"message": message}))
        if message:
            print(f"state keeper: {message}", file=sys.stderr, flush=True)
        self._heights = [height]
        if result.replayed or not self.state.exists():
            self.save()  # a snapshot holds the genesis (a fresh chain's is made anew) and the replay
        try:
            return tx_journal.serve_front_door(self.listen, upstream, journal)
        except OSError as exc:
            report_file.write_text(json.dumps({"error": f"cannot listen on {self.listen[0]}:{self.listen[1]} ({exc})"}))
            return None

    def save(self) -> None:
        try:
            data = consistent_dump(self.url)
        except (OSError, urllib.error.URLError, ValueError) as exc:  # not answering yet, or busy
            print(f"state keeper: no snapshot this round ({exc})", file=sys.stderr, flush=True)
            return
        if data is None:
            print("state keeper: the chain kept changing; no snapshot this round", file=sys.stderr, flush=True)
        elif data != self._last:
            write_atomically(self.state, data)
            self._last = data
            if self._journal is not None:
                self._heights = [*self._heights[-1:], _best_block(data)]
                self._journal.compact(min(self._heights))  # blocks every kept snapshot holds


def keeper_argv(
    state: Path,
    url: str,
    interval: float,
    anvil_argv: list[str],
    *,
    journal: Path | None = None,
    listen: tuple[str, int] | None = None,
    block_time: float = 0,
) -> list[str]:
    """The command that runs anvil (``anvil_argv``, without any state flag) under a state keeper;
    with ``journal``, the keeper answers on ``listen`` and anvil on ``url`` (internal)."""
    argv = [sys.executable, "-m", "copyright_hub.devnet_state", "--state", str(state), "--url", url,
            "--interval", str(interval)]  # fmt: skip
    if journal is not None and listen is not None:
        argv += ["--journal", str(journal), "--listen", f"{listen[0]}:{listen[1]}", "--block-time", str(block_time)]
    return [*argv, "--", *anvil_argv]


def main(args: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run anvil and keep its state on disk, written atomically.")
    parser.add_argument("--state", type=Path, required=True)
    parser.add_argument("--url", required=True, help="anvil's RPC URL (for anvil_dumpState)")
    parser.add_argument("--interval", type=float, required=True, help="seconds between snapshots")
    parser.add_argument("--journal", type=Path, help="transaction journal file (then --listen is the front door)")
    parser.add_argument("--listen", help="HOST:PORT the keeper answers on, forwarding to --url")
    parser.add_argument("--block-time", type=float, default=0, help="anvil's --block-time (restored after a replay)")
    parser.add_argument("anvil", nargs=argparse.REMAINDER, help="-- then anvil's command line")
    ns = parser.parse_args(args)
    argv: list[Any] = ns.anvil[1:] if ns.anvil[:1] == ["--"] else ns.anvil
    if not argv:
        parser.error("give anvil's command line after --")
    if (ns.journal is None) != (ns.listen is None):
        parser.error("--journal and --listen go together")
    listen = None
    if ns.listen:
        host, _, port = ns.listen.rpartition(":")
        listen = (host.strip("[]"), int(port))
    return Keeper(argv, ns.state, ns.url, ns.interval, ns.journal, listen, ns.block_time).run()


if __name__ == "__main__":
    sys.exit(main())
