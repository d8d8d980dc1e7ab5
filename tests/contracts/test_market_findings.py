"""The LicenceMarket findings of the independent contracts review (issue 9, market half; issue 13 item 6).

Each test fails on the contracts as reviewed and passes now: exclusivity past the coverage counter's
range, ETH locked by ERC-721 entry points, the admin making itself a revoker, revoked licences that
still move, signed offers that come back to life, licence validity at a past time, neighbouring rights
and the legal text's hash and URI in the terms.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from eth_utils import keccak
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from web3 import Web3

from client_sdk import ContractRevert, Hub, LicenceStatus, Right, WorkStatus
from client_sdk.artifacts import load_artifact
from client_sdk.chain import send_transaction
from tests.conftest import chain_snapshot as snapshot
from tests.contracts.conftest import DEFAULT_ADMIN_ROLE, REVOKER_ROLE, as_resolver, call_as, now, reverts, warp
from tests.factories.protocol import DAY, work_input
from tests.factories.protocol import terms as _terms

PRICE = 10**17
SEALED_ROLE = Web3.keccak(text="SEALED_ROLE")
MAX_TIME = 2**40 - 1
#: Where the coverage counters saturate: the reviewed contract's (2^20-1 hours) and today's (2^16-1 days).
EPOCH = 1_704_067_200
OLD_EDGE = EPOCH + (2**20 - 1) * 3600
EDGE = EPOCH + (2**16 - 1) * DAY
#: The only entry points meant to take ETH, per deployable contract.
TAKES_ETH = {"LicenceMarket": {"purchase", "purchaseSigned"}, "DisputeResolver": {"openDispute"}, "WorkRegistry": set()}


# -- item 2: exclusivity past the coverage counter's range -------------------------------------------


def _near(edge: int) -> st.SearchStrategy[int]:
    return st.integers(edge - 3 * DAY, edge + 3 * DAY)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    covered_until=st.one_of(_near(OLD_EDGE), _near(EDGE), st.integers(OLD_EDGE, MAX_TIME - 1)),
    gap=st.one_of(st.integers(-2 * DAY, 2 * DAY), st.integers(-(2**36), 2**36)),
)
def test_no_exclusive_grant_overlaps_a_licence_ending_past_the_counter_range(
    w3, studio_hub: Hub, buyer_hub: Hub, covered_until: int, gap: int
) -> None:
    """An exclusive licence starting at ``covered_until + gap`` is granted only if it starts after the
    non-exclusive licence on the same right ends (safety), and is granted whenever it starts a day
    after that end within the counter's range (the check stays usable)."""
    exclusive_start = min(max(covered_until + gap, now(w3) + DAY), MAX_TIME - 1)
    with snapshot(w3):
        work = studio_hub.register_works([work_input()])[0].work_id
        t = now(w3)
        plain = studio_hub.create_offer(_terms(work, t, end=covered_until, price=0))
        buyer_hub.purchase(plain, max_price=0)
        exclusive = studio_hub.create_offer(
            _terms(work, exclusive_start, end=MAX_TIME, price=0, exclusive=True, supply_cap=1)
        )
        try:
            buyer_hub.purchase(exclusive, max_price=0)
            granted = True
        except ContractRevert as refused:
            assert refused.error_name == "CoverageConflict", refused
            granted = False
    if granted:
        assert exclusive_start >= covered_until, "an exclusive licence overlaps a non-exclusive one on its right"
    if covered_until < EDGE - DAY and exclusive_start >= covered_until + DAY:
        assert granted, "an exclusive licence clear of every other licence was refused"


def test_a_saturated_counter_reads_for_ever(w3, studio_hub: Hub, buyer_hub: Hub) -> None:
    work = studio_hub.register_works([work_input()])[0].work_id
    buyer_hub.purchase(studio_hub.create_offer(_terms(work, now(w3), end=MAX_TIME, price=0)), max_price=0)
    late = studio_hub.create_offer(_terms(work, MAX_TIME - 2, end=MAX_TIME, price=0, exclusive=True, supply_cap=1))
    with reverts("CoverageConflict", right=7, coveredUntil=MAX_TIME):
        buyer_hub.purchase(late, max_price=0)


# -- item 3: ETH is taken only where a price is paid ---------------------------------------------------


def _payable(contract: str) -> list[dict[str, Any]]:
    abi = load_artifact(contract).abi
    assert not [e for e in abi if e["type"] in ("receive", "fallback")], f"{contract} has a receive/fallback"
    return [e for e in abi if e["type"] == "function" and e.get("stateMutability") == "payable"]


