"""WorkRegistry: registration (single, batch, derivative), splits, royalty, metadata, attestations, status."""

from __future__ import annotations

import pytest
from web3 import Web3
from web3.logs import DISCARD

from client_sdk import Decision, Hub, Right, Split, WorkInput, WorkStatus
from tests.contracts.conftest import (
    MIN_BOND,
    PAUSER_ROLE,
    REVIEWER_ROLE,
    STATUS_ROLE,
    call_as,
    deploy_contract,
    reverts,
)
from tests.factories import fake_cid, unique_digest
from tests.factories.protocol import work_input

ZERO = "0x" + "00" * 20


def test_register_mints_token_to_caller_and_emits_everything(studio_hub: Hub, studio, w3: Web3) -> None:
    digest = unique_digest()
    reg = studio_hub.register_work(digest, "bafycontent", "bafymeta", 3, royalty_bps=500)
    receipt = w3.eth.get_transaction_receipt(reg.tx_hash)
    (event,) = studio_hub._events(studio_hub.registry, "WorkRegistered", receipt)
    assert event["args"]["owner"] == studio.address
    assert event["args"]["contentDigest"] == digest
    assert (event["args"]["contentCid"], event["args"]["metadataCid"]) == ("bafycontent", "bafymeta")
    (royalty,) = studio_hub._events(studio_hub.registry, "RoyaltySet", receipt)
    assert royalty["args"]["bps"] == 500
    assert studio_hub.registry.functions.royaltyInfo(reg.work_id, 10_000).call() == [studio.address, 500]
    assert studio_hub.registry.functions.ownerOf(reg.work_id).call() == studio.address
    work = studio_hub.get_work(reg.work_id)
    assert work.status == WorkStatus.ACTIVE and work.work_type == 3 and work.co_owner_count == 0


def test_register_with_co_owners_stores_splits_and_emits_splits_set(
    studio_hub: Hub, studio, buyer, stranger, w3
) -> None:
    splits = [Split(studio.address, 6_000), Split(buyer.address, 3_000), Split(stranger.address, 1_000)]
    reg = studio_hub.register_work(unique_digest(), fake_cid(), fake_cid("m"), splits=splits)
    status, lead, co, bps = studio_hub.registry.functions.payees(reg.work_id).call()
    assert (status, lead, co, bps) == (0, studio.address, [buyer.address, stranger.address], [3_000, 1_000])
    (event,) = studio_hub._events(studio_hub.registry, "SplitsSet", w3.eth.get_transaction_receipt(reg.tx_hash))
    assert event["args"]["bps"] == [6_000, 3_000, 1_000]


def test_batch_registers_consecutive_ids(studio_hub: Hub) -> None:
    regs = studio_hub.register_works([work_input() for _ in range(5)])
    ids = [r.work_id for r in regs]
    assert ids == list(range(ids[0], ids[0] + 5))
    assert studio_hub.registry.functions.totalWorks().call() == ids[-1]


def test_batch_refuses_duplicate_inside_the_batch(studio_hub: Hub) -> None:
    first = work_input()
    total = studio_hub.registry.functions.totalWorks().call()
    with reverts("WorkAlreadyRegistered", contentDigest=first.content_digest, existingWorkId=total + 1):
        studio_hub.register_works([first, work_input(content_digest=first.content_digest)])


@pytest.mark.parametrize("size", [0, 257])
def test_batch_refuses_bad_size(studio_hub: Hub, size: int) -> None:
    with reverts("InvalidBatchSize", size=size, max=256):
        studio_hub._transact(
            studio_hub.registry, "registerWorks", [work_input().to_abi(studio_hub.account.address)] * size
        )


def test_register_refuses_empty_digest_and_cids(studio_hub: Hub) -> None:
    caller = studio_hub.account.address
    with reverts("EmptyContentDigest"):
        studio_hub._transact(studio_hub.registry, "registerWork", work_input(content_digest=b"\0" * 32).to_abi(caller))
    with reverts("EmptyCid", field="contentCid"):
        studio_hub._transact(studio_hub.registry, "registerWork", work_input(content_cid="").to_abi(caller))
    with reverts("EmptyCid", field="metadataCid"):
        studio_hub._transact(studio_hub.registry, "registerWork", work_input(metadata_cid="").to_abi(caller))


