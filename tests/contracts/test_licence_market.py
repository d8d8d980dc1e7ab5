"""LicenceMarket: offers, purchases (ETH, ERC-20), fees, withdrawals, licence validity and transfers."""

from __future__ import annotations

import pytest
from web3 import Web3

from client_sdk import ETH, Hub, LicenceStatus, Outcome, Right
from tests.contracts.conftest import (
    PAUSER_ROLE,
    REVOKER_ROLE,
    as_resolver,
    call_as,
    deploy_contract,
    now,
    reverts,
    warp,
)
from tests.factories.protocol import DAY, work_input

PRICE = 10**17


def test_create_offer_stores_and_emits_full_terms(studio_hub: Hub, work: int, offer_terms, studio, w3) -> None:
    terms = offer_terms(work, territories=(156, 344, 446), supply_cap=10, transferable=True)
    receipt = studio_hub._transact(studio_hub.market, "createOffer", terms.to_abi())
    (event,) = studio_hub._events(studio_hub.market, "OfferCreated", receipt)
    assert event["args"]["creator"] == studio.address and event["args"]["workId"] == work
    stored, sold, cancelled = studio_hub.get_offer(event["args"]["offerId"])
    assert stored == terms and (sold, cancelled) == (0, False)


def test_offer_price_change_and_cancel(studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, buyer, studio) -> None:
    offer = studio_hub.create_offer(offer_terms(work))
    studio_hub.set_offer_price(offer, 2 * PRICE)
    with reverts("PriceAboveMax", price=2 * PRICE, maxPrice=PRICE):
        buyer_hub.purchase(offer, max_price=PRICE)
    with reverts("NotWorkOwner", workId=work, caller=buyer.address, owner=studio.address):
        buyer_hub.cancel_offer(offer)
    with reverts("NotWorkOwner", workId=work, caller=buyer.address, owner=studio.address):
        buyer_hub.set_offer_price(offer, 1)
    studio_hub.cancel_offer(offer)
    assert studio_hub.get_offer(offer)[2] is True
    with reverts("OfferCancelledAlready", offerId=offer):
        buyer_hub.purchase(offer, max_price=2 * PRICE)
    with reverts("OfferCancelledAlready", offerId=offer):
        studio_hub.cancel_offer(offer)
    with reverts("OfferNotFound", offerId=9_999):
        buyer_hub.purchase(9_999, max_price=PRICE)
    with reverts("OfferNotFound", offerId=9_999):
        studio_hub.get_offer(9_999)


def test_create_offer_refuses_bad_terms(
    studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, buyer, studio, w3
) -> None:
    t = now(w3)
    with reverts("NotWorkOwner", workId=work, caller=buyer.address, owner=studio.address):
        buyer_hub.create_offer(offer_terms(work))
    with reverts("WorkNotFound", workId=0):
        studio_hub.create_offer(offer_terms(0))
    with reverts("WorkNotFound", workId=2**64):
        studio_hub.create_offer(offer_terms(2**64))
    with reverts("InvalidRights", rights=0):
        studio_hub.create_offer(offer_terms(work, rights=0))
    with reverts("InvalidRights", rights=0x8000):
        studio_hub.create_offer(offer_terms(work, rights=0x8000))
    with reverts("InvalidWindow", start=t + 10, end=t + 10):
        studio_hub.create_offer(offer_terms(work, start=t + 10, end=t + 10))
    with reverts("TermsEnded", end=t - 1):
        studio_hub.create_offer(offer_terms(work, start=t - 100, end=t - 1))
    with reverts("InvalidTerritories", index=1, code=156):
        studio_hub.create_offer(offer_terms(work, territories=(156, 156)))
    with reverts("InvalidTerritories", index=1, code=4):
        studio_hub.create_offer(offer_terms(work, territories=(156, 4)))
    with reverts("InvalidTerritories", index=0, code=0):
        studio_hub.create_offer(offer_terms(work, territories=(0,)))
    with reverts("InvalidTerritories", index=0, code=1000):
        studio_hub.create_offer(offer_terms(work, territories=(1000,)))
    with reverts("InvalidTerritories", index=65, code=0):
        studio_hub.create_offer(offer_terms(work, territories=tuple(range(1, 66))))
    with reverts("CurrencyNotAllowed", currency=buyer.address):
        studio_hub.create_offer(offer_terms(work, currency=buyer.address))
    with reverts("InvalidSupplyCap", supplyCap=2):
        studio_hub.create_offer(offer_terms(work, exclusive=True, supply_cap=2))


