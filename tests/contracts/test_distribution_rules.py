"""Distribution requirements (issue 17): regulators per territory require attestation kinds that every
sale (on-chain offer and signed offer) meets; the latest attestation per work, kind and territory decides."""

from __future__ import annotations

import pytest
from eth_account.signers.local import LocalAccount

from client_sdk import Hub, RequirementNotMet
from client_sdk.terms import STANDARD_KINDS, AttestationKind, Decision, Right, work_type_bit
from tests.contracts.conftest import now, reverts, warp
from tests.factories.protocol import DAY, work_input

PRICE = 10**17
CN, US, HK = 156, 840, 344
FILING, REVIEW = int(AttestationKind.FILING), int(AttestationKind.CONTENT_REVIEW)
NET = int(Right.INFORMATION_NETWORK)


@pytest.fixture
def regulator_hub(admin_hub: Hub, stranger: LocalAccount) -> Hub:
    """The stranger account made regulator of China and the US by the rules' admin."""
    admin_hub.set_regulator(stranger.address, [CN, US])
    return Hub(admin_hub.w3, admin_hub.deployment, stranger)


def test_deployment_defines_the_standard_kinds(admin_hub: Hub) -> None:
    kinds = admin_hub.attestation_kinds()
    assert kinds == {int(k): v for k, v in STANDARD_KINDS.items()}
    assert admin_hub.kind_defined(FILING) and not admin_hub.kind_defined(9)


def test_only_regulators_of_the_territory_set_requirements(
    regulator_hub: Hub, studio_hub: Hub, admin_hub: Hub, stranger, studio
) -> None:
    with reverts("NotRegulator", caller=studio.address, territory=CN):
        studio_hub.set_requirement(CN, FILING, rights_mask=NET)
    with reverts("NotRegulator", caller=stranger.address, territory=HK):
        regulator_hub.set_requirement(HK, FILING, rights_mask=NET)
    with reverts("NotRegulator", caller=admin_hub.account.address, territory=CN):  # the admin assigns, not requires
        admin_hub.set_requirement(CN, FILING, rights_mask=NET)
    rid = regulator_hub.set_requirement(CN, FILING, rights_mask=NET)
    assert [(r.requirement_id, r.kind, r.rights_mask) for r in regulator_hub.requirements(CN)] == [(rid, FILING, NET)]
    assert regulator_hub.regulated_territories() == [CN]
    admin_hub.set_regulator(stranger.address, [CN], allowed=False)
    with reverts("NotRegulator", caller=stranger.address, territory=CN):
        regulator_hub.withdraw_requirement(CN, rid)


def test_kind_definitions(regulator_hub: Hub, studio_hub: Hub, stranger, studio) -> None:
    with reverts("NotRegulator", caller=studio.address, territory=0):
        studio_hub.define_kind(9, "x", "y")
    regulator_hub.define_kind(9, "broadcast_licence", "holds a broadcast licence in the territory")
    assert regulator_hub.attestation_kinds()[9] == ("broadcast_licence", "holds a broadcast licence in the territory")
    with reverts("KindAlreadyDefined", kind=9):
        regulator_hub.define_kind(9, "other", "other")
    with reverts("InvalidKind", kind=0):
        regulator_hub.define_kind(0, "zero", "")
    with reverts("InvalidKind", kind=10):
        regulator_hub.define_kind(10, "", "no name")
    with reverts("KindNotDefined", kind=11):
        regulator_hub.set_requirement(CN, 11, rights_mask=NET)
    with reverts("InvalidRequirementMasks", workTypeMask=0, rightsMask=NET):
        regulator_hub.set_requirement(CN, FILING, work_type_mask=0, rights_mask=NET)
    with reverts("InvalidRequirementMasks", rightsMask=1 << 15):
        regulator_hub.set_requirement(CN, FILING, rights_mask=1 << 15)


