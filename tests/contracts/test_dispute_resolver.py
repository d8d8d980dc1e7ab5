"""DisputeResolver: bonds, freezing, the three rulings, licence revocation, bond withdrawal."""

from __future__ import annotations

import pytest
from web3 import Web3
from web3.exceptions import ContractCustomError

from client_sdk import Hub, LicenceStatus, Outcome, Split, WorkStatus
from tests.contracts.conftest import ARBITER_ROLE, MIN_BOND, call_as, deploy_contract, now, reverts, warp
from tests.factories.protocol import work_input

PRICE = 10**17
RULING_PERIOD = 30 * 86_400
ARBITER_ADMIN_ROLE = Web3.keccak(text="ARBITER_ADMIN_ROLE")


def test_open_dispute_freezes_the_work(
    stranger_hub: Hub, studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, stranger, w3
) -> None:
    offer = studio_hub.create_offer(offer_terms(work))
    dispute = stranger_hub.open_dispute(work, "bafyclaim", bond=MIN_BOND)
    assert stranger_hub.get_work(work).status == WorkStatus.DISPUTED
    assert stranger_hub.resolver.functions.openDisputes(work).call() == 1
    assert tuple(stranger_hub.resolver.functions.getDispute(dispute).call()) == (
        work,
        stranger.address,
        MIN_BOND,
        0,
        True,
        now(w3) + RULING_PERIOD,
        False,
    )
    with reverts("WorkNotActive", workId=work, status=2):
        buyer_hub.purchase(offer, max_price=PRICE)
    with reverts("WorkNotActive", workId=work, status=2):
        studio_hub.create_offer(offer_terms(work))
    with reverts("WorkNotActive", workId=work, status=2):
        studio_hub.transfer_work(work, stranger.address)


def test_open_dispute_errors(stranger_hub: Hub, work: int) -> None:
    with reverts("BondTooLow", sent=MIN_BOND - 1, minBond=MIN_BOND):
        stranger_hub.open_dispute(work, "bafy", bond=MIN_BOND - 1)
    with reverts("EmptyCid", field="evidenceCid"):
        stranger_hub.open_dispute(work, "", bond=MIN_BOND)
    with reverts("WorkNotFound", workId=55_555):
        stranger_hub.open_dispute(55_555, "bafy", bond=MIN_BOND)


def test_rejected_dispute_pays_bond_to_owner_and_reactivates(
    stranger_hub: Hub, arbiter_hub: Hub, studio_hub: Hub, work: int, studio, w3
) -> None:
    dispute = stranger_hub.open_dispute(work, "bafyclaim", bond=MIN_BOND)
    arbiter_hub.resolve_dispute(dispute, Outcome.REJECTED, ruling_cid="bafyruling")
    assert studio_hub.get_work(work).status == WorkStatus.ACTIVE
    assert studio_hub.resolver.functions.creditOf(studio.address).call() == MIN_BOND
    assert studio_hub.withdraw_bond() == MIN_BOND
    with reverts("NothingToWithdraw", account=studio.address):
        studio_hub.withdraw_bond()
    with reverts("DisputeNotOpen", disputeId=dispute):
        arbiter_hub.resolve_dispute(dispute, Outcome.REJECTED)


def test_upheld_frozen_returns_bond_and_revokes_licences(
    stranger_hub: Hub, arbiter_hub: Hub, studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, stranger, w3
) -> None:
    licence = buyer_hub.purchase(studio_hub.create_offer(offer_terms(work)), max_price=PRICE).licence_id
    dispute = stranger_hub.open_dispute(work, "bafyclaim", bond=MIN_BOND)
    arbiter_hub.resolve_dispute(dispute, Outcome.UPHELD_FROZEN, revoke_licences=[licence], ruling_cid="bafyruling")
    assert studio_hub.get_work(work).status == WorkStatus.FROZEN
    assert buyer_hub.licence_status(licence) == LicenceStatus.REVOKED
    logs = buyer_hub.market.events.LicenceRevoked().get_logs(from_block=0, argument_filters={"licenceId": licence})
    assert logs[0]["args"]["disputeId"] == dispute
    assert stranger_hub.withdraw_bond() == MIN_BOND
    with reverts("WorkNotDisputable", workId=work, status=1):
        stranger_hub.open_dispute(work, "bafyagain", bond=MIN_BOND)


