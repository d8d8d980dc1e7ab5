"""Faults: logs no ABI knows, an RPC that is down, a database that is down, and a second indexer that
waits as a standby and takes over when the writer dies."""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from client_sdk.accounts import from_mnemonic
from client_sdk.chain import connect, send_transaction
from client_sdk.deploy import deploy
from client_sdk.manifest import ContractDeployment, Deployment, write_manifest
from copyright_hub.devnet import free_port, load_config, spawn_anvil
from indexer import DatabaseUnavailable, Indexer, IndexerSettings, WriterLockLost

from .conftest import Chain, Mirror, MirrorFactory, chain_works, dump, index_once

REPO = Path(__file__).resolve().parents[2]
UNKNOWN_TOPIC = "0x" + "ab" * 32


def _log_emitter_bytecode() -> str:
    """Creation code of a contract whose every call emits LOG1(UNKNOWN_TOPIC) with no data."""
    runtime = "7f" + UNKNOWN_TOPIC[2:] + "6000" + "6000" + "a1" + "00"  # PUSH32 t; PUSH1 0; PUSH1 0; LOG1; STOP
    size = len(runtime) // 2
    init = f"60{size:02x}600c600039" + f"60{size:02x}6000f3"  # CODECOPY(0, 12, size); RETURN(0, size)
    return "0x" + init + runtime


def _rows(mirror: Mirror, sql: str) -> list[tuple[object, ...]]:
    engine = mirror.engine()
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(sa.text(sql)).all()]
    engine.dispose()
    return rows


def test_log_with_no_known_abi_is_kept_raw_and_logged(
    chain: Chain, new_mirror: MirrorFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    account = chain.accounts[0]
    receipt = send_transaction(chain.w3, account, {"data": _log_emitter_bytecode(), "gas": 200_000})
    address = receipt["contractAddress"]
    tx = send_transaction(chain.w3, account, {"to": address, "data": "0x", "gas": 100_000})
    contracts = dict(chain.deployment.contracts)
    contracts["Mystery"] = ContractDeployment(address=address, tx_hash="0x" + "00" * 32,
                                              block_number=receipt["blockNumber"], artifact_sha256="")  # fmt: skip
    manifest_dir = tmp_path / "deployments"
    write_manifest(Deployment(**{**chain.deployment.model_dump(), "contracts": contracts}), manifest_dir)

    mirror = new_mirror()
    with caplog.at_level(logging.WARNING, logger="indexer"):
        index_once(mirror, chain, deployments_dir=manifest_dir)
    rows = _rows(mirror, f"SELECT event, topic0, tx_hash, contract FROM raw_event WHERE address = '{address.lower()}'")
    assert rows == [(None, UNKNOWN_TOPIC, tx["transactionHash"].to_0x_hex(), "Mystery")]
    assert "no known event ABI" in caplog.text
    assert len(_rows(mirror, "SELECT * FROM work")) == chain_works(chain)


def test_rpc_down_is_retried_until_it_comes_back(new_mirror: MirrorFactory, tmp_path: Path) -> None:
    config = load_config()
    state = tmp_path / "anvil-state.json"
    node = spawn_anvil(config=config, state=state)
    w3 = connect(node.url)
    deployments = tmp_path / "deployments"
    deploy(w3, from_mnemonic(config.mnemonic, 0), deployments)
    from client_sdk import Hub

    hub = Hub(w3, Hub.connect(node.url, deployments_dir=deployments).deployment, from_mnemonic(config.mnemonic, 1))
    for i in range(3):
        hub.register_work(os.urandom(32), f"bafyc{i}", f"bafym{i}", 1)
    port = node.port
    node.stop()  # SIGTERM: anvil writes its state

    mirror = new_mirror()
    settings = IndexerSettings(database_url=mirror.url, rpc_url=f"http://127.0.0.1:{port}", deployments_dir=deployments,
                               finality_depth=0, rpc_backoff=0.05, rpc_backoff_max=0.2)  # fmt: skip
    errors: list[BaseException] = []
    ix = Indexer(settings)

    def run() -> None:
        try:
            ix.run(once=True)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    time.sleep(1.5)
    assert thread.is_alive(), errors  # still retrying, not skipping or giving up
    node = spawn_anvil(config=config, state=state, port=port)
    try:
        thread.join(60)
        assert not thread.is_alive() and not errors, errors
        works = _rows(mirror, "SELECT count(*) FROM work")[0][0]
        assert works == 3
        (last_error,) = _rows(mirror, "SELECT last_error FROM indexer_status")[0]
        assert "RPC" in str(last_error)
    finally:
        node.stop()


def test_database_unavailable_stops_cleanly(chain: Chain) -> None:
    url = f"postgresql://postgres@127.0.0.1:{free_port()}/test"
    settings = IndexerSettings(database_url=url, rpc_url=chain.node.url, deployments_dir=chain.deployments_dir)
    with pytest.raises(DatabaseUnavailable, match="is unavailable"):
        Indexer(settings).run(once=True)
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "copyright_hub.cli",
            "index",
            "--once",
            "--quiet",
            "--rpc",
            chain.node.url,
            "--database-url",
            url,
            "--deployments",
            str(chain.deployments_dir),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert cli.returncode == 1
    assert "error:" in cli.stderr and "Traceback" not in cli.stderr, cli.stderr


@pytest.mark.postgres
@pytest.mark.parametrize("new_mirror", ["postgresql"], indirect=True)  # terminating server sessions: PostgreSQL only
def test_database_lost_mid_run_keeps_a_consistent_checkpoint(chain: Chain, new_mirror: MirrorFactory) -> None:
    mirror = new_mirror()
    url = mirror.url + "&application_name=" + "lost" + str(os.getpid())
    chain.register(30, per_block=1, account=4)
    settings = IndexerSettings(database_url=url, rpc_url=chain.node.url, deployments_dir=chain.deployments_dir,
                               initial_block_range=1, max_block_range=1, poll_interval=0.05)  # fmt: skip
    ix = Indexer(settings)
    errors: list[BaseException] = []
    thread = threading.Thread(target=lambda: _run_into(ix, errors), daemon=True)
    thread.start()
    time.sleep(0.8)
    from indexer.db import make_engine

    admin = make_engine(mirror.url)
    with admin.begin() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :a"),
                     {"a": "lost" + str(os.getpid())})  # fmt: skip
    admin.dispose()
    thread.join(30)
    assert not thread.is_alive()
    # its batch connection may reconnect, but the session holding the writer lock is gone: it stops
    assert len(errors) == 1 and isinstance(errors[0], (DatabaseUnavailable, WriterLockLost)), errors
    index_once(mirror, chain)  # a restart resumes from the checkpoint
    fresh = new_mirror()
    index_once(fresh, chain)
    assert dump(mirror.url) == dump(fresh.url)


