"""Issue 11 item 9, end to end: a buyer with nothing but an HTTP client and a local key
(``examples/buyer_http_only.py``) against the whole hub as ``make up`` runs it (real anvil, the API
and the indexer as their own processes, a SQLite file), with the studio's side done by the CLI just
as the README's "Buying over HTTP, step by step" shows: ``register-many --encrypt``, ``offer create``,
``offer sign --publish`` and ``keys serve`` in the background.

The script is run with ``-X importtime``, so the test sees every module it imported: none of the hub's
own packages, nor web3.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from client_sdk import Hub
from client_sdk.accounts import from_mnemonic
from copyright_hub.cli import app
from copyright_hub.devnet import DevnetConfig, free_port

REPO = Path(__file__).resolve().parents[2]
HUB = [sys.executable, "-m", "copyright_hub.cli"]
EXAMPLE = REPO / "examples" / "buyer_http_only.py"
TITLE_ZH = "港湾夜航"  # shares 港湾 with the demo's 港湾河流: the search finds both, the script takes the exact one
MNEMONIC = DevnetConfig().mnemonic  # anvil's well-known development accounts: 1 is the studio, 2 the buyer
FORBIDDEN = ("client_sdk", "api", "indexer", "copyright_hub", "contracts", "web3")


@dataclass
class Stack:
    env: dict[str, str]
    api: str
    rpc: str
    deployments: Path
    work_id: int
    master: Path
    buyer: str


def _run(env: dict[str, str], *args: str) -> str:
    """``copyright-hub ARGS`` as its own process (``up`` and ``down`` read their folders at import)."""
    done = subprocess.run([*HUB, *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, f"copyright-hub {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _cli(env: dict[str, str], *args: str) -> str:
    """``copyright-hub ARGS`` in this process: the same command, without another interpreter's start-up."""
    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exit_code == 0, f"copyright-hub {' '.join(args)}:\n{result.output}"
    return result.stdout


def _wait_until_searchable(api: str, work_id: int, timeout: float = 90) -> None:
    """The hub's metadata worker mirrors a new work's titles a moment after its block: wait (bounded)
    until the title finds it, as a buyer told "it is listed now" would find it."""
    deadline = time.monotonic() + timeout
    while True:
        found = httpx.get(f"{api}/works", params={"q": TITLE_ZH}, timeout=10).json()["data"]
        if any(int(w["work_id"]) == work_id for w in found):
            return
        assert time.monotonic() < deadline, f"work {work_id} not searchable by {TITLE_ZH} after {timeout} s"
        time.sleep(0.5)