@pytest.mark.parametrize("contract", sorted(TAKES_ETH))
def test_only_the_intended_entry_points_accept_eth(
    contract: str, w3, studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, buyer, studio, stranger
) -> None:
    """Every payable function in the ABI either is meant to take ETH, or refuses it with EthNotAccepted
    although the same call without ETH would go through (so it is the ETH that is refused)."""
    if contract == "LicenceMarket":
        token = buyer_hub.purchase(
            studio_hub.create_offer(offer_terms(work, transferable=True)), max_price=PRICE
        ).licence_id
        holder, target = buyer, buyer_hub.market
    else:
        token, holder, target = work, studio, studio_hub.registry
        if contract == "DisputeResolver":
            target = studio_hub.resolver
    names = {e["name"] for e in _payable(contract)}
    assert TAKES_ETH[contract] <= names, f"{contract}: an intended ETH entry point is no longer payable"
    for entry in _payable(contract):
        if entry["name"] in TAKES_ETH[contract]:
            continue
        values = {"from": holder.address, "to": stranger.address, "account": stranger.address, "id": token, "data": b""}
        args = [values[i["name"]] for i in entry["inputs"]]
        function = target.get_function_by_signature(f"{entry['name']}({','.join(i['type'] for i in entry['inputs'])})")
        function(*args).estimate_gas({"from": holder.address, "value": 0})
        data = function(*args)._encode_transaction_data()
        with reverts("EthNotAccepted", value=1):
            send_transaction(w3, holder, {"to": target.address, "data": data, "value": 1})


# -- item 4: the default admin cannot make itself a revoker --------------------------------------------


def test_the_default_admin_can_neither_grant_nor_take_the_revoker_role(admin_hub: Hub, deployer, stranger) -> None:
    """The revoker role is sealed to the resolver after wiring; the default admin moves only in two steps."""
    market = admin_hub.market
    assert market.functions.getRoleAdmin(REVOKER_ROLE).call() == SEALED_ROLE
    assert market.functions.hasRole(REVOKER_ROLE, admin_hub.resolver.address).call()
    with reverts("AccessControlUnauthorizedAccount", account=deployer.address, neededRole=SEALED_ROLE):
        admin_hub._transact(market, "grantRole", REVOKER_ROLE, deployer.address)
    with reverts("AccessControlUnauthorizedAccount", account=deployer.address, neededRole=SEALED_ROLE):
        admin_hub._transact(market, "revokeRole", REVOKER_ROLE, admin_hub.resolver.address)
    with reverts("AccessControlUnauthorizedAccount", account=deployer.address, neededRole=SEALED_ROLE):
        admin_hub._transact(market, "grantRole", SEALED_ROLE, deployer.address)
    with reverts("AccessControlEnforcedDefaultAdminRules"):
        admin_hub._transact(market, "grantRole", DEFAULT_ADMIN_ROLE, stranger.address)
    assert market.functions.defaultAdminDelay().call() == 3 * 86_400
    assert market.functions.hasRole(DEFAULT_ADMIN_ROLE, deployer.address).call()


# -- item 7: frozen works, revoked tokens, revived signatures, narrowing casts ------------------------


def test_a_frozen_work_sells_no_licence_but_keeps_the_ones_sold(
    studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms
) -> None:
    """Decision: a frozen work takes no new offers or sales; licences already sold stay valid until
    they end, unless the ruling revoked them (the arbiter names those)."""
    offer = studio_hub.create_offer(offer_terms(work))
    sold = buyer_hub.purchase(offer, max_price=PRICE).licence_id
    as_resolver(studio_hub, studio_hub.registry, "setWorkStatus", work, int(WorkStatus.FROZEN))
    with reverts("WorkNotActive", workId=work, status=int(WorkStatus.FROZEN)):
        buyer_hub.purchase(offer, max_price=PRICE)
    with reverts("WorkNotActive", workId=work, status=int(WorkStatus.FROZEN)):
        studio_hub.create_offer(offer_terms(work))
    assert buyer_hub.is_licence_valid(sold)


def test_a_revoked_licence_cannot_change_hands(
    studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, buyer, stranger, w3
) -> None:
    licence = buyer_hub.purchase(studio_hub.create_offer(offer_terms(work, transferable=True)), max_price=PRICE)
    as_resolver(studio_hub, studio_hub.market, "revokeLicence", licence.licence_id, 0)
    with reverts("LicenceNotTransferable", licenceId=licence.licence_id):
        buyer_hub.transfer_licence(licence.licence_id, stranger.address)
    call_as(w3, buyer, buyer_hub.market, "approve", stranger.address, licence.licence_id)
    with reverts("LicenceNotTransferable", licenceId=licence.licence_id):
        call_as(w3, stranger, buyer_hub.market, "transferFrom", buyer.address, stranger.address, licence.licence_id)
    assert buyer_hub.get_licence(licence.licence_id).holder == buyer.address


def test_a_signed_offer_stays_dead_when_the_work_comes_back(
    studio_hub: Hub, buyer_hub: Hub, stranger_hub: Hub, work: int, offer_terms, studio, stranger, w3
) -> None:
    offer = studio_hub.sign_offer(offer_terms(work, supply_cap=1), nonce=5, deadline=now(w3) + DAY)
    studio_hub.transfer_work(work, stranger.address)
    stranger_hub.transfer_work(work, studio.address)
    with reverts("OwnershipChanged", workId=work, signedEpoch=0, currentEpoch=2):
        buyer_hub.purchase_signed(offer, max_price=PRICE)
    fresh = studio_hub.sign_offer(offer_terms(work, supply_cap=1), nonce=6, deadline=now(w3) + DAY)
    assert fresh.ownership_epoch == 2
    assert buyer_hub.purchase_signed(fresh, max_price=PRICE).licence_id