def test_purchase_eth_mints_licence_and_credits_owner(
    studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, buyer, studio, w3
) -> None:
    offer = studio_hub.create_offer(offer_terms(work, rights=Right.BROADCASTING | Right.SCREENING))
    total = buyer_hub.market.functions.totalLicences().call()
    bought = buyer_hub.purchase(offer, max_price=PRICE)
    assert bought.licence_id >> 64 == work and bought.fee == 0
    licence = buyer_hub.get_licence(bought.licence_id)
    assert licence.holder == buyer.address and licence.rights == Right.BROADCASTING | Right.SCREENING
    assert not licence.revoked and not licence.transferable
    assert buyer_hub.is_licence_valid(bought.licence_id)
    assert studio_hub.credit_of(studio.address) == PRICE
    receipt = w3.eth.get_transaction_receipt(bought.tx_hash)
    (credit,) = studio_hub._events(studio_hub.market, "PaymentCredited", receipt)
    assert credit["args"]["payee"] == studio.address and credit["args"]["amount"] == PRICE
    (granted,) = studio_hub._events(studio_hub.market, "LicenceGranted", receipt)
    assert granted["args"]["offerId"] == offer and granted["args"]["licensee"] == buyer.address
    assert buyer_hub.market.functions.licenceCovers(bought.licence_id, buyer.address, work, int(Right.SCREENING)).call()
    assert not buyer_hub.market.functions.licenceCovers(
        bought.licence_id, buyer.address, work, int(Right.ADAPTATION)
    ).call()
    assert buyer_hub.market.functions.totalLicences().call() == total + 1
    assert buyer_hub.get_offer(offer)[1] == 1


def test_purchase_refuses_wrong_payment(studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, tokens) -> None:
    offer = studio_hub.create_offer(offer_terms(work))
    with reverts("WrongPayment", expected=PRICE, sent=PRICE - 1):
        buyer_hub._transact(buyer_hub.market, "purchase", offer, PRICE, value=PRICE - 1)
    erc20_offer = studio_hub.create_offer(offer_terms(work, currency=tokens.erc20.address))
    with reverts("WrongPayment", expected=0, sent=1):
        buyer_hub._transact(buyer_hub.market, "purchase", erc20_offer, PRICE, value=1)


def test_supply_cap_is_enforced(studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms) -> None:
    offer = studio_hub.create_offer(offer_terms(work, supply_cap=2))
    buyer_hub.purchase(offer, max_price=PRICE)
    buyer_hub.purchase(offer, max_price=PRICE)
    with reverts("SupplyExhausted", supplyCap=2):
        buyer_hub.purchase(offer, max_price=PRICE)


def test_licence_status_over_time(studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, w3) -> None:
    t = now(w3)
    offer = studio_hub.create_offer(offer_terms(work, start=t + DAY, end=t + 2 * DAY))
    licence = buyer_hub.purchase(offer, max_price=PRICE).licence_id
    assert buyer_hub.licence_status(licence) == LicenceStatus.NOT_YET_VALID
    assert buyer_hub.licence_status(licence, t + DAY) == LicenceStatus.VALID
    assert buyer_hub.licence_status(licence, t + 2 * DAY) == LicenceStatus.EXPIRED
    assert not buyer_hub.is_licence_valid(licence, t + 2 * DAY)
    assert buyer_hub.licence_status(12345) == LicenceStatus.NONE
    warp(w3, 3 * DAY)
    with reverts("TermsEnded", end=t + 2 * DAY):
        buyer_hub.purchase(offer, max_price=PRICE)


def test_attestation_gate(studio_hub: Hub, buyer_hub: Hub, auditor_hub: Hub, work: int, offer_terms) -> None:
    offer = studio_hub.create_offer(
        offer_terms(work, territories=(156,), attestation_kind=1, attestation_territory=156)
    )
    with reverts("AttestationRequired", workId=work, kind=1, territory=156):
        buyer_hub.purchase(offer, max_price=PRICE)
    auditor_hub.attest(work, 1, territory=840)  # another territory does not help
    with reverts("AttestationRequired", workId=work, kind=1, territory=156):
        buyer_hub.purchase(offer, max_price=PRICE)
    auditor_hub.attest(work, 1, territory=156, reference="国家广电总局备案 2026-001")
    buyer_hub.purchase(offer, max_price=PRICE)


