"""Auditors' checks in the SDK: the deployment against the committed artifacts, found from the registry
alone; signed reports pinned to a block and re-checked claim by claim (client_sdk.verify, client_sdk.audit)."""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from web3 import Web3

from client_sdk import Hub, Right, Split, Terms
from client_sdk.artifacts import load_artifact
from client_sdk.audit import build_report, check_report, sign_report
from client_sdk.audit.report import SOURCES, Call, Logs
from client_sdk.content.cid import cid_of_bytes
from client_sdk.deploy import _deploy_contract
from client_sdk.errors import ChainIdMismatch, DeploymentMismatch
from client_sdk.manifest import Deployment
from client_sdk.verify import LINKS, deployment_from_registry, verify_deployment
from tests.factories import fake_cid


def _failed(checks: list[Any]) -> list[str]:
    return [c.name for c in checks if not c.ok]


def test_links_and_report_sources_name_functions_and_events_of_the_committed_abi() -> None:
    for contract, getter, _target in LINKS:
        assert any(e.get("name") == getter and e["type"] == "function" for e in load_artifact(contract).abi), getter
    for source in SOURCES:
        kind, name = ("event", source.event) if isinstance(source, Logs) else ("function", source.function)
        assert isinstance(source, Logs | Call)
        assert any(e.get("name") == name and e["type"] == kind for e in load_artifact(source.contract).abi), name


def test_a_deployment_found_from_the_registry_alone_is_the_manifest(w3: Web3, deployment: Deployment) -> None:
    found = deployment_from_registry(w3, deployment.address("WorkRegistry"))
    assert found.contracts == deployment.contracts
    assert (found.deploy_block, found.deployer, found.chain_id) == (
        deployment.deploy_block, deployment.deployer, deployment.chain_id,
    )  # fmt: skip
    assert verify_deployment(w3, found) is found


def test_code_with_immutables_is_checked_value_by_value() -> None:
    market = load_artifact("LicenceMarket")
    assert market.immutable_references, "the market has immutables: the masking is exercised"
    code = bytearray(market.deployed_bytecode)
    for refs in market.immutable_references.values():
        for ref in refs:
            code[ref["start"] : ref["start"] + ref["length"]] = b"\x11" * ref["length"]
    assert market.code_mismatch(bytes(code)) is None
    ident, refs = next((i, r) for i, r in market.immutable_references.items() if len(r) > 1)
    torn = bytearray(code)
    torn[refs[1]["start"]] ^= 0xFF
    assert f"immutable {ident} holds different values" in (market.code_mismatch(bytes(torn)) or "")
    patched = bytearray(code)
    patched[10] ^= 0xFF
    assert "differs from the committed build from byte 10" in (market.code_mismatch(bytes(patched)) or "")
    assert "bytes" in (market.code_mismatch(bytes(code) + b"\0") or "")
    assert market.code_mismatch(b"") == "there is no code at this address"


def test_a_forged_manifest_and_a_registry_with_other_code_are_named(
    w3: Web3, deployment: Deployment, deployer: LocalAccount
) -> None:
    registry = deployment.contracts["WorkRegistry"]
    market = deployment.contracts["LicenceMarket"]
    swapped = deployment.model_copy(update={"contracts": {**deployment.contracts, "WorkRegistry": market}})
    with pytest.raises(DeploymentMismatch) as info:
        verify_deployment(w3, swapped)
    assert info.value.contract == "WorkRegistry" and "committed build" in str(info.value)
    other_hash = registry.model_copy(update={"artifact_sha256": "00" * 32})
    with pytest.raises(DeploymentMismatch, match="names artifact sha256"):
        verify_deployment(w3, deployment.model_copy(update={"contracts": {**deployment.contracts, "WorkRegistry": other_hash}}))
    with pytest.raises(ChainIdMismatch):
        verify_deployment(w3, deployment.model_copy(update={"chain_id": 1}))
    # a second, genuine registry nobody wired: its code is right, but it names no market
    lone = _deploy_contract(w3, deployer, "WorkRegistry", [deployer.address])
    rewired = deployment.model_copy(update={"contracts": {**deployment.contracts, "WorkRegistry": lone}})
    with pytest.raises(DeploymentMismatch, match=r"licenceMarket\(\) is 0x0{40}"):
        verify_deployment(w3, rewired)
    with pytest.raises(DeploymentMismatch, match="there is no code"):
        deployment_from_registry(w3, "0x" + "12" * 20)
    with pytest.raises(DeploymentMismatch, match=r"WorkRegistry at .* is not the committed build: the code is"):
        deployment_from_registry(w3, market.address)


