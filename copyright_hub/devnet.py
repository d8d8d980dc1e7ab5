"""The anvil devnet launcher: start, stop and inspect a persistent local chain.

Configuration lives in ``hardhat-free-devnet/devnet.toml``; runtime files (chain state, pid, log)
in ``hardhat-free-devnet/state/``. :func:`spawn_anvil` is the low-level launcher that tests and
benchmarks use for throw-away chains on a free port; :func:`up` / :func:`down` / :func:`status`
manage the long-lived devnet behind ``copyright-hub devnet``.
"""

from __future__ import annotations

import ipaddress
import json
import os
import platform
import signal
import socket
import subprocess
import time
import tomllib
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from client_sdk.errors import HubError

from .devnet_state import RpcReplyError, StateFileError, call, keeper_argv, recover_state

REPO_ROOT = Path(__file__).resolve().parent.parent
DEVNET_DIR = REPO_ROOT / "hardhat-free-devnet"
CONFIG_FILE = DEVNET_DIR / "devnet.toml"
RUN_FILE_NAME = "run.json"


class DevnetError(HubError):
    """The devnet could not be started, stopped or inspected; the message says what to do."""


@dataclass(frozen=True)
class DevnetConfig:
    chain_id: int = 31337
    mnemonic: str = "test test test test test test test test test test test junk"
    accounts: int = 10
    balance_eth: int = 10_000
    hardfork: str = "prague"
    host: str = "127.0.0.1"
    port: int = 8545
    state: Path = DEVNET_DIR / "state" / "anvil-state.json"
    #: seconds between state snapshots: what a hard kill of the devnet can lose at most
    state_interval: float = 2
    block_time: int = 0
    #: where run.json (pid, URL) and anvil.log live
    runtime_dir: Path = DEVNET_DIR / "state"


#: Environment variable naming another devnet.toml (tests and second devnets use it).
CONFIG_ENV = "COPYRIGHT_HUB_DEVNET_CONFIG"


def load_config(path: Path | None = None) -> DevnetConfig:
    """Read ``devnet.toml`` (or ``$COPYRIGHT_HUB_DEVNET_CONFIG``); missing keys take the defaults above.

    Relative ``state`` and ``runtime_dir`` paths are relative to the file's folder.
    """
    path = path or Path(os.environ.get(CONFIG_ENV, CONFIG_FILE))
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DevnetError(f"cannot read devnet configuration {path}: {exc}") from None
    for key in ("state", "runtime_dir"):
        if key in data:
            data[key] = (path.parent / data[key]).resolve()
    if "runtime_dir" in data and "state" not in data:
        data["state"] = data["runtime_dir"] / "anvil-state.json"
    known = DevnetConfig.__dataclass_fields__
    unknown = set(data) - set(known)
    if unknown:
        raise DevnetError(f"{path}: unknown keys {sorted(unknown)}; known keys are {sorted(known)}")
    return DevnetConfig(**data)


def anvil_binary() -> Path:
    """The platform binary shipped by ``@foundry-rs/anvil-<os>-<arch>`` (run directly, so signals reach it)."""
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine().lower())
    system = {"Linux": "linux", "Darwin": "darwin"}.get(platform.system())
    if arch is None or system is None:
        raise DevnetError(f"anvil from npm has no build for {platform.system()} {platform.machine()}")
    binary = REPO_ROOT / "node_modules" / "@foundry-rs" / f"anvil-{system}-{arch}" / "bin" / "anvil"
    if not binary.is_file():
        raise DevnetError(f"anvil is not installed at {binary}; run `make install` (it runs `npm ci`)")
    return binary


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def rpc(url: str, method: str, params: list[Any] | None = None, timeout: float = 2.0) -> Any:
    """One JSON-RPC call (:func:`devnet_state.call`); an error answer is a :class:`DevnetError`."""
    try:
        return call(url, method, params, timeout)
    except RpcReplyError as exc:
        raise DevnetError(str(exc)) from None


def prepare_state(path: Path) -> str | None:
    """Make ``path`` loadable before a start (see :func:`devnet_state.recover_state`): None if it was
    fine or absent, else what was recovered and lost. A file that cannot be recovered is refused and
    left untouched."""
    try:
        return recover_state(path)
    except StateFileError as exc:
        raise DevnetError(str(exc)) from None


