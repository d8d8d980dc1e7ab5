"""Works: registration (single, batch, derivative), metadata, reads.

A Hub with a content store (``Hub(..., store=...)``) never registers metadata that is stored nowhere:
a metadata document given to :meth:`WorksMixin.register_work` (a :class:`~client_sdk.metadata.WorkMetadata`
or a mapping) is validated and stored first, and a metadata CID given as text must be one the store
holds and whose document follows the schema (:func:`client_sdk.metadata.check_stored`), or the call
raises :class:`~client_sdk.metadata.MetadataNotStored` / :class:`~client_sdk.metadata.InvalidMetadata`
before anything is sent. A Hub without a store cannot check, and sends the CID as given.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from web3 import Web3

from ._base import HubBase
from .chain import gas_limit_for, in_ranges, raise_for_revert, send_transaction
from .commit_reveal import CommitJournal, PendingCommit, commitment, merkle_root, new_salt, use_commit_reveal
from .errors import ConfigurationError, ContractRevert, HubError, WorkNotFound
from .metadata import WorkMetadata, check_stored, store_metadata
from .shapes import AbiStruct
from .terms import Split, WorkInput, WorkStatus


@dataclass(frozen=True)
class Work(AbiStruct, struct="WorkInfo"):
    """A registered work: chain state (``IWorkRegistry.WorkInfo``) plus the CIDs from its events."""

    __not_in_abi__: ClassVar[tuple[str, ...]] = ("work_id", "content_digest", "content_cid", "metadata_cid")

    work_id: int
    owner: str
    content_digest: bytes
    content_cid: str
    metadata_cid: str
    work_type: int
    registered_at: int
    status: WorkStatus = WorkStatus.ACTIVE
    metadata_version: int = 0
    co_owner_count: int = 0


@dataclass(frozen=True)
class Registration:
    work_id: int
    tx_hash: str
    block_number: int
    gas_used: int = 0


#: what a registration's metadata may be given as: a CID the store holds, or a document to store
Metadata = str | WorkMetadata | Mapping[str, Any]


#: Works per ``revealWorks`` transaction when a commitment covers more (the contract allows 256).
REVEAL_CHUNK = 100
#: How long a reveal waits for the block after its commit before giving up (resumable: the salt is kept).
REVEAL_WAIT_SECONDS = 120.0


class WorksMixin(HubBase):
    #: ``auto`` (commit–reveal except on the devnet, chain id 31337), ``on`` or ``off``; ``None``: the
    #: ``COPYRIGHT_HUB_COMMIT_REVEAL`` environment setting, else ``auto``.
    commit_reveal: str | None = None
    #: where salts wait for their reveal (``None``: ``COPYRIGHT_HUB_COMMIT_JOURNAL`` or ``~/.copyright-hub/commits``)
    commit_journal: CommitJournal | None = None

    def _store_name(self) -> str:
        where = getattr(self.store, "root", None) or getattr(self.store, "url", None)
        return f"the content store at {where}" if where else "the configured content store"

    def store_metadata(self, metadata: WorkMetadata | Mapping[str, Any], cid_version: int = 0) -> str:
        """Validate a metadata document, put its canonical JSON into this Hub's store; returns its CID."""
        if self.store is None:
            raise ConfigurationError(
                "this Hub has no content store to put metadata in; pass store= to Hub or Hub.connect"
            )
        return store_metadata(self.store, metadata, cid_version)

    def _metadata_cid(self, metadata: Metadata) -> str:
        """The CID to register: a document stored now, or a given CID checked against the store."""
        if not isinstance(metadata, str):
            return self.store_metadata(metadata)
        if self.store is not None:
            check_stored(self.store, metadata, self._store_name())
        return metadata

    def register_work(
        self,
        content_digest: bytes,
        content_cid: str,
        metadata_cid: Metadata,
        work_type: int = 0,
        *,
        splits: Sequence[Split] = (),
        parents: Sequence[int] = (),
        parent_licences: Sequence[int] = (),
        royalty_bps: int = 0,
    ) -> Registration:
        """Register a work owned by this Hub's account; reverts raise typed errors and change nothing.

        ``metadata_cid``: a CID, or the document itself (stored first; needs a store). With a store, a
        CID the store lacks or whose document is invalid is refused (see the module docstring).
        ``splits`` empty means the account takes 10,000 bps; otherwise ``splits[0]`` must be the account.
        ``parent_licences[i]`` is 0 when the account owns ``parents[i]``, else an adaptation licence id.
        """
        _check_digest(content_digest)
        work = WorkInput(
            content_digest,
            content_cid,
            self._metadata_cid(metadata_cid),
            work_type,
            royalty_bps,
            tuple(splits),
            tuple(parents),
            tuple(parent_licences),
        )
        return self._register_one(work)

    def _register_one(self, work: WorkInput) -> Registration:
        _check_digest(work.content_digest)
        if self.uses_commit_reveal():
            return self.register_committed([work])[0]
        receipt = self._transact(self.registry, "registerWork", work.to_abi(self._signer().address))
        (event,) = self._events(self.registry, "WorkRegistered", receipt)
        return Registration(event["args"]["workId"], self._tx_hash(receipt), receipt["blockNumber"], receipt["gasUsed"])

    def register_works(self, works: Sequence[WorkInput]) -> list[Registration]:
        """Register a catalogue in one transaction (ids are consecutive, in order); each work's
        metadata CID is checked against the store as in :meth:`register_work`. Each registration's
        ``gas_used`` is its share of the transaction's (:func:`gas_shares` by what registering it alone
        is estimated to cost, as register-many reports), so the shares add up to the receipt's."""
        for w in works:
            _check_digest(w.content_digest)
        works = [replace(w, metadata_cid=self._metadata_cid(w.metadata_cid)) for w in works]
        if self.uses_commit_reveal():
            return self.register_committed(works)
        caller = self._signer().address
        weights = [0] * len(works)  # all zero: equal shares
        if len(works) > 1:
            # a work alone may revert where the batch does not (its parent registered earlier in the
            # batch); the batch's own revert, if any, comes from the transaction below
            with contextlib.suppress(HubError):
                weights = [self.estimate_registration([w], caller) for w in works]
        receipt = self._transact(self.registry, "registerWorks", [w.to_abi(caller) for w in works])
        events = self._events(self.registry, "WorkRegistered", receipt)
        shares = gas_shares(int(receipt["gasUsed"]), weights)
        return [
            Registration(e["args"]["workId"], self._tx_hash(receipt), receipt["blockNumber"], gas)
            for e, gas in zip(events, shares, strict=True)
        ]

    # -- commit–reveal (issue 14) -----------------------------------------------------------------

    def uses_commit_reveal(self) -> bool:
        """Whether :meth:`register_work` / :meth:`register_works` commit first (see :attr:`commit_reveal`)."""
        return use_commit_reveal(int(self.w3.eth.chain_id), self.commit_reveal)

    def _journal(self) -> CommitJournal:
        if self.commit_journal is None:
            self.commit_journal = CommitJournal()
        return self.commit_journal

    def commit_registration(self, content_digests: Sequence[bytes]) -> PendingCommit:
        """Commit to registering ``content_digests`` (one transaction however many): the salt is written
        to the journal (fsynced, 0600) before the commit is sent, so a crash at any point resumes."""
        for d in content_digests:
            _check_digest(d)
        me = self._signer().address
        salt = new_salt()
        root = merkle_root(list(content_digests))
        pending = PendingCommit(
            chain_id=int(self.w3.eth.chain_id),
            registry=self.registry.address,
            registrant=me,
            digests=["0x" + d.hex() for d in content_digests],
            salt="0x" + salt.hex(),
            commitment="0x" + commitment(me, root, salt).hex(),
        )
        self._journal().save(pending)
        return self._send_commit(pending)

    def _send_commit(self, pending: PendingCommit) -> PendingCommit:
        receipt = self._transact(self.registry, "commitRegistration", bytes.fromhex(pending.commitment[2:]))
        (event,) = self._events(self.registry, "RegistrationCommitted", receipt)
        pending.commit_tx = self._tx_hash(receipt)
        pending.commit_block = int(event["args"]["blockNumber"])
        pending.committed_at = int(event["args"]["committedAt"])
        self._journal().save(pending)
        return pending

    def _settle_commit(self, pending: PendingCommit) -> PendingCommit:
        """A journal entry whose commit may or may not have been mined: ask the chain, send it if not."""
        if pending.commit_block:
            return pending
        fn = self.registry.functions.commitmentOf(pending.registrant, bytes.fromhex(pending.commitment[2:]))
        block, at = self._call(fn)
        if block == 0:
            return self._send_commit(pending)
        pending.commit_block, pending.committed_at = int(block), int(at)
        self._journal().save(pending)
        return pending

    def reveal_registration(self, pending: PendingCommit, works: Sequence[WorkInput]) -> list[Registration]:
        """Reveal ``works`` (all in ``pending``) from the block after the commit, in transactions of
        :data:`REVEAL_CHUNK`; the journal records each revealed digest. A work this account already
        holds with the commitment's priority (a reveal whose answer was lost) is returned, not resent."""
        me = self._signer().address
        pending = self._settle_commit(pending)
        salt = bytes.fromhex(pending.salt[2:])
        root = pending.root
        results: dict[bytes, Registration] = {}
        todo: list[WorkInput] = []
        for w in works:
            work_id, priority_block, _at = self._call(self.registry.functions.registrationPriority(w.content_digest))
            if work_id and priority_block == pending.commit_block:
                owner = self._call(self.registry.functions.ownerOf(work_id))
                if int(owner, 16) == int(me, 16):
                    results[w.content_digest] = Registration(int(work_id), "", 0, 0)
                    continue
            todo.append(w)
        for start in range(0, len(todo), REVEAL_CHUNK):
            chunk = todo[start : start + REVEAL_CHUNK]
            proofs = pending.proofs_for([w.content_digest for w in chunk])
            args = (root, salt, [w.to_abi(me) for w in chunk], proofs)
            try:
                receipt = self._send_reveal(*args)
            except ContractRevert as exc:
                if exc.error_name != "RevealTooEarly":
                    raise
                self._wait_for_block(pending.commit_block + 1)
                receipt = self._send_reveal(*args)
            events = self._events(self.registry, "WorkRevealed", receipt)
            shares = gas_shares(int(receipt["gasUsed"]), [0] * len(chunk))
            for w, e, gas in zip(chunk, events, shares, strict=True):
                results[w.content_digest] = Registration(
                    int(e["args"]["workId"]), self._tx_hash(receipt), receipt["blockNumber"], gas
                )
            pending.revealed.extend("0x" + w.content_digest.hex() for w in chunk)
            self._journal().save(pending)
        pending.revealed = sorted(set(pending.revealed) | {"0x" + d.hex() for d in results})
        if pending.done:
            self._journal().forget(pending)
        else:
            self._journal().save(pending)
        return [results[w.content_digest] for w in works]

    def register_committed(self, works: Sequence[WorkInput]) -> list[Registration]:
        """Commit then reveal ``works``; an unfinished commitment in the journal that covers them all is
        resumed (its earlier priority stands) instead of committing again."""
        me = self._signer().address
        digests = [w.content_digest for w in works]
        pending = self._journal().find(int(self.w3.eth.chain_id), self.registry.address, me, digests)
        if pending is None:
            pending = self.commit_registration(digests)
        return self.reveal_registration(pending, works)

    def _send_reveal(self, root: bytes, salt: bytes, inputs: list[Any], proofs: list[list[bytes]]) -> Any:
        """Send ``revealWorks``, simulated first on the pending block (the one it will be mined in): on the
        latest block, right after the commit, the commit's own block would refuse it."""
        from web3.exceptions import ContractCustomError, ContractLogicError, Web3RPCError

        account = self._signer()
        data = self.registry.encode_abi("revealWorks", args=[root, salt, inputs, proofs])
        tx = {"from": account.address, "to": self.registry.address, "data": data}
        try:
            estimate = int(self.w3.eth.estimate_gas(tx, "pending"))  # type: ignore[arg-type]
        except (ContractCustomError, ContractLogicError, Web3RPCError) as exc:
            raise_for_revert(exc)
            raise
        return send_transaction(self.w3, account, {**tx, "gas": gas_limit_for(estimate)})

    def _wait_for_block(self, number: int) -> None:
        """Wait until the head reaches ``number``: for nodes that simulate on the latest block even when
        asked for the pending one. Bounded; the salt stays in the journal if the chain does not move."""
        deadline = time.monotonic() + REVEAL_WAIT_SECONDS
        while self.w3.eth.block_number < number:
            if time.monotonic() > deadline:
                raise HubError(
                    f"the chain did not reach block {number} within {REVEAL_WAIT_SECONDS:.0f}s; the salt is "
                    "kept in the commit journal: run the registration again to reveal"
                )
            time.sleep(1.0)

    def registration_priority(self, content_digest: bytes) -> tuple[int, int, int]:
        """``(work id, priority block, priority time)`` of a digest (``(0, 0, 0)``: not registered)."""
        work_id, block, at = self._call(self.registry.functions.registrationPriority(content_digest))
        return int(work_id), int(block), int(at)

    def estimate_registration(self, works: Sequence[WorkInput], account: str) -> int:
        """Gas ``registerWorks(works)`` sent by ``account`` is estimated to use; a revert raises its typed error."""
        from web3.exceptions import ContractCustomError, ContractLogicError, Web3RPCError

        data = self.registry.encode_abi("registerWorks", args=[[w.to_abi(account) for w in works]])
        try:
            return int(self.w3.eth.estimate_gas({"from": account, "to": self.registry.address, "data": data}))
        except (ContractCustomError, ContractLogicError, Web3RPCError) as exc:
            raise_for_revert(exc)
            raise

    def update_metadata(self, work_id: int, metadata_cid: Metadata) -> int:
        """Publish a new metadata CID or document (owner only; checked or stored as in
        :meth:`register_work`); returns the new version."""
        receipt = self._transact(self.registry, "updateMetadata", work_id, self._metadata_cid(metadata_cid))
        (event,) = self._events(self.registry, "MetadataUpdated", receipt)
        return int(event["args"]["version"])

    def get_work(self, work_id: int) -> Work:
        """The work as stored on chain, with CIDs from its events; :class:`WorkNotFound` if it does not exist."""
        info = Work.__struct__.from_abi(self._call(self.registry.functions.getWork(work_id)))
        head = self.w3.eth.block_number
        registered, updated = self.registry.events.WorkRegistered(), self.registry.events.MetadataUpdated()
        by_work = {"workId": work_id}
        logs = in_ranges(  # a public gateway caps each eth_getLogs range
            lambda a, b: registered.get_logs(from_block=a, to_block=b, argument_filters=by_work),
            self._from_block, head, first_only=True,
        )  # fmt: skip
        if not logs:
            raise WorkNotFound("WorkNotFound", {"workId": work_id})
        reg = logs[0]["args"]
        content_cid, metadata_cid, base_version = reg["contentCid"], reg["metadataCid"], 0
        if info["metadata_version"]:
            # an earlier commitment may have taken the work (WorkReclaimed): its CIDs replace the registrant's
            reclaimed = self.registry.events.WorkReclaimed()
            reclaims = in_ranges(
                lambda a, b: reclaimed.get_logs(from_block=a, to_block=b, argument_filters=by_work),
                self._from_block,
                head,
            )
            if reclaims:
                last = max(reclaims, key=lambda e: e["args"]["metadataVersion"])["args"]
                content_cid, metadata_cid = last["contentCid"], last["metadataCid"]
                base_version = last["metadataVersion"]
            updates = in_ranges(
                lambda a, b: updated.get_logs(from_block=a, to_block=b, argument_filters=by_work),
                self._from_block,
                head,
            )
            updates = [e for e in updates if e["args"]["version"] > base_version]
            if updates:
                metadata_cid = max(updates, key=lambda e: e["args"]["version"])["args"]["metadataCid"]
        return Work(
            work_id=work_id,
            content_digest=bytes(reg["contentDigest"]),
            content_cid=content_cid,
            metadata_cid=metadata_cid,
            **{**info, "status": WorkStatus(info["status"])},
        )

    def works_owned_by(self, account: str) -> list[int]:
        """Ids of the works whose token ``account`` holds now (it is their lead owner), ascending.

        Read from the chain: the registry's ``Transfer`` logs to ``account`` (a registration mints one)
        name the candidates, and ``ownerOf`` keeps those it still holds. Co-owners named only in a
        work's splits are not listed."""
        me = Web3.to_checksum_address(account)
        candidates = {int(e["args"]["id"]) for e in self._logs(self.registry, "Transfer", to=me)}
        return sorted(w for w in candidates if self._call(self.registry.functions.ownerOf(w)) == me)

    def splits_of(self, work_id: int) -> list[Split]:
        """The work's owners and revenue shares now: the lead owner first (the rest of 10,000 bps)."""
        _status, lead, co_owners, bps = self._call(self.registry.functions.payees(work_id))
        shares = [Split(Web3.to_checksum_address(a), int(b)) for a, b in zip(co_owners, bps, strict=True)]
        return [Split(Web3.to_checksum_address(lead), 10_000 - sum(s.bps for s in shares)), *shares]

    def royalty_of(self, work_id: int) -> tuple[str, int]:
        """``(receiver, bps)`` of the work's resale royalty (EIP-2981; set at registration, 0 bps: none)."""
        receiver, amount = self._call(self.registry.functions.royaltyInfo(work_id, 10_000))
        return Web3.to_checksum_address(receiver), int(amount)

    def parents_of(self, work_id: int) -> tuple[list[int], list[int]]:
        """``(parents, parent_licences)`` a derivative work named at registration (empty: an original)."""
        logs = self._logs(self.registry, "ParentsSet", workId=work_id)
        if not logs:
            return [], []
        args = logs[-1]["args"]
        return [int(p) for p in args["parents"]], [int(p) for p in args["parentLicences"]]

    def work_id_by_digest(self, content_digest: bytes) -> int:
        """The work registered for a content digest, or 0."""
        return int(self._call(self.registry.functions.workIdByDigest(content_digest)))

    def transfer_work(self, work_id: int, to: str) -> str:
        """Assign the work (and its lead share) to ``to``; returns the tx hash."""
        me = self._signer().address
        receipt = self._transact(self.registry, "transferFrom", me, Web3.to_checksum_address(to), work_id)
        return self._tx_hash(receipt)


def gas_shares(gas_used: int, estimates: Sequence[int]) -> list[int]:
    """``gas_used`` split in proportion to ``estimates`` (largest remainders), summing to ``gas_used``;
    equal shares when no estimate is positive."""
    total = sum(estimates)
    if not estimates:
        return []
    if total <= 0:
        estimates, total = [1] * len(estimates), len(estimates)
    raw = [gas_used * e for e in estimates]
    shares = [r // total for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] % total, reverse=True)
    for i in order[: gas_used - sum(shares)]:
        shares[i] += 1
    return shares


def _check_digest(digest: bytes) -> None:
    if len(digest) != 32:
        raise ConfigurationError(f"content_digest must be 32 bytes (sha256), got {len(digest)}")