def test_licence_fields_reach_storage_and_events_unnarrowed(
    studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, w3
) -> None:
    """Extreme values of every packed field read back exactly (typed sale fields, no silent casts)."""
    terms = offer_terms(
        work, rights=int(Right.ALL), end=MAX_TIME, price=2**96 - 1, sublicensable=True, transferable=True
    )
    w3.provider.make_request("anvil_setBalance", [buyer_hub.account.address, hex(2**100)])  # type: ignore[arg-type]
    receipt = buyer_hub._transact(
        buyer_hub.market, "purchase", studio_hub.create_offer(terms), 2**96 - 1, value=2**96 - 1
    )
    (granted,) = buyer_hub._events(buyer_hub.market, "LicenceGranted", receipt)
    info = buyer_hub.get_licence(granted["args"]["licenceId"])
    assert (info.rights, info.start, info.end) == (0x7FFF, terms.start, MAX_TIME)
    assert (info.sublicensable, info.transferable, info.exclusive, info.revoked) == (True, True, False, False)
    assert granted["args"]["price"] == 2**96 - 1 and granted["args"]["rights"] == 0x7FFF


# -- issue 13 item 6: validity at any time ---------------------------------------------------------


def test_a_revoked_licence_was_valid_before_its_revocation(
    studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, w3
) -> None:
    bought = now(w3)
    licence = buyer_hub.purchase(studio_hub.create_offer(offer_terms(work)), max_price=PRICE).licence_id
    warp(w3, 10 * DAY)
    receipt = as_resolver(studio_hub, studio_hub.market, "revokeLicence", licence, 0)
    revoked_at = int(w3.eth.get_block(receipt["blockNumber"])["timestamp"])
    (event,) = studio_hub._events(studio_hub.market, "LicenceRevoked", receipt)
    assert event["args"]["revokedAt"] == revoked_at
    assert buyer_hub.get_licence(licence).revoked_at == revoked_at
    assert buyer_hub.licence_status(licence, bought + DAY) == LicenceStatus.VALID
    assert buyer_hub.licence_status(licence, revoked_at - 1) == LicenceStatus.VALID
    assert buyer_hub.is_licence_valid(licence, revoked_at - 1)
    assert buyer_hub.licence_status(licence, revoked_at) == LicenceStatus.REVOKED
    assert buyer_hub.licence_status(licence) == LicenceStatus.REVOKED
    assert not buyer_hub.is_licence_valid(licence, revoked_at + DAY)


# -- terms: neighbouring rights and the legal text ---------------------------------------------------


def test_neighbouring_rights_are_licensable(studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, buyer) -> None:
    neighbouring = Right.PERFORMERS | Right.RECORDING_PRODUCERS | Right.BROADCASTING_ORGANISATIONS
    licence = buyer_hub.purchase(studio_hub.create_offer(offer_terms(work, rights=neighbouring)), max_price=PRICE)
    covers = buyer_hub.market.functions.licenceCovers
    assert covers(licence.licence_id, buyer.address, work, int(Right.BROADCASTING_ORGANISATIONS)).call()
    assert not covers(licence.licence_id, buyer.address, work, int(Right.BROADCASTING)).call()


def test_terms_carry_the_hash_and_uri_of_their_legal_text(
    studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, w3
) -> None:
    text_hash, uri = keccak(text="Licence agreement v3, full text"), "ipfs://bafkreiexamplelegaltext"
    terms = offer_terms(work, legal_hash=text_hash, legal_uri=uri)
    receipt = studio_hub._transact(studio_hub.market, "createOffer", terms.to_abi())
    (created,) = studio_hub._events(studio_hub.market, "OfferCreated", receipt)
    assert (created["args"]["terms"]["legalHash"], created["args"]["terms"]["legalUri"]) == (text_hash, uri)
    stored, _sold, _cancelled = studio_hub.get_offer(created["args"]["offerId"])
    assert stored == replace(terms, legal_uri=""), "the URI is event-only, the hash is stored"
    signed = studio_hub.sign_offer(replace(terms, supply_cap=1), nonce=77, deadline=now(w3) + DAY)
    tampered = replace(signed, terms=replace(signed.terms, legal_uri="ipfs://other"))
    with reverts("InvalidSignature"):
        buyer_hub.purchase_signed(tampered, max_price=PRICE)
    receipt = buyer_hub._transact(
        buyer_hub.market, "purchaseSigned", signed.to_abi(), signed.signature, PRICE, value=PRICE
    )
    (redeemed,) = buyer_hub._events(buyer_hub.market, "SignedOfferRedeemed", receipt)
    assert (redeemed["args"]["terms"]["legalHash"], redeemed["args"]["terms"]["legalUri"]) == (text_hash, uri)