def test_register_refuses_bad_splits(studio_hub: Hub, studio, buyer) -> None:
    caller = studio.address

    def attempt(splits: list[tuple[str, int]]) -> None:
        abi = list(work_input().to_abi(caller))
        abi[5] = splits
        studio_hub._transact(studio_hub.registry, "registerWork", tuple(abi))

    with reverts("EmptySplits"):
        attempt([])
    with reverts("TooManyOwners", count=17, max=16):
        attempt([(caller, 10_000 - 16 * 10)] + [(buyer.address, 10)] * 16)
    with reverts("LeadOwnerNotCaller", lead=buyer.address, caller=caller):
        attempt([(buyer.address, 10_000)])
    with reverts("SplitsSumMismatch", sum=9_000):
        attempt([(caller, 9_000)])
    with reverts("SplitsSumMismatch", sum=9_999):
        attempt([(caller, 5_000), (buyer.address, 4_999)])
    with reverts("InvalidSplit", index=1, account=ZERO, bps=5_000):
        attempt([(caller, 5_000), (ZERO, 5_000)])
    with reverts("InvalidSplit", index=1, account=buyer.address, bps=0):
        attempt([(caller, 10_000), (buyer.address, 0)])
    # finding 7: the lead named again as a co-owner, or a co-owner named twice
    with reverts("DuplicateOwner", index=1, account=caller):
        attempt([(caller, 5_000), (caller, 5_000)])
    with reverts("DuplicateOwner", index=2, account=buyer.address):
        attempt([(caller, 5_000), (buyer.address, 2_500), (buyer.address, 2_500)])


def test_register_refuses_royalty_above_cap(studio_hub: Hub) -> None:
    with reverts("RoyaltyTooHigh", bps=2_501, max=2_500):
        studio_hub.register_work(unique_digest(), fake_cid(), fake_cid("m"), royalty_bps=2_501)


def test_the_owner_sets_the_royalty_within_the_cap(
    studio_hub: Hub, buyer_hub: Hub, stranger_hub: Hub, work: int, studio, buyer
) -> None:
    receipt = studio_hub._transact(studio_hub.registry, "setRoyalty", work, 750)
    (event,) = studio_hub._events(studio_hub.registry, "RoyaltySet", receipt)
    assert dict(event["args"]) == {"workId": work, "receiver": studio.address, "bps": 750}
    assert studio_hub.royalty_of(work) == (studio.address, 750)
    with reverts("NotWorkOwner", workId=work, caller=buyer.address, owner=studio.address):
        buyer_hub.set_royalty(work, 100)
    with reverts("RoyaltyTooHigh", bps=2_501, max=2_500):
        studio_hub.set_royalty(work, 2_501)
    studio_hub.set_royalty(work, 2_500)
    assert studio_hub.royalty_of(work) == (studio.address, 2_500)
    studio_hub.transfer_work(work, buyer.address)  # the new holder may re-point it to itself
    buyer_hub.set_royalty(work, 300)
    assert buyer_hub.royalty_of(work) == (buyer.address, 300)
    buyer_hub.set_royalty(work, 0)
    assert buyer_hub.royalty_of(work) == (ZERO, 0)
    stranger_hub.open_dispute(work, "bafyclaim", bond=MIN_BOND)
    with reverts("WorkNotActive", workId=work, status=2):
        buyer_hub.set_royalty(work, 100)
    with reverts("WorkNotFound", workId=55_555):
        buyer_hub.set_royalty(55_555, 100)


def test_derivative_of_own_work_is_allowed_and_recorded(studio_hub: Hub, work: int, w3) -> None:
    reg = studio_hub.register_work(unique_digest(), fake_cid(), fake_cid("m"), parents=[work])
    (event,) = studio_hub._events(studio_hub.registry, "ParentsSet", w3.eth.get_transaction_receipt(reg.tx_hash))
    assert event["args"]["parents"] == [work] and event["args"]["parentLicences"] == [0]


def test_derivative_needs_ownership_or_adaptation_licence(
    buyer_hub: Hub, studio_hub: Hub, work: int, buyer, offer_terms
) -> None:
    with reverts("NoAdaptationRight", parentId=work, licenceId=0, caller=buyer.address):
        buyer_hub.register_work(unique_digest(), fake_cid(), fake_cid("m"), parents=[work])
    no_adapt = studio_hub.create_offer(offer_terms(work, rights=Right.TRANSLATION))
    wrong = buyer_hub.purchase(no_adapt, max_price=10**17).licence_id
    with reverts("NoAdaptationRight", parentId=work, licenceId=wrong, caller=buyer.address):
        buyer_hub.register_work(unique_digest(), fake_cid(), fake_cid("m"), parents=[work], parent_licences=[wrong])
    adapt = studio_hub.create_offer(offer_terms(work, rights=Right.ADAPTATION | Right.TRANSLATION))
    licence = buyer_hub.purchase(adapt, max_price=10**17).licence_id
    reg = buyer_hub.register_work(unique_digest(), fake_cid(), fake_cid("m"), parents=[work], parent_licences=[licence])
    assert buyer_hub.get_work(reg.work_id).owner == buyer.address


