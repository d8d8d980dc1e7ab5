"""The anvil devnet launcher: start, stop and inspect a persistent local chain.

Configuration lives in ``hardhat-free-devnet/devnet.toml``; runtime files (chain state, pid, log)
in ``hardhat-free-devnet/state/``. :func:`spawn_anvil` is the low-level launcher that tests and
benchmarks use for throw-away chains on a free port; :func:`up` / :func:`down` / :func:`status`
manage the long-lived devnet behind ``copyright-hub devnet``: loopback only, journaled
(:mod:`copyright_hub.tx_journal`), and with ``public`` a JSON-RPC gateway in front of it
(:mod:`copyright_hub.rpc_gateway`) that is what listens outside.
"""

from __future__ import annotations

import ipaddress
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from client_sdk.errors import HubError

from .devnet_state import RpcReplyError, StateFileError, call, keeper_argv, recover_state
from .rpc_gateway import GatewaySettings

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
    #: `devnet up` journals every block before a client sees it, so a crash loses nothing confirmed
    journal: bool = True
    #: where run.json (pid, URL) and anvil.log live
    runtime_dir: Path = DEVNET_DIR / "state"
    #: the public JSON-RPC gateway of `devnet up --public` (the ``[gateway]`` table)
    gateway: GatewaySettings = field(default_factory=GatewaySettings)


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
    if "gateway" in data:
        try:
            data["gateway"] = GatewaySettings.from_dict(dict(data["gateway"]), f"{path} [gateway]")
        except (ValueError, TypeError) as exc:
            raise DevnetError(str(exc)) from None
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
    journal: bool = False,
) -> AnvilProcess:
    """Start anvil and wait until its RPC answers. ``port=None`` picks a free loopback port.

    With ``state`` anvil runs under its state keeper; with ``journal`` too, the keeper answers on
    ``host:port`` and journals every block before a client sees it (:mod:`copyright_hub.tx_journal`),
    while anvil itself listens on another loopback port.
    """
    config = config or load_config()
    port = free_port(host) if port is None else port
    if port_in_use(host, port):
        raise DevnetError(f"port {port} on {host} is already in use; pick another with --port (nothing was stopped)")
    recovered = None
    if state is not None:
        state.parent.mkdir(parents=True, exist_ok=True)
        recovered = prepare_state(state)
    anvil_host, anvil_port = ("127.0.0.1", free_port()) if journal and state is not None else (host, port)
    argv = [
        str(anvil_binary()),
        "--host", anvil_host,
        "--port", str(anvil_port),
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
    report = journal_of(state).with_name(journal_of(state).name + ".replay") if state is not None else None
    if state is not None and journal:  # the keeper answers on host:port, anvil behind it
        assert report is not None
        report.unlink(missing_ok=True)
        argv += ["--order", "fifo"]  # a block's transactions replay in the order they were mined
        internal = f"http://{anvil_host}:{anvil_port}"
        argv = keeper_argv(state, internal, config.state_interval, argv, journal=journal_of(state),
                           listen=(host, port), block_time=block_time or 0)  # fmt: skip
    elif state is not None:  # anvil only loads the state; its keeper writes it (atomically)
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
            failed = _replay_report(report).get("error") if journal else None
            if failed:
                raise DevnetError(f"the devnet did not start: {failed}")
            tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            raise DevnetError(f"anvil exited with code {proc.returncode} before answering\n{tail}".rstrip())
        try:
            rpc(probe, "eth_chainId", timeout=1.0)
            if journal:
                replayed = _replay_report(report).get("message")
                anvil.recovered = "; ".join(m for m in (recovered, replayed) if m) or None
            return anvil
        except (OSError, urllib.error.URLError, DevnetError):
            if time.monotonic() > deadline:
                anvil.kill()
                raise DevnetError(f"anvil did not answer on {probe} within {ready_timeout:.0f}s") from None
            time.sleep(0.1)


def journal_of(state: Path) -> Path:
    """The transaction journal that goes with a state file (beside it)."""
    return state.with_name(state.name + ".journal")


def _replay_report(path: Path | None) -> dict[str, Any]:
    """What the keeper said about its journal at start (written before it opens its door)."""
    try:
        return dict(json.loads(path.read_text())) if path else {}
    except (OSError, ValueError):
        return {}


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
    #: the public gateway's URL when `devnet up --public` runs one, and whether it relays transactions
    gateway_url: str | None = None
    gateway_sends: bool = False


def _run_file(config: DevnetConfig) -> Path:
    return config.runtime_dir / RUN_FILE_NAME


def _read_run(config: DevnetConfig) -> dict[str, Any] | None:
    try:
        return dict(json.loads(_run_file(config).read_text()))
    except (OSError, ValueError):
        return None


def _alive(pid: int, marker: str = "anvil") -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return marker in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
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
    gateway = _gateway_run(run)
    sends = bool(gateway and gateway.get("allow_send_raw"))
    url = gateway["url"] if gateway else None
    return DevnetStatus(True, run["url"], int(run["pid"]), height, chain_id, state, size, url, sends)


def _gateway_run(run: dict[str, Any] | None) -> dict[str, Any] | None:
    gateway = (run or {}).get("gateway")
    return dict(gateway) if gateway and _alive(int(gateway["pid"]), GATEWAY_MARKER) else None


def up(
    *,
    host: str | None = None,
    port: int | None = None,
    state: Path | None = None,
    block_time: float | None = None,
    config: DevnetConfig | None = None,
    public: GatewaySettings | None = None,
) -> tuple[DevnetStatus, bool, str | None]:
    """Start the devnet in the background unless it runs already; with ``public``, also its public
    gateway (in front of the devnet's loopback address) unless one runs already.

    Returns (status, started_now, recovered): ``recovered`` says what was restored (and lost) when the
    state file was damaged, or replayed from the journal, else None.
    """
    config = config or load_config()
    host = host or config.host
    if not is_loopback(host):
        raise DevnetError(
            f"binding the devnet itself to {host} would expose anvil's cheat methods and unlocked dev accounts "
            "to the network; use `copyright-hub devnet up --public [--host H --port P]`, which keeps the devnet "
            "on loopback behind a JSON-RPC gateway"
        )
    current = status(config)
    if current.running:
        if public is not None and current.gateway_url is None:
            _start_gateway(config, public, current)
            current = status(config)
        return current, False, None
    _stop_gateway(_read_run(config))  # a gateway that outlived its devnet (crashed) is restarted with it
    if public is not None and port_in_use(public.host, public.port):
        raise DevnetError(f"port {public.port} on {public.host} is already in use; pick another with --port")
    config.runtime_dir.mkdir(parents=True, exist_ok=True)
    anvil = spawn_anvil(
        host=host,
        port=port if port is not None else config.port,
        config=config,
        state=(state or config.state).resolve(),
        block_time=block_time if block_time is not None else config.block_time,
        log=config.runtime_dir / "anvil.log",
        detach=True,
        journal=config.journal,
    )
    run = {"pid": anvil.process.pid, "url": anvil.url, "state": str(anvil.state), "argv": anvil.argv}
    _run_file(config).write_text(json.dumps(run, indent=2))
    if public is not None:
        _start_gateway(config, public, status(config))
    return status(config), True, anvil.recovered


#: what the gateway's command line contains (how `status` tells it from an unrelated process)
GATEWAY_MARKER = "copyright_hub.rpc_gateway"


def _start_gateway(
    config: DevnetConfig, settings: GatewaySettings, devnet: DevnetStatus, timeout: float = 20.0
) -> None:
    """Run the public gateway detached in front of the running devnet; recorded in run.json."""
    assert devnet.url is not None
    if port_in_use(settings.host, settings.port):
        raise DevnetError(f"port {settings.port} on {settings.host} is already in use; pick another with --port")
    settings = GatewaySettings.from_dict({**asdict(settings), "upstream": devnet.url})
    log = config.runtime_dir / "gateway.log"
    argv = [sys.executable, "-m", GATEWAY_MARKER, "--settings", json.dumps(asdict(settings))]
    with open(log, "ab") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)  # fmt: skip
    probe = f"http://{'127.0.0.1' if settings.host in {'0.0.0.0', '::'} else settings.host}:{settings.port}"
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            raise DevnetError(f"the gateway exited with code {proc.returncode} before answering\n{tail}".rstrip())
        try:
            rpc(probe, "eth_chainId", timeout=1.0)
            break
        except (OSError, urllib.error.URLError, DevnetError):
            if time.monotonic() > deadline:
                proc.kill()
                raise DevnetError(f"the gateway did not answer on {probe} within {timeout:.0f}s") from None
            time.sleep(0.1)
    run = _read_run(config) or {}
    run["gateway"] = {"pid": proc.pid, "url": settings.url, "allow_send_raw": settings.allow_send_raw}
    _run_file(config).write_text(json.dumps(run, indent=2))


def down(config: DevnetConfig | None = None, timeout: float = 30.0) -> bool:
    """Stop the devnet gracefully (anvil writes its state on SIGTERM). False if it was not running."""
    config = config or load_config()
    run = _read_run(config)
    _stop_gateway(run, timeout)  # first the door to the outside (also one left behind by a crashed devnet)
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


def _stop_gateway(run: dict[str, Any] | None, timeout: float = 30.0) -> None:
    gateway = _gateway_run(run)
    if gateway:
        _stop(int(gateway["pid"]), GATEWAY_MARKER, timeout)


def _stop(pid: int, marker: str, timeout: float) -> None:
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(pid, marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _alive(pid, marker):
        os.kill(pid, signal.SIGKILL)


def dev_accounts(config: DevnetConfig | None = None) -> list[tuple[str, str]]:
    """(address, private key) of every funded dev account. The keys are public knowledge."""
    from client_sdk.accounts import from_mnemonic

    config = config or load_config()
    accounts = [from_mnemonic(config.mnemonic, i) for i in range(config.accounts)]
    return [(a.address, "0x" + bytes(a.key).hex()) for a in accounts]
