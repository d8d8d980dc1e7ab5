"""The SDK's licensing face: typed errors, round trips of terms and signed offers, catalogue registration."""

from __future__ import annotations

import pytest

from client_sdk import ETH, Hub, LicenceStatus, Right, SignedOffer, Split, Terms, WorkInput, WorkStatus
from client_sdk.errors import (
    AccessDenied,
    ContractRevert,
    LicenceConflict,
    LicenceNotFound,
    NotWorkOwner,
    OfferNotFound,
    PriceAboveMax,
    SignedOfferRejected,
)
from tests.factories import fake_cid, unique_digest


def _now(hub: Hub) -> int:
    return int(hub.w3.eth.get_block("latest")["timestamp"])


def _terms(work_id: int, now: int, **kw) -> Terms:
    return Terms(work_id=work_id, rights=Right.INFORMATION_NETWORK, start=now, end=now + 86_400, price=10**15, **kw)


def test_catalogue_registration_and_read_back(studio_hub: Hub, studio) -> None:
    works = [WorkInput(unique_digest(), fake_cid(), fake_cid("m"), work_type=i) for i in range(3)]
    regs = studio_hub.register_works(works)
    assert [studio_hub.get_work(r.work_id).work_type for r in regs] == [0, 1, 2]
    assert studio_hub.work_id_by_digest(works[1].content_digest) == regs[1].work_id
    assert studio_hub.get_work(regs[0].work_id).status is WorkStatus.ACTIVE


def test_full_licensing_round_trip(studio_hub: Hub, buyer_hub: Hub, studio, buyer) -> None:
    work = studio_hub.register_work(
        unique_digest(), fake_cid(), fake_cid("m"), splits=[Split(studio.address, 9_000), Split(buyer.address, 1_000)]
    ).work_id
    now = _now(studio_hub)
    terms = _terms(work, now, territories=(156, 840), transferable=True)
    offer = studio_hub.create_offer(terms)
    assert studio_hub.get_offer(offer) == (terms, 0, False)
    bought = buyer_hub.purchase(offer, max_price=terms.price)
    assert buyer_hub.get_licence(bought.licence_id).transferable
    assert buyer_hub.licence_status(bought.licence_id) is LicenceStatus.VALID
    assert studio_hub.credit_of(studio.address) == 9 * 10**14
    assert studio_hub.withdraw(ETH) == 9 * 10**14
    signed = studio_hub.sign_offer(_terms(work, now, supply_cap=1), nonce=5, deadline=now + 600)
    assert isinstance(signed, SignedOffer) and len(signed.signature) == 65
    assert buyer_hub.purchase_signed(signed, max_price=10**15).licence_id > bought.licence_id


def test_typed_errors_are_specific(studio_hub: Hub, buyer_hub: Hub, studio, buyer) -> None:
    work = studio_hub.register_work(unique_digest(), fake_cid(), fake_cid("m")).work_id
    now = _now(studio_hub)
    with pytest.raises(NotWorkOwner) as info:
        buyer_hub.create_offer(_terms(work, now))
    assert isinstance(info.value, PermissionError) and info.value.args_by_name["workId"] == work
    with pytest.raises(OfferNotFound):
        buyer_hub.purchase(10**6, max_price=1)
    with pytest.raises(LicenceNotFound):
        buyer_hub.get_licence(1)
    with pytest.raises(AccessDenied):
        buyer_hub.set_fee(1, buyer.address)
    offer = studio_hub.create_offer(_terms(work, now))
    studio_hub.set_offer_price(offer, 2 * 10**15)
    with pytest.raises(PriceAboveMax):
        buyer_hub.purchase(offer, max_price=10**15)
    excl = studio_hub.create_offer(_terms(work, now, exclusive=True, supply_cap=1))
    buyer_hub.purchase(offer, max_price=2 * 10**15)
    with pytest.raises(LicenceConflict):
        buyer_hub.purchase(excl, max_price=10**15)
    signed = studio_hub.sign_offer(_terms(work, now, supply_cap=1), nonce=1, deadline=now - 1)
    with pytest.raises(SignedOfferRejected) as rejected:
        buyer_hub.purchase_signed(signed, max_price=10**15)
    assert rejected.value.error_name == "SignatureExpired"
    assert isinstance(rejected.value, ContractRevert)


