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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from web3 import Web3

from ._base import HubBase
from .chain import in_ranges, raise_for_revert
from .errors import ConfigurationError, HubError, WorkNotFound
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


class WorksMixin(HubBase):
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
        metadata_cid = reg["metadataCid"]
        if info["metadata_version"]:
            updates = in_ranges(
                lambda a, b: updated.get_logs(from_block=a, to_block=b, argument_filters=by_work),
                self._from_block,
                head,
            )
            if updates:
                metadata_cid = max(updates, key=lambda e: e["args"]["version"])["args"]["metadataCid"]
        return Work(
            work_id=work_id,
            content_digest=bytes(reg["contentDigest"]),
            content_cid=reg["contentCid"],
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
