"""Issue 14: commit–reveal registration and buyer-bound signed offers.

The mempool scenarios run on the real anvil with automine off: transactions wait in the pool, an
attacker copies one with a higher tip (anvil orders a block by fee), ``evm_mine`` mines them together.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from web3 import Web3

from client_sdk import Hub, WorkInput
from client_sdk.chain import raise_for_revert
from client_sdk.commit_reveal import CommitJournal, commitment, merkle_proofs, merkle_root
from client_sdk.errors import ConfigurationError
from tests.contracts.conftest import now, reverts, warp
from tests.factories.protocol import DAY, work_input

PRICE = 10**17
WINDOW = 86_400
GWEI = 10**9


def _commit(hub: Hub, inputs: Sequence[WorkInput], salt: bytes = b"\x11" * 32) -> tuple[bytes, bytes, int]:
    root = merkle_root([w.content_digest for w in inputs])
    value = commitment(hub._signer().address, root, salt)
    receipt = hub._transact(hub.registry, "commitRegistration", value)
    return root, value, int(receipt["blockNumber"])


def _reveal(hub: Hub, root: bytes, inputs: Sequence[WorkInput], salt: bytes = b"\x11" * 32, proofs=None) -> Any:
    me = hub._signer().address
    if proofs is None:
        proofs = merkle_proofs([w.content_digest for w in inputs])
    # simulated on the pending block, as the SDK does: the latest one may be the commit's own
    return hub._send_reveal(root, salt, [w.to_abi(me) for w in inputs], proofs)


def _call_reveal(hub: Hub, root: bytes, inputs: Sequence[WorkInput], salt: bytes = b"\x11" * 32) -> None:
    """Simulate a reveal on the latest block (where the commit's own block is the head)."""
    me = hub._signer().address
    fn = hub.registry.functions.revealWorks(
        root, salt, [w.to_abi(me) for w in inputs], merkle_proofs([w.content_digest for w in inputs])
    )
    try:
        fn.call({"from": me}, block_identifier="latest")
    except Exception as exc:
        raise_for_revert(exc)
        raise


@contextmanager
def mempool(w3: Web3) -> Iterator[None]:
    """Automine off for the body; back on afterwards whatever happens."""
    w3.provider.make_request("evm_setAutomine", [False])  # type: ignore[arg-type]
    try:
        yield
    finally:
        w3.provider.make_request("evm_setAutomine", [True])  # type: ignore[arg-type]


def _send(w3: Web3, account: LocalAccount, to: str, data: bytes | str, tip_gwei: int, value: int = 0) -> bytes:
    tx = {
        "to": to,
        "data": data,
        "value": value,
        "gas": 3_000_000,
        "nonce": w3.eth.get_transaction_count(account.address, "pending"),
        "chainId": w3.eth.chain_id,
        "maxPriorityFeePerGas": tip_gwei * GWEI,
        "maxFeePerGas": 100 * GWEI + tip_gwei * GWEI,
    }
    return bytes(w3.eth.send_raw_transaction(account.sign_transaction(tx).raw_transaction))


def _copy(w3: Web3, attacker: LocalAccount, pending_hash: bytes, tip_gwei: int) -> bytes:
    """What a mempool watcher does: resend someone's pending call data from its own account, tipping more."""
    victim = w3.eth.get_transaction(pending_hash)
    return _send(w3, attacker, victim["to"], victim["input"], tip_gwei, value=victim["value"])


def _mine(w3: Web3, *hashes: bytes) -> list[Any]:
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    receipts = [w3.eth.get_transaction_receipt(h) for h in hashes]
    assert len({r["blockNumber"] for r in receipts}) == 1, "the scenario needs one block"
    return receipts


# ------------------------------------------------------------------------------ commit and reveal


def test_reveal_registers_with_the_commits_priority(studio_hub: Hub, studio, w3) -> None:
    work = work_input()
    root, value, commit_block = _commit(studio_hub, [work])
    committed_at = now(w3)
    assert studio_hub.registry.functions.commitmentOf(studio.address, value).call() == [commit_block, committed_at]
    warp(w3, 600)
    receipt = _reveal(studio_hub, root, [work])
    (revealed,) = studio_hub._events(studio_hub.registry, "WorkRevealed", receipt)
    work_id = revealed["args"]["workId"]
    assert revealed["args"]["commitment"] == value
    assert (revealed["args"]["priorityBlock"], revealed["args"]["priorityAt"]) == (commit_block, committed_at)
    assert studio_hub.registration_priority(work.content_digest) == (work_id, commit_block, committed_at)
    info = studio_hub.get_work(work_id)
    assert info.owner == studio.address and info.registered_at > committed_at


def test_one_step_registration_has_its_own_block_as_priority(studio_hub: Hub, w3) -> None:
    work = work_input()
    reg = studio_hub.register_works([work])[0]
    assert studio_hub.registration_priority(work.content_digest) == (reg.work_id, reg.block_number, now(w3))
    assert studio_hub.work_id_by_digest(work.content_digest) == reg.work_id


def test_reveal_fails_without_commit_too_early_or_after_the_window(studio_hub: Hub, w3) -> None:
    work = work_input()
    root = merkle_root([work.content_digest])
    with reverts("CommitmentNotFound"):
        _reveal(studio_hub, root, [work])
    root, value, commit_block = _commit(studio_hub, [work])
    with reverts("RevealTooEarly", commitment=value, committedBlock=commit_block):
        _call_reveal(studio_hub, root, [work])
    warp(w3, WINDOW + 1)
    with reverts("RevealWindowClosed", commitment=value):
        _reveal(studio_hub, root, [work])
    assert studio_hub.work_id_by_digest(work.content_digest) == 0


def test_a_commitment_is_used_once(studio_hub: Hub) -> None:
    work = work_input()
    root, value, _ = _commit(studio_hub, [work])
    with reverts("InvalidCommitment", commitment=value):
        studio_hub._transact(studio_hub.registry, "commitRegistration", value)
    with reverts("InvalidCommitment"):
        studio_hub._transact(studio_hub.registry, "commitRegistration", b"\x00" * 32)
    receipt = _reveal(studio_hub, root, [work])
    (revealed,) = studio_hub._events(studio_hub.registry, "WorkRevealed", receipt)
    with reverts("WorkAlreadyRegistered", existingWorkId=revealed["args"]["workId"]):
        _reveal(studio_hub, root, [work])


def test_a_reveal_of_another_account_finds_no_commitment(studio_hub: Hub, stranger_hub: Hub) -> None:
    work = work_input()
    root, _, _ = _commit(studio_hub, [work])
    with reverts("CommitmentNotFound"):
        _reveal(stranger_hub, root, [work])


def test_batch_commit_reveals_in_several_batches_and_refuses_a_work_not_committed(studio_hub: Hub, w3) -> None:
    works = [work_input() for _ in range(30)]
    digests = [w.content_digest for w in works]
    root, _, commit_block = _commit(studio_hub, works)
    proofs = merkle_proofs(digests)
    first = _reveal(studio_hub, root, works[:17], proofs=proofs[:17])
    second = _reveal(studio_hub, root, works[17:], proofs=proofs[17:])
    ids = [
        e["args"]["workId"] for r in (first, second) for e in studio_hub._events(studio_hub.registry, "WorkRevealed", r)
    ]
    assert ids == list(range(ids[0], ids[0] + 30))
    assert {studio_hub.registration_priority(d)[1] for d in digests} == {commit_block}
    stray = work_input()
    with reverts("InvalidRevealProof", index=0, contentDigest=stray.content_digest):
        _reveal(studio_hub, root, [stray], proofs=[proofs[0]])
    with reverts("InvalidRevealProof", index=2):
        _reveal(studio_hub, root, [stray], proofs=[proofs[0], proofs[1]])


# ------------------------------------------------------------------------------ the earlier commit wins


def test_the_earlier_commit_wins_even_when_it_reveals_later(
    studio_hub: Hub, stranger_hub: Hub, studio, stranger, w3
) -> None:
    """Item 2: the later committer revealed first and held the work; the earlier reveal takes it (same id),
    and the later committer cannot take it back."""
    work = work_input(royalty_bps=500)
    copy = replace(work, content_cid="bafystolen", metadata_cid="bafystolenmeta", royalty_bps=900)
    studio_root, _, studio_block = _commit(studio_hub, [work])
    thief_root, _, thief_block = _commit(stranger_hub, [copy], salt=b"\x22" * 32)
    assert thief_block > studio_block
    thief_reveal = _reveal(stranger_hub, thief_root, [copy], salt=b"\x22" * 32)
    (held,) = stranger_hub._events(stranger_hub.registry, "WorkRevealed", thief_reveal)
    work_id = held["args"]["workId"]
    assert stranger_hub.get_work(work_id).owner == stranger.address

    receipt = _reveal(studio_hub, studio_root, [work])
    (reclaimed,) = studio_hub._events(studio_hub.registry, "WorkReclaimed", receipt)
    assert reclaimed["args"]["workId"] == work_id
    assert (reclaimed["args"]["from"], reclaimed["args"]["to"]) == (stranger.address, studio.address)
    assert reclaimed["args"]["metadataCid"] == work.metadata_cid and reclaimed["args"]["metadataVersion"] == 1
    (split,) = studio_hub._events(studio_hub.registry, "SplitsSet", receipt)
    assert split["args"]["accounts"] == [studio.address]
    assert studio_hub.registry.functions.royaltyInfo(work_id, 10_000).call() == [studio.address, 500]
    info = studio_hub.registry.functions.getWork(work_id).call()
    assert info[0] == studio.address and info[5] == 1
    assert studio_hub.registration_priority(work.content_digest)[:2] == (work_id, studio_block)
    assert studio_hub.registry.functions.totalWorks().call() == work_id  # no second id
    sdk_view = studio_hub.get_work(work_id)  # CIDs from the reclaim, not the thief's registration
    assert (sdk_view.content_cid, sdk_view.metadata_cid) == (work.content_cid, work.metadata_cid)
    with reverts("WorkAlreadyRegistered", existingWorkId=work_id):
        _reveal(stranger_hub, thief_root, [copy], salt=b"\x22" * 32)


def test_a_one_step_registration_loses_to_an_earlier_commit_but_not_to_a_later_one(
    studio_hub: Hub, stranger_hub: Hub, studio, stranger
) -> None:
    early, late = work_input(), work_input()
    root, _, _ = _commit(studio_hub, [early])
    taken = stranger_hub.register_works([early])[0].work_id
    _reveal(studio_hub, root, [early])
    assert studio_hub.get_work(taken).owner == studio.address

    kept = stranger_hub.register_works([late])[0].work_id
    root, _, _ = _commit(studio_hub, [late])
    with reverts("WorkAlreadyRegistered", existingWorkId=kept):
        _reveal(studio_hub, root, [late])
    assert studio_hub.get_work(kept).owner == stranger.address


# ------------------------------------------------------------------------------ mempool scenarios


def test_copied_register_work_front_runs_the_one_step_path(studio_hub: Hub, stranger, studio, w3) -> None:
    """The attack of the issue, kept as a record of why commit–reveal exists: one-step is copyable."""
    work = work_input()
    data = studio_hub.registry.encode_abi("registerWork", args=[work.to_abi(studio.address)])
    with mempool(w3):
        honest = _send(w3, studio, studio_hub.registry.address, data, tip_gwei=1)
        # the attacker's own copy names itself first (LeadOwnerNotCaller otherwise)
        stolen = studio_hub.registry.encode_abi("registerWork", args=[work.to_abi(stranger.address)])
        attack = _send(w3, stranger, studio_hub.registry.address, stolen, tip_gwei=50)
        honest_receipt, attack_receipt = _mine(w3, honest, attack)
    assert attack_receipt["status"] == 1 and honest_receipt["status"] == 0
    assert studio_hub.get_work(studio_hub.work_id_by_digest(work.content_digest)).owner == stranger.address


def test_studio_keeps_its_work_when_its_reveal_is_front_run(studio_hub: Hub, stranger, studio, w3) -> None:
    """Item 7: the studio's pending reveal shows the digest; the attacker copies the reveal (fails: the
    commitment binds the studio) and registers the digest in one step with a higher tip (mined first,
    later priority): the studio's reveal in the same block takes the work."""
    work = work_input()
    root, _, commit_block = _commit(studio_hub, [work])
    data = studio_hub.registry.encode_abi(
        "revealWorks", args=[root, b"\x11" * 32, [work.to_abi(studio.address)], merkle_proofs([work.content_digest])]
    )
    with mempool(w3):
        honest = _send(w3, studio, studio_hub.registry.address, data, tip_gwei=1)
        copied = _copy(w3, stranger, honest, tip_gwei=60)
        one_step = studio_hub.registry.encode_abi("registerWork", args=[work.to_abi(stranger.address)])
        front_run = _send(w3, stranger, studio_hub.registry.address, one_step, tip_gwei=50)
        honest_r, copied_r, front_r = _mine(w3, honest, copied, front_run)
    assert copied_r["status"] == 0 and front_r["status"] == 1 and honest_r["status"] == 1
    assert front_r["transactionIndex"] < honest_r["transactionIndex"]
    work_id = studio_hub.work_id_by_digest(work.content_digest)
    assert studio_hub.get_work(work_id).owner == studio.address
    assert studio_hub.registration_priority(work.content_digest)[1] == commit_block
    (reclaimed,) = studio_hub._events(studio_hub.registry, "WorkReclaimed", honest_r)
    assert reclaimed["args"]["from"] == stranger.address


def _exclusive_terms(offer_terms, work: int) -> Any:
    return offer_terms(work, exclusive=True, supply_cap=1, price=PRICE)


def test_copied_purchase_of_an_open_exclusive_offer_is_stolen(
    studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, buyer, stranger, w3
) -> None:
    """The second attack of the issue, on an offer signed for anyone (an explicit opt-out)."""
    offer = studio_hub.sign_offer(_exclusive_terms(offer_terms, work), nonce=1, deadline=now(w3) + DAY, any_buyer=True)
    data = buyer_hub.market.encode_abi("purchaseSigned", args=[offer.to_abi(), offer.signature, PRICE])
    with mempool(w3):
        honest = _send(w3, buyer, buyer_hub.market.address, data, tip_gwei=1, value=PRICE)
        attack = _copy(w3, stranger, honest, tip_gwei=50)
        honest_r, attack_r = _mine(w3, honest, attack)
    assert attack_r["status"] == 1 and honest_r["status"] == 0


def test_buyer_keeps_its_exclusive_licence_when_its_purchase_is_copied(
    studio_hub: Hub, buyer_hub: Hub, work: int, offer_terms, buyer, stranger, w3
) -> None:
    offer = studio_hub.sign_offer(
        _exclusive_terms(offer_terms, work), nonce=2, deadline=now(w3) + DAY, buyer=buyer.address
    )
    assert offer.buyer == buyer.address
    data = buyer_hub.market.encode_abi("purchaseSigned", args=[offer.to_abi(), offer.signature, PRICE])
    with mempool(w3):
        honest = _send(w3, buyer, buyer_hub.market.address, data, tip_gwei=1, value=PRICE)
        attack = _copy(w3, stranger, honest, tip_gwei=50)
        honest_r, attack_r = _mine(w3, honest, attack)
    assert attack_r["status"] == 0 and honest_r["status"] == 1
    (granted,) = buyer_hub._events(buyer_hub.market, "LicenceGranted", honest_r)
    assert buyer_hub.get_licence(granted["args"]["licenceId"]).holder == buyer.address


def test_a_buyer_bound_offer_refuses_anyone_else(
    studio_hub: Hub, stranger_hub: Hub, work: int, offer_terms, buyer, stranger, w3
) -> None:
    offer = studio_hub.sign_offer(offer_terms(work, supply_cap=3), nonce=3, deadline=now(w3) + DAY, buyer=buyer.address)
    with reverts("NotOfferBuyer", buyer=buyer.address, caller=stranger.address):
        stranger_hub.purchase_signed(offer, max_price=PRICE)
    # the buyer field is signed: dropping it breaks the signature
    with reverts("InvalidSignature"):
        stranger_hub.purchase_signed(replace(offer, buyer="0x" + "00" * 20), max_price=PRICE)


def test_sdk_signs_exclusive_offers_buyer_bound_by_default(studio_hub: Hub, work: int, offer_terms, w3) -> None:
    with pytest.raises(ConfigurationError, match="buyer="):
        studio_hub.sign_offer(_exclusive_terms(offer_terms, work), nonce=4, deadline=now(w3) + DAY)
    with pytest.raises(ConfigurationError, match="not both"):
        studio_hub.sign_offer(
            _exclusive_terms(offer_terms, work), nonce=4, deadline=now(w3) + DAY, buyer="0x" + "11" * 20, any_buyer=True
        )
    open_offer = studio_hub.sign_offer(offer_terms(work, supply_cap=2), nonce=4, deadline=now(w3) + DAY)
    assert int(open_offer.buyer, 16) == 0


# ------------------------------------------------------------------------------ the SDK's default path


def test_sdk_register_commits_and_reveals_and_resumes(studio_hub: Hub, studio, w3, tmp_path) -> None:
    studio_hub.commit_reveal = "on"
    studio_hub.commit_journal = CommitJournal(tmp_path / "commits")
    works = [work_input() for _ in range(3)]
    # a crash after the commit: the journal holds the salt (0600), the reveal resumes with its priority
    pending = studio_hub.commit_registration([w.content_digest for w in works])
    path = tmp_path / "commits" / f"{pending.commitment}.json"
    assert path.stat().st_mode & 0o777 == 0o600
    warp(w3, 60)
    registrations = studio_hub.register_works(works)
    for w, reg in zip(works, registrations, strict=True):
        assert studio_hub.registration_priority(w.content_digest)[:2] == (reg.work_id, pending.commit_block)
    assert not path.exists()  # every work revealed: the salt is no longer needed
    assert studio_hub.get_work(registrations[0].work_id).owner == studio.address
    one = studio_hub.register_work(work_input().content_digest, "bafyone", "bafyonemeta")
    assert studio_hub.registration_priority(studio_hub.get_work(one.work_id).content_digest)[1] < one.block_number


def test_sdk_defaults_to_commit_reveal_except_on_the_devnet() -> None:
    from client_sdk.commit_reveal import use_commit_reveal

    assert use_commit_reveal(31337, "auto") is False
    assert use_commit_reveal(1, "auto") is True
    assert use_commit_reveal(31337, "on") is True and use_commit_reveal(1, "off") is False
    with pytest.raises(ConfigurationError, match="auto, on or off"):
        use_commit_reveal(1, "sometimes")


def test_sdk_resumes_a_commit_that_was_journaled_but_never_sent(studio_hub: Hub, studio, tmp_path) -> None:
    """A kill between writing the salt and sending the commit: the next run finds the entry, sees no
    commitment on chain, sends it, and reveals; the entry then goes away."""
    from client_sdk.commit_reveal import PendingCommit, new_salt

    studio_hub.commit_reveal = "on"
    journal = studio_hub.commit_journal = CommitJournal(tmp_path / "commits")
    works = [work_input(), work_input()]
    salt = new_salt()
    root = merkle_root([w.content_digest for w in works])
    entry = PendingCommit(
        chain_id=studio_hub.w3.eth.chain_id,
        registry=studio_hub.registry.address,
        registrant=studio.address,
        digests=["0x" + w.content_digest.hex() for w in works],
        salt="0x" + salt.hex(),
        commitment="0x" + commitment(studio.address, root, salt).hex(),
    )
    journal.save(entry)
    assert [p.commitment for p in journal.pending(entry.chain_id, entry.registry, studio.address)] == [entry.commitment]
    registrations = studio_hub.register_works(works)
    (_, committed_at) = studio_hub.registry.functions.commitmentOf(
        studio.address, bytes.fromhex(entry.commitment[2:])
    ).call()
    assert committed_at > 0
    assert [studio_hub.registration_priority(w.content_digest)[2] for w in works] == [committed_at] * 2
    assert [r.work_id for r in registrations] == [studio_hub.work_id_by_digest(w.content_digest) for w in works]
    assert journal.pending(entry.chain_id, entry.registry, studio.address) == []