def test_upheld_transfer_moves_work_to_claimant(
    stranger_hub: Hub, arbiter_hub: Hub, studio_hub: Hub, work: int, stranger
) -> None:
    dispute = stranger_hub.open_dispute(work, "bafyclaim", bond=MIN_BOND)
    arbiter_hub.resolve_dispute(dispute, Outcome.UPHELD_TRANSFERRED)
    got = studio_hub.get_work(work)
    assert (got.owner, got.status) == (stranger.address, WorkStatus.ACTIVE)
    assert tuple(stranger_hub.resolver.functions.getDispute(dispute).call())[3:5] == (
        int(Outcome.UPHELD_TRANSFERRED),
        False,
    )


def test_revocation_frees_the_exclusive_slot(
    stranger_hub: Hub, arbiter_hub: Hub, studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms
) -> None:
    excl = buyer_hub.purchase(
        studio_hub.create_offer(offer_terms(work, exclusive=True, supply_cap=1)), max_price=PRICE
    ).licence_id
    blocked = studio_hub.create_offer(offer_terms(work, exclusive=True, supply_cap=1))
    with reverts("ExclusiveConflict", licenceId=excl):  # the slot is taken until the revocation
        buyer_hub.purchase(blocked, max_price=PRICE)
    dispute = stranger_hub.open_dispute(work, "bafyclaim", bond=MIN_BOND)
    arbiter_hub.resolve_dispute(dispute, Outcome.UPHELD_TRANSFERRED, revoke_licences=[excl])
    assert buyer_hub.licence_status(excl) == LicenceStatus.REVOKED
    new_owner = stranger_hub
    again = buyer_hub.purchase(
        new_owner.create_offer(offer_terms(work, exclusive=True, supply_cap=1)), max_price=PRICE
    ).licence_id
    assert buyer_hub.get_licence(again).exclusive and buyer_hub.licence_status(again) == LicenceStatus.VALID


def test_resolve_errors(stranger_hub: Hub, arbiter_hub: Hub, work: int, stranger) -> None:
    dispute = stranger_hub.open_dispute(work, "bafyclaim", bond=MIN_BOND)
    with reverts("AccessControlUnauthorizedAccount", account=stranger.address, neededRole=ARBITER_ROLE):
        stranger_hub.resolve_dispute(dispute, Outcome.REJECTED)
    with reverts("DisputeNotFound", disputeId=99):
        arbiter_hub.resolve_dispute(99, Outcome.REJECTED)
    with reverts("DisputeNotFound", disputeId=99):
        arbiter_hub._call(arbiter_hub.resolver.functions.getDispute(99))
    with reverts("InvalidOutcome", outcome=0):
        arbiter_hub.resolve_dispute(dispute, Outcome.NONE)
    licence_elsewhere = ((work + 1) << 64) | 1
    with reverts("InvalidOutcome", outcome=3):
        arbiter_hub.resolve_dispute(dispute, Outcome.REJECTED, revoke_licences=[(work << 64) | 1])
    with reverts("LicenceNotOnWork", licenceId=licence_elsewhere, workId=work):
        arbiter_hub.resolve_dispute(dispute, Outcome.UPHELD_FROZEN, revoke_licences=[licence_elsewhere])


def test_bond_to_contract_that_rejects_eth(w3, studio, arbiter_hub: Hub, wired: Hub) -> None:
    claimant = deploy_contract(w3, studio, "ReentrantReceiver")
    work = wired._events(
        wired.registry,
        "WorkRegistered",
        call_as(w3, studio, wired.registry, "registerWork", work_input().to_abi(studio.address)),
    )[0]["args"]["workId"]
    call_as(
        w3,
        studio,
        claimant,
        "execute",
        wired.resolver.address,
        wired.resolver.encode_abi("openDispute", [work, "bafy"]),
        value=MIN_BOND,
    )
    arbiter_hub.resolve_dispute(1, Outcome.UPHELD_FROZEN)
    call_as(w3, studio, claimant, "setRejectEth", True)
    with reverts("EthTransferFailed", to=claimant.address, amount=MIN_BOND):
        call_as(w3, studio, claimant, "execute", wired.resolver.address, wired.resolver.encode_abi("withdraw", []))