@pytest.fixture
def story(studio_hub: Hub, buyer_hub: Hub, studio: LocalAccount, buyer: LocalAccount, tmp_path: Path) -> dict[str, Any]:
    """A work with a file, co-owners, two licences (one bought, one offered-and-bought later)."""
    film = tmp_path / "film.bin"
    film.write_bytes(b"an audited film " * 5000)
    digest = hashlib.sha256(film.read_bytes()).digest()
    work = studio_hub.register_work(
        digest, cid_of_bytes(film.read_bytes()), fake_cid("m"),
        splits=[Split(studio.address, 7_000), Split(buyer.address, 3_000)],
    ).work_id  # fmt: skip
    now = int(studio_hub.w3.eth.get_block("latest")["timestamp"])
    terms = Terms(work_id=work, rights=Right.INFORMATION_NETWORK, start=now, end=now + 86_400, price=10**15)
    offer = studio_hub.create_offer(terms)
    licence = buyer_hub.purchase(offer, max_price=10**15).licence_id
    return {"work": work, "file": film, "licence": licence}


def test_a_signed_report_holds_and_names_every_edit(
    w3: Web3, deployment: Deployment, auditor: LocalAccount, story: dict[str, Any], tmp_path: Path
) -> None:
    report = sign_report(build_report(w3, deployment, story["work"], file=story["file"]), auditor)
    summary = report["summary"]
    assert summary["work_id"] == str(story["work"]) and summary["licences"] == [
        {"licence_id": str(story["licence"]), "status": "valid"}
    ]
    assert [o["bps"] for o in summary["owners"]] == ["7000", "3000"]
    assert report["file"]["sha256"] == summary["content_digest"]
    # issue 14: priority beside registration time (a one-step registration: the same moment)
    assert summary["priority_at"] == summary["registered_at"] and summary["reclaimed"] is False
    checks = check_report(report, w3, file=story["file"])
    assert _failed(checks) == [], [(c.name, c.detail) for c in checks if not c.ok]
    assert len(checks) > 15

    edited = copy.deepcopy(report)
    edited["summary"]["owners"][0]["bps"] = "9000"
    assert _failed(check_report(edited, w3))[:1] == ["report unchanged since signing"]
    # the same edit re-signed by someone else: the signature holds, the summary no longer follows
    resigned = sign_report(edited, auditor)
    assert _failed(check_report(resigned, w3)) == ["summary follows from the claims"]
    # a claim changed and re-signed: that claim is named
    lie = copy.deepcopy(report)
    lie["claims"][1]["result"]["owner"] = auditor.address
    names = _failed(check_report(sign_report(lie, auditor), w3))
    assert any(n.startswith("registration: WorkRegistry.getWork(") for n in names), names
    # a claim left out (the licence bought) is missed
    short = copy.deepcopy(report)
    short["claims"] = [c for c in short["claims"] if c["name"] != "LicenceGranted"]
    assert "claims are complete" in _failed(check_report(sign_report(short, auditor), w3))
    # the deployment swapped for other code at the registry's place, re-signed: named before any claim
    swapped = copy.deepcopy(report)
    swapped["deployment"]["WorkRegistry"] = swapped["deployment"]["LicenceMarket"]
    failed = check_report(sign_report(swapped, auditor), w3)
    assert [(c.name, c.ok) for c in failed[-2:]] == [("deployment is the committed build", False), ("claims", False)]
    assert "WorkRegistry at" in failed[-2].detail
    other = tmp_path / "other.bin"
    other.write_bytes(b"not the film")
    assert _failed(check_report(report, w3, file=other)) == ["other.bin is the registered file"]


