"""One hub story on a private anvil, indexed into a real database, served by the real app.

Every API test runs twice: on a SQLite file (the embedded default) and on the real PostgreSQL at
127.0.0.1:5432 (what production must use), in a fresh schema dropped afterwards. Module-scoped on
purpose: the indexer follows the chain, so these tests use their own chain rather than the
snapshot/revert chain of the other tests, and one story per module and database keeps them fast.

The chain's clock starts two hours behind the wall clock (the API judges "active" and "valid" by the
wall clock), so an offer that ended an hour ago could still be created on chain.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from web3 import Web3

from api.main import create_app
from api.settings import Settings
from api.stores import WrappedKeyStore
from client_sdk import Hub, Right, Split
from client_sdk.chain import connect
from client_sdk.content import LocalBlockStore, new_content_key, wrap_key
from client_sdk.deploy import deploy
from copyright_hub.devnet import AnvilProcess, spawn_anvil
from indexer import Indexer, IndexerSettings
from indexer.db import make_engine
from tests.factories.protocol import DAY, terms

REVIEWER_ROLE = Web3.keccak(text="REVIEWER_ROLE")
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


def _indexer_settings(settings: Settings) -> dict[str, object]:
    return {
        "rpc_url": settings.rpc_url,
        "database_url": settings.database_url,
        "deployments_dir": settings.deployments_dir,
        "finality_depth": 0,
        "poll_interval": 0.1,
    }


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
    with (
        spawn_anvil(extra_args=["--timestamp", str(int(time.time()) - CHAIN_LAG)]) as node,
        _database(request.param, tmp) as database,
    ):
        w3 = connect(node.url)
        deployment = deploy(w3, deployer, tmp / "deployments").deployment
        admin = Hub(w3, deployment, deployer)
        admin._transact(admin.registry, "grantRole", REVIEWER_ROLE, auditor.address)
        store = LocalBlockStore(tmp / "content")
        content = hashlib.shake_256(b"film").digest(300_000)  # two chunks: a real DAG
        content_cid = store.add(content)
        metadata_cid = store.add(
            b'{"title": {"en": "The River at Dawn", "zh": "\xe9\xbb\x8e\xe6\x98\x8e\xe4\xb9\x8b\xe6\xb2\xb3"}}'
        )
        studio_hub = Hub(w3, deployment, studio)
        co_owner = arbiter  # any funded account
        film = studio_hub.register_work(
            hashlib.sha256(content).digest(),
            str(content_cid),
            str(metadata_cid),
            0,
            splits=[Split(studio.address, 7_000), Split(co_owner.address, 3_000)],
        )
        short = studio_hub.register_work(
            hashlib.sha256(b"short").digest(), str(store.add(b"short")), str(metadata_cid), 3
        )
        studio_hub.update_metadata(film.work_id, str(store.add(b'{"title": {"en": "The River at Dawn (restored)"}}')))
        Hub(w3, deployment, auditor).attest(film.work_id, 1, reference="filing-2026-001")
        now = int(w3.eth.get_block("latest")["timestamp"])
        offer = studio_hub.create_offer(
            terms(film.work_id, now - 60, rights=Right.INFORMATION_NETWORK | Right.BROADCASTING)
        )
        later = studio_hub.create_offer(terms(film.work_id, now + 30 * DAY, price=2 * 10**17))
        buyer_hub = Hub(w3, deployment, buyer)
        licence = buyer_hub.purchase(offer, max_price=10**17)
        future = buyer_hub.purchase(later, max_price=2 * 10**17)
        studio_hub.transfer_work(short.work_id, stranger.address)
        stranger_hub = Hub(w3, deployment, stranger)
        now = int(w3.eth.get_block("latest")["timestamp"])
        open_offer = stranger_hub.create_offer(terms(short.work_id, now, rights=Right.SCREENING))
        cancelled = stranger_hub.create_offer(terms(short.work_id, now, rights=Right.RENTAL))
        stranger_hub.cancel_offer(cancelled)
        ended = stranger_hub.create_offer(terms(short.work_id, now, end=now + CHAIN_LAG // 2))
        key = new_content_key()
        buyer_x = X25519PrivateKey.generate()
        WrappedKeyStore(tmp / "content" / "keys").put(
            film.work_id, buyer.address, wrap_key(key, buyer_x.public_key(), context=f"work:{film.work_id}")
        )
        settings = Settings(
            rpc_url=node.url,
            database_url=database,
            deployments_dir=tmp / "deployments",
            content_dir=tmp / "content",
            siwe_domain=SIWE_DOMAIN,
        )
        Indexer(IndexerSettings(**_indexer_settings(settings))).run(once=True)
        with TestClient(create_app(settings)) as client:
            yield Story(
                node, client, settings, database, store, studio, co_owner, buyer, stranger,
                film.work_id, short.work_id, content, licence.licence_id, future.licence_id, key, buyer_x,
                open_offer, cancelled, ended,
            )  # fmt: skip