def test_derivative_refuses_unknown_parent_and_mismatched_lists(studio_hub: Hub, work: int) -> None:
    with reverts("WorkNotFound", workId=999_999):
        studio_hub.register_work(unique_digest(), fake_cid(), fake_cid("m"), parents=[999_999])
    with reverts("InvalidParents", parents=1, parentLicences=2):
        studio_hub.register_work(unique_digest(), fake_cid(), fake_cid("m"), parents=[work], parent_licences=[0, 0])


def test_derivative_refuses_a_parent_named_twice(studio_hub: Hub, work: int) -> None:
    """Finding 7: the same parent listed twice."""
    with reverts("DuplicateParent", parentId=work):
        studio_hub.register_work(
            unique_digest(), fake_cid(), fake_cid("m"), parents=[work, work], parent_licences=[0, 0]
        )


def test_derivative_of_a_disputed_or_frozen_parent_is_refused(
    studio_hub: Hub, stranger_hub: Hub, arbiter_hub: Hub, work: int
) -> None:
    """Finding 7: a parent whose ownership is in question lends no rights to a new registration."""
    from client_sdk import Outcome

    dispute = stranger_hub.open_dispute(work, "bafyclaim", bond=10**16)
    with reverts("ParentNotActive", parentId=work, status=int(WorkStatus.DISPUTED)):
        studio_hub.register_work(unique_digest(), fake_cid(), fake_cid("m"), parents=[work])
    arbiter_hub.resolve_dispute(dispute, Outcome.UPHELD_FROZEN)
    with reverts("ParentNotActive", parentId=work, status=int(WorkStatus.FROZEN)):
        studio_hub.register_work(unique_digest(), fake_cid(), fake_cid("m"), parents=[work])


def test_update_metadata_bumps_version_and_get_work_follows(
    studio_hub: Hub, buyer_hub: Hub, work: int, buyer, studio
) -> None:
    assert studio_hub.update_metadata(work, "bafyv1") == 1
    assert studio_hub.update_metadata(work, "bafyv2") == 2
    got = studio_hub.get_work(work)
    assert (got.metadata_version, got.metadata_cid) == (2, "bafyv2")
    with reverts("NotWorkOwner", workId=work, caller=buyer.address, owner=studio.address):
        buyer_hub.update_metadata(work, "bafyv3")
    with reverts("EmptyCid", field="metadataCid"):
        studio_hub.update_metadata(work, "")
    with reverts("WorkNotFound", workId=424242):
        studio_hub.update_metadata(424242, "bafy")


def test_transfer_assigns_work_and_lead_share(
    studio_hub: Hub, buyer_hub: Hub, work: int, buyer, stranger, offer_terms
) -> None:
    offer = studio_hub.create_offer(offer_terms(work))
    studio_hub.transfer_work(work, buyer.address)
    assert studio_hub.get_work(work).owner == buyer.address
    Hub(studio_hub.w3, studio_hub.deployment, stranger).purchase(offer, max_price=10**17)
    assert buyer_hub.credit_of(buyer.address) == 10**17  # on-chain offers stay live and pay the new holder


def test_attestation_recorded_and_revoked(auditor_hub: Hub, work: int, auditor, w3) -> None:
    aid = auditor_hub.attest(work, 1, Decision.APPROVED, territory=156, reference="filing-1", evidence_cid="bafyev")
    assert auditor_hub.has_approval(work, 1, 156) and not auditor_hub.has_approval(work, 1, 840)
    assert auditor_hub.registry.functions.getAttestation(aid).call() == [auditor.address, work, 1, 1, 156, 0, 0]
    everywhere = auditor_hub.attest(work, 2, Decision.APPROVED)
    assert auditor_hub.has_approval(work, 2, 840)  # territory 0 covers every territory
    auditor_hub.revoke_attestation(aid, "withdrawn")
    assert not auditor_hub.has_approval(work, 1, 156)
    with reverts("AttestationNotFound", attestationId=aid):
        auditor_hub.revoke_attestation(aid)
    assert everywhere == aid + 1