def test_purchase_erc20_with_fee(
    admin_hub: Hub, studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, tokens, deployer, studio, buyer
) -> None:
    admin_hub._transact(admin_hub.market, "setFee", 250, deployer.address)
    token = tokens.erc20.address
    offer = studio_hub.create_offer(offer_terms(work, currency=token, price=10**18))
    before = tokens.erc20.functions.balanceOf(buyer.address).call()
    bought = buyer_hub.purchase(offer, max_price=10**18, currency=token)
    assert bought.fee == 25 * 10**15
    assert tokens.erc20.functions.balanceOf(buyer.address).call() == before - 10**18
    assert studio_hub.credit_of(studio.address, token) == 975 * 10**15
    assert studio_hub.credit_of(deployer.address, token) == 25 * 10**15
    assert studio_hub.withdraw(token) == 975 * 10**15
    assert tokens.erc20.functions.balanceOf(studio.address).call() == 975 * 10**15
    with reverts("NothingToWithdraw", account=studio.address, currency=token):
        studio_hub.withdraw(token)


def test_fee_admin(admin_hub: Hub, stranger_hub: Hub, stranger, deployer) -> None:
    with reverts("InvalidFee", feeBps=1_001, maxBps=1_000):
        admin_hub._transact(admin_hub.market, "setFee", 1_001, deployer.address)
    with reverts("InvalidFee", feeBps=10, maxBps=1_000):
        admin_hub._transact(admin_hub.market, "setFee", 10, "0x" + "00" * 20)
    with reverts("AccessControlUnauthorizedAccount", account=stranger.address, neededRole=b"\0" * 32):
        stranger_hub._transact(stranger_hub.market, "setFee", 1, stranger.address)
    admin_hub._transact(admin_hub.market, "setFee", 1_000, stranger.address)
    assert admin_hub.market.functions.fee().call() == [1_000, stranger.address]


def test_currency_allow_list(admin_hub: Hub, studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, tokens) -> None:
    token = tokens.erc20.address
    offer = studio_hub.create_offer(offer_terms(work, currency=token))
    admin_hub._transact(admin_hub.market, "setCurrencyAllowed", token, False)
    with reverts("CurrencyNotAllowed", currency=token):
        buyer_hub.purchase(offer, max_price=PRICE, currency=token)
    with reverts("ZeroAddress"):
        admin_hub._transact(admin_hub.market, "setCurrencyAllowed", ETH, True)


def test_withdraw_eth(studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, studio, w3) -> None:
    offer = studio_hub.create_offer(offer_terms(work))
    buyer_hub.purchase(offer, max_price=PRICE)
    before = w3.eth.get_balance(studio.address)
    receipt_amount = studio_hub.withdraw()
    assert receipt_amount == PRICE
    assert w3.eth.get_balance(studio.address) > before
    assert studio_hub.credit_of(studio.address) == 0
    with reverts("NothingToWithdraw", account=studio.address, currency=ETH):
        studio_hub.withdraw()


def test_withdraw_to_a_contract_that_rejects_eth_fails_and_keeps_balance(
    w3, studio, buyer, buyer_hub: Hub, wired: Hub, offer_terms
) -> None:
    receiver = deploy_contract(w3, studio, "ReentrantReceiver")
    reg = call_as(
        w3,
        studio,
        receiver,
        "execute",
        wired.registry.address,
        wired.registry.encode_abi("registerWork", [work_input().to_abi(receiver.address)]),
    )
    (event,) = wired._events(wired.registry, "WorkRegistered", reg)
    work = event["args"]["workId"]
    terms = offer_terms(work)
    call_as(
        w3, studio, receiver, "execute", wired.market.address, wired.market.encode_abi("createOffer", [terms.to_abi()])
    )
    offer_id = _last_offer_id(wired, work)
    buyer_hub.purchase(offer_id, max_price=PRICE)
    call_as(w3, studio, receiver, "setRejectEth", True)
    with reverts("EthTransferFailed", to=receiver.address, amount=PRICE):
        call_as(w3, studio, receiver, "execute", wired.market.address, wired.market.encode_abi("withdraw", [ETH]))
    assert wired.credit_of(receiver.address) == PRICE


def _last_offer_id(hub: Hub, work: int) -> int:
    logs = hub.market.events.OfferCreated().get_logs(from_block=0, argument_filters={"workId": work})
    return int(logs[-1]["args"]["offerId"])


def test_licences_are_non_transferable_unless_terms_allow(
    studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, buyer, stranger
) -> None:
    plain = buyer_hub.purchase(studio_hub.create_offer(offer_terms(work)), max_price=PRICE).licence_id
    with reverts("LicenceNotTransferable", licenceId=plain):
        buyer_hub._transact(buyer_hub.market, "transferFrom", buyer.address, stranger.address, plain)
    movable = buyer_hub.purchase(
        studio_hub.create_offer(offer_terms(work, transferable=True)), max_price=PRICE
    ).licence_id
    buyer_hub._transact(buyer_hub.market, "transferFrom", buyer.address, stranger.address, movable)
    assert buyer_hub.get_licence(movable).holder == stranger.address


