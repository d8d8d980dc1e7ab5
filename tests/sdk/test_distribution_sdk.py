"""The SDK face of distribution requirements (issue 17): the standard kinds declared once, requirement
and compliance reads, the typed refusal raised before anything is sent, attestation windows."""

from __future__ import annotations

import pytest

from client_sdk import AttestationStatus, Hub, RequirementNotMet
from client_sdk.deploy import WIRING
from client_sdk.errors import REVERT_HINTS
from client_sdk.terms import ALL_WORK_TYPES_MASK, STANDARD_KINDS, AttestationKind, Decision, Right, work_type_bit
from tests.contracts.conftest import now
from tests.factories.protocol import DAY, terms, work_input

NET = int(Right.INFORMATION_NETWORK)


def test_the_deployment_defines_exactly_the_standard_kinds() -> None:
    defined = [call.args({}, "") for call in WIRING if call.function == "defineKind"]
    assert defined == [[int(k), *STANDARD_KINDS[k]] for k in AttestationKind]
    assert len({name for name, _ in STANDARD_KINDS.values()}) == len(STANDARD_KINDS)


def test_work_type_bits_share_the_top_bit_past_62() -> None:
    assert work_type_bit(0) == 1 and work_type_bit(62) == 1 << 62
    assert work_type_bit(63) == work_type_bit(200) == 1 << 63
    assert ALL_WORK_TYPES_MASK & work_type_bit(255)


@pytest.mark.parametrize(
    ("status", "at", "state"),
    [
        (AttestationStatus(0, Decision.NONE, 0, 0, False), 100, "missing"),
        (AttestationStatus(3, Decision.NONE, 0, 0, False), 100, "revoked"),
        (AttestationStatus(3, Decision.REJECTED, 0, 0, False), 100, "rejected"),
        (AttestationStatus(3, Decision.APPROVED, 200, 0, False), 100, "not_yet_valid"),
        (AttestationStatus(3, Decision.APPROVED, 0, 100, False), 100, "expired"),
        (AttestationStatus(3, Decision.APPROVED, 50, 101, True), 100, "met"),
    ],
)
def test_attestation_states(status: AttestationStatus, at: int, state: str) -> None:
    assert status.state(at) == state


def test_compliance_and_preflight(studio_hub: Hub, buyer_hub: Hub, deployment, deployer, auditor, stranger, w3) -> None:
    admin_hub = Hub(w3, deployment, deployer)
    admin_hub.grant_role("WorkRegistry", "REVIEWER_ROLE", auditor.address)
    auditor_hub = Hub(w3, deployment, auditor)
    admin_hub.set_regulator(stranger.address, [156, 840])
    regulator = Hub(w3, deployment, stranger)
    series = studio_hub.register_works([work_input(work_type=1)])[0].work_id
    filing = regulator.set_requirement(156, AttestationKind.FILING, rights_mask=NET)
    films_only = regulator.set_requirement(
        156, AttestationKind.AGE_RATING, work_type_mask=work_type_bit(0), rights_mask=NET
    )
    review = regulator.set_requirement(840, AttestationKind.CONTENT_REVIEW, rights_mask=int(Right.BROADCASTING))
    assert [r.requirement_id for r in regulator.requirements(156)] == [filing, films_only]
    assert regulator.regulated_territories() == [156, 840]

    t = now(w3)
    auditor_hub.attest(series, AttestationKind.FILING, territory=156, reference="F-1", valid_until=t + DAY)
    got = buyer_hub.compliance(series)
    assert [(c.requirement.requirement_id, c.state, c.met) for c in got[156]] == [(filing, "met", True)]
    assert [(c.requirement.requirement_id, c.state) for c in got[840]] == [(review, "missing")]
    assert buyer_hub.compliance(series, rights=NET)[840] == []  # the US requirement is for broadcasting only
    assert got[156][0].status.valid_until == t + DAY

    offer = studio_hub.create_offer(terms(series, now(w3), rights=Right.BROADCASTING))  # worldwide
    nonce = w3.eth.get_transaction_count(buyer_hub.account.address)
    with pytest.raises(RequirementNotMet) as info:
        buyer_hub.purchase(offer, max_price=10**17)
    assert info.value.args_by_name == {"workId": series, "territory": 840, "kind": AttestationKind.CONTENT_REVIEW}
    assert "territory 840" in str(info.value) and "kind 3" not in str(info.value)
    assert w3.eth.get_transaction_count(buyer_hub.account.address) == nonce  # nothing was sent
    buyer_hub.check_sale(series, NET, [156])  # met: returns quietly


def test_every_new_error_has_a_hint() -> None:
    for name in (
        "RequirementNotMet",
        "NotRegulator",
        "KindNotDefined",
        "InvalidAttestationWindow",
        "TooManyRequirements",
    ):
        assert name in REVERT_HINTS