def test_attestation_errors(auditor_hub: Hub, stranger_hub: Hub, admin_hub: Hub, work: int, stranger, auditor) -> None:
    with reverts("AccessControlUnauthorizedAccount", account=stranger.address, neededRole=REVIEWER_ROLE):
        stranger_hub.attest(work, 1)
    with reverts("WorkNotFound", workId=777_777):
        auditor_hub.attest(777_777, 1)
    with reverts("InvalidAttestation", kind=0, decision=1):
        auditor_hub.attest(work, 0)
    with reverts("InvalidAttestation", kind=1, decision=0):
        auditor_hub.attest(work, 1, Decision.NONE)
    aid = auditor_hub.attest(work, 1, Decision.REJECTED)
    with reverts("NotAttester", attestationId=aid, caller=stranger.address):
        stranger_hub.revoke_attestation(aid)
    admin_hub.revoke_attestation(aid, "admin override")  # an admin may revoke any attestation
    with reverts("AttestationNotFound", attestationId=aid):
        auditor_hub._call(auditor_hub.registry.functions.getAttestation(aid))


@pytest.fixture
def own_registry(w3, deployer, wired: Hub):
    """A registry of its own whose dispute resolver is the deployer's account, to drive the
    STATUS_ROLE calls directly (on the hub's registry only the resolver contract holds the role)."""
    registry = deploy_contract(w3, deployer, "WorkRegistry", deployer.address)
    call_as(w3, deployer, registry, "setDisputeResolver", deployer.address)
    return registry


def _register(w3, account, registry, **overrides) -> int:
    receipt = call_as(w3, account, registry, "registerWork", work_input(**overrides).to_abi(account.address))
    return int(registry.events.WorkRegistered().process_receipt(receipt, errors=DISCARD)[0]["args"]["workId"])


def test_status_changes_need_status_role_and_refuse_no_ops(own_registry, w3, deployer, studio, buyer) -> None:
    work = _register(w3, studio, own_registry)
    with reverts("AccessControlUnauthorizedAccount", account=studio.address, neededRole=STATUS_ROLE):
        call_as(w3, studio, own_registry, "setWorkStatus", work, 1)
    receipt = call_as(w3, deployer, own_registry, "setWorkStatus", work, int(WorkStatus.FROZEN))
    (event,) = own_registry.events.WorkStatusChanged().process_receipt(receipt, errors=DISCARD)
    assert (event["args"]["previous"], event["args"]["current"]) == (0, 1)
    with reverts("InvalidStatusChange", workId=work, current=1, requested=1):
        call_as(w3, deployer, own_registry, "setWorkStatus", work, 1)
    with reverts("WorkNotActive", workId=work, status=1):
        call_as(w3, studio, own_registry, "transferFrom", studio.address, buyer.address, work)
    with reverts("WorkNotActive", workId=work, status=1):
        call_as(w3, studio, own_registry, "updateMetadata", work, "bafy-frozen")
    with reverts("ZeroAddress"):
        call_as(w3, deployer, own_registry, "forceTransfer", work, ZERO, [])
    call_as(w3, deployer, own_registry, "forceTransfer", work, buyer.address, [])
    assert own_registry.functions.getWork(work).call()[:4][0] == buyer.address
    assert own_registry.functions.ownerAndStatus(work).call() == [buyer.address, 0]