def test_min_bond_and_pause_are_admin_only(admin_hub: Hub, stranger_hub: Hub, work: int, stranger) -> None:
    with reverts("AccessControlUnauthorizedAccount", account=stranger.address, neededRole=b"\0" * 32):
        stranger_hub._transact(stranger_hub.resolver, "setMinBond", 0)
    admin_hub._transact(admin_hub.resolver, "setMinBond", 1)
    admin_hub._transact(admin_hub.resolver, "pause")
    with reverts("EnforcedPause"):
        stranger_hub.open_dispute(work, "bafy", bond=1)
    admin_hub._transact(admin_hub.resolver, "unpause")
    stranger_hub.open_dispute(work, "bafy", bond=1)


def test_transfer_by_ruling_gives_the_rightful_author_the_revenue(
    w3, studio, stranger, buyer, deployment, arbiter_hub: Hub, buyer_hub: Hub, offer_terms
) -> None:
    """Finding 1: the infringer (studio) registers with a sockpuppet co-owner at 9,999 bps and a 25%
    royalty; once the author (stranger) wins by transfer, the next sale and the royalty pay the author."""
    infringer = Hub(w3, deployment, studio)
    author = Hub(w3, deployment, stranger)
    sockpuppet = Web3.to_checksum_address("0x" + "5c" * 20)
    work = infringer.register_works(
        [work_input(royalty_bps=2_500, splits=(Split(studio.address, 1), Split(sockpuppet, 9_999)))]
    )[0].work_id
    dispute = author.open_dispute(work, "bafyclaim", bond=MIN_BOND)
    arbiter_hub.resolve_dispute(dispute, Outcome.UPHELD_TRANSFERRED, ruling_cid="bafyruling")
    assert author.registry.functions.payees(work).call() == [0, stranger.address, [], []]
    assert author.registry.functions.royaltyInfo(work, 10_000).call() == [stranger.address, 2_500]
    offer = author.create_offer(offer_terms(work))
    buyer_hub.purchase(offer, max_price=PRICE)
    assert author.credit_of(sockpuppet) == 0 and author.credit_of(stranger.address) == PRICE


def test_a_ruling_may_name_the_new_splits(stranger_hub: Hub, arbiter_hub: Hub, work: int, stranger, buyer) -> None:
    dispute = stranger_hub.open_dispute(work, "bafyclaim", bond=MIN_BOND)
    with reverts("InvalidOutcome", outcome=int(Outcome.UPHELD_FROZEN)):
        arbiter_hub.resolve_dispute(dispute, Outcome.UPHELD_FROZEN, splits=[Split(stranger.address, 10_000)])
    with reverts("LeadNotNewOwner", lead=buyer.address, newOwner=stranger.address):
        arbiter_hub.resolve_dispute(dispute, Outcome.UPHELD_TRANSFERRED, splits=[Split(buyer.address, 10_000)])
    splits = [Split(stranger.address, 6_000), Split(buyer.address, 4_000)]
    arbiter_hub.resolve_dispute(dispute, Outcome.UPHELD_TRANSFERRED, splits=splits)
    assert stranger_hub.registry.functions.payees(work).call() == [0, stranger.address, [buyer.address], [4_000]]


def test_rulings_stay_available_while_everything_is_paused(
    admin_hub: Hub,
    stranger_hub: Hub,
    arbiter_hub: Hub,
    studio_hub: Hub,
    buyer_hub: Hub,
    work: int,
    offer_terms,
    stranger,
) -> None:
    """Finding 5: a transfer by ruling went through no pause before (EnforcedPause); SECURITY.md promises it does,
    with its licence revocations, an owner's answer and a lapse too."""
    licence = buyer_hub.purchase(studio_hub.create_offer(offer_terms(work)), max_price=PRICE).licence_id
    dispute = stranger_hub.open_dispute(work, "bafyclaim", bond=MIN_BOND)
    other = buyer_hub.open_dispute(work, "bafyclaim2", bond=MIN_BOND)
    for contract in ("WorkRegistry", "LicenceMarket", "DisputeResolver"):
        admin_hub.pause(contract)
    studio_hub.answer_dispute(dispute, "bafyanswer")  # the owner's answer too: a pause runs no one's time out
    arbiter_hub.resolve_dispute(dispute, Outcome.UPHELD_TRANSFERRED, revoke_licences=[licence])
    assert admin_hub.get_work(work).owner == stranger.address
    assert buyer_hub.licence_status(licence) == LicenceStatus.REVOKED
    assert stranger_hub.withdraw_bond() == MIN_BOND
    warp(stranger_hub.w3, RULING_PERIOD + 1)
    buyer_hub.lapse_dispute(other)
    assert admin_hub.get_work(work).status == WorkStatus.ACTIVE