def test_a_report_covers_disputes_revocations_and_attestations_and_rechecks_at_an_older_block(
    w3: Web3, deployment: Deployment, deployer: LocalAccount, studio: LocalAccount, buyer: LocalAccount,
    auditor: LocalAccount, arbiter: LocalAccount, stranger: LocalAccount,
) -> None:  # fmt: skip
    from tests.factories.scenario import Scenario, every_event_story

    cast = {"admin": deployer, "studio": studio, "buyer": buyer, "reviewer": auditor, "arbiter": arbiter,
            "claimant": stranger, "co_owner": arbiter}  # fmt: skip
    sc = Scenario.on(w3, deployment, cast)
    every_event_story(sc)
    film, revoked = sc["film"], sc["signed_licence"]
    report = sign_report(build_report(w3, deployment, film), auditor)
    summary = report["summary"]
    assert {"licence_id": str(revoked), "status": "revoked"} in summary["licences"]
    assert summary["attestations"] == 2 and summary["disputes"] == 1
    assert summary["owner"] == stranger.address  # the upheld dispute transferred the work
    sections = {c["section"] for c in report["claims"]}
    assert sections == {"registration", "ownership", "splits", "licences", "attestations", "disputes", "evidence",
                        "requirements"}  # fmt: skip
    assert report["not_covered"] == []
    assert _failed(check_report(report, w3)) == []
    # pinned before the dispute: the licence was valid then, and that report still re-checks now
    (opened,) = next(c for c in report["claims"] if c["name"] == "DisputeOpened")["result"]
    before = sign_report(build_report(w3, deployment, film, block=opened["block"] - 1), auditor)
    assert {"licence_id": str(revoked), "status": "valid"} in before["summary"]["licences"]
    assert before["summary"]["disputes"] == 0 and before["summary"]["owner"] == studio.address
    assert _failed(check_report(before, w3)) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe", "is not a JSON report"),
        (b"[1, 2]", "is not a report of format"),
        (b'{"format": "copyright-hub/audit-report/9"}', "is not a report of format"),
        (b'{"format": "copyright-hub/audit-report/1", "chain_id": 1}', "lacks block, work_id"),
    ],
)
def test_a_malformed_report_file_is_refused_saying_what_is_wrong(tmp_path: Path, content: bytes, message: str) -> None:
    from client_sdk.audit import load_report
    from client_sdk.errors import InvalidReport

    path = tmp_path / "r.json"
    path.write_bytes(content)
    with pytest.raises(InvalidReport, match=message):
        load_report(path)


def test_a_report_with_fields_of_the_wrong_shape_is_refused(
    w3: Web3, deployment: Deployment, auditor: LocalAccount, story: dict[str, Any], tmp_path: Path
) -> None:
    import json

    from client_sdk.audit import load_report
    from client_sdk.audit.report import write_report
    from client_sdk.errors import InvalidReport

    good = sign_report(build_report(w3, deployment, story["work"]), auditor)
    assert load_report(write_report(good, tmp_path / "good.json"))["work_id"] == str(story["work"])
    for key, value, message in (
        ("summary", "all fine", "summary of the wrong JSON type"),
        ("claims", [{"section": "x"}], "is malformed"),
        ("block", {"number": "ten", "hash": "0x", "timestamp": 0}, "is malformed"),
        ("deployment", {"WorkRegistry": {"address": 5}}, "is malformed"),
    ):
        path = tmp_path / f"{key}.json"
        path.write_text(json.dumps({**good, key: value}))
        with pytest.raises(InvalidReport, match=message):
            load_report(path)