def test_forced_transfer_replaces_splits_and_repoints_royalty(own_registry, w3, deployer, studio, buyer, stranger):
    """Finding 1: an infringer's sockpuppet at 9,999 bps and its 25% royalty do not survive a transfer by ruling."""
    work = _register(
        w3, studio, own_registry, royalty_bps=2_500, splits=(Split(studio.address, 1), Split(stranger.address, 9_999))
    )
    receipt = call_as(w3, deployer, own_registry, "forceTransfer", work, buyer.address, [])
    assert own_registry.functions.payees(work).call() == [0, buyer.address, [], []]
    assert own_registry.functions.royaltyInfo(work, 10_000).call() == [buyer.address, 2_500]
    (splits,) = own_registry.events.SplitsSet().process_receipt(receipt, errors=DISCARD)
    assert (splits["args"]["accounts"], splits["args"]["bps"]) == ([buyer.address], [10_000])
    (royalty,) = own_registry.events.RoyaltySet().process_receipt(receipt, errors=DISCARD)
    assert (royalty["args"]["receiver"], royalty["args"]["bps"]) == (buyer.address, 2_500)
    # a ruling may name the new splits itself, the new owner first
    with reverts("LeadNotNewOwner", lead=studio.address, newOwner=buyer.address):
        call_as(w3, deployer, own_registry, "forceTransfer", work, buyer.address, [(studio.address, 10_000)])
    with reverts("DuplicateOwner", index=1, account=buyer.address):
        call_as(w3, deployer, own_registry, "forceTransfer", work, buyer.address, [(buyer.address, 5_000)] * 2)
    call_as(
        w3, deployer, own_registry, "forceTransfer", work, buyer.address,
        [(buyer.address, 7_000), (studio.address, 3_000)],
    )  # fmt: skip
    assert own_registry.functions.payees(work).call() == [0, buyer.address, [studio.address], [3_000]]


def test_every_transfer_starts_an_ownership_epoch(own_registry, w3, deployer, studio, buyer) -> None:
    """The market binds signed offers to it (the market half of the review); a ruling counts as a transfer."""
    work = _register(w3, studio, own_registry)
    assert own_registry.functions.ownershipEpoch(work).call() == 0
    call_as(w3, studio, own_registry, "transferFrom", studio.address, buyer.address, work)
    call_as(w3, deployer, own_registry, "forceTransfer", work, studio.address, [])
    assert own_registry.functions.ownershipEpoch(work).call() == 2


def test_a_work_without_royalty_gets_none_from_a_ruling(own_registry, w3, deployer, studio, buyer) -> None:
    work = _register(w3, studio, own_registry)
    receipt = call_as(w3, deployer, own_registry, "forceTransfer", work, buyer.address, [])
    assert own_registry.events.RoyaltySet().process_receipt(receipt, errors=DISCARD) == ()
    assert own_registry.functions.royaltyInfo(work, 10_000).call() == [ZERO, 0]


def test_a_ruling_moves_a_work_while_the_registry_is_paused(own_registry, w3, deployer, studio, buyer) -> None:
    """Finding 5: rulings stay available while paused; owners' transfers do not."""
    work = _register(w3, studio, own_registry)
    call_as(w3, deployer, own_registry, "pause")
    with reverts("EnforcedPause"):
        call_as(w3, studio, own_registry, "transferFrom", studio.address, buyer.address, work)
    call_as(w3, deployer, own_registry, "forceTransfer", work, buyer.address, [])
    assert own_registry.functions.ownerOf(work).call() == buyer.address


def test_the_default_admin_cannot_take_the_status_role(admin_hub: Hub, deployer, w3) -> None:
    """Finding 4: STATUS_ROLE is sealed to the resolver; the default admin can neither grant it nor its admin."""
    registry = admin_hub.registry
    sealed = Web3.keccak(text="SEALED_ROLE")
    assert registry.functions.getRoleAdmin(STATUS_ROLE).call() == sealed
    assert registry.functions.hasRole(STATUS_ROLE, admin_hub.resolver.address).call()
    for role in (STATUS_ROLE, sealed):
        with reverts("AccessControlUnauthorizedAccount", account=deployer.address, neededRole=sealed):
            admin_hub._transact(registry, "grantRole", role, deployer.address)
    with reverts("AccessControlUnauthorizedAccount", account=deployer.address, neededRole=sealed):
        admin_hub._transact(registry, "revokeRole", STATUS_ROLE, admin_hub.resolver.address)
    with reverts("DisputeResolverAlreadySet", current=admin_hub.resolver.address):
        admin_hub._transact(registry, "setDisputeResolver", deployer.address)
    # the default admin itself moves only in two steps, after a delay
    with reverts("AccessControlEnforcedDefaultAdminRules"):
        admin_hub._transact(registry, "grantRole", b"\0" * 32, deployer.address)
    assert registry.functions.defaultAdminDelay().call() == 3 * 86_400


def test_licence_market_is_set_once(admin_hub: Hub) -> None:
    current = admin_hub.registry.functions.licenceMarket().call()
    assert current == admin_hub.market.address
    with reverts("LicenceMarketAlreadySet", current=current):
        admin_hub._transact(admin_hub.registry, "setLicenceMarket", admin_hub.market.address)


