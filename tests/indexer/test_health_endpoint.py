"""``GET /health/indexer``: the API reads the indexer's metrics from the database."""

from __future__ import annotations

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
