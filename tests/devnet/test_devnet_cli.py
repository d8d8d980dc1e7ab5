"""The devnet end to end through the real CLI: persistence across down/up, and refusals."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from copyright_hub.devnet import DevnetError, free_port, port_in_use, rpc

HUB = [sys.executable, "-m", "copyright_hub.cli"]


@pytest.fixture
def devnet_env(tmp_path: Path) -> dict[str, str]:
    """A devnet configuration of its own (free port, state under tmp) so no real devnet is touched."""
    port = free_port()
    config = tmp_path / "devnet.toml"
    config.write_text(f'port = {port}\nruntime_dir = "runtime"\nstate_interval = 1\n')
    env = dict(
        os.environ, COPYRIGHT_HUB_DEVNET_CONFIG=str(config), COPYRIGHT_HUB_DEPLOYMENTS_DIR=str(tmp_path / "deployments")
    )
    env["COLUMNS"] = "200"
    yield env
    subprocess.run([*HUB, "devnet", "down"], env=env, capture_output=True, timeout=60)


def run(env: dict[str, str], *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([*HUB, *args], env=env, capture_output=True, text=True, timeout=120)
    if ok:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def url_of(env: dict[str, str]) -> str:
    port = Path(env["COPYRIGHT_HUB_DEVNET_CONFIG"]).read_text().split("\n")[0].split("=")[1].strip()
    return f"http://127.0.0.1:{port}"


def test_state_survives_down_and_up(devnet_env: dict[str, str], tmp_path: Path) -> None:
    up = run(devnet_env, "devnet", "up")
    assert url_of(devnet_env) in up.stdout
    assert "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" in up.stdout  # funded dev account listed
    deployed = run(devnet_env, "deploy")
    assert "deployed" in deployed.stdout
    url = url_of(devnet_env)
    manifest = json.loads((tmp_path / "deployments" / "31337.json").read_text())
    registry = manifest["contracts"]["WorkRegistry"]["address"]
    rpc(url, "anvil_mine", ["0x7"])
    rpc(url, "anvil_setStorageAt", [registry, "0x" + "ab" * 32, "0x" + "00" * 31 + "2a"])
    before = {
        "height": rpc(url, "eth_blockNumber"),
        "balance": rpc(url, "eth_getBalance", ["0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "latest"]),
        "code": rpc(url, "eth_getCode", [registry, "latest"]),
        "slot": rpc(url, "eth_getStorageAt", [registry, "0x" + "ab" * 32, "latest"]),
    }
    assert int(before["height"], 16) >= 8 and len(before["code"]) > 2

    down = run(devnet_env, "devnet", "down")
    assert "stopped" in down.stdout
    assert "not running" in run(devnet_env, "devnet", "status").stdout
    run(devnet_env, "devnet", "up")
    after = {
        "height": rpc(url, "eth_blockNumber"),
        "balance": rpc(url, "eth_getBalance", ["0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "latest"]),
        "code": rpc(url, "eth_getCode", [registry, "latest"]),
        "slot": rpc(url, "eth_getStorageAt", [registry, "0x" + "ab" * 32, "latest"]),
    }
    assert after == before
    status = run(devnet_env, "devnet", "status").stdout
    assert "running" in status and f"height {int(before['height'], 16)}" in status
    again = run(devnet_env, "deploy")
    assert "nothing to do" in again.stdout


def test_port_in_use_is_named_and_nothing_is_killed(devnet_env: dict[str, str]) -> None:
    port = int(url_of(devnet_env).rsplit(":", 1)[1])
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port))
        holder.listen()
        proc = run(devnet_env, "devnet", "up", ok=False)
        assert proc.returncode == 1
        assert f"port {port}" in proc.stderr and "--port" in proc.stderr
        assert "Traceback" not in proc.stderr
        holder.getsockname()  # still ours


def test_corrupt_state_file_is_refused_and_left_untouched(devnet_env: dict[str, str], tmp_path: Path) -> None:
    state = tmp_path / "broken.json"
    state.write_bytes(b'{"block": {truncated')
    proc = run(devnet_env, "devnet", "up", "--state", str(state), ok=False)
    assert proc.returncode == 1 and "corrupt" in proc.stderr and "Traceback" not in proc.stderr
    assert state.read_bytes() == b'{"block": {truncated'


def test_unreadable_state_file_is_refused(devnet_env: dict[str, str], tmp_path: Path) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    proc = run(devnet_env, "devnet", "up", "--state", str(folder), ok=False)
    assert proc.returncode == 1 and "is a folder" in proc.stderr


def test_non_loopback_host_is_refused_without_the_gateway(devnet_env: dict[str, str]) -> None:
    proc = run(devnet_env, "devnet", "up", "--host", "0.0.0.0", ok=False)
    assert proc.returncode == 1 and "--public" in proc.stderr and "cheat methods" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert "not running" in run(devnet_env, "devnet", "status").stdout
    proc = run(devnet_env, "devnet", "up", "--allow-send-raw", ok=False)
    assert proc.returncode != 0 and "--public" in proc.stderr


def test_public_gateway_refuses_cheats_and_stops_with_the_devnet(devnet_env: dict[str, str]) -> None:
    gateway_port = free_port()
    up = run(devnet_env, "devnet", "up", "--public", "--host", "127.0.0.1", "--port", str(gateway_port))
    gateway = f"http://127.0.0.1:{gateway_port}"
    assert gateway in up.stdout and "read-only" in up.stdout
    assert url_of(devnet_env) in up.stdout  # the devnet itself stays on its loopback port
    assert rpc(gateway, "eth_chainId") == hex(31337)
    with pytest.raises(DevnetError, match="anvil_mine is refused"):
        rpc(gateway, "anvil_mine", ["0x5"])
    assert rpc(url_of(devnet_env), "eth_blockNumber") == "0x0"
    assert gateway in run(devnet_env, "devnet", "status").stdout
    taken = run(devnet_env, "devnet", "up", "--public", "--port", str(gateway_port))  # already running: kept
    assert gateway in taken.stdout
    run(devnet_env, "devnet", "down")
    with pytest.raises(OSError):
        rpc(gateway, "eth_chainId")


def test_up_recovers_a_damaged_state_file_and_says_what_was_lost(devnet_env: dict[str, str], tmp_path: Path) -> None:
    url = url_of(devnet_env)
    run(devnet_env, "devnet", "up")
    rpc(url, "anvil_mine", ["0x4"])
    run(devnet_env, "devnet", "down")  # snapshot at block 4
    run(devnet_env, "devnet", "up")
    rpc(url, "anvil_mine", ["0x3"])
    run(devnet_env, "devnet", "down")  # snapshot at block 7; block 4's is kept as .prev
    state = tmp_path / "runtime" / "anvil-state.json"
    state.write_bytes(b"")  # what an in-place write cut by a SIGKILL leaves
    up = run(devnet_env, "devnet", "up")
    assert "recovered" in up.stderr and "block 4" in up.stderr, up.stderr
    # the journal re-mines the blocks the older snapshot lacks: nothing is lost after all
    assert "replayed blocks 5..7" in up.stderr, up.stderr
    assert rpc(url, "eth_blockNumber") == hex(7)
    assert len(list(state.parent.glob("anvil-state.json.corrupt-*"))) == 1


def test_sigkill_of_devnet_and_gateway_keeps_every_transaction_sent_through_the_gateway(
    devnet_env: dict[str, str], tmp_path: Path
) -> None:
    """The issue's case end to end: participants send signed transactions through the public gateway,
    the devnet and the gateway are SIGKILLed, `devnet up --public` again: every receipt is where it was."""
    from client_sdk.accounts import from_mnemonic

    gateway_port = free_port()
    args = ("devnet", "up", "--public", "--host", "127.0.0.1", "--port", str(gateway_port), "--allow-send-raw")
    run(devnet_env, *args)
    gateway = f"http://127.0.0.1:{gateway_port}"
    account = from_mnemonic("test test test test test test test test test test test junk", 3)
    receipts = []
    for nonce in range(5):
        tx = {"to": "0x" + "44" * 20, "value": nonce + 1, "gas": 21000, "maxFeePerGas": 10**11,
              "maxPriorityFeePerGas": 1, "nonce": nonce, "chainId": 31337, "type": 2}  # fmt: skip
        raw = "0x" + account.sign_transaction(tx).raw_transaction.hex().removeprefix("0x")
        tx_hash = rpc(gateway, "eth_sendRawTransaction", [raw])
        while (receipt := rpc(gateway, "eth_getTransactionReceipt", [tx_hash])) is None:
            time.sleep(0.02)
        receipts.append(receipt)
    state = json.loads((tmp_path / "runtime" / "run.json").read_text())
    os.kill(state["gateway"]["pid"], signal.SIGKILL)
    os.kill(state["pid"], signal.SIGKILL)  # the keeper; anvil dies with it
    deadline = time.monotonic() + 10
    while Path(f"/proc/{state['pid']}").exists() or port_in_use("127.0.0.1", gateway_port):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    again = run(devnet_env, *args)
    assert gateway in again.stdout
    for receipt in receipts:
        assert rpc(gateway, "eth_getTransactionReceipt", [receipt["transactionHash"]]) == receipt
