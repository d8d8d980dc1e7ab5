"""EIP-712 signed offers: redemption, expiry, nonces, counters, replay, wrong chain or contract."""

from __future__ import annotations

from dataclasses import replace

from eth_account.messages import encode_typed_data
from eth_utils import keccak

from client_sdk import Hub, SignedOffer
from client_sdk.terms import signed_offer_typed_data
from tests.contracts.conftest import now, reverts, warp
from tests.factories.protocol import DAY

PRICE = 10**17


def _signed(studio_hub: Hub, work: int, offer_terms, w3, nonce: int = 0, **overrides) -> SignedOffer:
    overrides.setdefault("supply_cap", 1)
    return studio_hub.sign_offer(offer_terms(work, **overrides), nonce=nonce, deadline=now(w3) + DAY)


def test_signed_offer_is_redeemed_with_its_terms(
    studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, w3, studio, buyer
) -> None:
    offer = _signed(studio_hub, work, offer_terms, w3, territories=(156, 344))
    digest = buyer_hub.market.functions.hashSignedOffer(offer.to_abi()).call()
    local = encode_typed_data(full_message=signed_offer_typed_data(offer, w3.eth.chain_id, buyer_hub.market.address))
    assert digest == keccak(b"\x19\x01" + local.header + local.body)
    bought = buyer_hub.purchase_signed(offer, max_price=PRICE)
    receipt = w3.eth.get_transaction_receipt(bought.tx_hash)
    (redeemed,) = buyer_hub._events(buyer_hub.market, "SignedOfferRedeemed", receipt)
    assert redeemed["args"]["digest"] == digest and redeemed["args"]["seller"] == studio.address
    assert tuple(redeemed["args"]["terms"]["territories"]) == (156, 344)
    (granted,) = buyer_hub._events(buyer_hub.market, "LicenceGranted", receipt)
    assert granted["args"]["signedOfferDigest"] == digest and granted["args"]["offerId"] == 0
    assert buyer_hub.get_licence(bought.licence_id).holder == buyer.address
    assert studio_hub.credit_of(studio.address) == PRICE


def test_replayed_single_supply_signature_is_refused(
    studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, w3, studio
) -> None:
    offer = _signed(studio_hub, work, offer_terms, w3, nonce=7)
    buyer_hub.purchase_signed(offer, max_price=PRICE)
    with reverts("NonceUnavailable", seller=studio.address, nonce=7):
        buyer_hub.purchase_signed(offer, max_price=PRICE)


def test_multi_supply_signed_offer_counts_sales(studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, w3) -> None:
    offer = _signed(studio_hub, work, offer_terms, w3, nonce=300, supply_cap=2)
    buyer_hub.purchase_signed(offer, max_price=PRICE)
    buyer_hub.purchase_signed(offer, max_price=PRICE)
    with reverts("SupplyExhausted", supplyCap=2):
        buyer_hub.purchase_signed(offer, max_price=PRICE)


def test_signed_offer_needs_a_supply_cap(studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, w3) -> None:
    offer = _signed(studio_hub, work, offer_terms, w3, supply_cap=0)
    with reverts("InvalidSupplyCap", supplyCap=0):
        buyer_hub.purchase_signed(offer, max_price=PRICE)


def test_expired_signature_is_refused(studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, w3) -> None:
    offer = _signed(studio_hub, work, offer_terms, w3)
    warp(w3, DAY + 10)
    with reverts("SignatureExpired", deadline=offer.deadline):
        buyer_hub.purchase_signed(offer, max_price=PRICE)


def test_cancelled_nonce_is_refused(studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, w3, studio) -> None:
    offer = _signed(studio_hub, work, offer_terms, w3, nonce=42, supply_cap=5)
    studio_hub.cancel_nonce(42)
    with reverts("NonceUnavailable", seller=studio.address, nonce=42):
        buyer_hub.purchase_signed(offer, max_price=PRICE)


def test_counter_voids_earlier_signatures(studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, w3, studio) -> None:
    offer = _signed(studio_hub, work, offer_terms, w3)
    assert studio_hub.increment_counter() == 1
    with reverts("StaleCounter", seller=studio.address, counter=0, current=1):
        buyer_hub.purchase_signed(offer, max_price=PRICE)
    fresh = _signed(studio_hub, work, offer_terms, w3, nonce=1)
    assert fresh.counter == 1
    buyer_hub.purchase_signed(fresh, max_price=PRICE)


def test_tampered_terms_or_foreign_signer_are_refused(
    studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, w3, studio, buyer
) -> None:
    offer = _signed(studio_hub, work, offer_terms, w3)
    cheaper = replace(offer, terms=replace(offer.terms, price=1))
    with reverts("InvalidSignature", seller=studio.address):
        buyer_hub.purchase_signed(cheaper, max_price=PRICE)
    message = encode_typed_data(full_message=signed_offer_typed_data(offer, w3.eth.chain_id, buyer_hub.market.address))
    forged = replace(offer, signature=bytes(buyer_hub.account.sign_message(message).signature))
    with reverts("InvalidSignature", seller=studio.address, recovered=buyer.address):
        buyer_hub.purchase_signed(forged, max_price=PRICE)
    with reverts("InvalidSignature", seller=studio.address, recovered="0x" + "00" * 20):
        buyer_hub.purchase_signed(replace(offer, signature=b"\x01" * 65), max_price=PRICE)


def test_signature_for_another_chain_or_contract_is_refused(
    studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, w3, studio
) -> None:
    base = _signed(studio_hub, work, offer_terms, w3)
    for chain_id, market in ((1, studio_hub.market.address), (w3.eth.chain_id, studio_hub.registry.address)):
        message = encode_typed_data(full_message=signed_offer_typed_data(base, chain_id, market))
        signature = bytes(studio_hub.account.sign_message(message).signature)
        with reverts("InvalidSignature", seller=studio.address):
            buyer_hub.purchase_signed(replace(base, signature=signature), max_price=PRICE)


def test_signed_offer_dies_when_the_work_changes_hands(
    studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, w3, studio, stranger
) -> None:
    offer = _signed(studio_hub, work, offer_terms, w3)
    studio_hub.transfer_work(work, stranger.address)
    with reverts("OwnershipChanged", workId=work, signedEpoch=0, currentEpoch=1):
        buyer_hub.purchase_signed(offer, max_price=PRICE)


def test_signed_price_above_max_is_refused(studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, w3) -> None:
    offer = _signed(studio_hub, work, offer_terms, w3)
    with reverts("PriceAboveMax", price=PRICE, maxPrice=PRICE - 1):
        buyer_hub._transact(buyer_hub.market, "purchaseSigned", offer.to_abi(), offer.signature, PRICE - 1, value=PRICE)
