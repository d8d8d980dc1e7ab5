"""Key release asks the chain: licences that were valid once (expired, revoked), licences whose rights
do not cover the master, and frozen works get no key; only the work's owner on chain files keys.

``test_key_release.py`` covers the sign-in rules against a table-driven stand-in for the licence
checker; here the app uses its real on-chain checker (``OnChainLicenceChecker``, built from the settings)
against a private anvil, and the sign-in comes from that module's helpers. The chain's clock starts a
day behind the wall clock the route judges licences by, so a licence bought while the chain sees it
valid can already be over for the route, without waiting.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from web3 import Web3

from api.main import create_app
from api.services import services_of
from api.settings import Settings
from api.stores import WrappedKeyStore
from client_sdk import Hub, Outcome, Right
from client_sdk.chain import connect
from client_sdk.content import WrappedKey, new_content_key, unwrap_key, wrap_key
from client_sdk.deploy import deploy
from copyright_hub.devnet import spawn_anvil
from tests.content.test_key_release import CHAIN_ID, DOMAIN, _assert_problem, _message, _post, _signed
from tests.factories import fake_cid, unique_digest
from tests.factories.protocol import DAY, terms

ARBITER_ROLE = Web3.keccak(text="ARBITER_ROLE")


@dataclass
class OnChain:
    client: TestClient
    keys: WrappedKeyStore
    studio_hub: Hub
    buyer_hub: Hub
    arbiter_hub: Hub
    stranger_hub: Hub
    buyer: LocalAccount
    buyer_x25519: X25519PrivateKey
    content_key: bytes
    work_id: int
    valid_licence: int
    expired_licence: int
    exhibition_licence: int
    studio: LocalAccount

    def request_key(self, licence_id: int, work_id: int | None = None):  # type: ignore[no-untyped-def]
        work_id = self.work_id if work_id is None else work_id
        msg = _message(
            self.client,
            self.buyer,
            statement=f"Release the content key of work {work_id} to me.",
            uri=f"https://{DOMAIN}/keys/{work_id}",
            resources=[f"urn:copyright-hub:work:{work_id}"],
        )
        return _post(self.client, msg, self.buyer, licence_id=licence_id, work_id=work_id)

    def unwrap(self, response, work_id: int) -> bytes:  # type: ignore[no-untyped-def]
        wrapped = WrappedKey.from_json(response.json()["wrapped_key"])
        return unwrap_key(wrapped, self.buyer_x25519, context=f"work:{work_id}")


@pytest.fixture(scope="module")
def onchain(
    tmp_path_factory: pytest.TempPathFactory,
    deployer: LocalAccount,
    studio: LocalAccount,
    buyer: LocalAccount,
    arbiter: LocalAccount,
    stranger: LocalAccount,
) -> Iterator[OnChain]:
    tmp: Path = tmp_path_factory.mktemp("key-release-onchain")
    with spawn_anvil(extra_args=["--timestamp", str(int(time.time()) - DAY)]) as node:
        w3 = connect(node.url)
        assert w3.eth.chain_id == CHAIN_ID
        deployment = deploy(w3, deployer, tmp / "deployments").deployment
        admin = Hub(w3, deployment, deployer)
        admin._transact(admin.resolver, "grantRole", ARBITER_ROLE, arbiter.address)
        studio_hub, buyer_hub = Hub(w3, deployment, studio), Hub(w3, deployment, buyer)
        work = studio_hub.register_work(unique_digest(), fake_cid(), fake_cid("m")).work_id
        t = int(w3.eth.get_block("latest")["timestamp"])
        assert t < time.time() - DAY / 2, "anvil did not start a day behind the wall clock"
        valid = studio_hub.create_offer(terms(work, t - 60, end=t + 3 * DAY))
        ends_soon = studio_hub.create_offer(terms(work, t - 60, end=t + 3600))
        exhibition_only = studio_hub.create_offer(terms(work, t - 60, end=t + 3 * DAY, rights=Right.EXHIBITION))
        key = new_content_key()
        buyer_x = X25519PrivateKey.generate()
        settings = Settings(
            rpc_url=node.url,
            deployments_dir=tmp / "deployments",
            content_dir=tmp / "content",
            siwe_domain=DOMAIN,
            database_url=f"sqlite:///{tmp / 'hub.sqlite3'}",
        )
        app = create_app(settings)
        keys = services_of(app).wrapped_keys
        keys.put(work, buyer.address, wrap_key(key, buyer_x.public_key(), context=f"work:{work}"))
        with TestClient(app) as client:
            yield OnChain(
                client=client,
                keys=keys,
                studio_hub=studio_hub,
                buyer_hub=buyer_hub,
                arbiter_hub=Hub(w3, deployment, arbiter),
                stranger_hub=Hub(w3, deployment, stranger),
                buyer=buyer,
                buyer_x25519=buyer_x,
                content_key=key,
                work_id=work,
                valid_licence=buyer_hub.purchase(valid, max_price=10**17).licence_id,
                expired_licence=buyer_hub.purchase(ends_soon, max_price=10**17).licence_id,
                exhibition_licence=buyer_hub.purchase(exhibition_only, max_price=10**17).licence_id,
                studio=studio,
            )


def test_a_valid_licence_on_chain_gets_the_key(onchain: OnChain) -> None:
    r = onchain.request_key(onchain.valid_licence)
    assert r.status_code == 200, r.text
    assert onchain.unwrap(r, onchain.work_id) == onchain.content_key


def test_an_expired_licence_gets_nothing(onchain: OnChain) -> None:
    licence = onchain.expired_licence
    # the chain's own clock still sees it valid: only the time the route asks about has passed its end
    assert onchain.buyer_hub.is_licence_valid(licence)
    assert onchain.buyer_hub.get_licence(licence).holder.lower() == onchain.buyer.address.lower()
    assert not onchain.buyer_hub.is_licence_valid(licence, int(time.time()))
    _assert_problem(onchain.request_key(licence), 403)


def test_a_revoked_licence_gets_nothing(onchain: OnChain) -> None:
    """The same licence gets the key before the arbiter revokes it, and nothing after."""
    studio_hub = onchain.studio_hub
    work = studio_hub.register_work(unique_digest(), fake_cid(), fake_cid("m")).work_id
    wrapped = wrap_key(onchain.content_key, onchain.buyer_x25519.public_key(), context=f"work:{work}")
    onchain.keys.put(work, onchain.buyer.address, wrapped)
    t = int(onchain.buyer_hub.w3.eth.get_block("latest")["timestamp"])
    offer = studio_hub.create_offer(terms(work, t - 60, end=t + 3 * DAY))
    licence = onchain.buyer_hub.purchase(offer, max_price=10**17).licence_id
    before = onchain.request_key(licence, work)
    assert before.status_code == 200, before.text
    assert onchain.unwrap(before, work) == onchain.content_key

    dispute = onchain.stranger_hub.open_dispute(work, "bafyevidence", bond=10**16)
    onchain.arbiter_hub.resolve_dispute(dispute, Outcome.UPHELD_FROZEN, revoke_licences=[licence])
    assert onchain.buyer_hub.get_licence(licence).revoked
    _assert_problem(onchain.request_key(licence, work), 403)


def test_a_licence_without_a_master_right_gets_nothing(onchain: OnChain) -> None:
    r = onchain.request_key(onchain.exhibition_licence)
    _assert_problem(r, 403)
    assert "entitles its holder to the master" in r.json()["detail"]


def test_a_frozen_work_releases_nothing_even_to_a_valid_licence(onchain: OnChain) -> None:
    studio_hub = onchain.studio_hub
    work = studio_hub.register_work(unique_digest(), fake_cid(), fake_cid("m")).work_id
    onchain.keys.put(work, onchain.buyer.address, wrap_key(onchain.content_key, onchain.buyer_x25519.public_key(),
                                                          context=f"work:{work}"))  # fmt: skip
    t = int(onchain.buyer_hub.w3.eth.get_block("latest")["timestamp"])
    licence = onchain.buyer_hub.purchase(studio_hub.create_offer(terms(work, t - 60, end=t + 3 * DAY)),
                                         max_price=10**17).licence_id  # fmt: skip
    assert onchain.request_key(licence, work).status_code == 200
    dispute = onchain.stranger_hub.open_dispute(work, "bafyevidence", bond=10**16)
    onchain.arbiter_hub.resolve_dispute(dispute, Outcome.UPHELD_FROZEN, revoke_licences=[])
    assert not onchain.buyer_hub.get_licence(licence).revoked
    r = onchain.request_key(licence, work)
    _assert_problem(r, 403)
    assert "frozen" in r.json()["detail"]


def test_only_the_owner_on_chain_files_keys(onchain: OnChain) -> None:
    x = X25519PrivateKey.generate()
    wrapped = wrap_key(onchain.content_key, x.public_key(), context=f"work:{onchain.work_id}").to_json()
    entry = [{"account": onchain.buyer.address, "wrapped_key": wrapped}]
    resource = f"urn:copyright-hub:file-keys:{onchain.work_id}"
    by_buyer = {**_signed(onchain.client, onchain.buyer, resource), "keys": entry}
    r = onchain.client.put(f"/keys/{onchain.work_id}", json=by_buyer)
    _assert_problem(r, 403)
    assert (
        onchain.keys.get(onchain.work_id, onchain.buyer.address).recipient_public != x.public_key().public_bytes_raw()
    )
    unknown = 10**9
    elsewhere = [
        {**entry[0], "wrapped_key": wrap_key(onchain.content_key, x.public_key(), context=f"work:{unknown}").to_json()}
    ]
    no_work = {**_signed(onchain.client, onchain.studio, f"urn:copyright-hub:file-keys:{unknown}"), "keys": elsewhere}
    _assert_problem(onchain.client.put(f"/keys/{unknown}", json=no_work), 404)
