"""Hostile counterparties: fee-on-transfer and re-entrant ERC-20s, a payee that re-enters on receipt."""

from __future__ import annotations

from eth_utils import keccak

from client_sdk import ETH, Hub
from tests.contracts.conftest import call_as, deploy_contract, reverts
from tests.factories.protocol import work_input

PRICE = 10**18
REENTRANT_CALL = keccak(text="ReentrancyGuardReentrantCall()")[:4]


def test_fee_on_transfer_token_is_refused(
    studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, tokens, w3, deployer, studio
) -> None:
    call_as(w3, deployer, tokens.evil, "configure", 1, "0x" + "00" * 20, b"")
    offer = studio_hub.create_offer(offer_terms(work, currency=tokens.evil.address, price=PRICE))
    with reverts("PaymentShortfall", expected=PRICE, received=PRICE - PRICE // 100):
        buyer_hub.purchase(offer, max_price=PRICE, currency=tokens.evil.address)
    assert studio_hub.credit_of(studio.address, tokens.evil.address) == 0


def test_token_reentering_purchase_is_blocked_and_accounting_exact(
    studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, tokens, w3, deployer, studio, buyer
) -> None:
    token = tokens.evil
    offer = studio_hub.create_offer(offer_terms(work, currency=token.address, price=PRICE))
    payload = buyer_hub.market.encode_abi("purchase", [offer, PRICE])
    call_as(w3, deployer, token, "configure", 2, buyer_hub.market.address, bytes.fromhex(payload[2:]))
    before = token.functions.balanceOf(buyer.address).call()
    buyer_hub._transact(buyer_hub.market, "purchase", offer, PRICE)
    assert token.functions.reentryAttempts().call() == 1
    assert token.functions.reentrySuccesses().call() == 0
    assert bytes(token.functions.lastRevertData().call())[:4] == REENTRANT_CALL
    assert token.functions.balanceOf(buyer.address).call() == before - PRICE
    assert token.functions.balanceOf(buyer_hub.market.address).call() == PRICE
    assert studio_hub.credit_of(studio.address, token.address) == PRICE
    assert buyer_hub.get_offer(offer)[1] == 1  # one sale, not two


def test_token_reentering_withdraw_pays_once(
    studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, tokens, w3, deployer, studio
) -> None:
    token = tokens.evil
    offer = studio_hub.create_offer(offer_terms(work, currency=token.address, price=PRICE))
    buyer_hub.purchase(offer, max_price=PRICE, currency=token.address)
    payload = studio_hub.market.encode_abi("withdraw", [token.address])
    call_as(w3, deployer, token, "configure", 2, studio_hub.market.address, bytes.fromhex(payload[2:]))
    assert studio_hub.withdraw(token.address) == PRICE
    assert token.functions.balanceOf(studio.address).call() == PRICE
    assert token.functions.reentrySuccesses().call() == 0
    assert studio_hub.credit_of(studio.address, token.address) == 0


def test_payee_reentering_withdraw_gains_nothing(w3, studio, buyer_hub: Hub, wired: Hub, offer_terms) -> None:
    attacker = deploy_contract(w3, studio, "ReentrantReceiver")
    receipt = call_as(
        w3,
        studio,
        attacker,
        "execute",
        wired.registry.address,
        wired.registry.encode_abi("registerWork", [work_input().to_abi(attacker.address)]),
    )
    work = wired._events(wired.registry, "WorkRegistered", receipt)[0]["args"]["workId"]
    receipt = call_as(
        w3,
        studio,
        attacker,
        "execute",
        wired.market.address,
        wired.market.encode_abi("createOffer", [offer_terms(work, price=PRICE).to_abi()]),
    )
    offer = wired._events(wired.market, "OfferCreated", receipt)[0]["args"]["offerId"]
    buyer_hub.purchase(offer, max_price=PRICE)
    buyer_hub.purchase(offer, max_price=PRICE)  # the market holds more ETH than the attacker is owed
    withdraw = wired.market.encode_abi("withdraw", [ETH])
    call_as(w3, studio, attacker, "configure", wired.market.address, bytes.fromhex(withdraw[2:]))
    market_before = w3.eth.get_balance(wired.market.address)
    call_as(w3, studio, attacker, "execute", wired.market.address, withdraw)
    assert w3.eth.get_balance(attacker.address) == 2 * PRICE
    assert w3.eth.get_balance(wired.market.address) == market_before - 2 * PRICE
    assert attacker.functions.reentryAttempts().call() == 1
    assert attacker.functions.reentrySuccesses().call() == 0
    assert bytes(attacker.functions.lastRevertData().call())[:4] == REENTRANT_CALL
