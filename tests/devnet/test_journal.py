"""Nothing confirmed is lost: the journaling devnet keeps every block a client saw across SIGKILLs,
at the same position with the same ids; what it cannot keep it names."""

from __future__ import annotations

import http.client
import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount

from client_sdk.accounts import from_mnemonic
from copyright_hub.devnet import AnvilProcess, DevnetConfig, DevnetError, journal_of, load_config, spawn_anvil
from copyright_hub.tx_journal import COMPACT_AFTER, MAX_FRONT_DOOR_BODY, FrontDoor, Journal, JournalError, Upstream

from .killrun import run_kills

ROUNDS = 3


def _config(interval: float = 3600) -> DevnetConfig:
    return DevnetConfig(**{**load_config().__dict__, "state_interval": interval})


def _start(state: Path, port: int | None = None, interval: float = 3600) -> AnvilProcess:
    """A journaling devnet on ``state`` (by default no periodic snapshot: what it keeps, the journal kept)."""
    return spawn_anvil(config=_config(interval), state=state, port=port, journal=True)


class Journaled:
    """A journaling devnet under test, with no periodic snapshot: what survives a crash, the journal kept."""

    def __init__(self, state: Path) -> None:
        self.state = state
        self.node = _start(state)

    def crash(self) -> AnvilProcess:
        """SIGKILL the keeper (anvil dies with it) and start again on the same port."""
        self.node.kill()
        self.node = _start(self.state, self.node.port)
        return self.node


@pytest.fixture
def devnet(tmp_path: Path) -> Iterator[Journaled]:
    net = Journaled(tmp_path / "anvil-state.json")
    try:
        yield net
    finally:
        net.node.stop()


def _transfer(node: AnvilProcess, nonce: int, index: int = 1, account: LocalAccount | None = None) -> str:
    """A signed ETH transfer from dev account ``index`` (or ``account``), through the devnet's front door."""
    account = account or from_mnemonic(_config().mnemonic, index)
    tx = {"to": "0x" + "11" * 20, "value": 1, "gas": 21000, "maxFeePerGas": 10**11, "maxPriorityFeePerGas": 1,
          "nonce": nonce, "chainId": 31337, "type": 2}  # fmt: skip
    raw = "0x" + account.sign_transaction(tx).raw_transaction.hex().removeprefix("0x")
    tx_hash = str(node.rpc("eth_sendRawTransaction", [raw]))
    deadline = time.monotonic() + 10
    while node.rpc("eth_getTransactionReceipt", [tx_hash]) is None:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    return tx_hash


def test_kills_under_registrations_and_purchases_lose_no_confirmed_transaction(tmp_path: Path) -> None:
    report = run_kills(tmp_path, rounds=ROUNDS, seed=int(os.environ.get("DEVNET_KILL_SEED", "5")))
    assert report.rounds == ROUNDS
    assert report.confirmed >= ROUNDS  # the stream got receipts before each kill
    assert report.missing == [], report.missing
    assert report.problems == [], report.problems
    assert report.blocks_replayed > 0  # some kills took blocks the snapshots did not hold
    assert report.kills_anvil > 0 and report.kills_keeper > 0


def test_blocks_newer_than_the_snapshot_are_replayed_identically(devnet: Journaled) -> None:
    node = devnet.node
    node.rpc("anvil_mine", ["0x3", "0x10"])  # empty blocks 16 s apart: their times replay too
    seen = [node.rpc("eth_getTransactionReceipt", [_transfer(node, n)]) for n in range(4)]
    head = node.rpc("eth_getBlockByNumber", ["latest", False])
    node = devnet.crash()
    assert node.recovered is not None and "replayed blocks 1..7" in node.recovered, node.recovered
    assert node.rpc("eth_getBlockByNumber", ["latest", False]) == head
    for receipt in seen:
        assert node.rpc("eth_getTransactionReceipt", [receipt["transactionHash"]]) == receipt
    after = node.rpc("eth_getTransactionReceipt", [_transfer(node, 4)])  # the chain goes on
    assert int(after["blockNumber"], 16) == 8
    assert int(node.rpc("eth_getBlockByNumber", ["0x8", False])["timestamp"], 16) >= int(time.time()) - 5


