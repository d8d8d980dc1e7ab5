"""An auditor's client-only install (issue 13 item 4): `make wheel` builds the wheel, pip installs it into
a fresh virtual environment (no system site-packages; dependencies resolved from the package index
pip is configured with, as on an auditor's machine), and from there, with neither Node nor anvil on
its PATH and no manifest or database, `copyright-hub verify --registry` checks a work through the
public devnet gateway (over a history longer than one eth_getLogs may span there), writes a signed
report, and `verify-report` re-checks it. The verify path must not import the server packages."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

import httpx
import pytest
from eth_account.signers.local import LocalAccount

from client_sdk import Hub, Split
from client_sdk.chain import connect
from client_sdk.content.cid import cid_of_bytes
from client_sdk.deploy import deploy
from copyright_hub.devnet import free_port, spawn_anvil
from copyright_hub.rpc_gateway import GatewaySettings

REPO = Path(__file__).resolve().parent.parent
#: the test gateway's eth_getLogs cap, far below the client's first range (10,000): the client must split
#: its ranges where the gateway refuses (the rate limit is raised so those refusals do not meet it)
MAX_LOG_BLOCKS = 64
#: server-side packages the verify path must not load
SERVER = ("api", "indexer", "fastapi", "starlette", "sqlalchemy", "sqlmodel", "alembic", "uvicorn", "psycopg")


def _run(argv: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, capture_output=True, text=True, **kw)  # type: ignore[call-overload]
    assert done.returncode == 0, f"{argv[:3]}: {done.stdout[-2000:]}{done.stderr[-2000:]}"
    return done  # type: ignore[no-any-return]


@pytest.mark.timeout(240)
def test_an_auditor_installs_the_wheel_and_verifies_through_the_public_gateway(
    tmp_path: Path, deployer: LocalAccount, studio: LocalAccount, buyer: LocalAccount, auditor: LocalAccount
) -> None:
    started = time.monotonic()
    dist = tmp_path / "dist"
    _run(["make", "-s", "wheel", f"DIST={dist}", f"PYTHON={sys.executable}"], cwd=REPO, timeout=120)
    (wheel,) = dist.glob("copyright_hub-*.whl")
    venv = tmp_path / "auditor-venv"
    # speed only, the same install: the venv gets no pip of its own (ensurepip costs ~15 s) and this pip
    # installs into it (--python); no .pyc compiled up front (~20 s; Python compiles what it imports)
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], timeout=60)
    py = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-compile",
          "--disable-pip-version-check", str(wheel)], timeout=180)  # fmt: skip
    installed = time.monotonic() - started

    with spawn_anvil() as node:
        w3 = connect(node.url)
        deployment = deploy(w3, deployer, tmp_path / "deployments").deployment
        # a history longer than one eth_getLogs may span through this gateway (MAX_LOG_BLOCKS)
        w3.provider.make_request("anvil_mine", [hex(2 * MAX_LOG_BLOCKS + 5)])  # type: ignore[arg-type]
        film = tmp_path / "film.bin"
        film.write_bytes(b"a film for the auditor " * 4000)
        work = Hub(w3, deployment, studio).register_work(
            hashlib.sha256(film.read_bytes()).digest(), cid_of_bytes(film.read_bytes()), "bafymeta",
            splits=[Split(studio.address, 8_000), Split(buyer.address, 2_000)],
        ).work_id  # fmt: skip
        settings = GatewaySettings(
            host="127.0.0.1", port=free_port(), upstream=node.url, max_log_blocks=MAX_LOG_BLOCKS, rate=500, burst=2000
        )
        gateway = subprocess.Popen(
            [sys.executable, "-m", "copyright_hub.rpc_gateway", "--settings", json.dumps(asdict(settings))],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    httpx.post(settings.url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"}).raise_for_status()
                    break
                except httpx.TransportError:
                    assert gateway.poll() is None and time.monotonic() < deadline, "the gateway did not start"
                    time.sleep(0.1)
            # the auditor's machine: the venv only on PATH (no node, no anvil), no repo on sys.path,
            # no manifests, a fresh working folder
            home = tmp_path / "auditor"
            home.mkdir()
            env = {"PATH": str(venv / "bin"), "HOME": str(home), "COLUMNS": "250", "AUDITOR_KEY": auditor.key.hex()}
            where = _run([str(py), "-c", "import client_sdk, copyright_hub; print(client_sdk.__file__)"], cwd=home, env=env)
            assert str(venv) in where.stdout
            hub = str(venv / "bin" / "copyright-hub")
            registry = deployment.address("WorkRegistry")
            verified = _run(
                [hub, "verify", str(work), "--rpc", settings.url, "--registry", registry, "--file", str(film),
                 "--report", "report.json", "--key-env", "AUDITOR_KEY"],
                cwd=home, env=env, timeout=120,
            )  # fmt: skip
            assert "is the committed build" in verified.stdout and "matches its registration" in verified.stdout
            report = json.loads((home / "report.json").read_text())
            assert report["summary"]["owners"] == [
                {"account": studio.address, "bps": "8000"}, {"account": buyer.address, "bps": "2000"}
            ]  # fmt: skip
            rechecked = _run([hub, "verify-report", "report.json", "--rpc", settings.url], cwd=home, env=env, timeout=120)
            assert "checks hold" in rechecked.stdout
            probe = (
                "import sys; sys.argv = ['copyright-hub', 'verify', '--help']\n"
                "from copyright_hub.cli import main\n"
                "try:\n    main()\nexcept SystemExit:\n    pass\n"
                f"print(sorted(n for n in sys.modules if n.split('.')[0] in {SERVER!r}))"
            )
            loaded = _run([str(py), "-c", probe], cwd=home, env=env).stdout.strip().splitlines()[-1]
            assert loaded == "[]"
        finally:
            gateway.terminate()
            gateway.wait(10)
    total = time.monotonic() - started
    print(json.dumps({"install_seconds": round(installed, 1), "total_seconds": round(total, 1)}))
    assert os.path.getsize(wheel) < 5 << 20
