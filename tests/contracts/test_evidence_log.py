"""EvidenceLog: anyone records evidence about an existing work; the event is the whole record; a dispute
cites an evidence package by its CID (off chain, through openDispute's evidenceCid)."""

from __future__ import annotations

import hashlib

import pytest
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.exceptions import ContractCustomError

from client_sdk import Hub, WorkStatus
from client_sdk.errors import DeploymentMismatch
from client_sdk.evidence import evidence_log, get_record, records
from client_sdk.manifest import Deployment
from client_sdk.verify import verify_deployment
from tests.contracts.conftest import MIN_BOND, deploy_contract, now, reverts

DIGEST = hashlib.sha256(b"a pirated copy").digest()


def test_anyone_records_evidence_and_the_event_is_the_record(
    stranger_hub: Hub, buyer_hub: Hub, work: int, stranger: LocalAccount, buyer: LocalAccount, w3: Web3
) -> None:
    at = now(w3)
    first = stranger_hub.record_evidence(work, DIGEST, "bafycopy", "https://pirate.example/film.mp4", at)
    second = buyer_hub.record_evidence(work, b"\x01" * 32, "bafyother", "file:clip.mp4", at)
    assert first["args"]["evidenceId"] == 1 and second["args"]["evidenceId"] == 2
    assert dict(first["args"]) == {
        "evidenceId": 1, "workId": work, "recorder": stranger.address, "digest": DIGEST, "cid": "bafycopy",
        "source": "https://pirate.example/film.mp4", "capturedAt": at,
    }  # fmt: skip
    assert evidence_log(stranger_hub).functions.evidenceCount().call() == 2
    mine = records(stranger_hub, work_id=work)
    assert [(r.evidence_id, r.recorder, r.cid) for r in mine] == [
        (1, stranger.address, "bafycopy"),
        (2, buyer.address, "bafyother"),
    ]
    one = get_record(stranger_hub, 2)
    assert one.digest == b"\x01" * 32 and one.block_number == second["blockNumber"] and one.recorded_at >= at


def test_a_disputed_work_takes_evidence_too(stranger_hub: Hub, work: int, w3: Web3) -> None:
    stranger_hub.open_dispute(work, "bafyclaim", bond=MIN_BOND)
    assert stranger_hub.get_work(work).status == WorkStatus.DISPUTED
    event = stranger_hub.record_evidence(work, DIGEST, "bafycopy", "file:copy.mp4", now(w3))
    assert event["args"]["workId"] == work


def test_record_refuses_bad_records_before_sending(stranger_hub: Hub, work: int, w3: Web3) -> None:
    at = now(w3)
    with reverts("WorkNotFound", workId=987_654):
        stranger_hub.record_evidence(987_654, DIGEST, "bafycopy", "file:x", at)
    with reverts("EmptyDigest"):
        stranger_hub.record_evidence(work, b"\0" * 32, "bafycopy", "file:x", at)
    with reverts("EmptyCid", field="cid"):
        stranger_hub.record_evidence(work, DIGEST, "", "file:x", at)
    with reverts("EmptySource"):
        stranger_hub.record_evidence(work, DIGEST, "bafycopy", "", at)
    with reverts("CapturedInFuture", capturedAt=at + 3600):
        stranger_hub.record_evidence(work, DIGEST, "bafycopy", "file:x", at + 3600)
    assert evidence_log(stranger_hub).functions.evidenceCount().call() == 0
    assert records(stranger_hub, work_id=work) == []


def test_a_capture_clock_a_little_ahead_of_the_chain_is_accepted(stranger_hub: Hub, work: int, w3: Web3) -> None:
    """The recorder's clock runs ahead of the last block by up to a block interval (MAX_CLOCK_SKEW)."""
    skew = evidence_log(stranger_hub).functions.MAX_CLOCK_SKEW().call()
    assert skew == 900
    event = stranger_hub.record_evidence(work, DIGEST, "bafycopy", "file:x", now(w3) + 60)
    assert event["args"]["evidenceId"] == 1


def test_constructor_refuses_the_zero_registry(w3: Web3, deployer: LocalAccount, deployment: Deployment) -> None:
    with pytest.raises(ContractCustomError) as info:  # a constructor revert, before any transaction is sent
        deploy_contract(w3, deployer, "EvidenceLog", "0x" + "00" * 20)
    assert info.value.data == "0x" + Web3.keccak(text="ZeroAddress()")[:4].hex()


def test_a_dispute_cites_an_evidence_package_by_its_cid(stranger_hub: Hub, work: int, w3: Web3) -> None:
    """DisputeResolver is unchanged: the claim's evidenceCid is the stored evidence package's CID."""
    stranger_hub.record_evidence(work, DIGEST, "bafycopy", "file:copy.mp4", now(w3))
    package_cid = "bafkreievidencepackage"
    dispute = stranger_hub.open_dispute(work, package_cid, bond=MIN_BOND)
    (opened,) = stranger_hub.resolver.events.DisputeOpened().get_logs(
        from_block=0, argument_filters={"disputeId": dispute}
    )
    assert opened["args"]["evidenceCid"] == package_cid and opened["args"]["workId"] == work


def test_verify_deployment_refuses_an_evidence_log_of_another_registry(
    w3: Web3, deployer: LocalAccount, deployment: Deployment
) -> None:
    verify_deployment(w3, deployment)
    other = deploy_contract(w3, deployer, "EvidenceLog", deployment.address("LicenceMarket"))
    receipt_block = w3.eth.block_number
    (tx,) = w3.eth.get_block(receipt_block, full_transactions=True)["transactions"]
    entry = deployment.contracts["EvidenceLog"].model_copy(
        update={"address": other.address, "tx_hash": Web3.to_hex(tx["hash"]), "block_number": receipt_block}
    )
    forged = deployment.model_copy(update={"contracts": {**deployment.contracts, "EvidenceLog": entry}})
    with pytest.raises(DeploymentMismatch, match="registry"):
        verify_deployment(w3, forged)