def test_state_edits_are_replayed_before_the_blocks_that_need_them(devnet: Journaled) -> None:
    node = devnet.node
    _transfer(node, 0)
    funded = Account.create()  # no funds but what the edit gives it
    slot = ["0x" + "55" * 20, "0x0"]
    node.rpc("anvil_setBalance", [funded.address, hex(10**18)])
    node.rpc("anvil_setStorageAt", [*slot, "0x" + "00" * 31 + "07"])
    seen = node.rpc("eth_getTransactionReceipt", [_transfer(node, 0, account=funded)])
    balance = node.rpc("eth_getBalance", [funded.address, "latest"])
    node = devnet.crash()
    assert node.recovered is not None, "nothing was replayed"
    assert "replayed blocks 1..2" in node.recovered and "2 journaled state edits" in node.recovered
    assert node.rpc("eth_getTransactionReceipt", [seen["transactionHash"]]) == seen
    assert node.rpc("eth_getBalance", [funded.address, "latest"]) == balance
    assert node.rpc("eth_getStorageAt", [*slot, "latest"]) == "0x" + "00" * 31 + "07"


def test_a_revert_through_the_front_door_is_journaled_as_a_rewind(devnet: Journaled) -> None:
    node = devnet.node
    _transfer(node, 0)
    snap = node.rpc("evm_snapshot")
    _transfer(node, 1)
    _transfer(node, 2)
    assert node.rpc("evm_revert", [snap]) is True
    kept = _transfer(node, 1, index=1)  # a new block 2 on the other branch
    head = node.rpc("eth_getBlockByNumber", ["latest", False])
    node = devnet.crash()
    lines = [json.loads(line) for line in journal_of(devnet.state).read_text().splitlines()]
    assert {"rewind": 1} in lines
    assert node.rpc("eth_getBlockByNumber", ["latest", False]) == head
    assert node.rpc("eth_getTransactionReceipt", [kept])["blockNumber"] == "0x2"


def test_a_block_that_cannot_be_replayed_is_named_with_what_was_lost(devnet: Journaled) -> None:
    node = devnet.node
    _transfer(node, 0)
    stranger = "0x" + "22" * 20
    node.rpc("anvil_impersonateAccount", [stranger])
    node.rpc("anvil_setBalance", [stranger, hex(10**18)])  # journaled and replayed, but the next is not
    node.rpc("eth_sendTransaction", [{"from": stranger, "to": "0x" + "11" * 20, "value": "0x1"}])
    _transfer(node, 1)
    node = devnet.crash()
    assert node.recovered is not None
    assert "block 2 " in node.recovered and "blocks 2..3" in node.recovered, node.recovered
    assert "lost" in node.recovered
    assert node.rpc("eth_blockNumber") == "0x1"  # what replayed is kept, and the journal follows it
    _transfer(node, 1)
    assert node.rpc("eth_blockNumber") == "0x2"


def test_a_journal_of_another_chain_is_moved_aside_not_replayed(tmp_path: Path) -> None:
    state = tmp_path / "anvil-state.json"
    node = _start(state, interval=0.2)
    try:
        _transfer(node, 0)
        node.stop()
        for snapshot in tmp_path.glob("anvil-state.json*"):  # a fresh chain is asked for: the old
            if snapshot != journal_of(state):  # journal must not rebuild the old one
                snapshot.unlink()
        time.sleep(1.1)  # a new genesis time, so a new genesis hash
        node = _start(state, node.port, interval=0.2)
        assert node.recovered is not None and "another chain" in node.recovered
        assert node.rpc("eth_blockNumber") == "0x0"
        assert len(list(tmp_path.glob("anvil-state.json.journal.stale-*"))) == 1
    finally:
        node.stop()


