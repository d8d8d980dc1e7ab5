"""`make up` / `copyright-hub up`: the whole hub on one machine.

Starts the devnet, deploys, loads demo data, then runs the long-lived services (indexer, API) as
background processes with pid and log files under ``var/``. ``copyright-hub down`` stops them all
(chain state is kept). Each step is idempotent, so ``up`` twice is harmless.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import devnet

REPO_ROOT = devnet.REPO_ROOT
VAR_DIR = Path(os.environ.get("COPYRIGHT_HUB_VAR_DIR", REPO_ROOT / "var"))
API_HOST = "127.0.0.1"
API_PORT = int(os.environ.get("COPYRIGHT_HUB_API_PORT", "8000"))


@dataclass(frozen=True)
class Service:
    """A background process of the stack, started from argv, ready when ``ready()`` says so."""

    name: str
    argv: list[str]
    ready: Callable[[], bool] = lambda: True

    @property
    def pid_file(self) -> Path:
        return VAR_DIR / "run" / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        return VAR_DIR / "log" / f"{self.name}.log"

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text())
            os.kill(pid, 0)
        except (OSError, ValueError):
            return None
        return pid

    def start(self, env: dict[str, str], timeout: float = 60.0) -> bool:
        """Start unless running; wait until ready. Returns True when it was started now."""
        if self.pid() is not None:
            return False
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_file, "ab") as log:
            proc = subprocess.Popen(
                self.argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
        self.pid_file.write_text(str(proc.pid))
        deadline = time.monotonic() + timeout
        while not self.ready():
            if proc.poll() is not None:
                tail = self.log_file.read_text(errors="replace")[-1500:]
                raise devnet.DevnetError(
                    f"{self.name} exited with code {proc.returncode}; log {self.log_file}:\n{tail}"
                )
            if time.monotonic() > deadline:
                raise devnet.DevnetError(f"{self.name} not ready after {timeout:.0f}s; see {self.log_file}")
            time.sleep(0.2)
        return True

    def stop(self, timeout: float = 20.0) -> bool:
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except OSError:
                break
            time.sleep(0.1)
        else:
            os.killpg(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        return True


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1.0) as resp:
            return bool(resp.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def api_url() -> str:
    return f"http://{API_HOST}:{API_PORT}"


def services() -> list[Service]:
    """The long-lived processes, in start order. Both are `copyright-hub` commands, so each builds its
    settings from this environment the one way the CLI does (``index``: the indexer's settings; ``serve``:
    the hub's :class:`api.settings.Settings`, handed to ``create_app``)."""
    hub = [sys.executable, "-m", "copyright_hub.cli"]
    return [
        Service("indexer", [*hub, "index", "--quiet"]),
        Service(
            "api",
            [*hub, "serve", "--host", API_HOST, "--port", str(API_PORT)],
            ready=lambda: _http_ok(api_url() + "/health"),
        ),
    ]


def stack_env(rpc_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("COPYRIGHT_HUB_RPC_URL", rpc_url)
    env.setdefault("COPYRIGHT_HUB_DATABASE_URL", f"sqlite:///{VAR_DIR / 'hub.sqlite3'}")
    env.setdefault("COPYRIGHT_HUB_CONTENT_DIR", str(VAR_DIR / "content"))
    env.setdefault(
        "COPYRIGHT_HUB_DEPLOYMENTS_DIR", str(Path(env.get("COPYRIGHT_HUB_DEPLOYMENTS_DIR", "deployments")).resolve())
    )
    env.setdefault("COPYRIGHT_HUB_SIWE_DOMAIN", f"{API_HOST}:{API_PORT}")
    return env


def write_summary(summary: dict[str, str]) -> Path:
    path = VAR_DIR / "stack.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary, indent=2))
    return path