def test_sale_refused_naming_territory_and_kind_for_on_chain_and_signed_offers(
    regulator_hub: Hub, studio_hub: Hub, buyer_hub: Hub, auditor_hub: Hub, work: int, offer_terms, w3
) -> None:
    offer = studio_hub.create_offer(offer_terms(work, territories=(CN,)))
    signed = studio_hub.sign_offer(offer_terms(work, territories=(CN,), supply_cap=1), nonce=0, deadline=now(w3) + DAY)
    regulator_hub.set_requirement(CN, FILING, rights_mask=NET)  # added AFTER both offers were published
    block = w3.eth.block_number
    with reverts("RequirementNotMet", workId=work, territory=CN, kind=FILING) as info:
        buyer_hub.purchase(offer, max_price=PRICE)
    assert isinstance(info.value, RequirementNotMet) and "Hub.compliance" in str(info.value)
    with reverts("RequirementNotMet", workId=work, territory=CN, kind=FILING):
        buyer_hub.purchase_signed(signed, max_price=PRICE)
    with reverts("RequirementNotMet", workId=work, territory=CN, kind=FILING):
        buyer_hub.check_sale(work, NET, [CN])
    assert w3.eth.block_number == block  # refused before sending: nothing was mined
    auditor_hub.attest(work, FILING, territory=CN, reference="国家广电总局备案 2026-001")
    buyer_hub.purchase(offer, max_price=PRICE)
    buyer_hub.purchase_signed(signed, max_price=PRICE)


def test_worldwide_offer_meets_each_regulated_territory_once_attested(
    regulator_hub: Hub, studio_hub: Hub, buyer_hub: Hub, auditor_hub: Hub, work: int, offer_terms
) -> None:
    regulator_hub.set_requirement(CN, FILING, rights_mask=NET)
    regulator_hub.set_requirement(US, REVIEW, rights_mask=NET)
    offer = studio_hub.create_offer(offer_terms(work, supply_cap=5))  # worldwide
    outside = studio_hub.create_offer(offer_terms(work, territories=(HK,)))
    buyer_hub.purchase(outside, max_price=PRICE)  # a territory without requirements sells freely
    auditor_hub.attest(work, FILING, territory=CN)
    with reverts("RequirementNotMet", workId=work, territory=US, kind=REVIEW):
        buyer_hub.purchase(offer, max_price=PRICE)
    auditor_hub.attest(work, REVIEW, territory=US)
    buyer_hub.purchase(offer, max_price=PRICE)
    states = {t: [c.state for c in rows] for t, rows in buyer_hub.compliance(work).items()}
    assert states == {CN: ["met"], US: ["met"]}


def test_rejected_revoked_and_expired_attestations_block(
    regulator_hub: Hub, studio_hub: Hub, buyer_hub: Hub, auditor_hub: Hub, work: int, offer_terms, w3
) -> None:
    regulator_hub.set_requirement(CN, FILING, rights_mask=NET)
    offer = studio_hub.create_offer(offer_terms(work, territories=(CN,), supply_cap=5))
    first = auditor_hub.attest(work, FILING, territory=CN)
    buyer_hub.purchase(offer, max_price=PRICE)
    auditor_hub.attest(work, FILING, Decision.REJECTED, territory=CN)  # a later Rejected overrides
    with reverts("RequirementNotMet", territory=CN, kind=FILING):
        buyer_hub.purchase(offer, max_price=PRICE)
    assert buyer_hub.compliance(work)[CN][0].state == "rejected"
    latest = auditor_hub.attest(work, FILING, territory=CN)
    auditor_hub.revoke_attestation(latest, "filing withdrawn")  # revoking the latest: the older does not return
    with reverts("RequirementNotMet", territory=CN, kind=FILING):
        buyer_hub.purchase(offer, max_price=PRICE)
    status = buyer_hub.attestation_status(work, FILING, CN)
    assert (status.attestation_id, status.state(now(w3))) == (latest, "revoked") and latest > first
    t = now(w3)
    windowed = auditor_hub.attest(work, FILING, territory=CN, valid_from=t + DAY, valid_until=t + 3 * DAY)
    assert buyer_hub.compliance(work)[CN][0].state == "not_yet_valid"
    with reverts("RequirementNotMet", territory=CN, kind=FILING):
        buyer_hub.purchase(offer, max_price=PRICE)
    warp(w3, DAY + 10)
    buyer_hub.purchase(offer, max_price=PRICE)
    warp(w3, 2 * DAY)
    compliance = buyer_hub.compliance(work)[CN][0]
    assert (compliance.state, compliance.status.attestation_id, compliance.status.valid_until) == (
        "expired", windowed, t + 3 * DAY
    )  # fmt: skip
    with reverts("RequirementNotMet", territory=CN, kind=FILING):
        buyer_hub.purchase(offer, max_price=PRICE)
    with reverts("InvalidAttestationWindow", validFrom=t, validUntil=t):
        auditor_hub.attest(work, FILING, territory=CN, valid_from=t, valid_until=t)