def test_a_torn_last_line_is_dropped_and_a_damaged_line_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "journal"
    good = b'{"n":0,"h":"0xaa","t":1,"x":[],"b":1}\n{"n":1,"h":"0xbb","t":2,"x":[],"b":1}\n'
    path.write_bytes(good + b'{"n":2,"h":"0x')  # a crash in the middle of an append (never answered)
    journal = Journal(path)
    assert journal.head_number == 1
    journal.close()
    assert path.read_bytes() == good
    path.write_bytes(b'{"n":0,"h":"0xaa","t":1,"x":[],"b":1}\nnot json\n' + good)
    with pytest.raises(JournalError, match="line 2 is damaged"):
        Journal(path)
    state = tmp_path / "s.json"
    journal_of(state).write_bytes(b"garbage\n")
    with pytest.raises(DevnetError, match="line 1 is damaged") as info:
        _start(state)
    assert "Traceback" not in str(info.value)
    assert journal_of(state).read_bytes() == b"garbage\n"  # left for a person to look at


def test_compaction_keeps_what_the_oldest_snapshot_lacks(tmp_path: Path) -> None:
    with spawn_anvil() as node:
        upstream = Upstream(node.url)
        node.rpc("anvil_mine", [hex(COMPACT_AFTER + 20)])
        journal = Journal(tmp_path / "journal")
        journal.sync(upstream)
        head = journal.head_number
        assert not journal.compact(10)  # too little to gain
        assert journal.compact(COMPACT_AFTER + 5)
        journal.close()
        again = Journal(tmp_path / "journal")
        assert (again.base_number, again.head_number) == (COMPACT_AFTER + 5, head)
        assert again.sync(upstream) == 0  # still in step with the chain


def test_a_journal_that_cannot_be_written_answers_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk: the front door answers 503 instead of a block that is not on disk, and the failed
    append leaves no torn line behind; once the disk has room the journal catches up."""
    with spawn_anvil() as node:
        upstream = Upstream(node.url)
        journal = Journal(tmp_path / "journal")
        journal.sync(upstream)
        size, head = (tmp_path / "journal").stat().st_size, journal.head_number
        door = FrontDoor(("127.0.0.1", 0), upstream, journal)
        try:

            def full(fd: int) -> None:
                raise OSError(28, "No space left on device")

            monkeypatch.setattr("copyright_hub.tx_journal.os.fsync", full)
            body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "anvil_mine", "params": ["0x2"]}).encode()
            status, _, reply = door.answer(body)
            assert status == 503 and b"could not journal" in reply and b"No space left" in reply
            assert (tmp_path / "journal").stat().st_size == size and journal.head_number == head
            monkeypatch.undo()
            assert journal.sync(upstream) == 2
        finally:
            door.server_close()
            journal.close()
        assert Journal(tmp_path / "journal").head_number == head + 2


def test_the_front_door_refuses_bodies_it_cannot_bound(tmp_path: Path) -> None:
    with spawn_anvil() as node:
        journal = Journal(tmp_path / "journal")
        door = FrontDoor(("127.0.0.1", 0), Upstream(node.url), journal)
        thread = threading.Thread(target=door.serve_forever, daemon=True)
        thread.start()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", door.server_address[1], timeout=10)
            conn.putrequest("POST", "/")
            conn.putheader("content-length", str(MAX_FRONT_DOOR_BODY + 1))
            conn.endheaders()  # the body is never sent: the size alone is refused
            resp = conn.getresponse()
            assert resp.status == 413 and b"split the batch" in resp.read()
            conn = http.client.HTTPConnection("127.0.0.1", door.server_address[1], timeout=10)
            # no Content-Length (a chunked body): refused on the headers alone, so nothing of the body is
            # sent (sending it raced the refusal: the door may close before the client has written it)
            conn.putrequest("POST", "/")
            conn.putheader("transfer-encoding", "chunked")
            conn.endheaders()
            resp = conn.getresponse()
            assert resp.status == 411 and b"Content-Length" in resp.read()
            assert journal.head_number == -1  # nothing was forwarded, nothing journaled
        finally:
            door.shutdown()
            door.server_close()
            journal.close()
