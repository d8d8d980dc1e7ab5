"""``/readyz`` tells the truth about database, chain and indexer; ``/health/indexer`` keeps the
writer's host:pid and error internals to itself unless a setting shows them."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.main import create_app
from indexer.db import make_engine
from tests.api.conftest import Story
from tests.indexer.rpcproxy import RpcProxy, serve


def _status(story: Story, **values: Any) -> None:
    engine = make_engine(story.database)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE indexer_status SET " + ", ".join(f"{k} = :{k}" for k in values)), values)
    engine.dispose()


def test_ready_when_database_chain_and_indexer_are(story: Story) -> None:
    _status(story, updated_at=int(time.time()), state="following", head_lag=0)
    story.reindex()
    reply = story.client.get("/readyz")
    assert reply.status_code == 200, reply.text
    assert reply.json()["checks"] == {"database": "ok", "chain": "ok", "indexer": "ok"}


def test_not_ready_when_the_indexer_stopped_or_lags(story: Story) -> None:
    _status(story, updated_at=int(time.time()) - 3600)
    stale = story.client.get("/readyz")
    assert stale.status_code == 503 and stale.json()["checks"]["indexer"] == "not running"
    _status(story, updated_at=int(time.time()), head_lag=10_000)
    behind = story.client.get("/readyz")
    assert behind.status_code == 503 and "behind" in behind.json()["checks"]["indexer"]
    _status(story, head_lag=0)


class _Dead(RpcProxy):
    def intercept(self, request: Any) -> tuple[int, bytes] | None:
        return (503, b"down")


def test_not_ready_when_the_chain_is_down(story: Story) -> None:
    with serve(_Dead, story.node.url) as (url, _proxy):
        app = create_app(story.settings.model_copy(update={"rpc_url": url}))
        with TestClient(app) as client:
            reply = client.get("/readyz")
    assert reply.status_code == 503 and reply.json()["checks"]["chain"] == "unreachable"
    assert "127.0.0.1" not in reply.text


def test_indexer_health_hides_the_writer_and_error_internals(story: Story) -> None:
    _status(story, updated_at=int(time.time()), state="rpc_unavailable",
            last_error="RPC unavailable at http://10.1.2.3:8545/secret: refused (see /srv/hub/log)")  # fmt: skip
    status = story.client.get("/health/indexer").json()["data"][0]
    assert status["writer"] is None and "RPC unavailable" in status["current_error"]
    assert "10.1.2.3" not in str(status) and "/srv/hub" not in str(status)
    app = create_app(story.settings.model_copy(update={"health_internals": True}))
    with TestClient(app) as client:
        inside = client.get("/health/indexer").json()["data"][0]
    assert inside["writer"] and "10.1.2.3" in inside["current_error"]
    _status(story, state="following", last_error=None)
