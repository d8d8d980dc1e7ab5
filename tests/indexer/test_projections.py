"""Every hub event projected: one story through registry, market and resolver, then the mirror is
checked row by row against what happened (and against the chain), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from web3 import Web3

from client_sdk import Hub
from client_sdk.deploy import DEFAULT_MIN_BOND_WEI
from tests.factories.scenario import DAY, SETTINGS_TOKEN, Scenario, every_event_story

from .conftest import Chain, MirrorFactory, dump, index_once


@dataclass
class Story:
    film: int
    derivative: int
    offer: int
    cancelled_offer: int
    licence: int
    signed_licence: int
    dispute: int
    attestation: int
    revoked_attestation: int
    windowed_attestation: int
    requirement: int


@pytest.fixture(scope="module")
def story(chain: Chain) -> Story:
    cast = dict(zip(("admin", "studio", "buyer", "reviewer", "arbiter", "claimant"), chain.accounts, strict=False))
    sc = Scenario.on(chain.w3, chain.deployment, {**cast, "co_owner": chain.accounts[5]})
    every_event_story(sc)
    return Story(**{name: sc[name] for name in Story.__dataclass_fields__})


def _rows(url: str, table: str) -> list[dict[str, object]]:
    from indexer.db import make_engine
    from indexer.store import table as t

    engine = make_engine(url)
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(sa.select(t(table))).mappings()]
    engine.dispose()
    return rows


def test_every_event_of_the_story_is_projected(
    chain: Chain, story: Story, new_mirror: MirrorFactory, caplog: pytest.LogCaptureFixture
) -> None:
    mirror = new_mirror()
    with caplog.at_level(logging.WARNING, logger="indexer"):
        index_once(mirror, chain, finality_depth=4)  # the last blocks go through the undo-logged path
    assert not [r for r in caplog.records if r.name.startswith("indexer")], caplog.text

    reader = Hub(chain.w3, chain.deployment)
    works = {w["work_id"]: w for w in _rows(mirror.url, "work")}
    film = works[story.film]
    assert film["owner"] == chain.accounts[5].address.lower()  # the dispute moved it to the claimant
    assert film["owner"] == reader.get_work(story.film).owner.lower()
    assert (film["metadata_cid"], film["metadata_version"], film["status"]) == ("bafymetaversion1", 1, 0)
    assert works[story.derivative]["owner"] == chain.accounts[2].address.lower()

    owners = sorted((r["position"], r["account"], r["bps"]) for r in _rows(mirror.url, "work_owner"))
    assert owners == []  # the transfer by ruling gave the claimant the whole work (SplitsSet with one entry)
    claimant = chain.accounts[5].address.lower()
    royalties = [(r["work_id"], r["receiver"], r["bps"]) for r in _rows(mirror.url, "work_royalty")]
    studio = chain.accounts[1].address.lower()
    assert sorted(royalties) == sorted(
        [(story.film, claimant, 500), (story.derivative, studio, 250)]
    )  # re-pointed by the ruling; set by the owner after registration (both RoyaltySet)
    assert [(r["work_id"], r["parent_id"]) for r in _rows(mirror.url, "work_parent")] == [
        (story.derivative, story.film)
    ]
    versions = sorted((r["work_id"], r["version"]) for r in _rows(mirror.url, "metadata_version"))
    assert (story.film, 1) in versions and (story.film, 0) in versions

    atts = {r["attestation_id"]: r for r in _rows(mirror.url, "attestation")}
    assert atts[story.attestation]["reference"] == "FILING-1" and atts[story.attestation]["territory"] == 156
    assert atts[story.revoked_attestation]["revoked"] and atts[story.revoked_attestation]["revoked_reason"] == "mistake"
    windowed = atts[story.windowed_attestation]
    assert windowed["valid_until"] - windowed["valid_from"] == DAY and windowed["valid_from"] > 0
    assert (atts[story.attestation]["valid_from"], atts[story.attestation]["valid_until"]) == (0, 0)

    # distribution rules: regulators, kinds (the deployment's four and one more), a requirement's last state
    reviewer = chain.accounts[3].address.lower()
    regulators = {(r["territory"], r["regulator"]): r["allowed"] for r in _rows(mirror.url, "regulator")}
    assert regulators == {(156, reviewer): True, (344, reviewer): False}
    kinds = {r["kind"]: (r["name"], r["defined_by"]) for r in _rows(mirror.url, "attestation_kind")}
    assert sorted(kinds) == [1, 2, 3, 4, 9] and kinds[9] == ("broadcast_licence", reviewer)
    (requirement,) = _rows(mirror.url, "distribution_requirement")
    assert (requirement["requirement_id"], requirement["kind"], requirement["work_type_mask"]) == (
        story.requirement, 9, 0b10
    )  # fmt: skip
    assert (requirement["active"], requirement["territory"], requirement["set_by"]) == (False, 156, reviewer)

    offers = {r["offer_id"]: r for r in _rows(mirror.url, "offer")}
    assert offers[story.offer]["price"] == 2 * 10**17 and not offers[story.offer]["cancelled"]
    assert offers[story.cancelled_offer]["cancelled"]
    assert json.loads(offers[story.offer]["territories"]) == []

    licences = {r["licence_id"]: r for r in _rows(mirror.url, "licence")}
    assert licences[story.licence]["holder"] == chain.accounts[5].address.lower()
    assert licences[story.licence]["licensee"] == chain.accounts[2].address.lower()
    assert licences[story.licence]["transferable"] and licences[story.licence]["price"] == 2 * 10**17
    assert (
        licences[story.signed_licence]["revoked"]
        and licences[story.signed_licence]["revoked_dispute_id"] == story.dispute
    )
    assert licences[story.signed_licence]["revoked_at"] >= licences[story.signed_licence]["granted_at"] > 0
    assert len(_rows(mirror.url, "signed_offer")) == 1
    assert len(_rows(mirror.url, "seller_counter")) == 1

    payments = _rows(mirror.url, "payment")
    assert sum(p["amount"] for p in payments if p["licence_id"] is not None) == 3 * 10**17
    assert [p["amount"] for p in payments if p["dispute_id"] == story.dispute] == [DEFAULT_MIN_BOND_WEI]
    assert len(_rows(mirror.url, "withdrawal")) == 2
    (dispute,) = _rows(mirror.url, "dispute")
    assert (dispute["open"], dispute["outcome"], dispute["ruling_cid"]) == (False, 2, "bafyruling")
    assert (dispute["answer_cid"], dispute["answered_by"]) == ("bafyanswer", studio)  # DisputeAnswered
    assert json.loads(str(dispute["revoked_licences"])) == [story.signed_licence]
    assert [r["current"] for r in _rows(mirror.url, "work_status_change")] == [2, 0]

    # what the admins set and which signed-offer nonces were voided (events once dropped silently)
    admin, studio = (a.address.lower() for a in chain.accounts[:2])
    state = {r["contract"]: r for r in _rows(mirror.url, "contract_state")}
    market, resolver = state["LicenceMarket"], state["DisputeResolver"]
    assert (market["fee_bps"], market["treasury"], market["paused"]) == (300, admin, False)
    assert (resolver["min_bond"], resolver["paused"]) == (2 * DEFAULT_MIN_BOND_WEI, True)
    assert state["WorkRegistry"]["licence_market"] == chain.deployment.address("LicenceMarket").lower()
    assert all(r["address"] == chain.deployment.address(r["contract"]).lower() for r in state.values())
    currencies = [(r["currency"], r["allowed"]) for r in _rows(mirror.url, "market_currency")]
    assert currencies == [(SETTINGS_TOKEN, False)]
    assert [(r["seller"], r["nonce"]) for r in _rows(mirror.url, "cancelled_nonce")] == [(studio, 8)]

    # every hub log is in raw_event, decoded
    addresses = [c.address for c in chain.deployment.contracts.values()]
    chain_logs = chain.rpc("eth_getLogs", [{"fromBlock": hex(chain.deployment.deploy_block), "address": addresses}])
    raw = _rows(mirror.url, "raw_event")
    assert len(raw) == len(chain_logs)
    assert all(r["event"] is not None for r in raw)

    # and a rebuild with everything finalized (the bulk path) is identical
    rebuilt = new_mirror()
    index_once(rebuilt, chain, finality_depth=0)
    assert dump(rebuilt.url) == dump(mirror.url)


def _normal(value: object) -> object:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return value.lower()
    if isinstance(value, (list, tuple)):
        return [_normal(v) for v in value]
    if isinstance(value, Mapping):  # web3 decodes a struct as an AttributeDict
        return {k: _normal(v) for k, v in value.items()}
    return value


def test_fast_decoder_agrees_with_web3_on_every_story_log(chain: Chain, story: Story) -> None:
    from client_sdk.artifacts import load_artifact
    from indexer.decode import EventRegistry, decode_logs

    contracts = {name: c.address for name, c in chain.deployment.contracts.items()}
    registry = EventRegistry(contracts)
    raw = chain.rpc("eth_getLogs", [{"fromBlock": "0x0", "address": list(contracts.values())}])
    ours = decode_logs(raw, registry)
    by_address = {
        c.address.lower(): chain.w3.eth.contract(address=Web3.to_checksum_address(c.address), abi=load_artifact(n).abi)
        for n, c in chain.deployment.contracts.items()
    }
    theirs = chain.w3.eth.get_logs(
        {"fromBlock": 0, "address": [Web3.to_checksum_address(a) for a in contracts.values()]}
    )
    assert len(ours) == len(theirs) > 20
    for mine, log in zip(ours, theirs, strict=True):
        contract = by_address[mine.address]
        event = getattr(contract.events, str(mine.event))()
        decoded = event.process_log(log)
        assert mine.args == _normal(dict(decoded["args"])), mine.event
