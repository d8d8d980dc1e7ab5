"""Key-release state is bounded and shared: nonces in the database expire and are capped, a client is
rate limited (429 + Retry-After) and its past windows' counts are purged, bodies are bounded (413), a
mirror rebuild keeps the API's tables, and two real uvicorn workers on one database agree on nonces,
registered encryption keys and wrapped keys."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from eth_account.messages import encode_defunct
from fastapi.testclient import TestClient

from api.main import create_app
from api.stores import EncryptionKeyStore, NonceStore, RateLimiter, WrappedKeyStore, client_of
from client_sdk.content import WrappedKey, unwrap_key, wrap_key
from client_sdk.content.siwe import SiweMessage
from copyright_hub.commands.keys import HubRequestError, KeysClient
from indexer.db import drop_all, make_engine, migrate
from tests.api.conftest import SIWE_DOMAIN, Story

ROOT = Path(__file__).resolve().parents[2]


def test_nonces_expire_and_are_capped(story: Story) -> None:
    engine = make_engine(story.database)
    try:
        store = NonceStore(engine, ttl_seconds=60, cap=3)
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM api_sign_in_nonce"))
        now = time.time()
        issued = [store.issue(now)[0] for _ in range(3)]
        with pytest.raises(Exception, match=r"(?i)too many"):
            store.issue(now)
        assert store.issue(now + 61)[0]  # the three expired and were swept
        assert store.outstanding() == 1
        assert not store.consume(issued[0], now + 61)
    finally:
        engine.dispose()


def test_a_client_over_its_rate_is_told_when_to_retry(story: Story) -> None:
    app = create_app(story.settings.model_copy(update={"rate_limit_per_minute": 3, "trusted_proxies": ["testclient"]}))
    with TestClient(app) as client:
        headers = {"X-Forwarded-For": f"203.0.113.{os.getpid() % 250}"}
        codes = [client.get("/keys/nonce", headers=headers).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = client.get("/keys/nonce", headers=headers)
        assert limited.status_code == 429 and 1 <= int(limited.headers["Retry-After"]) <= 60
        assert limited.headers["content-type"].startswith("application/problem+json")
        other = client.get("/keys/nonce", headers={"X-Forwarded-For": "198.51.100.7"})
        assert other.status_code == 200  # another client behind the same proxy


def test_client_identity_trusts_forwarded_for_only_from_trusted_proxies() -> None:
    assert client_of("10.0.0.1", "1.2.3.4", []) == "10.0.0.1"
    assert client_of("10.0.0.1", "6.6.6.6, 1.2.3.4", ["10.0.0.1"]) == "1.2.3.4"
    assert client_of("10.0.0.1", "1.2.3.4, 10.0.0.2", ["10.0.0.1", "10.0.0.2"]) == "1.2.3.4"


def test_a_50_mib_key_request_is_refused_before_it_is_read(story: Story) -> None:
    reply = story.client.post(f"/keys/{story.film_id}", content=b"{" + b" " * (50 << 20) + b"}",
                              headers={"content-type": "application/json"})  # fmt: skip
    assert reply.status_code == 413

    def chunks() -> Iterator[bytes]:
        for _ in range(100):
            yield b" " * (1 << 20)

    chunked = story.client.post(
        f"/keys/{story.film_id}", content=chunks(), headers={"content-type": "application/json"}
    )
    assert chunked.status_code == 413


def test_a_mirror_rebuild_keeps_the_api_tables(story: Story, tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    migrate(engine)
    store = NonceStore(engine)
    nonce, _ = store.issue()
    wrapped = wrap_key(story.content_key, story.buyer_x25519.public_key(), context="work:7")
    WrappedKeyStore(engine).put(7, story.buyer.address, wrapped)
    EncryptionKeyStore(engine).register(story.buyer.address, wrapped.recipient_public)
    drop_all(engine)
    migrate(engine)
    assert store.consume(nonce)
    assert WrappedKeyStore(engine).get(7, story.buyer.address) == wrapped  # keys are not the mirror's to drop
    assert EncryptionKeyStore(engine).get(story.buyer.address) == "0x" + wrapped.recipient_public.hex()
    engine.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def two_workers(story: Story) -> Iterator[list[str]]:
    env = {
        **os.environ,
        "COPYRIGHT_HUB_RPC_URL": story.settings.rpc_url,
        "COPYRIGHT_HUB_DATABASE_URL": story.database,
        "COPYRIGHT_HUB_DEPLOYMENTS_DIR": str(story.settings.deployments_dir),
        "COPYRIGHT_HUB_CONTENT_DIR": str(story.settings.content_dir),
        "COPYRIGHT_HUB_SIWE_DOMAIN": SIWE_DOMAIN,
    }
    ports = [_free_port(), _free_port()]
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "api.main:app_factory",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        for port in ports
    ]
    urls = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        deadline = time.monotonic() + 30
        for url in urls:
            while True:
                try:
                    if httpx.get(url + "/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "uvicorn did not start"
                time.sleep(0.1)
        yield urls
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=10)


def test_key_release_across_two_uvicorn_workers(story: Story, two_workers: list[str]) -> None:
    first, second = two_workers
    nonce = httpx.get(first + "/keys/nonce", timeout=10).json()["nonce"]
    now = datetime.now(UTC)
    text = SiweMessage(
        domain=SIWE_DOMAIN, address=story.buyer.address, statement="key please", uri=f"https://{SIWE_DOMAIN}/keys",
        chain_id=31337, nonce=nonce, issued_at=now.isoformat().replace("+00:00", "Z"),
        expiration_time=(now + timedelta(minutes=5)).isoformat().replace("+00:00", "Z"),
        resources=[f"urn:copyright-hub:work:{story.film_id}"],
    ).to_text()  # fmt: skip
    body = {
        "message": text,
        "signature": story.buyer.sign_message(encode_defunct(text=text)).signature.to_0x_hex(),
        "licence_id": story.licence_id,
    }
    released = httpx.post(f"{second}/keys/{story.film_id}", json=body, timeout=30)  # nonce from the other worker
    assert released.status_code == 200, released.text
    wrapped = WrappedKey.from_json(released.json()["wrapped_key"])
    assert unwrap_key(wrapped, story.buyer_x25519, context=f"work:{story.film_id}") == story.content_key
    replay = httpx.post(f"{first}/keys/{story.film_id}", json=body, timeout=30)
    assert replay.status_code == 401  # used once, on either worker


def test_a_key_filed_through_one_worker_is_released_by_the_other(story: Story, two_workers: list[str]) -> None:
    """The whole service path on two processes: the buyer registers an encryption key with worker 1,
    worker 2 lists the buyer as waiting, the studio wraps and files through worker 1 (the code behind
    ``copyright-hub keys wrap-all``), and worker 2 releases the copy sealed for the new key."""
    first, second = two_workers
    fresh = X25519PrivateKey.generate()
    public = "0x" + fresh.public_key().public_bytes_raw().hex()
    try:
        with httpx.Client(timeout=30) as http:
            buyer, studio = KeysClient(first, story.buyer, http), KeysClient(first, story.studio, http)
            assert buyer.register_encryption_key(public)["public_key"] == public
            waiting = KeysClient(second, story.studio, http).pending(story.film_id)
            assert [(w["account"], w["public_key"], w["licence_id"]) for w in waiting] == [
                (story.buyer.address, public, str(story.licence_id))
            ]  # the future licence has not started: not waiting twice
            wrapped = wrap_key(story.content_key, fresh.public_key(), context=f"work:{story.film_id}")
            assert studio.file(story.film_id, {story.buyer.address: wrapped.to_json()}) == [story.buyer.address]
            assert KeysClient(second, story.studio, http).pending(story.film_id) == []
            body = {**KeysClient(second, story.buyer, http).signed(f"urn:copyright-hub:work:{story.film_id}"),
                    "licence_id": story.licence_id}  # fmt: skip
            released = http.post(f"{second}/keys/{story.film_id}", json=body)
            assert released.status_code == 200, released.text
            got = WrappedKey.from_json(released.json()["wrapped_key"])
            assert unwrap_key(got, fresh, context=f"work:{story.film_id}") == story.content_key
            with pytest.raises(HubRequestError, match="does not own work"):
                KeysClient(second, story.buyer, http).file(story.film_id, {story.buyer.address: wrapped.to_json()})
    finally:  # the module's other tests expect the story's own copy
        engine = make_engine(story.database)
        original = wrap_key(story.content_key, story.buyer_x25519.public_key(), context=f"work:{story.film_id}")
        WrappedKeyStore(engine).put(story.film_id, story.buyer.address, original)
        EncryptionKeyStore(engine).register(story.buyer.address, original.recipient_public)  # else no release
        engine.dispose()


def test_rate_counts_of_past_windows_are_purged(story: Story) -> None:
    engine = make_engine(story.database)
    try:
        limiter = RateLimiter(engine, limit=5, window_seconds=60)
        start = (time.time() // 60 + 1000) * 60  # windows of our own, far from the other tests' now
        for minute in range(5):  # five windows, three clients each, one of them twice
            for client in ("198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.1"):
                assert limiter.hit(client, start + minute * 60 + 1) is None
            with engine.connect() as conn:
                rows = conn.execute(sa.text('SELECT "window", count FROM api_rate_count ORDER BY count')).all()
            assert [w for w, _ in rows] == [int(start // 60) + minute] * 3, "only the current window is kept"
            assert [c for _, c in rows] == [1, 1, 2]
    finally:
        engine.dispose()
