"""The devnet's state file survives kills at any moment: its keeper writes aside and renames, and a
start recovers a damaged file from the last good snapshot (never refusing to start with a chain lost)."""

from __future__ import annotations

import json
import os
import random
import signal
import time
from pathlib import Path

import pytest

from copyright_hub.devnet import DevnetConfig, DevnetError, free_port, load_config, spawn_anvil
from copyright_hub.devnet_state import read_snapshot, recover_state, suffixed, write_atomically

KILLS = 12


def _config(interval: float) -> DevnetConfig:
    return DevnetConfig(**{**load_config().__dict__, "state_interval": interval})


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def test_kills_during_state_writes_never_lose_the_chain(tmp_path: Path) -> None:
    """SIGKILL the keeper (or anvil under it) while it writes snapshots every 50 ms: every restart
    works, and keeps at least the chain it started with."""
    rng = random.Random(int(os.environ.get("DEVNET_KILL_SEED", "11")))
    config = _config(0.05)
    state = tmp_path / "anvil-state.json"
    port = free_port()
    node = spawn_anvil(config=config, state=state, port=port)
    heights = []
    try:
        node.rpc("anvil_mine", [hex(50)])  # a state of some size, so writes take a moment
        deadline = time.monotonic() + 10
        while not (state.exists() and read_snapshot(state).block == 50):
            assert time.monotonic() < deadline, "the keeper wrote no snapshot"
            time.sleep(0.02)
        for _ in range(KILLS):
            start = int(node.rpc("eth_blockNumber"), 16)
            mined = rng.randrange(1, 30)
            node.rpc("anvil_mine", [hex(mined)])
            time.sleep(rng.uniform(0.0, 0.2))  # somewhere in the middle of the periodic writes
            anvil = _children(node.process.pid)
            if anvil and rng.random() < 0.3:
                os.kill(anvil[0], signal.SIGKILL)  # anvil itself dies: the keeper follows it
                node.process.wait(10)
            node.kill()
            assert read_snapshot(state).block >= start  # the file on disk is whole, never cut short
            node = spawn_anvil(config=config, state=state, port=port)
            height = int(node.rpc("eth_blockNumber"), 16)
            assert start <= height <= start + mined, (start, mined, height)
            heights.append(height - start)
    finally:
        node.stop()
    # the kills landed both before and after snapshots of the new blocks
    assert any(h > 0 for h in heights), heights


def test_graceful_stop_writes_the_last_state(tmp_path: Path) -> None:
    config = _config(3600)  # no periodic snapshot: only the one at stop
    state = tmp_path / "anvil-state.json"
    node = spawn_anvil(config=config, state=state)
    node.rpc("anvil_mine", [hex(9)])
    node.stop()
    assert read_snapshot(state).block == 9
    node = spawn_anvil(config=config, state=state)
    try:
        assert int(node.rpc("eth_blockNumber"), 16) == 9
    finally:
        node.stop()


def _state(block: int) -> bytes:
    return json.dumps({"block": {"number": hex(block)}, "accounts": {}, "best_block_number": hex(block)}).encode()


def test_damaged_file_is_replaced_by_the_newest_good_snapshot(tmp_path: Path) -> None:
    state = tmp_path / "s.json"
    write_atomically(state, _state(5))
    write_atomically(state, _state(8))
    assert read_snapshot(suffixed(state, ".prev")).block == 5
    state.write_bytes(b"")  # what anvil's in-place write left after a SIGKILL
    message = recover_state(state)
    assert message is not None and "block 5" in message and "lost" in message and "empty" in message
    assert read_snapshot(state).block == 5
    (aside,) = tmp_path.glob("s.json.corrupt-*")
    assert aside.read_bytes() == b""


def test_a_whole_tmp_file_newer_than_prev_is_preferred(tmp_path: Path) -> None:
    state = tmp_path / "s.json"
    write_atomically(state, _state(5))
    suffixed(state, ".prev").write_bytes(_state(3))
    suffixed(state, ".tmp").write_bytes(_state(7))  # written and synced, killed before the rename
    state.write_bytes(b'{"block": {trunc')
    assert "block 7" in str(recover_state(state))
    assert read_snapshot(state).block == 7


def test_damaged_file_without_any_snapshot_is_refused_untouched(tmp_path: Path) -> None:
    state = tmp_path / "s.json"
    state.write_bytes(b'{"block": {trunc')
    with pytest.raises(DevnetError, match="no earlier snapshot") as info:
        spawn_anvil(state=state)
    assert "Traceback" not in str(info.value)
    assert state.read_bytes() == b'{"block": {trunc'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json"]
