"""DisputeResolver: bonds, freezing, the three rulings, licence revocation, bond withdrawal."""

from __future__ import annotations

from client_sdk import Hub, LicenceStatus, Outcome, WorkStatus
from tests.contracts.conftest import ARBITER_ROLE, MIN_BOND, call_as, deploy_contract, reverts
from tests.factories.protocol import work_input

PRICE = 10**17


def test_open_dispute_freezes_the_work(
    stranger_hub: Hub, studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, stranger, w3
) -> None:
    offer = studio_hub.create_offer(offer_terms(work))
    dispute = stranger_hub.open_dispute(work, "bafyclaim", bond=MIN_BOND)
    assert stranger_hub.get_work(work).status == WorkStatus.DISPUTED
    assert stranger_hub.resolver.functions.openDisputeOf(work).call() == dispute
    assert tuple(stranger_hub.resolver.functions.getDispute(dispute).call()) == (
        work,
        stranger.address,
        MIN_BOND,
        0,
        True,
    )
    with reverts("WorkNotActive", workId=work, status=2):
        buyer_hub.purchase(offer, max_price=PRICE)
    with reverts("WorkNotActive", workId=work, status=2):
        studio_hub.create_offer(offer_terms(work))
    with reverts("WorkNotActive", workId=work, status=2):
        studio_hub.transfer_work(work, stranger.address)
    with reverts("DisputeAlreadyOpen", workId=work, disputeId=dispute):
        buyer_hub.open_dispute(work, "bafyclaim2", bond=MIN_BOND)


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
    with reverts("WorkNotActive", workId=work, status=1):
        stranger_hub.open_dispute(work, "bafyagain", bond=MIN_BOND)


def test_upheld_transfer_moves_work_to_claimant(
    stranger_hub: Hub, arbiter_hub: Hub, studio_hub: Hub, work: int, stranger
) -> None:
    dispute = stranger_hub.open_dispute(work, "bafyclaim", bond=MIN_BOND)
    arbiter_hub.resolve_dispute(dispute, Outcome.UPHELD_TRANSFERRED)
    got = studio_hub.get_work(work)
    assert (got.owner, got.status) == (stranger.address, WorkStatus.ACTIVE)
    assert tuple(stranger_hub.resolver.functions.getDispute(dispute).call())[3:] == (
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


def test_ruling_goes_through_when_an_admin_changed_the_status_meanwhile(
    admin_hub: Hub, stranger_hub: Hub, arbiter_hub: Hub, work: int, deployer
) -> None:
    from tests.contracts.conftest import STATUS_ROLE

    dispute = stranger_hub.open_dispute(work, "bafyclaim", bond=MIN_BOND)
    admin_hub._transact(admin_hub.registry, "grantRole", STATUS_ROLE, deployer.address)
    admin_hub._transact(admin_hub.registry, "setWorkStatus", work, int(WorkStatus.FROZEN))
    arbiter_hub.resolve_dispute(dispute, Outcome.UPHELD_FROZEN)
    assert admin_hub.get_work(work).status == WorkStatus.FROZEN