def test_pause_stops_registration_and_transfers(
    admin_hub: Hub, studio_hub: Hub, work: int, stranger, buyer, w3
) -> None:
    with reverts("AccessControlUnauthorizedAccount", account=stranger.address, neededRole=PAUSER_ROLE):
        call_as(w3, stranger, admin_hub.registry, "pause")
    admin_hub._transact(admin_hub.registry, "pause")
    with reverts("EnforcedPause"):
        studio_hub.register_work(unique_digest(), fake_cid(), fake_cid("m"))
    with reverts("EnforcedPause"):
        studio_hub.transfer_work(work, buyer.address)
    admin_hub._transact(admin_hub.registry, "unpause")
    studio_hub.register_work(unique_digest(), fake_cid(), fake_cid("m"))


def test_views_refuse_unknown_work(reader_hub: Hub) -> None:
    for fn in ("getWork", "payees", "ownerAndStatus", "tokenURI"):
        with reverts("WorkNotFound", workId=31337):
            reader_hub._call(getattr(reader_hub.registry.functions, fn)(31337))


def test_token_uri_is_a_document_a_wallet_can_show(studio_hub: Hub, stranger_hub: Hub, work: int, w3) -> None:
    """Finding 7: tokenURI returned "" although ERC721Metadata is advertised (0x5b5e139f)."""
    import base64
    import json

    assert studio_hub.registry.functions.supportsInterface("0x5b5e139f").call()
    studio_hub.update_metadata(work, "bafy-v1")
    stranger_hub.open_dispute(work, "bafyclaim", bond=10**16)
    uri = studio_hub.registry.functions.tokenURI(work).call()
    prefix = "data:application/json;base64,"
    assert uri.startswith(prefix)
    doc = json.loads(base64.b64decode(uri[len(prefix) :]))
    assert doc["name"] == f"Copyright Hub Work #{work}"
    attributes = {a["trait_type"]: a["value"] for a in doc["attributes"]}
    registered = studio_hub.get_work(work).registered_at
    assert attributes == {"work type": 0, "status": "disputed", "metadata version": 1, "registered": registered}


def test_supports_erc721_erc2981_and_access_control(reader_hub: Hub) -> None:
    for iid in ("0x80ac58cd", "0x2a55205a", "0x7965db0b", "0x01ffc9a7"):
        assert reader_hub.registry.functions.supportsInterface(iid).call()
    assert reader_hub.registry.functions.name().call() == "Copyright Hub Work"


def test_register_work_input_defaults_single_owner(studio, reader_hub: Hub) -> None:
    abi = WorkInput(unique_digest(), "a", "b").to_abi(studio.address)
    assert abi[5] == [(Web3.to_checksum_address(studio.address), 10_000)]


def test_work_token_calls_refuse_eth(studio_hub: Hub, work: int, studio, buyer) -> None:
    with reverts("EthNotAccepted", value=1):
        studio_hub._transact(studio_hub.registry, "transferFrom", studio.address, buyer.address, work, value=1)
    with reverts("EthNotAccepted", value=1):
        studio_hub._transact(studio_hub.registry, "approve", buyer.address, work, value=1)
    with reverts("EthNotAccepted", value=1):
        studio_hub._transact(studio_hub.registry, "safeTransferFrom", studio.address, buyer.address, work, b"", value=1)


def test_erc721_library_errors_reach_the_sdk_typed(studio_hub: Hub, buyer_hub: Hub, work: int, studio, buyer) -> None:
    with reverts("NotOwnerNorApproved"):
        buyer_hub._transact(buyer_hub.registry, "transferFrom", studio.address, buyer.address, work)
    with reverts("TransferFromIncorrectOwner"):
        studio_hub._transact(studio_hub.registry, "transferFrom", buyer.address, studio.address, work)
    with reverts("TransferToZeroAddress"):
        studio_hub._transact(studio_hub.registry, "transferFrom", studio.address, ZERO, work)
    with reverts("TokenDoesNotExist"):
        studio_hub._call(studio_hub.registry.functions.ownerOf(987_654))
    with reverts("TokenDoesNotExist"):
        studio_hub._call(studio_hub.market.functions.ownerOf(987_654))
    with reverts("BalanceQueryForZeroAddress"):
        studio_hub._call(studio_hub.registry.functions.balanceOf(ZERO))
    with reverts("TransferToNonERC721ReceiverImplementer"):
        studio_hub._transact(
            studio_hub.registry, "safeTransferFrom", studio.address, studio_hub.market.address, work, b""
        )
