"""``GET /health/indexer``: the API reads the indexer's metrics from the database."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings

from .conftest import Chain, MirrorFactory, index_once


def test_health_indexer_reports_lag_rate_reorgs_and_errors(chain: Chain, new_mirror: MirrorFactory) -> None:
    mirror = new_mirror()
    settings = Settings(database_url=mirror.url, rpc_url=chain.node.url, deployments_dir=chain.deployments_dir)
    with TestClient(create_app(settings)) as client:
        before = client.get("/health/indexer")
        assert before.status_code == 503
        assert before.headers["content-type"].startswith("application/problem+json")

        chain.register(4, per_block=2, account=4)
        index_once(mirror, chain)
        reply = client.get("/health/indexer")
        assert reply.status_code == 200, reply.text
        body = reply.json()
        (status,) = body["data"]
        assert status["chain_id"] == chain.deployment.chain_id
        assert status["checkpoint_block"] == chain.w3.eth.block_number
        assert status["head_lag"] == 0
        assert status["events_total"] > 0
        assert status["reorgs_handled"] == 0 and status["last_error"] is None
        assert body["healthy"] is True and status["stale"] is False


def test_health_shows_an_rpc_outage_while_it_lasts_and_clears_it_after(chain: Chain, new_mirror: MirrorFactory) -> None:
    import threading
    import time

    from copyright_hub.devnet import free_port
    from indexer import Indexer

    mirror = new_mirror()
    index_once(mirror, chain)
    settings = Settings(database_url=mirror.url, rpc_url=chain.node.url, deployments_dir=chain.deployments_dir)
    down = mirror.settings(chain, rpc_url=f"http://127.0.0.1:{free_port()}", rpc_backoff=0.05, rpc_backoff_max=0.2)
    ix = Indexer(down)  # restarted against an RPC that does not answer: it retries, and says so
    thread = threading.Thread(target=lambda: _swallow(ix.run), daemon=True)
    thread.start()
    with TestClient(create_app(settings)) as client:
        try:
            deadline = time.monotonic() + 20
            while (body := client.get("/health/indexer").json())["healthy"] and time.monotonic() < deadline:
                time.sleep(0.1)
            (status,) = body["data"]
            assert body["healthy"] is False and status["state"] == "rpc_unavailable", body
            assert "RPC" in status["current_error"] and status["last_error_at"] >= int(time.time()) - 10
        finally:
            ix.stop()
            thread.join(30)
        index_once(mirror, chain)  # the RPC answers again: progress clears the current error
        body = client.get("/health/indexer").json()
        (status,) = body["data"]
        assert body["healthy"] is True and status["current_error"] is None
        assert "RPC" in status["last_error"]  # kept as history, with its own time


def _swallow(fn: Callable[[], object]) -> None:
    with contextlib.suppress(Exception):  # stopped while retrying: expected here
        fn()
