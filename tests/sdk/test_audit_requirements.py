"""Auditors' reports say, per licence, which distribution requirements bound its sale and how each stood
then, from the chain alone: requirements set before the sale (not after), in the licence's territories
(every regulated one for a worldwide licence), judged by the attestations recorded before the sale at
the sale block's time (a revocation afterwards does not change what held then)."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import Web3

from client_sdk import AttestationKind, Hub, Right, Terms
from client_sdk.audit.certificate import rows
from client_sdk.audit.report import build_report, check_report, sign_report
from client_sdk.manifest import Deployment
from tests.conftest import hub_for

CHINA, HONG_KONG = 156, 344


def _sale(summary: dict[str, Any], licence_id: int) -> dict[str, Any]:
    return next(s for s in summary["requirements_at_sale"] if s["licence_id"] == str(licence_id))


def test_a_report_states_the_requirements_each_sale_met(
    w3: Web3, deployment: Deployment, deployer: LocalAccount, studio_hub: Hub, buyer_hub: Hub,
    auditor: LocalAccount, stranger: LocalAccount,
) -> None:  # fmt: skip
    admin, reviewer, regulator = (hub_for(w3, deployment, a) for a in (deployer, auditor, stranger))
    admin.grant_role("WorkRegistry", "REVIEWER_ROLE", auditor.address)
    admin.set_regulator(stranger.address, [CHINA, HONG_KONG])
    work = studio_hub.register_work(
        hashlib.sha256(b"audited rules film").digest(), "bafycontent", "bafymeta", 0
    ).work_id
    filing_rule = regulator.set_requirement(CHINA, AttestationKind.FILING, rights_mask=int(Right.INFORMATION_NETWORK))
    now = int(w3.eth.get_block("latest")["timestamp"])
    filing = reviewer.attest(work, AttestationKind.FILING, territory=CHINA, reference="F-1", valid_until=now + 10**6)
    terms = Terms(
        work_id=work, rights=Right.INFORMATION_NETWORK, start=now, end=now + 86_400, price=10**15, exclusive=False
    )
    in_china = buyer_hub.purchase(
        studio_hub.create_offer(replace(terms, territories=(CHINA,))), max_price=10**15
    ).licence_id
    before_hong_kong = int(w3.eth.block_number)
    review_rule = regulator.set_requirement(
        HONG_KONG, AttestationKind.CONTENT_REVIEW, rights_mask=int(Right.INFORMATION_NETWORK)
    )
    review = reviewer.attest(work, AttestationKind.CONTENT_REVIEW, territory=HONG_KONG)
    worldwide = buyer_hub.purchase(studio_hub.create_offer(terms), max_price=10**15).licence_id
    signed = studio_hub.sign_offer(replace(terms, supply_cap=3), nonce=1, deadline=now + 86_400)
    off_chain = buyer_hub.purchase_signed(signed, max_price=10**15).licence_id
    reviewer.revoke_attestation(filing, "withdrawn after the sales")

    report = sign_report(build_report(w3, deployment, work), auditor)
    summary = report["summary"]
    china_row = {
        "territory": "156", "requirement_id": str(filing_rule), "kind": "2", "kind_name": "filing", "state": "met",
        "attestation_id": str(filing),
    }  # fmt: skip
    first = _sale(summary, in_china)
    assert first["territories"] == ["156"] and first["territories_known"] is True
    assert first["requirements"] == [china_row] and first["met"] is True  # Hong Kong's rule came later
    assert int(first["time"]) >= now
    second = _sale(summary, worldwide)
    assert second["territories"] == [] and second["met"] is True
    assert second["requirements"] == [
        china_row,
        {"territory": "344", "requirement_id": str(review_rule), "kind": "1", "kind_name": "content_review",
         "state": "met", "attestation_id": str(review)},
    ]  # fmt: skip
    third = _sale(summary, off_chain)
    assert third["territories_known"] is False and [r["territory"] for r in third["requirements"]] == ["156", "344"]
    assert "requirements" in {c["section"] for c in report["claims"]}
    assert any(c["kind"] == "block" for c in report["claims"])

    checks = check_report(report, w3)
    assert [c.name for c in checks if not c.ok] == [], [(c.name, c.detail) for c in checks if not c.ok]
    line = dict((english, value) for _zh, english, value in rows(report))["Distribution requirements at sale"]
    assert f"#{in_china}: 156 filing met (attestation #{filing})" in line

    # pinned before Hong Kong's rule: only the first sale, and that report re-checks too
    early = sign_report(build_report(w3, deployment, work, block=before_hong_kong), auditor)
    assert [s["licence_id"] for s in early["summary"]["requirements_at_sale"]] == [str(in_china)]
    assert [c.name for c in check_report(early, w3) if not c.ok] == []

    # a report's sale time edited by hand and re-signed: the summary no longer follows from the chain
    lie = sign_report(
        {**report, "claims": [c if c["kind"] != "block" else {**c, "result": "1"} for c in report["claims"]]}, auditor
    )
    assert any(
        n.startswith("requirements: chain.timestamp(") for n in (c.name for c in check_report(lie, w3) if not c.ok)
    )