def test_an_unanswered_dispute_lapses_after_the_ruling_period(
    w3, stranger_hub: Hub, arbiter_hub: Hub, buyer_hub: Hub, work: int, stranger, buyer
) -> None:
    """Finding 6: 0.01 ETH no longer freezes a work without end."""
    dispute = stranger_hub.open_dispute(work, "bafyclaim", bond=MIN_BOND)
    deadline = now(w3) + RULING_PERIOD
    with reverts("RulingPeriodNotOver", disputeId=dispute, deadline=deadline):
        buyer_hub.lapse_dispute(dispute)
    warp(w3, RULING_PERIOD + 1)
    with reverts("RulingPeriodOver", disputeId=dispute, deadline=deadline):
        arbiter_hub.resolve_dispute(dispute, Outcome.UPHELD_FROZEN)
    receipt = buyer_hub._transact(buyer_hub.resolver, "lapseDispute", dispute)
    (event,) = buyer_hub._events(buyer_hub.resolver, "DisputeLapsed", receipt)
    assert (event["args"]["by"], event["args"]["bondRecipient"]) == (buyer.address, stranger.address)
    assert buyer_hub.get_work(work).status == WorkStatus.ACTIVE
    assert tuple(buyer_hub.resolver.functions.getDispute(dispute).call())[3:5] == (int(Outcome.LAPSED), False)
    assert stranger_hub.withdraw_bond() == MIN_BOND
    with reverts("DisputeNotOpen", disputeId=dispute):
        buyer_hub.lapse_dispute(dispute)


def test_the_owners_sockpuppet_cannot_shut_out_a_genuine_claimant(
    w3, studio, stranger, arbiter_hub: Hub, studio_hub: Hub, stranger_hub: Hub, work: int, deployment
) -> None:
    """Finding 6: one open dispute no longer holds the work's only slot, and a rejected claim loses its bond."""
    from eth_account import Account

    puppet = Account.create()
    w3.provider.make_request("anvil_setBalance", [puppet.address, hex(10**18)])  # type: ignore[arg-type]
    puppet_hub = Hub(w3, deployment, puppet)
    held = puppet_hub.open_dispute(work, "bafyhold", bond=MIN_BOND)
    genuine = stranger_hub.open_dispute(work, "bafyclaim", bond=MIN_BOND)
    assert stranger_hub.resolver.functions.openDisputes(work).call() == 2
    arbiter_hub.resolve_dispute(held, Outcome.REJECTED)
    assert studio_hub.get_work(work).status == WorkStatus.DISPUTED  # the genuine claim still holds it
    assert studio_hub.resolver.functions.creditOf(puppet.address).call() == 0
    assert studio_hub.resolver.functions.creditOf(studio.address).call() == MIN_BOND
    arbiter_hub.resolve_dispute(genuine, Outcome.UPHELD_TRANSFERRED)
    got = studio_hub.get_work(work)
    assert (got.owner, got.status) == (stranger.address, WorkStatus.ACTIVE)


def test_a_transfer_by_ruling_keeps_the_work_disputed_while_other_claims_are_open(
    buyer_hub: Hub, stranger_hub: Hub, arbiter_hub: Hub, work: int, stranger
) -> None:
    first = stranger_hub.open_dispute(work, "bafyclaim", bond=MIN_BOND)
    second = buyer_hub.open_dispute(work, "bafyclaim2", bond=MIN_BOND)
    arbiter_hub.resolve_dispute(first, Outcome.UPHELD_TRANSFERRED)
    got = stranger_hub.get_work(work)
    assert (got.owner, got.status) == (stranger.address, WorkStatus.DISPUTED)
    arbiter_hub.resolve_dispute(second, Outcome.REJECTED)
    assert stranger_hub.get_work(work).status == WorkStatus.ACTIVE
    assert stranger_hub.resolver.functions.creditOf(stranger.address).call() == 2 * MIN_BOND