#: the filing number the walkthrough's reviewer records (README: "Buying over HTTP, step by step")
FILING = "(沪)网剧备字2026第0808号"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """`copyright-hub up` on its own ports and folders, then a studio's encrypted master with an on-chain
    offer, a signed offer in the book and `keys serve` wrapping its key for whoever licenses it."""
    tmp = tmp_path_factory.mktemp("buyer-http")
    studio, buyer, reviewer = from_mnemonic(MNEMONIC, 1), from_mnemonic(MNEMONIC, 2), from_mnemonic(MNEMONIC, 3)
    rpc_port, api_port = free_port(), free_port()
    (tmp / "devnet.toml").write_text(f'port = {rpc_port}\nruntime_dir = "devnet"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPYRIGHT_HUB_")}
    env |= {
        "COPYRIGHT_HUB_DEVNET_CONFIG": str(tmp / "devnet.toml"),
        "COPYRIGHT_HUB_VAR_DIR": str(tmp / "var"),
        "COPYRIGHT_HUB_API_PORT": str(api_port),
        "COPYRIGHT_HUB_DEPLOYMENTS_DIR": str(tmp / "deployments"),
        "COPYRIGHT_HUB_CONTENT_DIR": str(tmp / "var" / "content"),  # the store `up`'s API serves
        "COPYRIGHT_HUB_RPC_URL": f"http://127.0.0.1:{rpc_port}",
        # the studio's loop and the buyer's polls share 127.0.0.1, so the default 60/min would slow them
        "COPYRIGHT_HUB_RATE_LIMIT_PER_MINUTE": "1000",
        "STUDIO_KEY": "0x" + bytes(studio.key).hex(),
        "REVIEWER_KEY": "0x" + bytes(reviewer.key).hex(),
    }
    api = f"http://127.0.0.1:{api_port}"
    masters = tmp / "masters"
    masters.mkdir()
    master = masters / "harbour-night.mp4"
    master.write_bytes(os.urandom(2_500_000))  # three chunks of the CHEM format (1 MiB each)
    (masters / "catalogue.json").write_text(
        json.dumps([{"file": master.name, "title_zh": TITLE_ZH, "title_en": "Harbour Night Crossing", "type": "film"}])
    )
    serve: subprocess.Popen[bytes] | None = None
    try:
        _run(env, "up")
        summary = json.loads(_cli(env, "register-many", str(masters), "--encrypt", "--json", "--key-env", "STUDIO_KEY"))
        (row,) = summary["works"]
        work_id = int(row["workId"])
        # the demo's regulator wants a film filed before it is licensed in China: the demo's reviewer files it
        _cli(env, "attest", str(work_id), "--kind", "filing", "--territory", "156", "--ref", FILING,
             "--key-env", "REVIEWER_KEY")  # fmt: skip
        _cli(env, "offer", "create", str(work_id), "--rights", "information_network", "--price", "0.01",
             "--key-env", "STUDIO_KEY")  # fmt: skip
        _cli(env, "offer", "sign", str(work_id), "--rights", "broadcasting,screening", "--price", "0.02",
             "--nonce", "1", "--supply-cap", "1", "--publish", "--hub", api, "--key-env", "STUDIO_KEY")  # fmt: skip
        _wait_until_searchable(api, work_id)
        serve = subprocess.Popen(
            [*HUB, "keys", "serve", f"{work_id}={row['keyFile']}", "--hub", api, "--every", "0.5",
             "--key-env", "STUDIO_KEY"],
            env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        yield Stack(env, api, env["COPYRIGHT_HUB_RPC_URL"], tmp / "deployments", work_id, master, buyer.address)
    finally:
        if serve is not None:
            serve.terminate()
            serve.wait(10)
        subprocess.run([*HUB, "down"], env=env, cwd=REPO, capture_output=True, timeout=120)


def _example(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    # nothing of the hub's settings (no RPC URL, no database, no manifest): only the API URL and the key
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPYRIGHT_HUB_")}
    env["BUYER_KEY"] = "0x" + bytes(from_mnemonic(MNEMONIC, 2).key).hex()
    return subprocess.run(
        [sys.executable, "-X", "importtime", str(EXAMPLE), "--api", stack.api, "--poll", "0.5", *args],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=240,
    )  # fmt: skip


def _imported(stderr: str) -> set[str]:
    """The top-level packages of every module `-X importtime` reported."""
    return {m.group(1) for m in re.finditer(r"^import time:\s+\d+ \|\s+\d+ \|\s+([\w]+)", stderr, re.M)}


def test_a_buyer_with_only_http_buys_twice_and_decrypts_the_master(stack: Stack, tmp_path: Path) -> None:
    out = tmp_path / "received" / "master.mp4"
    run = _example(stack, "--title", TITLE_ZH, "--out", str(out))
    errors = "\n".join(line for line in run.stderr.splitlines() if not line.startswith("import time:"))
    assert run.returncode == 0, run.stdout + errors
    assert out.read_bytes() == stack.master.read_bytes()  # byte-identical, through search, two purchases, keys
    assert f"picked work {stack.work_id} ({TITLE_ZH})" in run.stdout
    assert hashlib.sha256(out.read_bytes()).hexdigest() in run.stdout

    licences = [int(n) for n in re.findall(r"^licence (\d+) granted$", run.stdout, re.M)]
    assert len(licences) == 2 and len(set(licences)) == 2
    with Hub.connect(stack.rpc, deployments_dir=stack.deployments) as hub:  # the chain's word, not the hub's
        for licence_id in licences:
            lic = hub.get_licence(licence_id)
            assert (lic.holder, lic.work_id) == (stack.buyer, stack.work_id)

    imported = _imported(run.stderr)
    assert {"httpx", "eth_account", "cryptography"} <= imported  # the check sees what the script loads
    assert not imported & set(FORBIDDEN), sorted(imported & set(FORBIDDEN))

    again = _example(stack, "--title", TITLE_ZH, "--out", str(tmp_path / "again.mp4"))
    assert again.returncode == 1 and "error: no signed offer for work" in again.stderr  # it sold once
    assert "granted" not in again.stdout and not (tmp_path / "again.mp4").exists()  # checked before buying


def test_the_walkthrough_refuses_in_one_line_and_writes_nothing(stack: Stack, tmp_path: Path) -> None:
    out = tmp_path / "master.mp4"
    run = _example(stack, "--title", "qqzzxx", "--out", str(out))
    errors = [line for line in run.stderr.splitlines() if not line.startswith("import time:")]
    assert run.returncode == 1 and errors == [errors[0]] and errors[0].startswith("error: no work matches")
    assert "Traceback" not in run.stderr and not out.exists()