def test_unknown_licence_reads(reader_hub: Hub) -> None:
    with reverts("LicenceNotFound", licenceId=77):
        reader_hub.get_licence(77)
    with reverts("LicenceNotFound", licenceId=77):
        reader_hub._call(reader_hub.market.functions.tokenURI(77))


def test_revoke_licence_needs_role_and_happens_once(
    admin_hub: Hub, studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, deployer
) -> None:
    licence = buyer_hub.purchase(studio_hub.create_offer(offer_terms(work)), max_price=PRICE).licence_id
    with reverts("AccessControlUnauthorizedAccount", account=deployer.address, neededRole=REVOKER_ROLE):
        admin_hub._transact(admin_hub.market, "revokeLicence", licence, 0)
    as_resolver(admin_hub, admin_hub.market, "revokeLicence", licence, 0)
    assert buyer_hub.licence_status(licence) == LicenceStatus.REVOKED
    with reverts("LicenceAlreadyRevoked", licenceId=licence):
        as_resolver(admin_hub, admin_hub.market, "revokeLicence", licence, 0)
    with reverts("LicenceNotFound", licenceId=5):
        as_resolver(admin_hub, admin_hub.market, "revokeLicence", 5, 0)


def test_pause_stops_offers_and_purchases_not_withdrawals(
    admin_hub: Hub, studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, stranger, w3
) -> None:
    offer = studio_hub.create_offer(offer_terms(work))
    buyer_hub.purchase(offer, max_price=PRICE)
    with reverts("AccessControlUnauthorizedAccount", account=stranger.address, neededRole=PAUSER_ROLE):
        call_as(w3, stranger, admin_hub.market, "pause")
    with reverts("ExpectedPause"):
        admin_hub._transact(admin_hub.market, "unpause")
    admin_hub._transact(admin_hub.market, "pause")
    assert admin_hub.market.functions.paused().call()
    with reverts("EnforcedPause"):
        admin_hub._transact(admin_hub.market, "pause")
    with reverts("EnforcedPause"):
        buyer_hub.purchase(offer, max_price=PRICE)
    with reverts("EnforcedPause"):
        studio_hub.create_offer(offer_terms(work))
    assert studio_hub.withdraw() == PRICE
    admin_hub._transact(admin_hub.market, "unpause")
    buyer_hub.purchase(offer, max_price=PRICE)


def test_frozen_work_accepts_no_offers_or_sales(
    stranger_hub: Hub, arbiter_hub: Hub, studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms
) -> None:
    offer = studio_hub.create_offer(offer_terms(work))
    # only a ruling freezes a work (STATUS_ROLE is sealed to the resolver)
    arbiter_hub.resolve_dispute(stranger_hub.open_dispute(work, "bafyclaim", bond=10**16), Outcome.UPHELD_FROZEN)
    with reverts("WorkNotActive", workId=work, status=1):
        studio_hub.create_offer(offer_terms(work))
    with reverts("WorkNotActive", workId=work, status=1):
        buyer_hub.purchase(offer, max_price=PRICE)


def test_market_metadata(reader_hub: Hub) -> None:
    m = reader_hub.market.functions
    assert m.name().call() == "Copyright Hub Licence" and m.symbol().call() == "CHLIC"
    assert m.supportsInterface("0x80ac58cd").call() and m.supportsInterface("0x7965db0b").call()
    assert m.registry().call() == reader_hub.registry.address
    assert Web3.is_address(m.registry().call())


@pytest.mark.parametrize("code", [4, 999])
def test_territory_bounds_accepted(studio_hub: Hub, work: int, offer_terms, code: int) -> None:
    offer = studio_hub.create_offer(offer_terms(work, territories=(code,)))
    assert studio_hub.get_offer(offer)[0].territories == (code,)


def test_token_uri_of_a_licence_is_a_json_document_a_wallet_can_show(
    studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms
) -> None:
    """Issue 9 item 7: tokenURI returned "" although ERC721Metadata (0x5b5e139f) is advertised."""
    import json
    from urllib.parse import unquote

    assert buyer_hub.market.functions.supportsInterface("0x5b5e139f").call()
    licence = buyer_hub.purchase(studio_hub.create_offer(offer_terms(work)), max_price=PRICE).licence_id
    uri = buyer_hub.market.functions.tokenURI(licence).call()
    media_type, _, payload = uri.partition(",")
    assert media_type == "data:application/json" and "#" not in uri  # no fragment cuts the document short
    assert json.loads(unquote(payload)) == {"name": f"Copyright Hub Licence {licence}"}
    assert licence >> 64 == work