def test_a_bond_beyond_96_bits_is_refused_not_truncated(w3, stranger, stranger_hub: Hub, work: int) -> None:
    """Finding 7: `uint96(msg.value)` stored 0 for a bond of 2^96 wei; the checked cast refuses it."""
    w3.provider.make_request("anvil_setBalance", [stranger.address, hex(2**97)])  # type: ignore[arg-type]
    with reverts("SafeCastOverflowedUintDowncast", bits=96, value=2**96):
        stranger_hub.open_dispute(work, "bafyclaim", bond=2**96)


def test_the_default_admin_cannot_appoint_arbiters(w3, deployer, arbiter, wired: Hub) -> None:
    """Finding 4: with its own arbiter admin, the resolver's default admin can grant itself no ruling power."""
    resolver = deploy_contract(
        w3, deployer, "DisputeResolver", deployer.address, arbiter.address, wired.registry.address,
        wired.market.address, MIN_BOND,
    )  # fmt: skip
    for role in (ARBITER_ROLE, ARBITER_ADMIN_ROLE):
        with reverts("AccessControlUnauthorizedAccount", account=deployer.address, neededRole=ARBITER_ADMIN_ROLE):
            call_as(w3, deployer, resolver, "grantRole", role, deployer.address)
    with reverts("AccessControlEnforcedDefaultAdminRules"):
        call_as(w3, deployer, resolver, "grantRole", b"\0" * 32, arbiter.address)
    call_as(w3, arbiter, resolver, "grantRole", ARBITER_ROLE, arbiter.address)
    assert resolver.functions.hasRole(ARBITER_ROLE, arbiter.address).call()
    with pytest.raises(ContractCustomError) as info:  # a constructor revert, before any transaction is sent
        deploy_contract(
            w3, deployer, "DisputeResolver", deployer.address, "0x" + "00" * 20, wired.registry.address,
            wired.market.address, MIN_BOND,
        )  # fmt: skip
    assert info.value.data == "0x" + Web3.keccak(text="ZeroAddress()")[:4].hex()


def test_the_owner_answers_an_open_dispute_once_before_its_deadline(
    w3, studio, stranger, studio_hub: Hub, stranger_hub: Hub, arbiter_hub: Hub, work: int
) -> None:
    dispute = stranger_hub.open_dispute(work, "bafyclaim", bond=MIN_BOND)
    with reverts("NotWorkOwner", workId=work, caller=stranger.address, owner=studio.address):
        stranger_hub.answer_dispute(dispute, "bafyanswer")
    with reverts("EmptyCid", field="evidenceCid"):
        studio_hub.answer_dispute(dispute, "")
    with reverts("DisputeNotFound", disputeId=99_999):
        studio_hub.answer_dispute(99_999, "bafyanswer")
    assert studio_hub.get_dispute(dispute).answered is False
    receipt = studio_hub._transact(studio_hub.resolver, "answerDispute", dispute, "bafyanswer")
    (event,) = studio_hub._events(studio_hub.resolver, "DisputeAnswered", receipt)
    assert dict(event["args"]) == {
        "disputeId": dispute, "workId": work, "owner": studio.address, "evidenceCid": "bafyanswer"
    }  # fmt: skip
    assert studio_hub.get_dispute(dispute).answered is True
    with reverts("DisputeAlreadyAnswered", disputeId=dispute):
        studio_hub.answer_dispute(dispute, "bafymore")
    arbiter_hub.resolve_dispute(dispute, Outcome.REJECTED)
    with reverts("DisputeNotOpen", disputeId=dispute):
        studio_hub.answer_dispute(dispute, "bafylate")


def test_no_answer_after_the_ruling_period(w3, studio_hub: Hub, stranger_hub: Hub, work: int) -> None:
    dispute = stranger_hub.open_dispute(work, "bafyclaim", bond=MIN_BOND)
    deadline = now(w3) + RULING_PERIOD
    warp(w3, RULING_PERIOD + 1)
    with reverts("AnswerPeriodOver", disputeId=dispute, deadline=deadline):
        studio_hub.answer_dispute(dispute, "bafyanswer")
    assert studio_hub.get_dispute(dispute).answered is False
