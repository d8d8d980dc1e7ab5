"""One hub story (:func:`tests.factories.scenario.catalogue_story`) on a private anvil, indexed into a
real database, served by the real app.

Every API test runs twice: on a SQLite file (the embedded default) and on the real PostgreSQL at
127.0.0.1:5432 (what production must use), in a fresh schema dropped afterwards. Module-scoped on
purpose: the indexer follows the chain, so these tests use their own chain rather than the
snapshot/revert chain of the other tests, and one story per module and database keeps them fast.

The chain's clock starts two hours behind the wall clock (the API judges "active" and "valid" by the
wall clock), so an offer that ended an hour ago could still be created on chain.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import uvicorn
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import Settings
from api.stores import WrappedKeyStore
from client_sdk.chain import connect
from client_sdk.content import LocalBlockStore, new_content_key, wrap_key
from client_sdk.deploy import deploy
from copyright_hub.devnet import AnvilProcess, free_port, spawn_anvil
from indexer import Indexer, IndexerSettings
from indexer.db import make_engine
from tests.factories.scenario import FILM, Scenario, catalogue_story

SIWE_DOMAIN = "hub.test"
PG_URL = os.environ.get("COPYRIGHT_HUB_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
#: How far the story's chain clock starts behind the wall clock.
CHAIN_LAG = 7200


@contextmanager
def _database(kind: str, tmp: Path) -> Iterator[str]:
    """A fresh mirror database URL: a SQLite file, or a throw-away schema on the PostgreSQL."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp / 'hub.sqlite3'}"
        return
    schema = "api_" + secrets.token_hex(6)
    admin = make_engine(PG_URL)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    except sa.exc.OperationalError as exc:
        pytest.fail(
            f"PostgreSQL not reachable at {PG_URL}: the API tests run against it too; start it "
            f"(pg_ctlcluster <version> main start) or point COPYRIGHT_HUB_TEST_PG_URL at one ({exc})"
        )
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


@dataclass
class Story:
    node: AnvilProcess
    client: TestClient
    settings: Settings
    database: str
    store: LocalBlockStore
    studio: LocalAccount
    co_owner: LocalAccount
    buyer: LocalAccount
    stranger: LocalAccount
    film_id: int
    short_id: int
    content: bytes
    licence_id: int
    future_licence_id: int
    content_key: bytes
    buyer_x25519: X25519PrivateKey
    #: offers on the short (owned by the stranger): one open, one cancelled, one that has ended
    open_offer_id: int
    cancelled_offer_id: int
    ended_offer_id: int

    def reindex(self) -> None:
        Indexer(IndexerSettings(**_indexer_settings(self.settings))).run(once=True)


@contextmanager
def serve_app(settings: Settings) -> Iterator[str]:
    """The app for ``settings`` on a real uvicorn server on a free loopback port; its URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def _indexer_settings(settings: Settings) -> dict[str, object]:
    return {
        "rpc_url": settings.rpc_url,
        "database_url": settings.database_url,
        "deployments_dir": settings.deployments_dir,
        "finality_depth": 0,
        "poll_interval": 0.1,
    }


@contextmanager
def catalogue_hub(
    kind: str, tmp: Path, cast: Mapping[str, LocalAccount], **settings: Any
) -> Iterator[tuple[AnvilProcess, Scenario, Settings]]:
    """The catalogue story on a private anvil whose clock starts :data:`CHAIN_LAG` behind, the hub
    deployed by ``cast["admin"]``, content in ``tmp/content``; the API settings (``settings`` on top) on
    a fresh ``kind`` database, which is not indexed yet."""
    with (
        spawn_anvil(extra_args=["--timestamp", str(int(time.time()) - CHAIN_LAG)]) as node,
        _database(kind, tmp) as database,
    ):
        w3 = connect(node.url)
        deployment = deploy(w3, cast["admin"], tmp / "deployments").deployment
        sc = Scenario.on(w3, deployment, cast, store=LocalBlockStore(tmp / "content"))
        catalogue_story(sc, ended_after=CHAIN_LAG // 2)
        api = Settings(
            rpc_url=node.url,
            database_url=database,
            deployments_dir=tmp / "deployments",
            content_dir=tmp / "content",
            siwe_domain=SIWE_DOMAIN,
            **settings,
        )
        yield node, sc, api


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def story(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    deployer: LocalAccount,
    studio: LocalAccount,
    buyer: LocalAccount,
    auditor: LocalAccount,
    arbiter: LocalAccount,
    stranger: LocalAccount,
) -> Iterator[Story]:
    tmp = tmp_path_factory.mktemp("api-story")
    co_owner = arbiter  # any funded account
    cast = {"admin": deployer, "studio": studio, "co_owner": co_owner, "buyer": buyer, "reviewer": auditor}
    with catalogue_hub(request.param, tmp, {**cast, "stranger": stranger}) as (node, sc, settings):
        database, store = settings.database_url, sc.store
        assert isinstance(store, LocalBlockStore)
        key = new_content_key()
        buyer_x = X25519PrivateKey.generate()
        Indexer(IndexerSettings(**_indexer_settings(settings))).run(once=True)
        engine = make_engine(database)
        WrappedKeyStore(engine).put(
            sc["film"], buyer.address, wrap_key(key, buyer_x.public_key(), context=f"work:{sc['film']}")
        )
        engine.dispose()
        with TestClient(create_app(settings)) as client:
            yield Story(
                node, client, settings, database, store, studio, co_owner, buyer, stranger,
                sc["film"], sc["short"], FILM, sc["licence"], sc["future_licence"], key, buyer_x,
                sc["open_offer"], sc["cancelled_offer"], sc["ended_offer"],
            )  # fmt: skip