def test_a_price_cap_above_the_price_buys_at_the_price(studio_hub: Hub, buyer_hub: Hub, buyer) -> None:
    """The buyer names a cap, never the exact price: the SDK sends exactly the price (not the cap)."""
    work = studio_hub.register_work(unique_digest(), fake_cid(), fake_cid("m")).work_id
    now = _now(studio_hub)
    offer = studio_hub.create_offer(_terms(work, now))
    w3 = buyer_hub.w3
    before = w3.eth.get_balance(buyer.address)
    bought = buyer_hub.purchase(offer, max_price=10**18)
    receipt = w3.eth.get_transaction_receipt(bought.tx_hash)
    paid = before - w3.eth.get_balance(buyer.address) - receipt["gasUsed"] * receipt["effectiveGasPrice"]
    assert (bought.price, paid) == (10**15, 10**15)
    signed = studio_hub.sign_offer(_terms(work, now, supply_cap=1), nonce=9, deadline=now + 600)
    assert buyer_hub.purchase_signed(signed, max_price=10**18).price == 10**15


def test_a_price_above_the_cap_is_refused_before_sending(studio_hub: Hub, buyer_hub: Hub, buyer) -> None:
    work = studio_hub.register_work(unique_digest(), fake_cid(), fake_cid("m")).work_id
    now = _now(studio_hub)
    offer = studio_hub.create_offer(_terms(work, now))
    signed = studio_hub.sign_offer(_terms(work, now, supply_cap=1), nonce=10, deadline=now + 600)
    nonce = buyer_hub.w3.eth.get_transaction_count(buyer.address)
    with pytest.raises(PriceAboveMax) as refused:
        buyer_hub.purchase(offer, max_price=10**15 - 1)
    assert refused.value.args_by_name == {"price": 10**15, "maxPrice": 10**15 - 1}
    with pytest.raises(PriceAboveMax):
        buyer_hub.purchase_signed(signed, max_price=10**15 - 1)
    assert buyer_hub.w3.eth.get_transaction_count(buyer.address) == nonce, "nothing may be sent"


def test_terms_encode_rights_as_plain_ints() -> None:
    t = Terms(work_id=1, rights=Right.ADAPTATION | Right.TRANSLATION, start=0, end=1, price=0)
    assert t.to_abi()[1] == (1 << 9) | (1 << 10) and type(t.to_abi()[1]) is int
    assert Right.ALL == 0x7FFF


def test_public_admin_methods_grant_roles_and_move_licences(
    deployment, w3, deployer, studio_hub: Hub, buyer_hub: Hub, studio, buyer, stranger
) -> None:
    admin = Hub(w3, deployment, deployer)
    assert not admin.has_role("WorkRegistry", "REVIEWER_ROLE", stranger.address)
    admin.grant_role("WorkRegistry", "REVIEWER_ROLE", stranger.address)
    assert admin.has_role("WorkRegistry", "REVIEWER_ROLE", stranger.address)
    admin.revoke_role("WorkRegistry", "REVIEWER_ROLE", stranger.address)
    assert not admin.has_role("WorkRegistry", "REVIEWER_ROLE", stranger.address)
    with pytest.raises(AccessDenied):
        buyer_hub.grant_role("LicenceMarket", "REVOKER_ROLE", buyer.address)
    with pytest.raises(AccessDenied):
        buyer_hub.set_fee(1, buyer.address)

    work = studio_hub.register_work(unique_digest(), fake_cid(), fake_cid("m")).work_id
    now = _now(studio_hub)
    movable = buyer_hub.purchase(studio_hub.create_offer(_terms(work, now, transferable=True)), max_price=10**15)
    buyer_hub.transfer_licence(movable.licence_id, stranger.address)
    assert buyer_hub.get_licence(movable.licence_id).holder == stranger.address
    fixed = buyer_hub.purchase(studio_hub.create_offer(_terms(work, now)), max_price=10**15)
    with pytest.raises(ContractRevert) as refused:
        buyer_hub.transfer_licence(fixed.licence_id, stranger.address)
    assert refused.value.error_name == "LicenceNotTransferable"
    assert buyer_hub.get_licence(fixed.licence_id).holder == buyer.address