def test_territory_zero_fallback_only_without_a_record_of_its_own(
    regulator_hub: Hub, studio_hub: Hub, buyer_hub: Hub, auditor_hub: Hub, work: int, offer_terms
) -> None:
    regulator_hub.set_requirement(CN, FILING, rights_mask=NET)
    offer = studio_hub.create_offer(offer_terms(work, territories=(CN,), supply_cap=5))
    auditor_hub.attest(work, FILING)  # everywhere
    buyer_hub.purchase(offer, max_price=PRICE)
    assert buyer_hub.compliance(work)[CN][0].state == "met"
    auditor_hub.attest(work, FILING, Decision.REJECTED, territory=CN)  # CN's own record decides now
    with reverts("RequirementNotMet", territory=CN, kind=FILING):
        buyer_hub.purchase(offer, max_price=PRICE)
    assert buyer_hub.has_approval(work, FILING, US)  # other territories still fall back to everywhere


def test_work_type_and_rights_masks_filter(
    regulator_hub: Hub, studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms
) -> None:
    rid = regulator_hub.set_requirement(CN, FILING, work_type_mask=work_type_bit(1), rights_mask=NET)  # series only
    film = studio_hub.create_offer(offer_terms(work, territories=(CN,), supply_cap=5))  # work_input(): type 0, film
    buyer_hub.purchase(film, max_price=PRICE)
    series = studio_hub.register_works([work_input(work_type=1)])[0].work_id
    broadcast = studio_hub.create_offer(offer_terms(series, territories=(CN,), rights=Right.BROADCASTING))
    buyer_hub.purchase(broadcast, max_price=PRICE)  # another right: the requirement does not apply
    net = studio_hub.create_offer(offer_terms(series, territories=(CN,)))
    with reverts("RequirementNotMet", workId=series, territory=CN, kind=FILING):
        buyer_hub.purchase(net, max_price=PRICE)
    assert buyer_hub.compliance(work)[CN] == []  # a film: nothing applies
    regulator_hub.withdraw_requirement(CN, rid)
    assert regulator_hub.requirements(CN) == [] and regulator_hub.regulated_territories() == []
    buyer_hub.purchase(net, max_price=PRICE)
    with reverts("RequirementNotFound", territory=CN, requirementId=rid):
        regulator_hub.withdraw_requirement(CN, rid)


def test_requirement_changes_apply_to_later_sales_and_bounds_hold(
    regulator_hub: Hub, studio_hub: Hub, buyer_hub: Hub, auditor_hub: Hub, work: int, offer_terms
) -> None:
    rid = regulator_hub.set_requirement(CN, FILING, rights_mask=NET)
    auditor_hub.attest(work, FILING, territory=CN)
    offer = studio_hub.create_offer(offer_terms(work, territories=(CN,), supply_cap=5))
    buyer_hub.purchase(offer, max_price=PRICE)
    assert regulator_hub.set_requirement(CN, REVIEW, rights_mask=NET, requirement_id=rid) == rid  # changed in place
    with reverts("RequirementNotMet", territory=CN, kind=REVIEW):
        buyer_hub.purchase(offer, max_price=PRICE)
    for _ in range(7):
        regulator_hub.set_requirement(CN, FILING, rights_mask=int(Right.BROADCASTING))
    with reverts("TooManyRequirements", territory=CN, max=8):
        regulator_hub.set_requirement(CN, FILING, rights_mask=NET)
    events = regulator_hub.rules.events.RequirementSet().get_logs(from_block=0)
    assert [(e["args"]["requirementId"], e["args"]["kind"], e["args"]["active"]) for e in events][:2] == [
        (rid, FILING, True), (rid, REVIEW, True)
    ]  # fmt: skip


def test_regulated_territories_are_bounded(admin_hub: Hub, stranger) -> None:
    territories = list(range(1, 66))
    admin_hub.set_regulator(stranger.address, territories)
    regulator = Hub(admin_hub.w3, admin_hub.deployment, stranger)
    with reverts("InvalidTerritoryCode", territory=1000):
        admin_hub.set_regulator(stranger.address, [1000])
    for t in territories[:64]:
        regulator.set_requirement(t, FILING, rights_mask=NET)
    with reverts("TooManyRegulatedTerritories", territory=65, max=64):
        regulator.set_requirement(65, FILING, rights_mask=NET)
    assert sorted(regulator.regulated_territories()) == territories[:64]