@dataclass
class AnvilProcess:
    """A running anvil. With a state file, ``process`` is its state keeper (anvil's parent, which
    writes the state atomically and takes anvil down with it). Stop it with :meth:`stop` (SIGTERM: the
    state is written once more)."""

    process: subprocess.Popen[bytes]
    host: str
    port: int
    chain_id: int
    state: Path | None
    log: Path | None
    argv: list[str] = field(default_factory=list)
    #: what was recovered (and lost) from a damaged state file at start, else None
    recovered: str | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def rpc(self, method: str, params: list[Any] | None = None) -> Any:
        return rpc(self.url, method, params)

    def stop(self, timeout: float = 30.0) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._wait_port_free()

    def kill(self) -> None:
        """SIGKILL: no state is written (what a crash looks like). Returns once the port is free."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._wait_port_free()

    def _wait_port_free(self, timeout: float = 10.0) -> None:
        """anvil under a keeper dies a moment after it (by PR_SET_PDEATHSIG): wait until it stopped
        answering, so that a restart on the same port does not find it taken."""
        if self.state is None:
            return
        deadline = time.monotonic() + timeout
        while port_in_use(self.host, self.port) and time.monotonic() < deadline:
            time.sleep(0.02)

    def __enter__(self) -> AnvilProcess:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def spawn_anvil(
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    config: DevnetConfig | None = None,
    state: Path | None = None,
    block_time: float | None = None,
    log: Path | None = None,
    extra_args: list[str] | None = None,
    detach: bool = False,
    ready_timeout: float = 30.0,
) -> AnvilProcess:
    """Start anvil and wait until its RPC answers. ``port=None`` picks a free loopback port."""
    config = config or load_config()
    port = free_port(host) if port is None else port
    if port_in_use(host, port):
        raise DevnetError(f"port {port} on {host} is already in use; pick another with --port (nothing was stopped)")
    recovered = None
    if state is not None:
        state.parent.mkdir(parents=True, exist_ok=True)
        recovered = prepare_state(state)
    argv = [
        str(anvil_binary()),
        "--host", host,
        "--port", str(port),
        "--chain-id", str(config.chain_id),
        "--mnemonic", config.mnemonic,
        "--accounts", str(config.accounts),
        "--balance", str(config.balance_eth),
        "--hardfork", config.hardfork,
    ]  # fmt: skip
    if block_time:
        argv += ["--block-time", str(block_time)]
    argv += extra_args or []
    probe_host = "127.0.0.1" if host in {"0.0.0.0", "::"} else host
    probe = f"http://{probe_host}:{port}"
    if state is not None:  # anvil only loads the state; its keeper writes it (atomically)
        argv = keeper_argv(state, probe, config.state_interval, argv)
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - handed to the child
    try:
        proc = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=detach
        )
    finally:
        if log:
            out.close()  # type: ignore[union-attr]
    anvil = AnvilProcess(proc, host, port, config.chain_id, state, log, argv, recovered)
    deadline = time.monotonic() + ready_timeout
    while True:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            raise DevnetError(f"anvil exited with code {proc.returncode} before answering\n{tail}".rstrip())
        try:
            rpc(probe, "eth_chainId", timeout=1.0)
            return anvil
        except (OSError, urllib.error.URLError, DevnetError):
            if time.monotonic() > deadline:
                anvil.kill()
                raise DevnetError(f"anvil did not answer on {probe} within {ready_timeout:.0f}s") from None
            time.sleep(0.1)


# -- the long-lived devnet behind `copyright-hub devnet` -------------------------------------------


@dataclass(frozen=True)
class DevnetStatus:
    running: bool
    url: str | None
    pid: int | None
    height: int | None
    chain_id: int | None
    state: Path
    state_bytes: int | None


def _run_file(config: DevnetConfig) -> Path:
    return config.runtime_dir / RUN_FILE_NAME


def _read_run(config: DevnetConfig) -> dict[str, Any] | None:
    try:
        return dict(json.loads(_run_file(config).read_text()))
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return "anvil" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return True


def status(config: DevnetConfig | None = None) -> DevnetStatus:
    config = config or load_config()
    run = _read_run(config)
    state = Path(run["state"]) if run else config.state
    size = state.stat().st_size if state.exists() else None
    if not run or not _alive(int(run["pid"])):
        return DevnetStatus(False, None, None, None, None, state, size)
    height: int | None
    chain_id: int | None
    try:
        height = int(rpc(run["url"], "eth_blockNumber"), 16)
        chain_id = int(rpc(run["url"], "eth_chainId"), 16)
    except (OSError, DevnetError):
        height = chain_id = None
    return DevnetStatus(True, run["url"], int(run["pid"]), height, chain_id, state, size)


def up(
    *,
    host: str | None = None,
    port: int | None = None,
    state: Path | None = None,
    block_time: float | None = None,
    config: DevnetConfig | None = None,
) -> tuple[DevnetStatus, bool, str | None]:
    """Start the devnet in the background unless it runs already.

    Returns (status, started_now, recovered): ``recovered`` says what was restored (and lost) when the
    state file was damaged, else None.
    """
    config = config or load_config()
    current = status(config)
    if current.running:
        return current, False, None
    config.runtime_dir.mkdir(parents=True, exist_ok=True)
    anvil = spawn_anvil(
        host=host or config.host,
        port=port if port is not None else config.port,
        config=config,
        state=(state or config.state).resolve(),
        block_time=block_time if block_time is not None else config.block_time,
        log=config.runtime_dir / "anvil.log",
        detach=True,
    )
    run = {"pid": anvil.process.pid, "url": anvil.url, "state": str(anvil.state), "argv": anvil.argv}
    _run_file(config).write_text(json.dumps(run, indent=2))
    return status(config), True, anvil.recovered


def down(config: DevnetConfig | None = None, timeout: float = 30.0) -> bool:
    """Stop the devnet gracefully (anvil writes its state on SIGTERM). False if it was not running."""
    config = config or load_config()
    run = _read_run(config)
    if not run or not _alive(int(run["pid"])):
        _run_file(config).unlink(missing_ok=True)
        return False
    pid = int(run["pid"])
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(pid):
        raise DevnetError(f"anvil (pid {pid}) did not stop within {timeout:.0f}s; its state may not be saved")
    _run_file(config).unlink(missing_ok=True)
    return True


def dev_accounts(config: DevnetConfig | None = None) -> list[tuple[str, str]]:
    """(address, private key) of every funded dev account. The keys are public knowledge."""
    from client_sdk.accounts import from_mnemonic

    config = config or load_config()
    accounts = [from_mnemonic(config.mnemonic, i) for i in range(config.accounts)]
    return [(a.address, "0x" + bytes(a.key).hex()) for a in accounts]