def _run_into(ix: Indexer, errors: list[BaseException]) -> None:
    try:
        ix.run()
    except BaseException as exc:
        errors.append(exc)


def _writer_process(url: str, rpc_url: str, deployments: str) -> None:
    settings = IndexerSettings(database_url=url, rpc_url=rpc_url, deployments_dir=deployments, poll_interval=0.05)
    Indexer(settings).run()


def test_standby_waits_then_takes_over_when_the_writer_dies(chain: Chain, new_mirror: MirrorFactory) -> None:
    mirror = new_mirror()
    writer = multiprocessing.get_context("fork").Process(
        target=_writer_process, args=(mirror.url, chain.node.url, str(chain.deployments_dir)), daemon=True
    )
    writer.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not _has_status(mirror):
        time.sleep(0.1)
    assert _has_status(mirror), "the writer never started"

    waiting = threading.Event()
    standby = Indexer(mirror.settings(chain, poll_interval=0.05, standby_poll=0.1), on_standby=waiting.set)
    errors: list[BaseException] = []
    thread = threading.Thread(target=lambda: _run_into(standby, errors), daemon=True)
    thread.start()
    assert waiting.wait(10), "the second indexer did not wait for the lock"
    chain.register(3, per_block=1, account=4)
    time.sleep(0.5)
    assert standby.chain_id == 0  # still standing by: it has not even connected to the chain

    os.kill(writer.pid, signal.SIGKILL)  # type: ignore[arg-type]
    writer.join()
    chain.register(2, per_block=1, account=4)
    head = chain.w3.eth.block_number
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _rows(mirror, "SELECT checkpoint_block FROM indexer_status")[0][0] < head:
        time.sleep(0.1)
    standby.stop()
    thread.join(30)
    assert not errors, errors
    (writer_id,) = _rows(mirror, "SELECT writer FROM indexer_status")[0]
    assert str(writer_id).endswith(f":{os.getpid()}")  # the standby is now the writer
    fresh = new_mirror()
    index_once(fresh, chain)
    assert dump(mirror.url) == dump(fresh.url)


def _has_status(mirror: Mirror) -> bool:
    try:
        return bool(_rows(mirror, "SELECT 1 FROM indexer_status"))
    except sa.exc.DBAPIError:
        return False


def test_stop_is_honoured_while_the_rpc_is_down(new_mirror: MirrorFactory, tmp_path: Path) -> None:
    mirror = new_mirror()
    settings = IndexerSettings(database_url=mirror.url, rpc_url=f"http://127.0.0.1:{free_port()}",
                               deployments_dir=tmp_path, rpc_backoff=0.5, rpc_backoff_max=5)  # fmt: skip
    ix = Indexer(settings)
    errors: list[BaseException] = []
    thread = threading.Thread(target=lambda: _run_into(ix, errors), daemon=True)
    thread.start()
    time.sleep(0.5)
    assert thread.is_alive()
    ix.stop()
    thread.join(10)
    assert not thread.is_alive()
    assert len(errors) == 1 and "stopped while retrying" in str(errors[0])
